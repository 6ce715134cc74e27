"""Write contract tables to a styled .xlsx, atomically, with inert text cells."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from cs_reports._io import atomic_output

__all__ = ["tables_to_xlsx", "write_tables"]


def write_tables(tables: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write :func:`tables_to_xlsx` to ``path``; the file appears only when complete."""
    data = tables_to_xlsx(tables)
    with atomic_output(path) as fh:
        fh.write(data)
    return Path(path)


def tables_to_xlsx(tables: Mapping[str, pd.DataFrame]) -> bytes:
    """Each frame on its own sheet (bold coloured header, frozen, filters, widths), as xlsx bytes.

    Text starting with ``=``, ``+``, ``-``, ``@``, tab or CR is neutralised (formula injection).
    Columns whose name starts with ``_`` are left out. Written a column at a time by
    :mod:`cs_reports.data.xlsx_fast` (about as fast as writing the same tables as CSV).
    """
    from cs_reports.data.xlsx_fast import write_xlsx_bytes

    return write_xlsx_bytes(tables)
