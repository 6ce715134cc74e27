"""recalc's pieces that need no LibreOffice: soffice's environment, the Basic module, the error-cell scan, booleans."""

from __future__ import annotations

import os
import zipfile

from openpyxl import Workbook, load_workbook

from cs_reports.excel.libreoffice import basic_module, soffice_environment
from cs_reports.excel.recalc import _keep_booleans, error_cells


def test_soffice_environment_drops_python_variables_and_virtualenv_folders(tmp_path):
    venv, conda, plain = tmp_path / "venv", tmp_path / "conda", tmp_path / "tools"
    for folder in (venv / "bin", conda / "bin", conda / "conda-meta", plain / "bin"):
        folder.mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /somewhere/else/bin\n")
    path = os.pathsep.join([str(venv / "bin"), str(conda / "bin"), str(plain / "bin"), "/usr/bin", "/bin"])
    env = soffice_environment(
        {
            "PATH": path,
            "VIRTUAL_ENV": str(venv),
            "PYTHONPATH": "/x",
            "PYTHONHOME": "/y",
            "PYTHONSTARTUP": "/z",
            "CONDA_PREFIX": str(conda),
            "HOME": "/home/u",
            "LANG": "pt_BR.UTF-8",
        }
    )
    assert env["PATH"].split(os.pathsep) == [str(plain / "bin"), "/usr/bin", "/bin"]
    assert {k: env[k] for k in sorted(env) if k != "PATH"} == {"HOME": "/home/u", "LANG": "pt_BR.UTF-8"}


def test_the_basic_module_looks_the_bridge_up_once_per_run():
    """A factory, a provider and getScript per CS_ cell cost ~0.5 ms of its ~0.75 ms (2,000 cells: 3.0 s -> 1.95 s).

    The script is kept in a ``Global`` (a module's ``Dim``/``Private`` is reset when each cell's
    call ends); the recalc tests run every CS_ function through it.
    """
    text = basic_module()
    assert "\nGlobal oCsBridge As Object\n" in text
    assert text.count("getScript(") == 1
    lookup = text.split("    If IsNull(oCsBridge) Then\n", 1)[1].split("    End If\n", 1)[0]
    assert "oCsBridge = oProvider.getScript(" in lookup
    assert "oCsBridge.invoke(" in text


def _xlsx_with_errors(path):
    wb = Workbook()
    ws = wb.active
    ws.title = "MRR bridge"
    ws["A1"] = 1.0
    ws["B2"] = "#N/A CS_NPS: there are no answers."  # a CS_ error text (shared string)
    ws["C3"] = "Err:502"  # LibreOffice's error text
    ws["D4"] = "#N/A is how we write 'not applicable'"  # a user's text, not an error
    ws["E5"] = True
    other = wb.create_sheet("Data")
    other["A1"] = "fine"
    wb.save(path)
    # An error value as Excel and LibreOffice store it (t="e"), which calamine reads as empty.
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    sheet = parts["xl/worksheets/sheet2.xml"].decode()
    sheet = sheet.replace("</sheetData>", '<row r="9"><c r="C9" t="e"><f>1/0</f><v>#DIV/0!</v></c></row></sheetData>')
    parts["xl/worksheets/sheet2.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def test_error_cells_lists_error_values_err_codes_and_cs_texts_in_sheet_order(tmp_path):
    path = _xlsx_with_errors(tmp_path / "book.xlsx")
    assert error_cells(path) == (
        "'MRR bridge'!B2: #N/A CS_NPS: there are no answers.",
        "'MRR bridge'!C3: Err:502",
        "Data!C9: #DIV/0!",
    )


def test_boolean_constants_lose_the_true_formula_libreoffice_adds(tmp_path):
    wb = Workbook()
    wb.active["A1"], wb.active["A2"], wb.active["A3"] = True, False, "=1+1"
    path = tmp_path / "b.xlsx"
    wb.save(path)
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    # What LibreOffice writes for a TRUE/FALSE constant.
    sheet = sheet.replace('<c r="A1" t="b"><v>1</v></c>', '<c r="A1" t="b"><f aca="false">TRUE()</f><v>1</v></c>')
    sheet = sheet.replace('<c r="A2" t="b"><v>0</v></c>', '<c r="A2" t="b"><f>FALSE()</f><v>0</v></c>')
    assert "TRUE()" in sheet
    assert "FALSE()" in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    _keep_booleans(parts)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    ws = load_workbook(path).active
    assert (ws["A1"].value, ws["A2"].value, ws["A3"].value) == (True, False, "=1+1")
