"""The xlwings Lite recipe: written by the CLI, imports with the report stack absent, same functions."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from cs_reports import __version__
from cs_reports.cli import main
from cs_reports.excel.functions import REGISTRY, call
from tests.conftest import block_imports

# Lite runs in Pyodide: none of these exist there (xlwings is Lite's own module, stubbed below).
BLOCKED = ["weasyprint", "jinja2", "openpyxl", "python_calamine", "babel", "defusedxml", "xlwings"]

SAMPLES = {
    "CS_NPS": [[[10.0], [None], [9.0], [""], [3.0]]],
    "CS_NPS_CI": [[10.0, 9.0, 0.0, 7.0], 0.9],
    "CS_ARPA": [[100.0, None, 300.0]],
    "CS_CLV": ["discounted", 100.0, 0.02, 0.01, 0.8],
    "CS_SBG_FIT": [[1000.0, 631.0, 468.0, 382.0, 326.0]],
    "CS_TOUCH_MODEL": [250000.0],
}


def test_cli_writes_the_recipe(tmp_path, capsys):
    assert main(["excel", "lite-recipe", str(tmp_path / "lite")]) == 0
    assert (tmp_path / "lite" / "main.py").read_text().startswith('"""cs-reports CS_ functions for xlwings Lite')
    assert (tmp_path / "lite" / "requirements.txt").read_text().splitlines()[-1] == f"cs-reports=={__version__}"
    assert main(["excel", "lite-recipe", str(tmp_path / "w"), "--wheel", "https://example.org/cs_reports.whl"]) == 0
    assert "https://example.org/cs_reports.whl" in (tmp_path / "w" / "requirements.txt").read_text()
    assert "wrote" in capsys.readouterr().out


def test_recipe_registers_the_same_functions_without_the_report_stack(tmp_path):
    main(["excel", "lite-recipe", str(tmp_path)])
    code = block_imports(BLOCKED) + textwrap.dedent(
        f"""
        import json, runpy, sys, types

        # xlwings Lite's decorators: func registers, arg documents an argument by name.
        registered, docs = {{}}, {{}}
        lite = types.ModuleType("xlwings")
        def func(f=None, **options):
            def inner(f):
                registered[f.__name__] = f
                return f
            return inner(f) if f is not None else inner
        def arg(name, convert=None, **options):
            def inner(f):
                import inspect
                assert name in inspect.signature(f).parameters, (f.__name__, name)
                docs.setdefault(f.__name__, []).append(name)
                return f
            return inner
        lite.func, lite.arg, lite.ret = func, arg, lambda *a, **k: (lambda f: f)
        sys.modules["xlwings"] = lite

        namespace = runpy.run_path({str(tmp_path / "main.py")!r})
        samples = json.loads({json.dumps(SAMPLES)!r})
        results = {{name: namespace[name](*args) for name, args in samples.items()}}
        loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set(BLOCKED) - {{"xlwings"}})
        print(json.dumps({{"names": sorted(registered), "docs": docs, "results": results, "loaded": loaded}}))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["names"] == sorted(REGISTRY)
    assert out["loaded"] == []
    for name, entry in REGISTRY.items():
        assert out["docs"][name] == [a for a, _ in entry.args]
    for name, args in SAMPLES.items():
        expected = json.loads(json.dumps(call(name, *args)))
        assert out["results"][name] == expected, name
