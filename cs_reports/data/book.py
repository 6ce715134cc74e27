"""``Book``: the validated data of one workbook or CSV folder, and ``load_book``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd

from cs_reports.data.contract import SHEETS
from cs_reports.data.invoices import invoices_to_mrr
from cs_reports.data.reader import read_tables
from cs_reports.data.validate import MAX_PROBLEMS, check_references, check_unique, type_table
from cs_reports.errors import DataContractError, MissingDataError, Problem

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
}


@dataclass(frozen=True)
class Book:
    """Validated tables of one book. Every frame keeps ``_row``, the source row number.

    ``mrr`` always exists: the MRR sheet, plus the Invoices sheet spread over service
    periods (``source`` column ``'mrr'`` or ``'invoice'``). Optional sheets are ``None``
    when absent; :meth:`require` names the missing sheet in its error.
    """

    source: str
    clients: pd.DataFrame
    mrr: pd.DataFrame
    invoices: pd.DataFrame | None = None
    nps: pd.DataFrame | None = None
    renewals: pd.DataFrame | None = None
    tickets: pd.DataFrame | None = None
    usage: pd.DataFrame | None = None
    milestones: pd.DataFrame | None = None
    goals: pd.DataFrame | None = None
    opportunities: pd.DataFrame | None = None
    health_model: pd.DataFrame | None = None
    notes: tuple[str, ...] = ()
    #: Clients set aside by ``load_book(..., quarantine=True)``: id -> the problems of their rows.
    quarantined: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Row positions per client of each sheet, built on first use by :meth:`rows_of`.
    _by_client: dict[str, dict[Any, Any]] = field(default_factory=dict, init=False, repr=False, compare=False)

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

        The sheet is grouped by client once per book, so a batch of N reports reads each
        client's rows in O(its own rows) instead of scanning the whole sheet N times. A
        client without rows gets an empty frame; an absent sheet is :meth:`require`'s error.
        Callers must not modify the returned frame.
        """
        frame = self.require(sheet)
        if sheet not in self._by_client:
            self._by_client[sheet] = frame.groupby("client_id", sort=False).indices if len(frame) else {}
        positions = self._by_client[sheet].get(client_id)
        return frame.iloc[positions] if positions is not None else frame.iloc[0:0]

    @property
    def months(self) -> pd.DatetimeIndex:
        """Every month from the first to the last month with MRR data."""
        return pd.date_range(self.mrr["month"].min(), self.mrr["month"].max(), freq="MS")

    @property
    def last_month(self) -> pd.Timestamp:
        """The default reporting month: the latest month of actual data.

        Invoices spread MRR into future service months; those do not count, the month of
        the latest invoice's ``period_start`` does.
        """
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


def load_book(path: str | Path, *, quarantine: bool = False) -> Book:
    """Read and validate a workbook (.xlsx) or a folder of CSVs.

    With ``quarantine``, problems confined to rows of identified clients (a bad score,
    a negative MRR, a repeated month...) do not stop the whole book: those clients' rows
    are removed from every sheet and listed in :attr:`Book.quarantined` with their
    problems, so a batch renders the other clients and names the set-aside ones as
    failures. Problems that are not any one client's (a missing sheet or column, a row
    without a valid client id) still raise.

    Raises
    ------
    DataContractError
        With every problem found (sheet, row, column, expected, got).
    InvalidInputError, FileNotFoundError
        When the file cannot be read at all.
    """
    source = Path(path).name or str(path)
    tables = {t.sheet: t for t in read_tables(path)}
    notes = [n for t in tables.values() for n in t.notes]
    problems: list[Problem] = []
    frames: dict[str, pd.DataFrame] = {}
    for spec in SHEETS:
        raw = tables.get(spec.name)
        if raw is None:
            continue
        frame = type_table(raw, spec, problems)
        if frame is not None:
            check_unique(frame, spec, problems)
            frames[spec.name] = frame
    if "Clients" not in tables:
        problems.insert(0, Problem("Clients", None, None, "a 'Clients' sheet (or 'Clientes')", "no such sheet"))
    if "MRR" not in tables and "Invoices" not in tables:
        problems.insert(0, Problem("MRR", None, None, "an 'MRR' or 'Invoices' sheet", "neither"))
    if "Clients" in frames:
        known = set(frames["Clients"]["client_id"].dropna())
        for name, frame in frames.items():
            if name != "Clients" and "client_id" in frame.columns:
                check_references(frame, name, known, problems)
    if "MRR" in frames and "Invoices" in frames:
        both = set(frames["MRR"]["client_id"]) & set(frames["Invoices"]["client_id"])
        for cid in sorted(map(str, both))[:20]:
            problems.append(
                Problem("Invoices", None, "client_id", "each client in either MRR or Invoices, not both", repr(cid))
            )
    if "Invoices" in frames:
        inv = frames["Invoices"]
        bad = inv["period_end"] < inv["period_start"]
        for _, row in inv[bad.fillna(False)].iterrows():
            problems.append(
                Problem(
                    "Invoices",
                    int(row["_row"]),
                    "period_end",
                    "a date on or after period_start",
                    str(row["period_end"].date()),
                )
            )
    quarantined: dict[str, tuple[str, ...]] = {}
    if problems and quarantine:
        quarantined = _attribute(frames, problems)
        if quarantined:
            set_aside = set(quarantined)
            frames = {
                name: frame[~frame["client_id"].isin(set_aside)] if "client_id" in frame.columns else frame
                for name, frame in frames.items()
            }
            if frames["Clients"].empty or not any(len(frames.get(n, ())) for n in ("MRR", "Invoices")):
                quarantined = {}  # nothing would be left: report every problem instead
            else:
                problems = []
    if problems:
        order = {spec.name: i for i, spec in enumerate(SHEETS)}
        problems.sort(key=lambda p: (order.get(p.sheet, len(order)), p.row or 0))  # stable: column order kept
        raise DataContractError(source, problems[:MAX_PROBLEMS])
    mrr_parts = []
    if "MRR" in frames:
        mrr_parts.append(frames["MRR"].assign(source="mrr"))
    if "Invoices" in frames:
        mrr_parts.append(invoices_to_mrr(frames["Invoices"]).assign(source="invoice"))
    mrr = pd.concat(mrr_parts, ignore_index=True)
    kwargs = {SHEET_FIELDS[name]: frame for name, frame in frames.items() if name not in ("Clients", "MRR")}
    valid = {f.name for f in fields(Book)}
    kwargs = {k: v for k, v in kwargs.items() if k in valid}
    return Book(
        source=source,
        clients=_defaults(frames["Clients"]),
        mrr=mrr,
        notes=tuple(notes),
        quarantined=quarantined,
        **kwargs,
    )


def _attribute(frames: dict[str, pd.DataFrame], problems: list[Problem]) -> dict[str, tuple[str, ...]]:
    """Client id -> its problems, when every problem is in a row of an identified client; else ``{}``."""
    found: dict[str, list[str]] = {}
    for p in problems:
        frame = frames.get(p.sheet)
        if p.row is None or frame is None or "client_id" not in frame.columns:
            return {}
        ids = frame.loc[frame["_row"] == p.row, "client_id"].dropna()
        if ids.empty or not str(ids.iloc[0]):
            return {}
        found.setdefault(str(ids.iloc[0]), []).append(str(p))
    return {cid: tuple(msgs) for cid, msgs in found.items()}
