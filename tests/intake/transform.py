"""Transformations of a clean book: each rewrites it the way a real team or tool would.

A :class:`Spec` is a book before it is written: its sheets as rows of cells (header first, with
whatever title rows a transformation adds), and how it is written (workbook or CSV folder,
separator, encoding, Excel features). A :class:`Change` rewrites a spec; ``SAME`` changes must
leave every table and number of the book as they were, ``REFUSED`` changes must be refused with
the sheet, row and column of the cell they broke. ``tests/intake/test_transformations.py``
composes them with hypothesis.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.table import Table

from cs_reports.data.contract import SHEETS, match_header
from tests.intake.builders import PT_HEADERS, PT_SHEETS, excel_serial, money_pt, write_csv

SPECS = {s.name: s for s in SHEETS}


class Incompatible(Exception):
    """The changes drawn cannot be combined (a character the chosen encoding cannot write)."""


@dataclass
class Spec:
    """A book before it is written."""

    sheets: dict[str, list[list[Any]]]  # written name -> rows
    names: dict[str, str]  # contract table -> written name
    header: dict[str, int] = field(default_factory=dict)  # contract table -> index of its header row
    fmt: str = "xlsx"
    sep: str = ","
    encoding: str = "utf-8"
    first_line: str | None = None
    mixed_encoding: bool = False
    tables: bool = False
    date1904: bool = False
    #: Tables whose rows a change re-cut (split invoices): compared through MRR, not row by row.
    recut: set[str] = field(default_factory=set)

    def rows(self, table: str) -> list[list[Any]]:
        """The rows of a contract table (title rows and header included)."""
        return self.sheets[self.names[table]]

    def data(self, table: str) -> list[list[Any]]:
        """The data rows of a contract table (after its header)."""
        return self.rows(table)[self.header.get(table, 0) + 1 :]

    def columns(self, table: str) -> dict[str, int]:
        """Contract column -> position in the table's header."""
        return match_header(self.rows(table)[self.header.get(table, 0)], SPECS[table]).positions

    def cells(self, kinds: tuple[str, ...]) -> Iterator[tuple[str, str, list[Any], int]]:
        """(table, column, row, position) of every non-blank data cell of the given column kinds."""
        for table in self.names:
            for col in SPECS[table].columns:
                j = self.columns(table).get(col.name)
                if j is None or col.kind not in kinds:
                    continue
                for row in self.data(table):
                    if j < len(row) and row[j] is not None and row[j] != "":
                        yield table, col.name, row, j

    def number(self, table: str, index: int) -> int:
        """The row (or line) number the reader gives to data row ``index`` of ``table``."""
        return self.header.get(table, 0) + 2 + index + (1 if self.first_line else 0)

    def source(self, table: str) -> str:
        """The sheet or file name messages use for ``table``."""
        return self.names[table] + (".txt" if self.encoding == "utf-16" else ".csv" if self.fmt == "csv" else "")


def spec_of(sheets: dict[str, list[list[Any]]]) -> Spec:
    """A spec of clean sheets named after the contract tables."""
    return Spec(copy.deepcopy(sheets), {name: name for name in sheets})


def write(spec: Spec, folder: Path) -> Path:
    """Write ``spec`` as a workbook or CSV folder in ``folder``; the path to load."""
    if spec.fmt == "xlsx":
        path = folder / "book.xlsx"
        wb = Workbook()
        wb.remove(wb.active)
        if spec.date1904:
            from openpyxl.utils.datetime import CALENDAR_MAC_1904

            wb.epoch = CALENDAR_MAC_1904
        for k, (name, rows) in enumerate(spec.sheets.items()):
            ws = wb.create_sheet(name)
            for row in rows:
                ws.append(list(row))
            table = next((t for t, n in spec.names.items() if n == name), None)
            if spec.tables and table is not None and len(rows) > spec.header.get(table, 0) + 1:
                top = spec.header.get(table, 0) + 1
                width = len(rows[top - 1])
                ref = f"A{top}:{_letter(width)}{len(rows)}"
                ws.add_table(Table(displayName=f"t{k}", ref=ref))
        wb.save(path)
        return path
    out = folder / "book"
    out.mkdir()
    for name, rows in spec.sheets.items():
        suffix = ".txt" if spec.encoding == "utf-16" else ".csv"
        try:
            if spec.mixed_encoding and name == spec.names.get("Clients"):
                cut = len(rows) // 2
                head = write_csv(out / "a.tmp", rows[:cut], sep=spec.sep, first=spec.first_line).read_bytes()
                tail = write_csv(out / "b.tmp", rows[cut:], sep=spec.sep, encoding="cp1252").read_bytes()
                (out / "a.tmp").unlink()
                (out / "b.tmp").unlink()
                (out / f"{name}{suffix}").write_bytes(head + tail)
            else:
                write_csv(out / f"{name}{suffix}", rows, sep=spec.sep, encoding=spec.encoding, first=spec.first_line)
        except UnicodeEncodeError:
            raise Incompatible(spec.encoding) from None
    return out


def _letter(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


@dataclass(frozen=True)
class Change:
    """One transformation: its name, when it runs (``stage``), what it excludes (``group``)."""

    name: str
    apply: Callable[[Spec, random.Random], None]
    stage: int = 0
    group: str = ""
    needs: str = ""  # 'xlsx' or 'csv' when it only exists in one format


# --- value changes (stage 0) -------------------------------------------------------------------


def _map(kinds: tuple[str, ...], fn: Callable[[Any], Any]) -> Callable[[Spec, random.Random], None]:
    def apply(spec: Spec, rng: random.Random) -> None:
        for _, _, row, j in list(spec.cells(kinds)):
            row[j] = fn(row[j])

    return apply


def _dt(v: Any) -> datetime:
    return v if isinstance(v, datetime) else datetime.combine(v, time())


def _date_text(fmt: str) -> Callable[[Any], Any]:
    return lambda v: _dt(v).strftime(fmt) if isinstance(v, (date, datetime)) else v


def _utc(v: Any) -> Any:
    """São Paulo local time (UTC-3, no daylight saving since 2019) written as a UTC instant."""
    if not isinstance(v, datetime):
        return v
    return (v + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _ampm(v: Any) -> Any:
    return _dt(v).strftime("%m/%d/%Y %I:%M:%S %p") if isinstance(v, (date, datetime)) else v


def _serial(v: Any) -> Any:
    return excel_serial(_dt(v)) if isinstance(v, (date, datetime)) else v


def _serial1904(spec: Spec, rng: random.Random) -> None:
    spec.date1904 = True
    for _, _, row, j in list(spec.cells(("date", "month"))):
        if isinstance(row[j], (date, datetime)):
            row[j] = excel_serial(_dt(row[j])) - 1462  # the 1904 system counts 1462 days fewer


def _money(fmt: Callable[[float], str]) -> Callable[[Any], Any]:
    return lambda v: fmt(v) if isinstance(v, float) and not isinstance(v, bool) else v


def _brl(x: float) -> str:
    text = f"R$ {money_pt(abs(x))}" if x % 1 else f"R$ {money_pt(abs(x))},00"
    return f"-{text}" if x < 0 else text


def _en(x: float) -> str:
    return f"{x:,.2f}"


def _pt_decimals(x: float) -> str:
    text = f"{x:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return text


def _accounting_zero(v: Any) -> Any:
    return " R$ -   " if isinstance(v, float) and v == 0 else v


def _id_change(fn: Callable[[str], str], csv: bool = False) -> Callable[[Spec, random.Random], None]:
    def apply(spec: Spec, rng: random.Random) -> None:
        if csv:  # in a workbook the text '="C0001"' would be a formula: this spelling comes from CSV exports
            spec.fmt = "csv"
        for _, name, row, j in list(spec.cells(("id",))):
            if name == "client_id" and isinstance(row[j], str):
                row[j] = fn(row[j])

    return apply


def _month_text(fmt: str) -> Callable[[Spec, random.Random], None]:
    names = ["jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez"]

    def text(v: Any) -> Any:
        if not isinstance(v, (date, datetime)):
            return v
        if fmt == "pt-name":
            return f"{names[v.month - 1]}/{v.year}"
        if fmt == "yyyymm":
            return v.year * 100 + v.month
        return v.strftime(fmt)

    return _map(("month",), text)


def _margin_points(spec: Spec, rng: random.Random) -> None:
    rows = spec.rows("Clients")
    j = spec.columns("Clients")["gross_margin"]
    rows[spec.header.get("Clients", 0)][j] = "Margem Bruta (%)"
    for row in spec.data("Clients"):
        if isinstance(row[j], float):
            row[j] = round(row[j] * 100, 6)


def _margin_percent_text(spec: Spec, rng: random.Random) -> None:
    j = spec.columns("Clients")["gross_margin"]
    for row in spec.data("Clients"):
        if isinstance(row[j], float):
            row[j] = f"{round(row[j] * 100, 6):g}%".replace(".", ",")


def _survey_labels(spec: Spec, rng: random.Random) -> None:
    labels = {10: "10 - Muito provável", 0: "0 - Nada provável"}
    j = spec.columns("NPS")["score"]
    for row in spec.data("NPS"):
        if isinstance(row[j], int):
            row[j] = labels.get(row[j], str(row[j]))


def _date_time_split(date_word: str, time_word: str, en: bool) -> Callable[[Spec, random.Random], None]:
    def apply(spec: Spec, rng: random.Random) -> None:
        rows = spec.rows("Tickets")
        h = spec.header.get("Tickets", 0)
        j = spec.columns("Tickets")["opened_at"]
        head = "Opened" if en else "Abertura"
        for k, row in enumerate(rows):
            if k < h:
                row.insert(j + 1, None)
            elif k == h:
                row[j] = f"{head} {date_word}" if en else f"{date_word} de {head}"
                row.insert(j + 1, f"{head} {time_word}" if en else f"{time_word} de {head}")
            else:
                v = row[j]
                row[j] = v.strftime("%d/%m/%Y") if isinstance(v, datetime) else v
                row.insert(j + 1, v.strftime("%H:%M:%S") if isinstance(v, datetime) else None)

    return apply


def _split_invoices(spec: Spec, rng: random.Random) -> None:
    cols = spec.columns("Invoices")
    rows = spec.rows("Invoices")
    out = rows[: spec.header.get("Invoices", 0) + 1]
    for row in spec.data("Invoices"):
        amount = row[cols["amount"]]
        first = round(amount * 0.37, 2)
        out += [_with(row, cols["amount"], first), _with(row, cols["amount"], round(amount - first, 2))]
    spec.sheets[spec.names["Invoices"]] = out
    spec.recut.add("Invoices")


def _credited_invoices(spec: Spec, rng: random.Random) -> None:
    cols = spec.columns("Invoices")
    rows = spec.rows("Invoices")
    out = rows[: spec.header.get("Invoices", 0) + 1]
    for row in spec.data("Invoices"):
        amount = row[cols["amount"]]
        out += [_with(row, cols["amount"], round(amount + 500.0, 2)), _with(row, cols["amount"], -500.0)]
    spec.sheets[spec.names["Invoices"]] = out
    spec.recut.add("Invoices")


def _with(row: list[Any], j: int, value: Any) -> list[Any]:
    out = list(row)
    out[j] = value
    return out


def _foreign_with_fx(spec: Spec, rng: random.Random) -> None:
    """One client's MRR rows written in USD (twice the BRL amount) with an FX sheet at 0.5."""
    cols = spec.columns("MRR")
    rows = spec.rows("MRR")
    h = spec.header.get("MRR", 0)
    client = spec.data("MRR")[0][cols["client_id"]]
    months = set()
    for k, row in enumerate(rows):
        if k < h:
            row.append(None)
        elif k == h:
            row.append("Moeda")
        elif row[cols["client_id"]] == client and isinstance(row[cols["mrr"]], float):
            row[cols["mrr"]] = _brl(round(row[cols["mrr"]] * 2, 2)).replace("R$", "US$")  # marked as the row says
            row.append("USD")
            months.add(_dt(row[cols["month"]]) if isinstance(row[cols["month"]], (date, datetime)) else None)
        else:
            row.append(None)
    months.discard(None)
    spec.sheets["Câmbio"] = [["Mês", "Moeda", "Taxa"]] + [[m, "USD", 0.5] for m in sorted(months)]
    spec.names["FX"] = "Câmbio"


# --- header and sheet changes (stage 1) ---------------------------------------------------------


def _rename_headers(fn: Callable[[str, str, str], str]) -> Callable[[Spec, random.Random], None]:
    def apply(spec: Spec, rng: random.Random) -> None:
        for table in spec.names:
            if table == "FX":
                continue
            header = spec.rows(table)[spec.header.get(table, 0)]
            positions = spec.columns(table)
            for name, j in positions.items():
                header[j] = fn(table, name, str(header[j]))

    return apply


def _pt_header(table: str, name: str, current: str) -> str:
    return PT_HEADERS.get(table, {}).get(name, current)


def _units(table: str, name: str, current: str) -> str:
    kind = SPECS[table].column(name).kind
    return f"{current} (R$)" if kind == "money" else current


def _pt_names(spec: Spec, rng: random.Random) -> None:
    spec.sheets = {
        PT_SHEETS.get(next((t for t, n in spec.names.items() if n == k), ""), k): v for k, v in spec.sheets.items()
    }
    spec.names = {t: PT_SHEETS.get(t, n) for t, n in spec.names.items()}


def _sheet_order(spec: Spec, rng: random.Random) -> None:
    items = list(spec.sheets.items())
    rng.shuffle(items)
    spec.sheets = dict(items)


def _notes_sheet(spec: Spec, rng: random.Random) -> None:
    spec.sheets["Notas"] = [["Valores sem impostos; exportado do ERP."]]


# --- structure changes (stage 2) ----------------------------------------------------------------


def _shuffle_rows(spec: Spec, rng: random.Random) -> None:
    for table in spec.names:
        data = spec.data(table)
        rng.shuffle(data)
        spec.rows(table)[spec.header.get(table, 0) + 1 :] = data


def _reverse_rows(spec: Spec, rng: random.Random) -> None:
    for table in spec.names:
        spec.rows(table)[spec.header.get(table, 0) + 1 :] = spec.data(table)[::-1]


def _columns(order: Callable[[list[int], random.Random], list[int]]) -> Callable[[Spec, random.Random], None]:
    def apply(spec: Spec, rng: random.Random) -> None:
        for table in spec.names:
            rows = spec.rows(table)
            width = max(len(r) for r in rows)
            perm = order(list(range(width)), rng)
            spec.sheets[spec.names[table]] = [[(r[i] if i < len(r) else None) for i in perm] for r in rows]

    return apply


def _shuffled(cols: list[int], rng: random.Random) -> list[int]:
    rng.shuffle(cols)
    return cols


def _title_rows(spec: Spec, rng: random.Random) -> None:
    for table in spec.names:
        spec.rows(table)[:0] = [[f"Relatório {table} - exportado em 29/11/2026"], [None]]
        spec.header[table] = spec.header.get(table, 0) + 2


def _blank_rows(spec: Spec, rng: random.Random) -> None:
    for table in spec.names:
        rows = spec.rows(table)
        h = spec.header.get(table, 0)
        for k in range(len(rows) - 2, h + 1, -7):
            rows.insert(k, [None] * len(rows[h]))


def _totals_row(spec: Spec, rng: random.Random) -> None:
    for table in ("MRR", "Invoices"):
        cols = spec.columns(table)
        amount = cols["mrr" if table == "MRR" else "amount"]
        rows = spec.rows(table)
        total = [None] * len(rows[spec.header.get(table, 0)])
        if amount == 0:
            raise Incompatible("a totals row labels the first column")
        total[0] = "Total"
        total[amount] = round(sum(r[amount] for r in spec.data(table) if isinstance(r[amount], float)), 2)
        rows.append(total)


def _subtotals(spec: Spec, rng: random.Random) -> None:
    """Excel's Data > Subtotal on the MRR sheet: grouped by client, 'C0001 Total' rows, 'Total Geral'."""
    cols = spec.columns("MRR")
    cid, amount = cols["client_id"], cols["mrr"]
    if cid != 0:
        raise Incompatible("Data > Subtotal labels the first column")
    h = spec.header.get("MRR", 0)
    rows = spec.rows("MRR")
    data = sorted((r for r in spec.data("MRR") if any(v is not None for v in r)), key=lambda r: str(r[cid]))
    out = rows[: h + 1]
    width = len(rows[h])
    grand = 0.0
    for k, row in enumerate(data):
        out.append(row)
        if k + 1 == len(data) or data[k + 1][cid] != row[cid]:
            group = [r[amount] for r in data if r[cid] == row[cid] and isinstance(r[amount], float)]
            line = [None] * width
            line[cid], line[amount] = f"{row[cid]} Total", round(sum(group), 2)
            grand += sum(group)
            out.append(line)
    line = [None] * width
    line[cid], line[amount] = "Total Geral", round(grand, 2)
    out.append(line)
    spec.sheets[spec.names["MRR"]] = out


# --- file format changes (stage 3) --------------------------------------------------------------


def _csv(sep: str = ",", encoding: str = "utf-8", first: str | None = None) -> Callable[[Spec, random.Random], None]:
    def apply(spec: Spec, rng: random.Random) -> None:
        spec.fmt, spec.sep, spec.encoding, spec.first_line = "csv", sep, encoding, first

    return apply


def _mixed_encoding(spec: Spec, rng: random.Random) -> None:
    spec.fmt, spec.mixed_encoding = "csv", True


def _table_objects(spec: Spec, rng: random.Random) -> None:
    spec.tables = True


_ZW = "\u200b"
SAME: tuple[Change, ...] = (
    # rows re-cut and currencies first (they compute with the clean values), then formats
    Change("invoices split in two lines", _split_invoices, group="invoices"),
    Change("invoices with a credit note", _credited_invoices, group="invoices"),
    Change("one client billed in USD with an FX sheet", _foreign_with_fx, group="fx"),
    Change("dates as dd/mm/yyyy text", _map(("date",), _date_text("%d/%m/%Y")), group="date"),
    Change("dates as ISO text", _map(("date",), _date_text("%Y-%m-%d")), group="date"),
    Change(
        "dates as midnight UTC instants",
        _map(
            ("date", "month"),
            lambda v: _dt(v).strftime("%Y-%m-%dT00:00:00.000Z") if isinstance(v, (date, datetime)) else v,
        ),
        group="date",
    ),
    Change("dates as UTC instants of local midnight (03:00Z)", _map(("date", "month"), _utc), group="date"),
    Change("dates as Excel serials", _map(("date",), _serial), group="date", needs="xlsx"),
    Change("dates as serials of the 1904 system", _serial1904, group="date", needs="xlsx"),
    Change("dates as dd.mm.yyyy text", _map(("date",), _date_text("%d.%m.%Y")), group="date"),
    Change("months as YYYY-MM", _month_text("%Y-%m"), group="month"),
    Change("months as MM/YYYY", _month_text("%m/%Y"), group="month"),
    Change("months as pt-BR names", _month_text("pt-name"), group="month"),
    Change("months as yyyymm numbers", _month_text("yyyymm"), group="month"),
    Change("timestamps as UTC instants (Z)", _map(("datetime",), _utc), group="datetime"),
    Change(
        "timestamps with ' UTC'",
        _map(
            ("datetime",),
            lambda v: (v + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M:%S UTC") if isinstance(v, datetime) else v,
        ),
        group="datetime",
    ),
    Change(
        "timestamps with ' -0300'",
        _map(("datetime",), lambda v: v.strftime("%Y-%m-%d %H:%M:%S -0300") if isinstance(v, datetime) else v),
        group="datetime",
    ),
    Change("timestamps en-US with AM/PM", _map(("datetime",), _ampm), group="datetime"),
    Change(
        "timestamps as dd/mm/yyyy hh:mm:ss",
        _map(("datetime",), lambda v: v.strftime("%d/%m/%Y %H:%M:%S") if isinstance(v, datetime) else v),
        group="datetime",
    ),
    Change("opening date and time in two pt-BR columns", _date_time_split("Data", "Hora", False), group="datetime"),
    Change("opening date and time in two en columns", _date_time_split("Date", "Time", True), group="datetime"),
    Change("amounts as R$ 1.234,56", _map(("money",), _money(_brl)), group="money"),
    Change("amounts as 1.234,56", _map(("money",), _money(_pt_decimals)), group="money"),
    Change("amounts as 1,234.56", _map(("money",), _money(_en)), group="money"),
    Change("amount zeros in accounting format", _map(("money",), _accounting_zero), group="zero"),
    Change("gross margin in points under 'Margem Bruta (%)'", _margin_points, stage=2, group="margin"),  # after renames
    Change("gross margin as '84%' text", _margin_percent_text, group="margin"),
    Change("survey answers with labels", _survey_labels, group="nps"),
    Change("ids as Excel's ='C0001' text", _id_change(lambda v: f'="{v}"', csv=True), group="id", needs="csv"),
    Change("ids with a zero-width space", _id_change(lambda v: v + _ZW), group="id"),
    Change("ids with non-breaking and plain spaces", _id_change(lambda v: f"\u00a0{v} "), group="id"),
    # headers and sheets
    Change("pt-BR headers", _rename_headers(_pt_header), stage=1, group="headers"),
    Change("UPPER-CASE headers", _rename_headers(lambda t, n, h: h.upper()), stage=1, group="case"),
    Change(
        "Title Case headers with spaces",
        _rename_headers(lambda t, n, h: h.replace("_", " ").title()),
        stage=1,
        group="case",
    ),
    Change("headers with units (R$)", _rename_headers(_units), stage=1, group="units"),
    Change("headers with surrounding spaces", _rename_headers(lambda t, n, h: f" {h}  "), stage=1, group="space"),
    Change("pt-BR sheet names", _pt_names, stage=1, group="names"),
    Change("sheet order shuffled", _sheet_order, stage=1, group="order"),
    Change("a notes sheet", _notes_sheet, stage=1, group="notes"),
    # structure
    Change("rows shuffled", _shuffle_rows, stage=2, group="rows"),
    Change("rows reversed", _reverse_rows, stage=2, group="rows"),
    Change("columns shuffled", _columns(_shuffled), stage=2, group="cols"),
    Change("columns reversed", _columns(lambda c, r: c[::-1]), stage=2, group="cols"),
    Change("blank rows in the middle", _blank_rows, stage=3, group="blank"),
    Change("totals row at the end", _totals_row, stage=3, group="totals"),
    Change("Excel Data > Subtotal on MRR", _subtotals, stage=3, group="totals"),
    Change("title rows above the header", _title_rows, stage=4, group="title"),
    # file format
    Change("CSV folder, comma, UTF-8", _csv(), stage=5, group="fmt", needs="csv"),
    Change("CSV folder, semicolon", _csv(";"), stage=5, group="fmt", needs="csv"),
    Change("CSV folder, pipe", _csv("|"), stage=5, group="fmt", needs="csv"),
    Change("CSV folder, tab", _csv("\t"), stage=5, group="fmt", needs="csv"),
    Change("CSV folder, Windows-1252", _csv(";", "cp1252"), stage=5, group="fmt", needs="csv"),
    Change("CSV folder, UTF-8 with BOM", _csv(",", "utf-8-sig"), stage=5, group="fmt", needs="csv"),
    Change("CSV folder, UTF-16 text (Excel Unicode Text)", _csv("\t", "utf-16"), stage=5, group="fmt", needs="csv"),
    Change("CSV folder with a 'sep=;' line", _csv(";", "utf-8", "sep=;"), stage=5, group="fmt", needs="csv"),
    Change("CSV with Windows-1252 lines appended to UTF-8", _mixed_encoding, stage=5, group="fmt", needs="csv"),
    Change("sheets as Excel Table objects", _table_objects, stage=5, group="fmt", needs="xlsx"),
)
