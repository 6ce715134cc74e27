"""Registration through xlwings' own Windows code paths, with stub COM modules (no Excel here).

``xlwings.udfs`` is what *Import Functions* runs on Windows: its decorators read each
function's signature and hints, and ``generate_vba_wrapper`` writes the VBA module that
Excel compiles. We import it with stand-ins for pywin32, decorate every CS_ function
exactly as ``cs_reports.excel.udfs`` does on Windows, generate the VBA and check it, then
call each function through xlwings' own argument conversion.
"""

from __future__ import annotations

import importlib
import io
import re
import sys
import types
import typing
from datetime import datetime

import pytest

from cs_reports.excel.functions import REGISTRY, call

xlwings = pytest.importorskip("xlwings")


def _stub(name: str, **attrs: object) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    return module


class _DesktopEngine:
    """Stand-in for ``xlwings._xlwindows.Engine`` (which needs pywin32): the two data hooks
    conversion calls, with the same rules for values pywin32 has already converted."""

    name, type = "excel", "desktop"

    @staticmethod
    def clean_value_data(data, datetime_builder, empty_as, number_builder, err_to_str):
        def clean(value):
            if value in ("", None):
                return empty_as
            if isinstance(value, int) and value in _CELL_ERRORS:  # pywin32 hands an error cell as its SCODE
                return _CELL_ERRORS[value] if err_to_str else None
            if number_builder is not None and isinstance(value, float):
                return number_builder(value)
            return value

        return [[clean(c) for c in row] for row in data]

    @staticmethod
    def prepare_xl_data_element(x, date_format):
        if x is None or (isinstance(x, float) and x != x):
            return ""
        return x


#: xlwings._xlwindows.cell_errors: an error cell's SCODE as pywin32 reads it -> its code.
_CELL_ERRORS = {
    -2146826281: "#DIV/0!",
    -2146826246: "#N/A",
    -2146826259: "#NAME?",
    -2146826288: "#NULL!",
    -2146826252: "#NUM!",
    -2146826265: "#REF!",
    -2146826273: "#VALUE!",
}
VT_ERROR = 10  # pythoncom.VT_ERROR (the COM VARTYPE of an error value)


class _Variant:
    """Stand-in for ``win32com.client.VARIANT(vartype, value)``: pywin32 marshals it as that COM type."""

    def __init__(self, varianttype: int, value: object) -> None:
        self.varianttype, self.value = varianttype, value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Variant) and (self.varianttype, self.value) == (other.varianttype, other.value)

    def __repr__(self) -> str:
        return f"VARIANT({self.varianttype}, {self.value})"


@pytest.fixture(scope="module")
def windows_udfs():
    """(xlwings.udfs, cs_reports.excel.udfs) as they are on Windows; everything restored after."""
    saved = {k: sys.modules.get(k) for k in ("pythoncom", "pywintypes", "win32com", "win32com.client", "win32api")}
    saved_udfs = {k: sys.modules.pop(k) for k in ("xlwings.udfs", "cs_reports.excel.udfs") if k in sys.modules}
    originals = (xlwings.func, xlwings.arg, xlwings.ret)
    client = _stub("win32com.client", Dispatch=lambda *a, **k: None, VARIANT=_Variant)
    sys.modules.update(
        {
            "pythoncom": _stub("pythoncom", CoInitialize=lambda: None, IID_IDispatch=None, VT_ERROR=VT_ERROR),
            "pywintypes": _stub("pywintypes", com_error=OSError),
            "win32api": _stub("win32api"),
            "win32com": _stub("win32com", client=client),
            "win32com.client": client,
        }
    )
    added_engine = "excel" not in xlwings.engines.engines_by_name
    if added_engine:
        xlwings.engines.add(xlwings.main.Engine(impl=_DesktopEngine()))
    try:
        xl = importlib.import_module("xlwings.udfs")
        xlwings.func, xlwings.arg, xlwings.ret = xl.xlfunc, xl.xlarg, xl.xlret  # what xlwings/__init__ binds on Windows
        ours = importlib.import_module("cs_reports.excel.udfs")
        yield xl, ours
    finally:
        if added_engine:
            engine = xlwings.engines.engines_by_name.pop("excel")
            xlwings.engines.engines.remove(engine)
        xlwings.func, xlwings.arg, xlwings.ret = originals
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
        sys.modules.pop("xlwings.udfs", None)
        sys.modules.pop("cs_reports.excel.udfs", None)
        sys.modules.update(saved_udfs)


@pytest.fixture(scope="module")
def vba(windows_udfs) -> str:
    xl, ours = windows_udfs
    out = io.StringIO()
    xl.generate_vba_wrapper("cs_reports.excel.udfs", ours, out, types.SimpleNamespace(Name="cs_metrics.xlsm"))
    return out.getvalue()


def test_every_function_is_decorated_by_xlwings(windows_udfs):
    _, ours = windows_udfs
    for name, entry in REGISTRY.items():
        f = getattr(ours, name)
        info = f.__xlfunc__
        assert info["name"] == name
        assert info["category"] == "cs-reports"
        assert not info["sub"]
        assert [a["name"] for a in info["args"]] == [a for a, _ in entry.args]
        assert [a["doc"] for a in info["args"]] == [d for _, d in entry.args]
        assert [a["name"] for a in info["args"] if "optional" in a] == list(entry.optional)
        assert info["ret"]["doc"] == entry.doc
        assert typing.get_type_hints(f, include_extras=True) == {}  # nothing for Import Functions to resolve


def test_vba_wrapper_for_every_function(vba):
    for name, entry in REGISTRY.items():
        params = ", ".join(("Optional " if a in entry.optional else "") + a for a, _ in entry.args)
        assert f"Function {name}({params})\n" in vba, name
        array = "Array(" + ", ".join(a for a, _ in entry.args) + ")"
        assert (
            f'{name} = XLPy.CallUDF("cs_reports.excel.udfs", "{name}", {array}, ThisWorkbook, Application.Caller)'
            in vba
        )
    assert vba.count("End Function") == len(REGISTRY)
    assert all(len(line) <= 1024 for line in vba.splitlines())


def _com(value):
    """A range as pywin32 hands it over: a tuple of row tuples, numbers as float, blanks as None."""
    if isinstance(value, list):
        rows = value if value and isinstance(value[0], list) else [[v] for v in value]
        return tuple(tuple(float(v) if isinstance(v, int) else v for v in row) for row in rows)
    return float(value) if isinstance(value, int) else value


CASES = {
    "CS_NPS": ([10, 9, None, 6, 0],),
    "CS_NPS_CI": ([10, 9, None, 6, 0], 0.9),
    "CS_CSAT": ([5, 4, None, 2],),
    "CS_RENEWAL_RATE": (["renewed", "churned", None, "pending", "renewed"],),
    "CS_GRR": (
        ["a", "a", "b", "b"],
        [datetime(2025, 1, 1), datetime(2026, 1, 1)] * 2,
        [100, 90, 50, 60],
        datetime(2026, 1, 1),
    ),
    "CS_MRR_MOVEMENTS": (
        ["a", "a", "b"],
        [datetime(2026, 1, 1), datetime(2026, 2, 1), datetime(2026, 2, 1)],
        [10, 12, 5],
    ),
    "CS_QUICK_RATIO": (100, 50, 30, 20),
    "CS_CLV": ("margin_churn", 100, 0.02, 0.8),
    "CS_HEALTH": ([[80, None, 60]], [0.5, 0.3, 0.2], ["nps", "adoption", "support"]),
    "CS_SBG_FIT": ([1000, 631, 468, 382, 326, 289, 262, 241],),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_call_through_xlwings_conversion(windows_udfs, name):
    """Arguments go through ``xlwings.conversion.read`` with each argument's options, as ``call_udf`` does."""
    xl, ours = windows_udfs
    f = getattr(ours, name)
    info = f.__xlfunc__
    raw = [_com(v) for v in CASES[name]]
    args = [xl.conversion.read(None, value, info["args"][i]["options"]) for i, value in enumerate(raw)]
    result = f(*args)
    expected = call(name, *CASES[name])
    if isinstance(expected, str) and expected.startswith("#"):  # an error: a COM error variant (CVErr in VBA)
        expected = _Variant(VT_ERROR, ours.COM_ERRORS[expected.split()[0]])
    assert result == expected
    written = xl.conversion.write(result, None, info["ret"]["options"])
    if isinstance(result, list):
        assert len(written) == len(result)
    else:
        assert written == [[result]]  # xlwings hands Excel a 2-D array


def test_missing_optional_becomes_none(windows_udfs):
    _, ours = windows_udfs
    info = ours.CS_NPS_CI.__xlfunc__
    assert info["args"][1]["optional"] is None  # what call_udf passes for a missing argument
    assert ours.CS_NPS_CI([[10.0], [9.0]], None) == call("CS_NPS_CI", [10, 9])


def test_argument_names_are_legal_vba_identifiers(vba):
    for header in re.findall(r"^Function CS_\w+\((.*)\)$", vba, flags=re.M):
        for param in filter(None, (p.strip() for p in header.split(","))):
            assert re.fullmatch(r"(Optional )?[A-Za-z][A-Za-z0-9_]*", param)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ([[[10.0], [11.0]]], "#VALUE!"),  # out of range
        ([[[None]]], "#N/A"),  # no answers: undefined
        ([[[10.0]], 5.0], "#VALUE!"),  # an extra argument
    ],
)
def test_errors_are_real_excel_error_values_through_the_vba_layer(windows_udfs, args, code, capsys):
    """xlErrValue = 2015, xlErrNA = 2042: VBA's CVErr holds 0x800A0000 + the code, the SCODE pywin32 sends."""
    xl, ours = windows_udfs
    result = ours.CS_NPS(*args)
    assert result == _Variant(VT_ERROR, {"#VALUE!": 0x800A07DF, "#N/A": 0x800A07FA}[code] - 2**32)
    assert xl.conversion.write(result, None, ours.CS_NPS.__xlfunc__["ret"]["options"]) == [[result]]
    assert capsys.readouterr().out.startswith(f"{code} CS_NPS: ")
    assert ours.CS_EXPLAIN("CS_NPS", *args).startswith("CS_NPS: ")


@pytest.mark.parametrize(("scode", "code"), sorted(_CELL_ERRORS.items()))
def test_an_error_cell_among_the_answers_is_an_error_out(windows_udfs, scode, code, capsys):
    """Excel hands an error cell as its SCODE; with err_to_str it reaches CS_NPS as '#N/A', never as a blank."""
    xl, ours = windows_udfs
    info = ours.CS_NPS.__xlfunc__
    assert all(a["options"].get("err_to_str") is True for f in REGISTRY for a in getattr(ours, f).__xlfunc__["args"])
    raw = ((10.0,), (scode,), (9.0,))
    answers = xl.conversion.read(None, raw, info["args"][0]["options"])
    assert answers == [10.0, code, 9.0]
    result = ours.CS_NPS(answers)
    assert result == _Variant(VT_ERROR, ours.COM_ERRORS[code])
    assert capsys.readouterr().out.startswith(f"{code} CS_NPS: argument 'answers' holds the error {code} at position 2")
