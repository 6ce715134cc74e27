"""A column-at-a-time xlsx writer: the cells of each column are made as XML text in one vectorised pass.

openpyxl (even in write-only mode) and XlsxWriter build or check one Python object per cell,
which makes a large workbook 20-60x slower to write than the same tables as CSV. Here every
column becomes an array of ``<c>`` elements with numpy/pandas operations (numbers in their
shortest exact text, dates as Excel serial numbers with a date format, text escaped once and
written inline), the rows are joined from those arrays, and the parts are zipped. The result is
a plain OOXML workbook (no shared strings) that Excel, LibreOffice, openpyxl and python-calamine
read; what it looks like (bold coloured header, frozen first row, filters, widths, number
formats) is what :func:`cs_reports.data.writer.tables_to_xlsx` promises.

Text is neutralised against formula injection (:func:`cs_reports._io.neutralise_cell`);
characters XML cannot hold are written as Excel's ``_xHHHH_`` escapes, so nothing is lost.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from cs_reports._a1 import column_letter
from cs_reports._io import neutralise_cell
from cs_reports.errors import InvalidInputError

__all__ = ["write_xlsx_bytes"]

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
#: Style ids of ``styles.xml``: cell formats by number format.
_STYLE = {None: 0, "header": 1, "yyyy-mm-dd": 2, "yyyy-mm-dd hh:mm": 3, "#,##0.00": 4}
_EPOCH = np.datetime64("1899-12-30T00:00:00", "us")
_LEAP_BUG = np.datetime64("1900-03-01T00:00:00", "us")  # serials before it count Excel's 29 Feb 1900
_MAX_TEXT = 32_767
_NEEDS_ESCAPE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_BETWEEN = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")  # NUL separates texts


def _escape(match: re.Match[str]) -> str:
    found = match[0]
    return "_x005F_" + found[1:] if len(found) > 1 else f"_x{ord(found):04X}_"


def _markup(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\r", "&#13;") if "\r" in text else text  # a parser reads a raw CR as LF


def _xml_text(text: str) -> str:
    """``text`` for an XML element: markup escaped, characters XML cannot hold as ``_xHHHH_``."""
    return _markup(_NEEDS_ESCAPE.sub(_escape, text) if _NEEDS_ESCAPE.search(text) else text)


def _xml_texts(texts: list[str]) -> np.ndarray:
    """:func:`_xml_text` of many texts at once: one pass over their join (C speed), then split on NUL."""
    if not texts:
        return np.array([], dtype=object)
    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1:  # a text holds a NUL itself: one at a time
        return np.array([_xml_text(t) for t in texts], dtype=object)
    joined = _BETWEEN.sub(_escape, joined) if _BETWEEN.search(joined) else joined
    return np.array(_markup(joined).split("\x00"), dtype=object)


def _attr(text: str) -> str:
    return _xml_text(text).replace('"', "&quot;")


def _number_text(values: np.ndarray) -> np.ndarray:
    """Shortest exact decimal text of each float (``repr``), as an object array."""
    return np.array(values.astype(str), dtype=object)


def _format_for(series: pd.Series) -> str | None:
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        times = series.dropna()
        has_time = bool(((times - times.dt.normalize()) != pd.Timedelta(0)).any())
        return "yyyy-mm-dd hh:mm" if has_time else "yyyy-mm-dd"
    if pd.api.types.is_float_dtype(series.dtype):
        return "#,##0.00"
    return None


def _cells(series: pd.Series, ref: np.ndarray, sheet: str, column: str) -> np.ndarray:
    """The ``<c>`` element of every value of ``series`` ('' for a blank), ``ref`` the cell references."""
    dtype = series.dtype
    style = _STYLE[_format_for(series)]
    s_attr = f' s="{style}"' if style else ""
    if pd.api.types.is_datetime64_dtype(dtype):  # naive datetimes: serial days since 1899-12-30
        stamps = series.to_numpy(dtype="datetime64[us]")
        micros = (stamps - _EPOCH).astype("int64").astype("float64") - np.where(stamps < _LEAP_BUG, 86_400e6, 0.0)
        return _numbers(np.where(np.isnat(stamps), np.nan, micros / 86_400e6), ref, s_attr)
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        flags = np.where(series.to_numpy(), "1", "0").astype(object)
        return np.asarray("<c r=" + ref + ' t="b"><v>' + flags + "</v></c>", dtype=object)
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        return np.asarray("<c r=" + ref + s_attr + "><v>" + _number_text(series.to_numpy()) + "</v></c>", dtype=object)
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        return _numbers(series.to_numpy(), ref, s_attr)
    return _objects(series.astype(object).to_numpy(), ref, sheet, column)


def _numbers(values: np.ndarray, ref: np.ndarray, s_attr: str) -> np.ndarray:
    out = "<c r=" + ref + s_attr + "><v>" + _number_text(values) + "</v></c>"
    out[np.isnan(values)] = ""
    infinite = np.isinf(values)
    if infinite.any():  # Excel has no infinity: the error value a spreadsheet shows for it
        out[infinite] = "<c r=" + ref[infinite] + ' t="e"><v>#NUM!</v></c>'
    return np.asarray(out, dtype=object)


def _objects(values: np.ndarray, ref: np.ndarray, sheet: str, column: str) -> np.ndarray:
    """Cells of an object column: text vectorised when every value is text, else one value at a time."""
    blank = pd.isna(values)
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        text = pd.Series(values[~blank], dtype=object)
        flagged = text.str.startswith(("=", "+", "-", "@", "\t", "\r", "\n")).to_numpy(dtype=bool)
        text[flagged] = "'" + text[flagged]
        _check_length(text, ref[~blank], sheet, column)
        escaped = _xml_texts(text.tolist())
        out = np.full(len(values), "", dtype=object)
        out[~blank] = "<c r=" + ref[~blank] + ' t="inlineStr"><is><t xml:space="preserve">' + escaped + "</t></is></c>"
        return out
    return np.array(
        [_one(v, r, sheet, column) for v, r in zip(values.tolist(), ref.tolist(), strict=True)], dtype=object
    )


def _check_length(text: pd.Series, ref: np.ndarray, sheet: str, column: str) -> None:
    long = (text.str.len() > _MAX_TEXT).to_numpy(dtype=bool)
    if long.any():
        where = str(ref[long][0]).strip('"')
        got = int(text[long].str.len().iloc[0])
        raise InvalidInputError(
            f"Sheet '{sheet}', cell {where}, column '{column}': expected text of at most {_MAX_TEXT:,} characters "
            f"(what an Excel cell holds), got {got:,}; shorten it or write CSV."
        )


def _one(value: Any, ref: str, sheet: str, column: str) -> str:
    """The ``<c>`` element of one value of a mixed column."""
    if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return f'<c r={ref} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, np.integer)):
        return f"<c r={ref}><v>{int(value)}</v></c>"
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return f'<c r={ref} t="e"><v>#NUM!</v></c>' if np.isinf(number) else f"<c r={ref}><v>{number!r}</v></c>"
    if isinstance(value, (pd.Timestamp, np.datetime64)) or hasattr(value, "year"):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:  # the wall time: Excel has no time zones
            stamp = stamp.tz_localize(None)
        return str(_cells(pd.Series([stamp]), np.array([ref], dtype=object), sheet, column)[0])
    text = neutralise_cell(str(value))
    _check_length(pd.Series([text], dtype=object), np.array([ref], dtype=object), sheet, column)
    return f'<c r={ref} t="inlineStr"><is><t xml:space="preserve">{_xml_text(text)}</t></is></c>'


def _sheet_xml(name: str, frame: pd.DataFrame) -> str:
    rows = len(frame)
    width = len(frame.columns)
    numbers = np.arange(2, rows + 2).astype(str).astype(object)
    body = '<row r="' + numbers + '">' if rows else np.array([], dtype=object)
    cols = []
    for j, col in enumerate(frame.columns):
        letter = column_letter(j)
        ref = '"' + letter + numbers + '"' if rows else np.array([], dtype=object)
        body = body + _cells(frame[col], ref, name, str(col)) if rows else body
        chars = max([len(str(col))] + [len(str(v)) for v in frame[col].head(200)]) + 2
        cols.append(f'<col min="{j + 1}" max="{j + 1}" width="{min(max(chars, 10), 48)}" customWidth="1"/>')
    header = "".join(
        f'<c r="{column_letter(j)}1" s="1" t="inlineStr"><is><t xml:space="preserve">{_xml_text(str(c))}</t></is></c>'
        for j, c in enumerate(frame.columns)
    )
    last = f"{column_letter(max(width, 1) - 1)}{rows + 1}"
    parts = [
        _HEAD,
        f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><dimension ref="A1:{last}"/>',
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
        'state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>',
        '<sheetFormatPr defaultRowHeight="15"/>',
        f"<cols>{''.join(cols)}</cols>" if cols else "",
        f'<sheetData><row r="1">{header}</row>',
        "".join((body + "</row>").tolist()) if rows else "",
        "</sheetData>",
        f'<autoFilter ref="A1:{last}"/>' if width else "",
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>',
    ]
    return "".join(parts)


_STYLES = (
    _HEAD + f'<styleSheet xmlns="{_MAIN}"><numFmts count="3">'
    '<numFmt numFmtId="164" formatCode="yyyy-mm-dd"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/>'
    '<numFmt numFmtId="166" formatCode="#,##0.00"/></numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><color rgb="FFFFFFFF"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FF1F4E79"/><bgColor indexed="64"/></patternFill></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="5">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>'
    + "".join(
        f'<xf numFmtId="{n}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        for n in (164, 165, 166)
    )
    + '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


def _sheet_names(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    names = [str(n)[:31] for n in tables]
    for original, name in zip(tables, names, strict=True):
        if not name or re.search(r"[\[\]:*?/\\]", name) or name.startswith("'") or name.endswith("'"):
            raise InvalidInputError(
                f"Sheet name {original!r}: expected 1-31 characters without [ ] : * ? / \\ or edge quotes."
            )
    if len({n.lower() for n in names}) != len(names):
        raise InvalidInputError(f"Sheet names must differ in their first 31 characters; got {names}.")
    return names


def write_xlsx_bytes(tables: Mapping[str, pd.DataFrame]) -> bytes:
    """The workbook of ``tables`` (one sheet each, ``_``-prefixed columns left out) as xlsx bytes."""
    names = _sheet_names(tables)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        sheets = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(names) + 1)
        )
        zf.writestr(
            "[Content_Types].xml",
            _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            + sheets
            + "</Types>",
        )
        zf.writestr(
            "_rels/.rels",
            _HEAD + f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(names) + 1)
        )
        rels += f'<Relationship Id="rId{len(names) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        zf.writestr("xl/_rels/workbook.xml.rels", _HEAD + f'<Relationships xmlns="{_PKG}">{rels}</Relationships>')
        zf.writestr("xl/styles.xml", _STYLES)
        filters = []
        for i, (name, frame) in enumerate(zip(names, tables.values(), strict=True), start=1):
            frame = frame.drop(columns=[c for c in frame.columns if str(c).startswith("_")])
            zf.writestr(f"xl/worksheets/sheet{i}.xml", _sheet_xml(name, frame))
            if len(frame.columns):
                quoted = "'" + name.replace("'", "''") + "'"
                last = f"${column_letter(len(frame.columns) - 1)}${len(frame) + 1}"
                filters.append(
                    f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i - 1}" hidden="1">'
                    f"{_xml_text(quoted)}!$A$1:{last}</definedName>"
                )
        sheet_list = "".join(
            f'<sheet name="{_attr(n)}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(names, start=1)
        )
        zf.writestr(
            "xl/workbook.xml",
            _HEAD + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews>'
            f"<sheets>{sheet_list}</sheets>"
            + (f"<definedNames>{''.join(filters)}</definedNames>" if filters else "")
            + "</workbook>",
        )
    return buffer.getvalue()
