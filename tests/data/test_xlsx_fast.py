"""The column-at-a-time xlsx writer: generated tables read back cell for cell by openpyxl and calamine."""

from __future__ import annotations

import io
import math
import re
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from cs_reports._io import restore_cell
from cs_reports.data.writer import tables_to_xlsx
from cs_reports.errors import InvalidInputError

texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff"), max_size=30
) | st.sampled_from(["=1+1", "\r=1", "_x0041_", "a & <b> \"c\" 'd'", " lead", "trail ", "-3", "@SUM(A1)", ""])
floats = st.floats(allow_nan=False, allow_infinity=False, width=64)
ints = st.integers(-(2**53), 2**53)
stamps = st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2199, 12, 31)).map(
    lambda d: pd.Timestamp(d).floor("s")
)
mixed = st.one_of(st.none(), texts, floats, ints, st.booleans(), stamps)


@st.composite
def frames(draw):
    rows = draw(st.integers(0, 12))
    frame = pd.DataFrame(
        {
            "text": pd.Series(draw(st.lists(st.none() | texts, min_size=rows, max_size=rows)), dtype=object),
            "float": pd.Series(draw(st.lists(st.none() | floats, min_size=rows, max_size=rows)), dtype="float64"),
            "int": pd.Series(draw(st.lists(ints, min_size=rows, max_size=rows)), dtype="int64"),
            "flag": pd.Series(draw(st.lists(st.booleans(), min_size=rows, max_size=rows)), dtype=bool),
            "when": pd.Series(draw(st.lists(st.none() | stamps, min_size=rows, max_size=rows)), dtype="datetime64[s]"),
            "mixed": pd.Series(draw(st.lists(mixed, min_size=rows, max_size=rows)), dtype=object),
            "_row": np.arange(rows) + 2,
        }
    )
    return frame


def expected(value):
    """What a cell of ``value`` reads back as (blank text reads back as None in neither reader: kept)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


def excel_text(value: object) -> object:
    """Text as Excel (and calamine) show it: ``_xHHHH_`` escapes decoded (openpyxl leaves them)."""
    if not isinstance(value, str):
        return value
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m[1], 16)), value)


def read_openpyxl(data: bytes, sheet: str) -> list[list[object]]:
    ws = load_workbook(io.BytesIO(data))[sheet]
    return [[excel_text(c.value) for c in row] for row in ws.iter_rows()]


def test_formats_header_and_views():
    frame = pd.DataFrame({"a": [1.5, 2.0], "d": pd.to_datetime(["2026-01-01", "2026-02-01"]), "s": ["x", "y"]})
    ws = load_workbook(io.BytesIO(tables_to_xlsx({"T": frame})))["T"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:C3"
    assert ws["A1"].font.b
    assert ws["A1"].fill.fgColor.rgb == "FF1F4E79"
    assert ws["A2"].number_format == "#,##0.00"
    assert ws["B2"].number_format == "yyyy-mm-dd"
    assert ws["B2"].value == datetime(2026, 1, 1)
    assert ws.column_dimensions["A"].width >= 10


@settings(max_examples=60, deadline=None)
@given(frame=frames())
def test_every_value_reads_back(frame):
    data = tables_to_xlsx({"Data": frame})
    got = read_openpyxl(data, "Data")
    columns = [c for c in frame.columns if not c.startswith("_")]
    assert got[0] == columns
    assert len(got) == len(frame) + 1
    for i, row in enumerate(got[1:]):
        for column, cell in zip(columns, row, strict=True):
            want = expected(frame[column].iloc[i])
            if isinstance(cell, str):
                cell = restore_cell(cell)
            if want == "":
                assert cell in ("", None)
            elif isinstance(want, float):
                assert cell == pytest.approx(want, rel=0, abs=0) or cell == want
            else:
                assert cell == want, (column, i)


@settings(max_examples=30, deadline=None)
@given(frame=frames())
def test_calamine_reads_what_openpyxl_reads(frame):
    from python_calamine import CalamineWorkbook

    data = tables_to_xlsx({"Data": frame})
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("Data").to_python()
    ours = read_openpyxl(data, "Data")
    for row_c, row_o in zip(sheet, ours, strict=False):
        for c, o in zip(row_c, row_o, strict=False):
            if o is None:
                assert c in ("", None)
            elif isinstance(o, bool) or isinstance(c, bool):
                assert bool(c) == bool(o)
            elif isinstance(o, (int, float)) and not isinstance(c, str):
                assert float(c) == float(o)
            elif isinstance(o, datetime) and not isinstance(c, datetime):  # calamine: a date format is a date
                assert o == datetime(c.year, c.month, c.day)
            else:
                assert c == o


def test_text_too_long_for_a_cell_is_an_error_naming_the_cell():
    frame = pd.DataFrame({"note": ["ok", "x" * 40_000]})
    with pytest.raises(InvalidInputError, match=r"Sheet 'N', cell A3, column 'note': .* got 40,000"):
        tables_to_xlsx({"N": frame})


@pytest.mark.parametrize("name", ["a/b", "x[1]", "", "'q'"])
def test_a_sheet_name_excel_refuses_is_an_error(name):
    with pytest.raises(InvalidInputError, match="Sheet name"):
        tables_to_xlsx({name: pd.DataFrame({"a": [1]})})


def test_infinity_is_the_error_value_excel_shows():
    ws = load_workbook(io.BytesIO(tables_to_xlsx({"T": pd.DataFrame({"a": [math.inf, 1.0]})})))["T"]
    assert ws["A2"].value == "#NUM!"
    assert ws["A3"].value == 1.0
