"""``Book``: the validated data of one workbook or CSV folder, and ``load_book``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cs_reports._validation import check_choice
from cs_reports.data.assumptions import Assumption, Assumptions
from cs_reports.data.billing import convert_currencies, negative_nets, recognised_mrr, reporting_month
from cs_reports.data.contract import SHEETS
from cs_reports.data.declare import MRR_FIGURES, declared_defaults
from cs_reports.data.invoices import SPREADING
from cs_reports.data.messages import Text
from cs_reports.data.reader import RawTable, SheetReport, noted, read_book
from cs_reports.data.validate import MAX_PROBLEMS, book_number_style, check_references, check_unique, type_table
from cs_reports.errors import DataContractError, MissingDataError, Problem

#: The time zone timestamps with a zone are converted to (a book setting).
DEFAULT_TIMEZONE = "America/Sao_Paulo"

__all__ = ["SHEET_FIELDS", "Book", "load_book"]

#: Contract sheet name -> ``Book`` attribute.
SHEET_FIELDS = {
    "Clients": "clients",
    "MRR": "mrr",
    "Invoices": "invoices",
    "NPS": "nps",
    "Renewals": "renewals",
    "Tickets": "tickets",
    "Usage": "usage",
    "Milestones": "milestones",
    "Goals": "goals",
    "Opportunities": "opportunities",
    "HealthModel": "health_model",
    "FX": "fx",
}


@dataclass(frozen=True)
class Book:
    """Validated tables of one book. Every frame keeps ``_row``, the source row number.

    ``mrr`` always exists: the **recognised** MRR up to the reporting month
    (:attr:`last_month`): the MRR sheet, plus the Invoices sheet spread over service periods
    and netted per client and month (``source`` column ``'mrr'`` or ``'invoice'``). The
    invoices' service months after the reporting month are in :attr:`scheduled_mrr`, so
    ``mrr_movements(book.mrr)`` stops at the reporting month as the reports do. Optional
    sheets are ``None`` when absent; :meth:`require` names the missing sheet in its error.
    """

    source: str
    clients: pd.DataFrame
    mrr: pd.DataFrame
    #: Invoiced service months after the reporting month (same columns as ``mrr``).
    scheduled_mrr: pd.DataFrame | None = None
    invoices: pd.DataFrame | None = None
    nps: pd.DataFrame | None = None
    renewals: pd.DataFrame | None = None
    tickets: pd.DataFrame | None = None
    usage: pd.DataFrame | None = None
    milestones: pd.DataFrame | None = None
    goals: pd.DataFrame | None = None
    opportunities: pd.DataFrame | None = None
    health_model: pd.DataFrame | None = None
    #: Exchange rates (month, currency, rate) that converted foreign amounts, when the book has them.
    fx: pd.DataFrame | None = None
    #: Every note of the intake, in order (each is also the text of an entry of :attr:`assumptions`).
    notes: tuple[str, ...] = ()
    #: Every inference the reader made (see :mod:`cs_reports.data.assumptions`); the one record
    #: that ``validate``, ``metrics --format json``, the reports and the snapshot share.
    assumptions: Assumptions = field(default_factory=Assumptions)
    #: One report per sheet or file read: the table it feeds (or why not), rows, columns, notes.
    intake: tuple[SheetReport, ...] = ()
    #: Time zone of every timestamp (zoned timestamps are converted to it).
    timezone: str = DEFAULT_TIMEZONE
    #: How invoices are spread over their service period: ``'months'`` or ``'days'``.
    spreading: str = "months"
    #: Clients set aside by ``load_book(..., quarantine=True)``: id -> the problems of their rows.
    quarantined: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: The reporting month decided at load (see :func:`cs_reports.data.billing.reporting_month`).
    reporting_month: pd.Timestamp | None = None
    #: Row positions per client of each sheet, built on first use by :meth:`rows_of`.
    _by_client: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def require(self, sheet: str, *, feature: str = "this feature") -> pd.DataFrame:
        """The frame of ``sheet``; :class:`MissingDataError` if the book has no such sheet."""
        frame = getattr(self, SHEET_FIELDS[sheet])
        if frame is None:
            raise MissingDataError(f"{feature} needs the '{sheet}' sheet, which {self.source} does not have.")
        return frame  # type: ignore[no-any-return]

    def client(self, client_id: str) -> pd.Series:
        """The Clients row of ``client_id`` (clear error if unknown)."""
        rows = self.rows_of("Clients", client_id)
        if rows.empty:
            raise MissingDataError(f"Client '{client_id}' is not in the Clients sheet of {self.source}.")
        return rows.iloc[0]

    def rows_of(self, sheet: str, client_id: str) -> pd.DataFrame:
        """The rows of ``client_id`` in ``sheet`` (a contract name such as ``'MRR'``).

        The sheet is grouped by client once per book (:meth:`_grouped`), so a batch of N reports
        reads each client's rows in O(its own rows) instead of scanning the whole sheet N times;
        while only one client has been asked for (a single report), its rows are found by one
        scan of the column instead (grouping a 100,000-client sheet costs more than a scan).
        A client without rows gets an empty frame; an absent sheet is :meth:`require`'s error.
        Callers must not modify the returned frame.
        """
        frame = self.require(sheet)
        if f"grouped:{sheet}" not in self._by_client:
            first = self._by_client.setdefault(f"first:{sheet}", (client_id, None))
            if first[0] == client_id:  # one client so far (a single QBR): one scan, no grouping
                if first[1] is None:
                    found = np.flatnonzero(frame["client_id"].to_numpy(dtype=object) == client_id)
                    self._by_client[f"first:{sheet}"] = first = (client_id, found)
                own: pd.DataFrame = frame.iloc[first[1]]
                return own
        numbers, order, starts = self._grouped(sheet)
        at = numbers.get(client_id)
        if at is None:
            return frame.iloc[0:0]
        return frame.iloc[order[starts[at] : starts[at + 1]]]

    def _codes(self, sheet: str) -> tuple[np.ndarray, pd.Index]:
        """``(codes, values)``: each row's client number in ``values`` (-1: blank), once per book."""
        key = f"codes:{sheet}"
        if key not in self._by_client:
            codes, values = pd.factorize(self.require(sheet)["client_id"])
            self._by_client[key] = (np.asarray(codes, dtype=np.int64), pd.Index(values))
        found: tuple[np.ndarray, pd.Index] = self._by_client[key]
        return found

    def _grouped(self, sheet: str) -> tuple[dict[Any, int], np.ndarray, np.ndarray]:
        """``(numbers, order, starts)`` of ``sheet``'s clients, computed once per book.

        ``numbers``: client id -> number; ``order``: row positions grouped by client, ascending
        within a client; client ``k``'s rows are ``order[starts[k]:starts[k + 1]]``.
        """
        key = f"grouped:{sheet}"
        if key not in self._by_client:
            codes, values = self._codes(sheet)
            order = np.argsort(codes, kind="stable")
            starts = np.searchsorted(codes[order], np.arange(len(values) + 1))
            self._by_client[key] = ({v: k for k, v in enumerate(values.tolist())}, order, starts)
        found: tuple[dict[Any, int], np.ndarray, np.ndarray] = self._by_client[key]
        return found

    def client_rows(self, sheet: str) -> np.ndarray:
        """Each row's client as its position in :attr:`clients` (-1: blank or not a client), once per book.

        What vectorised figures index clients x months grids with (``reports.portfolio``).
        Callers must not modify the returned array.
        """
        key = f"client_rows:{sheet}"
        if key not in self._by_client:
            codes, values = self._codes(sheet)
            where = pd.Index(self.clients["client_id"]).get_indexer(values)
            self._by_client[key] = np.append(where, -1)[codes]  # code -1 (blank) -> the appended -1
        found: np.ndarray = self._by_client[key]
        return found

    @property
    def months(self) -> pd.DatetimeIndex:
        """Every month from the first to the last month with MRR data."""
        return pd.date_range(self.mrr["month"].min(), self.mrr["month"].max(), freq="MS")

    @property
    def last_month(self) -> pd.Timestamp:
        """The default reporting month: the latest month of actual data.

        Decided at load: never after the run date, never a visibly partial month (the record's
        ``reporting_month`` entry says why). Invoices spread MRR into future service months;
        those do not count, the month of the latest invoice's ``period_start`` does.
        """
        if self.reporting_month is not None:
            return self.reporting_month
        candidates = []
        if (self.mrr["source"] == "mrr").any():
            candidates.append(self.mrr.loc[self.mrr["source"] == "mrr", "month"].max())
        if self.invoices is not None and len(self.invoices):
            candidates.append(self.invoices["period_start"].max().to_period("M").to_timestamp())
        return pd.Timestamp(max(candidates))

    def sheets(self) -> dict[str, pd.DataFrame]:
        """Every present sheet by contract name."""
        out = {}
        for name, attr in SHEET_FIELDS.items():
            frame = getattr(self, attr)
            if frame is not None:
                out[name] = frame
        return out


def _defaults(clients: pd.DataFrame) -> pd.DataFrame:
    out = clients.copy()
    for col, default in (("currency", "BRL"), ("locale", "pt-BR")):
        if col not in out.columns:
            out[col] = default
        out[col] = out[col].fillna(default)
    for col in ("name", "segment", "touch_model", "csm", "plan"):
        if col not in out.columns:
            out[col] = None
    for col in ("cac", "gross_margin"):
        if col not in out.columns:
            out[col] = float("nan")
    for col in ("contract_start", "renewal_date"):
        if col not in out.columns:
            out[col] = pd.NaT
    out["name"] = out["name"].fillna(out["client_id"])
    return out


def load_book(
    path: str | Path,
    *,
    quarantine: bool = False,
    timezone: str = DEFAULT_TIMEZONE,
    spreading: str = "months",
    today: Any = None,
    month: Any = None,
) -> Book:
    """Read and validate a workbook (.xlsx) or a folder of CSVs.

    With ``quarantine``, problems confined to rows of identified clients (a bad score,
    a negative MRR, a repeated month...) do not stop the whole book: those clients' rows
    are removed from every sheet and listed in :attr:`Book.quarantined` with their
    problems, so a batch renders the other clients and names the set-aside ones as
    failures. Problems that are not any one client's (a missing sheet or column, a row
    without a valid client id) still raise.

    ``timezone`` is the zone timestamps with an offset (``...Z``, ``-03:00``) are converted
    to; ``spreading`` the invoice policy of :func:`~cs_reports.data.invoices_to_mrr`;
    ``today`` (default: the run date) flags invoices dated after it and bounds the reporting
    month; ``month`` (``YYYY-MM``) sets the reporting month instead of deciding it from the data.
    Every inference is in :attr:`Book.assumptions` (and its text in :attr:`Book.notes`).

    Raises
    ------
    DataContractError
        With every problem found (sheet, row, column, expected, got).
    InvalidInputError, FileNotFoundError
        When the file cannot be read at all.
    """
    check_choice(spreading, SPREADING, name="spreading", func="load_book")
    _check_timezone(timezone)
    if month is not None:
        from cs_reports._validation import as_month

        month = as_month(month, name="month", func="load_book")
    run_date = pd.Timestamp.now(tz=timezone).tz_localize(None).normalize() if today is None else pd.Timestamp(today)
    source = Path(path).name or str(path)
    intake = read_book(path)
    tables = {t.sheet: t for t in intake.tables}
    problems: list[Problem] = list(intake.problems)
    frames: dict[str, pd.DataFrame] = {}
    book_style = book_number_style(intake.tables, {s.name: s for s in SHEETS})
    unsaved: dict[str, int] = {}
    for spec in SHEETS:
        raw = tables.get(spec.name)
        if raw is None:
            continue
        required = spec.required or (
            spec.name in ("MRR", "Invoices") and not ({"MRR", "Invoices"} - {spec.name}) & set(tables)
        )
        frame = type_table(raw, spec, problems, required=required, tz=timezone, book_style=book_style, unsaved=unsaved)
        if frame is not None:
            check_unique(frame, spec, problems, raw)
            frames[spec.name] = frame
    if "Clients" not in tables:
        problems.insert(0, Problem("Clients", None, None, "a 'Clients' sheet (or 'Clientes')", "no such sheet"))
    if "MRR" not in tables and "Invoices" not in tables:
        problems.insert(0, Problem("MRR", None, None, "an 'MRR' or 'Invoices' sheet", "neither"))
    if unsaved:
        problems = _unsaved_formulas(source, unsaved, problems)
    if "Clients" in frames:
        known = set(frames["Clients"]["client_id"].dropna())
        for name, frame in frames.items():
            if name != "Clients" and "client_id" in frame.columns:
                check_references(frame, name, known, problems, tables[name])
    if "MRR" in frames and "Invoices" in frames:
        both = set(frames["MRR"]["client_id"].dropna()) & set(frames["Invoices"]["client_id"].dropna())
        for cid in sorted(map(str, both))[:20]:
            problems.append(
                Problem(
                    tables["Invoices"].source_name,
                    None,
                    "client_id",
                    "each client in either MRR or Invoices, not both",
                    repr(cid),
                    tables["Invoices"].where,
                )
            )
    declared: list[Assumption] = []
    if "Invoices" in frames:
        inv = frames["Invoices"]
        raw = tables["Invoices"]
        bad = inv["period_end"] < inv["period_start"]
        for _, row in inv[bad.fillna(False)].iterrows():
            problems.append(
                Problem(
                    raw.source_name,
                    int(row["_row"]),
                    "period_end",
                    "a date on or after period_start",
                    str(row["period_end"].date()),
                    raw.where,
                    raw.unit,
                )
            )
        late = inv[inv["period_start"] > run_date]
        if len(late):
            rows = ", ".join(str(int(r)) for r in late["_row"].head(5))
            declared.append(
                Assumption.said(
                    "reporting_month",
                    Text.of(
                        "invoices_after_run_date",
                        n=len(late),
                        date=f"{run_date:%Y-%m-%d}",
                        unit=Text.of(f"{raw.unit}s"),
                        rows=rows + (", ..." if len(late) > 5 else ""),
                    ),
                    sheet=raw.source_name,
                    column="period_start",
                    rows=len(late),
                    touches=MRR_FIGURES,
                )
            )
    if not problems:
        declared += convert_currencies(frames, tables, problems)
    quarantined: dict[str, tuple[str, ...]] = {}
    if problems and quarantine:
        frames, quarantined, problems = _set_aside(frames, tables, problems, quarantined)
    if not problems:
        mrr, last, why = _recognised(frames, tables, spreading, run_date, month, problems)
        if problems and quarantine:  # credits netting negative are one client's rows too
            frames, quarantined, problems = _set_aside(frames, tables, problems, quarantined)
            if not problems:
                mrr, last, why = _recognised(frames, tables, spreading, run_date, month, problems)
    if problems:
        order = {spec.name: i for i, spec in enumerate(SHEETS)}
        by_source = {t.source_name: t.sheet for t in intake.tables}
        problems.sort(key=lambda p: (order.get(by_source.get(p.sheet, p.sheet), len(order)), p.row or 0))
        raise DataContractError(source, problems[:MAX_PROBLEMS])
    actual, scheduled = mrr[mrr["month"] <= last], mrr[mrr["month"] > last]
    declared += why
    if len(scheduled):
        declared.append(
            Assumption.said(
                "reporting_month",
                Text.of("scheduled_mrr", n=len(scheduled), month=f"{last:%Y-%m}"),
                rows=len(scheduled),
                touches=MRR_FIGURES,
                override="--month YYYY-MM",
            )
        )
    if "Invoices" in frames:
        declared.append(
            Assumption.said(
                "spreading",
                Text.of(f"spreading_{spreading}"),
                sheet=tables["Invoices"].source_name,
                rows=len(frames["Invoices"]),
                touches=MRR_FIGURES,
                override="--spreading months|days",
            )
        )
    declared += declared_defaults(frames["Clients"], tables["Clients"].source_name)
    if quarantined:
        declared.append(
            Assumption.said(
                "quarantine",
                Text.of("quarantine", n=len(quarantined), ids=", ".join(sorted(quarantined))),
                rows=len(quarantined),
                touches=("clients", *MRR_FIGURES),
                override=Text.of("fix_their_rows"),
            )
        )
    record = _record(intake.reports, declared)
    notes = [n for r in intake.reports for n in r.notes] + [a.text for a in declared]
    notes += [f"{r.source}: ignored, {r.reason}." for r in intake.reports if r.table is None]
    kwargs: dict[str, Any] = {
        SHEET_FIELDS[name]: frame for name, frame in frames.items() if name not in ("Clients", "MRR")
    }
    valid = {f.name for f in fields(Book)}
    kwargs = {k: v for k, v in kwargs.items() if k in valid}
    return Book(
        source=source,
        clients=_defaults(frames["Clients"]),
        mrr=actual.reset_index(drop=True),
        scheduled_mrr=scheduled.reset_index(drop=True),
        notes=tuple(notes),
        assumptions=record,
        reporting_month=last,
        intake=tuple(intake.reports),
        timezone=timezone,
        spreading=spreading,
        quarantined=quarantined,
        **kwargs,
    )


def _check_timezone(timezone: str) -> None:
    from cs_reports._validation import param_error

    try:
        pd.Timestamp("2026-01-01", tz=timezone)
    except Exception:  # pytz/zoneinfo raise different errors for an unknown zone
        raise param_error(
            "load_book", "timezone", "an IANA time zone such as 'America/Sao_Paulo'", repr(timezone)
        ) from None


def _unsaved_formulas(source: str, unsaved: dict[str, int], problems: list[Problem]) -> list[Problem]:
    """One file-level problem for formulas without saved values, instead of a 'blank cell' per cell."""
    kept = [p for p in problems if not (p.sheet in unsaved and p.got == "a blank cell")]
    total = sum(unsaved.values())
    sheets = ", ".join(f"'{s}'" for s in unsaved)
    kept.insert(
        0,
        Problem(
            source,
            None,
            None,
            "formulas with saved values (open the workbook in Excel or LibreOffice Calc, let it calculate and "
            "save it, then read it again)",
            f"{total:,} formula cell(s) without a saved value in sheet(s) {sheets} (a workbook written by a "
            "program and never opened in a spreadsheet)",
            "File",
        ),
    )
    return kept


def _recognised(
    frames: dict[str, pd.DataFrame],
    tables: dict[str, RawTable],
    spreading: str,
    run_date: pd.Timestamp,
    month: pd.Timestamp | None,
    problems: list[Problem],
) -> tuple[pd.DataFrame, pd.Timestamp, list[Assumption]]:
    """Recognised MRR, the reporting month and why; pre-flight problems appended.

    Credits that net a client's month below zero are problems only in recognised months (up
    to the reporting month); a month without any billing between the first and the reporting
    month is a problem (a missing export).
    """
    mrr = recognised_mrr(frames, spreading)
    last, why = reporting_month(frames, mrr, run_date, month)
    negative_nets(mrr, last, tables.get("Invoices"), problems)
    if len(mrr) and not problems:
        months = pd.DatetimeIndex(mrr.loc[mrr["month"] <= last, "month"].unique())
        gaps = pd.date_range(months.min(), last, freq="MS").difference(months) if len(months) else months
        if len(gaps):
            names = ", ".join(f"{g:%Y-%m}" for g in gaps[:6])
            where = " and ".join(f"'{tables[n].source_name}'" for n in ("MRR", "Invoices") if n in tables)
            problems.append(
                Problem(
                    where.strip("'") if "and" not in where else where,
                    None,
                    "month",
                    f"billing in every month from {months.min():%Y-%m} to {last:%Y-%m}",
                    f"no billing at all in {names}{' ...' if len(gaps) > 6 else ''} (a missing export? every client "
                    "would churn and come back)",
                )
            )
    return mrr, last, why


def _set_aside(
    frames: dict[str, pd.DataFrame],
    tables: dict[str, RawTable],
    problems: list[Problem],
    quarantined: dict[str, tuple[str, ...]],
) -> tuple[dict[str, pd.DataFrame], dict[str, tuple[str, ...]], list[Problem]]:
    """Quarantine: the clients whose rows hold every problem are removed from every sheet."""
    found = _attribute(frames, tables, problems)
    if not found:
        return frames, quarantined, problems
    kept = {
        name: frame[~frame["client_id"].isin(set(found))] if "client_id" in frame.columns else frame
        for name, frame in frames.items()
    }
    if kept["Clients"].empty or not any(len(kept.get(n, ())) for n in ("MRR", "Invoices")):
        return frames, quarantined, problems  # nothing would be left: report every problem instead
    return kept, {**quarantined, **found}, []


def _record(reports: Any, declared: list[Assumption]) -> Assumptions:
    """The book's record: each sheet's assumptions (its other notes as 'other'), then the book's."""
    items: list[Assumption] = []
    for r in reports:
        texts = {a.text for a in r.assumptions}
        items += r.assumptions
        items += [noted("other", n, r.said, sheet=r.source) for n in r.notes if n not in texts]
        if r.table is None:
            items.append(
                Assumption.said("table", Text.of("ignored", reason=r.said.get(r.reason, r.reason)), sheet=r.source)
            )
    return Assumptions.of(*items, *declared)


def _attribute(
    frames: dict[str, pd.DataFrame], tables: dict[str, RawTable], problems: list[Problem]
) -> dict[str, tuple[str, ...]]:
    """Client id -> its problems, when every problem is in a row of an identified client; else ``{}``."""
    by_source = {t.source_name: name for name, t in tables.items()}
    found: dict[str, list[str]] = {}
    for p in problems:
        frame = frames.get(by_source.get(p.sheet, p.sheet))
        if p.row is None or frame is None or "client_id" not in frame.columns:
            return {}
        ids = frame.loc[frame["_row"] == p.row, "client_id"].dropna()
        if ids.empty or not str(ids.iloc[0]):
            return {}
        found.setdefault(str(ids.iloc[0]), []).append(str(p))
    return {cid: tuple(msgs) for cid, msgs in found.items()}
