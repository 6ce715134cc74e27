"""The LibreOffice Calc macro, run headless in a real LibreOffice on the real workbook.

A driver script in the same profile opens the workbook (hidden), selects a cell on the Accounts
sheet, gives the macro its ``XSCRIPTCONTEXT`` and calls ``qbr_for_selected_client`` as Calc's
*Run Macro* does; the message box and the system viewer are replaced by recorders (headless
LibreOffice has neither). Everything else is real: the copy of the open document, the
``cs-reports run --qbr-for`` it starts with this interpreter, the PDF.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cs_reports._soffice import find_soffice
from cs_reports.cli import main
from cs_reports.errors import CsReportsError
from cs_reports.excel.libreoffice_macro import MACRO_NAME, macro_script, profile_scripts_dir, write_macro
from cs_reports.excel.template import ACCOUNTS_FIRST_ROW


def _soffice() -> str | None:
    try:
        return find_soffice()
    except CsReportsError:
        return None


DRIVER = """\
import importlib.util, json, os, traceback
import uno


def _prop(name, value):
    p = uno.createUnoStruct("com.sun.star.beans.PropertyValue")
    p.Name, p.Value = name, value
    return p


def main(*args):
    out = os.environ["CS_TEST_OUT"]
    result = {"runs": []}
    desktop = None
    try:
        ctx = uno.getComponentContext()
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        url = uno.systemPathToFileUrl(os.environ["CS_TEST_BOOK"])
        doc = desktop.loadComponentFromURL(url, "_blank", 0, (_prop("Hidden", True),))
        spec = importlib.util.spec_from_file_location("cs_macro", os.environ["CS_TEST_MACRO"])
        macro = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(macro)

        class Context:
            def getDocument(self):
                return doc

        macro.XSCRIPTCONTEXT = Context()
        for sheet, cell in json.loads(os.environ["CS_TEST_CELLS"]):
            opened, messages = [], []
            macro._open = opened.append
            macro._message = lambda d, text, error=True: messages.append(text)
            target = doc.getSheets().getByName(sheet).getCellRangeByName(cell)
            doc.getCurrentController().select(target)
            macro.qbr_for_selected_client()
            result["runs"].append({"opened": opened, "messages": messages})
        doc.close(True)
    except Exception:
        result["error"] = traceback.format_exc()
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(result, fh)
    if desktop is not None:
        desktop.terminate()
"""

BASIC = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">\n'
    '<script:module xmlns:script="http://openoffice.org/2000/script" script:name="CsTest" script:language="StarBasic">'
    "Sub Main\n"
    "    oFactory = GetProcessServiceManager().createInstance(&quot;com.sun.star.script.provider.MasterScriptProviderFactory&quot;)\n"
    "    oScript = oFactory.createScriptProvider(&quot;&quot;).getScript(&quot;vnd.sun.star.script:cs_test_driver.py$main?language=Python&amp;location=user&quot;)\n"
    "    oScript.invoke(Array(), Array(), Array())\n"
    "End Sub\n</script:module>\n"
)
LIBRARY = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">\n'
    '<library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard" '
    'library:readonly="false" library:passwordprotected="false">\n <library:element library:name="CsTest"/>\n'
    "</library:library>\n"
)


def test_the_macro_is_written_into_the_profile_with_this_interpreter(tmp_path):
    path = write_macro(tmp_path / "Meus Macros")
    assert path.name == MACRO_NAME
    text = path.read_text(encoding="utf-8")
    assert text == macro_script()
    compile(text, str(path), "exec")
    assert "g_exportedScripts = (qbr_for_selected_client,)" in text
    env = {"HOME": "/home/ana", "APPDATA": "C:/Users/Ana/AppData/Roaming"}
    assert profile_scripts_dir("linux", env) == Path("/home/ana/.config/libreoffice/4/user/Scripts/python")
    assert profile_scripts_dir("win32", env) == Path("C:/Users/Ana/AppData/Roaming/LibreOffice/4/user/Scripts/python")
    assert "Library/Application Support/LibreOffice/4/user/Scripts/python" in str(profile_scripts_dir("darwin", env))


@pytest.mark.libreoffice
@pytest.mark.slow
@pytest.mark.skipif(_soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_qbr_for_the_selected_client_in_headless_calc(tmp_path, small_book_path):
    from cs_reports.excel.libreoffice import initialised_profile, run_soffice

    soffice = _soffice()
    folder = tmp_path / "Área de Trabalho" / "Relatórios CS"
    folder.mkdir(parents=True)
    book = folder / "cs métricas.xlsx"
    assert main(["excel", "new-workbook", str(book), "--data", str(small_book_path), "--month", "2026-09"]) == 0
    before = book.read_bytes()
    profile = tmp_path / "profile"
    shutil.copytree(initialised_profile(soffice, 300), profile, symlinks=True)
    scripts = profile / "user" / "Scripts" / "python"
    macro = write_macro(scripts)
    (scripts / "cs_test_driver.py").write_text(DRIVER, encoding="utf-8")
    basic = profile / "user" / "basic" / "Standard"
    (basic / "script.xlb").write_text(LIBRARY, encoding="utf-8")
    (basic / "CsTest.xba").write_text(BASIC, encoding="utf-8")
    out = tmp_path / "result.json"
    # the third client's row: C0003 paid in 2026Q3 (C0002 of the 12-client sample left in June)
    cells = [["Accounts", f"C{ACCOUNTS_FIRST_ROW + 2}"], ["Dashboard", "C4"]]
    done = run_soffice(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "macro:///Standard.CsTest.Main",
        ],
        600,
        tmp_path / "scratch",
        {
            "CS_TEST_OUT": str(out),
            "CS_TEST_BOOK": str(book),
            "CS_TEST_MACRO": str(macro),
            "CS_TEST_CELLS": json.dumps(cells),
        },
    )
    assert out.is_file(), f"the driver did not run: {done.returncode} {done.stdout} {done.stderr}"
    result = json.loads(out.read_text(encoding="utf-8"))
    assert "error" not in result, result["error"]
    qbr, wrong = result["runs"]
    assert qbr["messages"] == []
    (pdf,) = qbr["opened"]
    assert Path(pdf).parent == folder / "reports"  # the sheet's output folder, beside the real workbook
    assert pdf.endswith("_2026q3_qbr-client_pt-br.pdf")
    assert Path(pdf).read_bytes()[:5] == b"%PDF-"
    assert wrong == {
        "opened": [],
        "messages": [
            f"error: Select a client's row on the 'Accounts' sheet (row {ACCOUNTS_FIRST_ROW} and below); "
            "the selection is Dashboard!row 4."
        ],
    }
    assert book.read_bytes() == before, "the user's workbook was modified"
