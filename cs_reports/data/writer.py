"""Write contract tables to a styled .xlsx, atomically, with inert text cells."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from cs_reports._io import atomic_output, neutralise_cell

__all__ = ["tables_to_xlsx", "write_tables"]

_HEADER_FILL = "1F4E79"


def _cell(value: Any) -> Any:
    if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return neutralise_cell(value)


def _format_for(series: pd.Series) -> str | None:
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        times = series.dropna()
        has_time = bool(((times - times.dt.normalize()) != pd.Timedelta(0)).any())
        return "yyyy-mm-dd hh:mm" if has_time else "yyyy-mm-dd"
    if pd.api.types.is_float_dtype(series.dtype):
        return "#,##0.00"
    return None


def write_tables(tables: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write :func:`tables_to_xlsx` to ``path``; the file appears only when complete."""
    data = tables_to_xlsx(tables)
    with atomic_output(path) as fh:
        fh.write(data)
    return Path(path)


def tables_to_xlsx(tables: Mapping[str, pd.DataFrame]) -> bytes:
    """Each frame on its own sheet (bold coloured header, frozen, filters, widths), as xlsx bytes.

    Text starting with ``=``, ``+``, ``-``, ``@``, tab or CR is neutralised (formula injection).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    for name, frame in tables.items():
        ws = wb.create_sheet(title=name[:31])
        frame = frame.drop(columns=[c for c in frame.columns if str(c).startswith("_")])
        formats = [_format_for(frame[c]) for c in frame.columns]
        for j, col in enumerate(frame.columns, start=1):
            width = max([len(str(col))] + [len(str(v)) for v in frame[col].head(200)]) + 2
            ws.column_dimensions[get_column_letter(j)].width = min(max(width, 10), 48)
        ws.freeze_panes = "A2"
        from openpyxl.cell import WriteOnlyCell

        header = []
        for col in frame.columns:
            cell = WriteOnlyCell(ws, value=str(col))
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor=_HEADER_FILL)
            header.append(cell)
        ws.append(header)
        for row in frame.itertuples(index=False):
            cells = []
            for value, fmt in zip(row, formats, strict=True):
                v = _cell(value)
                if fmt is not None and v is not None:
                    c = WriteOnlyCell(ws, value=v)
                    c.number_format = fmt
                    cells.append(c)
                else:
                    cells.append(v)
            ws.append(cells)
        if len(frame.columns):
            ws.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{len(frame) + 1}"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
