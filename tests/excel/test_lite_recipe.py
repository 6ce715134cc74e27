"""The xlwings Lite recipe: main.py carries the core, runs where cs_reports is not importable, same results.

The recipe is run in a fresh Python process in which ``import cs_reports`` fails (a
meta-path blocker, checked before main.py runs) and the report stack is absent, with
stand-ins for xlwings Lite's ``func``/``arg``/``ret`` decorators that record what Lite
would register (xlwings Lite's own dispatcher lives in ``xlwings.pro``, which is not under
the BSD licence; docs/excel.md says so). Expected values are the installed package's
``call(name, *args)`` on the same arguments, with each error line reduced to its code.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from cs_reports.cli import main
from cs_reports.excel.functions import REGISTRY, call, split_error
from cs_reports.excel.lite import bundle_sources
from tests.conftest import block_imports

# Lite runs in Pyodide: none of these exist there (xlwings is Lite's own module, stubbed below).
BLOCKED = ["weasyprint", "jinja2", "openpyxl", "python_calamine", "babel", "defusedxml", "xlwings", "cs_reports"]

# Months as Excel serial numbers (what Office.js hands over): 2026-01-01 = 46023.
JAN, FEB, MAR = 46023.0, 46054.0, 46082.0
IDS = [["a"], ["b"], ["a"], ["b"], ["c"], ["a"], ["c"]]
MONTHS = [[JAN], [JAN], [FEB], [FEB], [FEB], [MAR], [MAR]]
MRR = [[100.0], [50.0], [120.0], [50.0], [30.0], [120.0], [40.0]]

# One valid call per function (all 34), plus error cases; each value is a list of call argument lists.
SAMPLES: dict[str, list[list]] = {
    "CS_NPS": [[[[10.0], [None], [9.0], [""], [3.0]]], [[10.0, 11.0]], [[]], [[10.0], 5.0]],
    "CS_NPS_CI": [[[10.0, 9.0, 0.0, 7.0], 0.9]],
    "CS_CSAT": [[[5.0, 4.0, 2.0, None], None, None, None]],
    "CS_CES": [[[7.0, 6.0, 2.0], "mean", None, None]],
    "CS_CHURN_RATE": [[3.0, 60.0], [0.0, 0.0]],
    "CS_LOGO_CHURN": [[IDS, MONTHS, MRR, FEB, MAR, None]],
    "CS_MEAN_MONTHLY_CHURN": [[IDS, MONTHS, MRR, MAR, 2.0, None], [IDS, MONTHS, MRR, MAR, None, "include"]],
    "CS_REVENUE_CHURN": [[1000.0, 50.0, 20.0, 30.0, 5.0, "net"]],
    "CS_NET_CHURN": [[1000.0, 50.0, 20.0, 30.0, None]],
    "CS_RENEWAL_RATE": [[["renewed", "churned", "pending", "renewed"]]],
    "CS_RETENTION": [[100.0, 95.0, 10.0]],
    "CS_GRR": [[IDS, MONTHS, MRR, MAR, 2.0]],
    "CS_NRR": [[IDS, MONTHS, MRR, MAR, 2.0]],
    "CS_MRR_MOVEMENTS": [[IDS, MONTHS, MRR]],
    "CS_ARR": [[[100.0, 200.0]]],
    "CS_ARPA": [[[100.0, None, 300.0]]],
    "CS_QUICK_RATIO": [[100.0, 50.0, 30.0, 20.0, None]],
    "CS_CLV": [["discounted", 100.0, 0.02, 0.01, 0.8], ["margin_churn", 100.0, 0.02, 0.7, None]],
    "CS_LTV_CAC": [[3000.0, 1000.0]],
    "CS_CAC_PAYBACK": [[1200.0, 100.0, 0.8]],
    "CS_TMR": [[[JAN, JAN + 1], [JAN + 0.5, None], "median"]],
    "CS_ADOPTION": [[[8.0, 2.0], [10.0, 10.0]]],
    "CS_CONVERSION": [[3.0, 10.0]],
    "CS_HEALTH": [[[80.0, None, 40.0], [0.5, 0.3, 0.2], ["usage", "nps", "support"]]],
    "CS_HEALTH_SCORE": [[[80.0, None, 40.0], [0.5, 0.3, 0.2]]],
    "CS_PARETO": [[[100.0, 10.0, 10.0, 5.0, 1.0], 0.2]],
    "CS_TOUCH_MODEL": [[250000.0, None]],
    "CS_LTV_TIER": [[[[9000.0], [100.0], [5000.0], [50.0], [10.0]], [[0.0], [0.5], [0.1], [0.0], [None]], None, None]],
    "CS_CAPACITY": [[[["high"], ["mid"], ["low"], ["tech"], ["mid"]], 2.0, None, None]],
    "CS_COHORTS": [[IDS, MONTHS, MRR, "logo", 2.0]],
    "CS_SBG_FIT": [[[1000.0, 631.0, 468.0, 382.0, 326.0]]],
    "CS_SBG_SURVIVAL": [[0.704, 1.182, [[0.0], [1.0], [2.0]]]],
    "CS_DERL": [[0.704, 1.182, 0.1, 1.0]],
    "CS_EXPLAIN": [["CS_NPS", [10.0, 11.0]], ["cs_arpa", [100.0]], ["CS_NOPE"]],
}


def _expected(name: str, args: list):
    """The package's result as Lite returns it: an error line becomes its bare code."""
    result = call(name, *args)
    parts = split_error(result)
    return json.loads(json.dumps(parts[0] if parts else result, default=str))


def test_cli_writes_main_py_with_the_core_and_only_pyodide_requirements(tmp_path, capsys):
    assert main(["excel", "lite-recipe", str(tmp_path / "lite")]) == 0
    text = (tmp_path / "lite" / "main.py").read_text()
    assert text.startswith('"""cs-reports ')
    for name, source in bundle_sources().items():
        assert repr(name) + ": " + repr(source) in text, f"{name} is not carried verbatim"
    requirements = (tmp_path / "lite" / "requirements.txt").read_text().splitlines()
    assert [line for line in requirements if not line.startswith("#")] == ["numpy", "pandas", "scipy"]
    assert "wrote" in capsys.readouterr().out


def test_every_function_has_a_sample():
    assert set(SAMPLES) == set(REGISTRY)


def test_recipe_runs_without_cs_reports_and_gives_the_package_results(tmp_path):
    main(["excel", "lite-recipe", str(tmp_path)])
    code = block_imports(BLOCKED) + textwrap.dedent(
        f"""
        import json, runpy, sys, types

        try:
            import cs_reports
        except ImportError:
            pass
        else:
            raise SystemExit("cs_reports is importable: the test proves nothing")
        BLOCKED.remove("cs_reports")  # from here on only main.py's own importer can provide it

        # xlwings Lite's decorators: func registers (with its options), arg documents an argument.
        registered, docs = {{}}, {{}}
        lite = types.ModuleType("xlwings")
        def func(f=None, **options):
            def inner(f):
                registered[f.__name__] = options
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
        results = {{name: [namespace[name](*args) for args in calls] for name, calls in samples.items()}}
        outside = sorted(
            n for n, mod in sys.modules.items()
            if n.split(".")[0] == "cs_reports" and not repr(getattr(mod, "__loader__", "")).startswith("<__main__")
            and "_BundledCsReports" not in repr(getattr(mod, "__loader__", ""))
        )
        loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set(BLOCKED) - {{"xlwings"}})
        print(json.dumps({{"names": registered, "docs": docs, "results": results, "loaded": loaded,
                           "outside": outside}}, default=str))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    out = json.loads(lines[-1])
    assert out["outside"] == []
    assert out["loaded"] == []
    assert sorted(out["names"]) == sorted(REGISTRY)
    for name, entry in REGISTRY.items():
        assert out["docs"][name] == [a for a, _ in entry.args]
        assert out["names"][name] == {"help_url": entry.help_url}
    for name, calls in SAMPLES.items():
        for args, got in zip(calls, out["results"][name], strict=True):
            assert got == _expected(name, args), (name, args)
    # Error codes are what Lite turns into real error values; the explanation went to the log.
    assert out["results"]["CS_NPS"][1:] == ["#VALUE!", "#N/A", "#VALUE!"]
    assert out["results"]["CS_CHURN_RATE"][1] == "#N/A"
    log = lines[:-1]
    assert "#VALUE! CS_NPS: argument 'answers' must be whole numbers 0-10; got 11.0 at position 2." in log or any(
        line.startswith("#VALUE! CS_NPS: argument 'answers' must be whole numbers 0-10") for line in log
    )
    assert "#VALUE! CS_NPS: takes 1 argument; got 2." in log
