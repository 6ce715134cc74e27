"""Billing truths of a book: currencies, recognised MRR, the reporting month and why.

:func:`convert_currencies` checks every amount's currency against its client's and converts
foreign rows with the optional FX sheet (or refuses them, rows named);
:func:`recognised_mrr` spreads and nets the invoices; :func:`reporting_month` decides the
month the reports describe: never after the run date, never a month that holds only
scheduled service, never a visibly partial month (each decision declared).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cs_reports.data.assumptions import Assumption
from cs_reports.data.declare import MRR_FIGURES
from cs_reports.data.invoices import invoices_to_mrr
from cs_reports.data.messages import Text
from cs_reports.data.reader import RawTable
from cs_reports.errors import Problem

__all__ = ["PARTIAL_SHARE", "convert_currencies", "negative_nets", "recognised_mrr", "reporting_month"]

#: A month is visibly partial when the clients billed the month before and billed nothing in it
#: held more than this share of that month's MRR (an export cut before the month's invoices).
PARTIAL_SHARE = 0.5
_AMOUNT = {"MRR": "mrr", "Invoices": "amount"}
_WHEN = {"MRR": "month", "Invoices": "period_start"}


def _problem(raw: RawTable, row: Any, column: str, expected: str, got: str) -> Problem:
    return Problem(raw.source_name, int(row), column, expected, got, raw.where, raw.unit)


def convert_currencies(
    frames: dict[str, pd.DataFrame], tables: dict[str, RawTable], problems: list[Problem]
) -> list[Assumption]:
    """Check each amount's currency against its client's; convert MRR/Invoices rows with the FX sheet.

    A row's currency is its ``currency`` column, else the mark of its amount (``US$ 1.200,00``),
    else the unit of the amount's header, else the client's. Rows in another currency than the
    client's are converted at the FX sheet's rate of their month (``rate`` = one unit of the
    row's currency in the client's currency), or refused with the row named. The helper
    columns (``_cur_*``, and ``currency`` of MRR/Invoices) are removed from the frames.
    """
    declared: list[Assumption] = []
    clients = frames.get("Clients")
    home: dict[Any, str] = {}
    if clients is not None and "currency" in clients.columns:
        home = dict(zip(clients["client_id"], clients["currency"].fillna("BRL"), strict=True))
    fx = frames.get("FX")
    rates = {} if fx is None else {(m, c): r for m, c, r in zip(fx["month"], fx["currency"], fx["rate"], strict=True)}
    for name, frame in list(frames.items()):
        helpers = [c for c in frame.columns if c.startswith(("_cur_", "_unit_"))]
        own = "currency" in frame.columns and name in _AMOUNT
        if not helpers and not own:
            continue
        raw = tables[name]
        frame = frame.copy()
        ids = frame["client_id"] if "client_id" in frame.columns else pd.Series(None, index=frame.index)
        client_cur = (ids.map(home) if name != "Clients" else frame["currency"]).astype(object).fillna("BRL")
        amounts = {h.split("_", 2)[2] for h in helpers} | ({_AMOUNT[name]} if own else set())
        for column in sorted(amounts):
            row_cur = _row_currency(frame, column, raw, problems, stated=frame["currency"] if own else None)
            foreign = row_cur.notna() & (row_cur != client_cur) & frame[column].notna()
            if foreign.any():
                declared += _convert(
                    name, frame, column, row_cur, client_cur, foreign, rates, fx is not None, raw, problems
                )
        frames[name] = frame.drop(columns=helpers + (["currency"] if own else []))
    return declared


def _row_currency(
    frame: pd.DataFrame, column: str, raw: RawTable, problems: list[Problem], stated: pd.Series | None
) -> pd.Series:
    """Each row's currency: its 'currency' cell, else its amount's mark, else the header's unit; clashes refused."""
    none = pd.Series(None, index=frame.index, dtype=object)
    mark = frame.get(f"_cur_{column}", none).astype(object)
    unit = frame.get(f"_unit_{column}", none).astype(object)
    # A row's own 'currency' cell overrides the header's unit (the unit is the column's default).
    checks = [(mark, unit if stated is None else unit.where(stated.isna()), "its header's unit")]
    if stated is not None:
        checks.insert(0, (mark, stated.astype(object), "its row's 'currency'"))
    for a, b, what in checks:
        clash = a.notna() & b.notna() & (a != b)
        for row, x, y in list(zip(frame["_row"][clash], a[clash], b[clash], strict=True))[:20]:
            problems.append(_problem(raw, row, column, f"an amount in {y} ({what})", f"an amount marked {x}"))
    out = mark.where(mark.notna(), unit)
    if stated is not None:
        out = stated.astype(object).where(stated.notna(), out)
    return out


def _convert(
    name: str,
    frame: pd.DataFrame,
    column: str,
    row_cur: pd.Series,
    client_cur: pd.Series,
    foreign: pd.Series,
    rates: dict[Any, Any],
    has_fx: bool,
    raw: RawTable,
    problems: list[Problem],
) -> list[Assumption]:
    """Convert the foreign rows of ``column`` in place at the FX rates of their months, or refuse them."""
    if name not in _AMOUNT or not has_fx:
        fix = "an FX sheet (month, currency, rate) to convert it" if name in _AMOUNT else "convert it"
        for row, home_cur, cur, amount in list(
            zip(frame["_row"][foreign], client_cur[foreign], row_cur[foreign], frame[column][foreign], strict=True)
        )[:20]:
            problems.append(
                _problem(
                    raw,
                    row,
                    column,
                    f"an amount in the client's currency {home_cur} (or {fix})",
                    f"{cur} {amount:,.2f}",
                )
            )
        return []
    months = pd.Series(pd.to_datetime(frame[_WHEN[name]]).dt.to_period("M").dt.to_timestamp(), index=frame.index)
    rate = pd.Series([rates.get((m, c)) for m, c in zip(months, row_cur, strict=True)], index=frame.index)
    missing = foreign & rate.isna()
    for row, cur, when in list(zip(frame["_row"][missing], row_cur[missing], months[missing], strict=True))[:20]:
        problems.append(
            _problem(
                raw,
                row,
                column,
                f"an FX rate for {cur} in {when:%Y-%m} (sheet 'FX': month, currency, rate)",
                "no rate for that month",
            )
        )
    ok = foreign & rate.notna()
    frame.loc[ok, column] = (frame.loc[ok, column] * rate[ok].astype(float)).round(2)
    used = sorted(set(row_cur[ok]))
    return [
        Assumption.said(
            "currency",
            Text.of("currency_converted", n=int(ok.sum()), currencies=", ".join(used)),
            sheet=raw.source_name,
            column=column,
            rows=int(ok.sum()),
            touches=MRR_FIGURES,
            override=Text.of("edit_fx_sheet"),
        )
    ]


def recognised_mrr(frames: dict[str, pd.DataFrame], spreading: str) -> pd.DataFrame:
    """MRR rows of the MRR sheet (``source='mrr'``) and of the invoices spread and netted per client and month."""
    parts = []
    if "MRR" in frames:
        parts.append(frames["MRR"].assign(source="mrr"))
    if "Invoices" in frames and len(frames["Invoices"]):
        inv = frames["Invoices"]
        # Lines of one client and service period are one invoice (split lines, credit notes): summed in
        # cents before spreading, so a split invoice gives the same months as the whole one.
        lines = inv.assign(_cents=np.rint(inv["amount"].to_numpy(dtype=float) * 100).astype(np.int64))
        whole = lines.groupby(["client_id", "period_start", "period_end"], sort=False, as_index=False).agg(
            _cents=("_cents", "sum"), _row=("_row", "min")
        )
        whole["amount"] = whole["_cents"] / 100.0
        spread = invoices_to_mrr(whole, spreading=spreading)
        spread["cents"] = np.rint(spread["mrr"].to_numpy() * 100).astype(np.int64)
        net = spread.groupby(["client_id", "month"], sort=False, as_index=False).agg(
            cents=("cents", "sum"), _row=("_row", "min")
        )
        parts.append(
            pd.DataFrame(
                {"client_id": net["client_id"], "month": net["month"], "mrr": net["cents"] / 100.0, "_row": net["_row"]}
            ).assign(source="invoice")
        )
    if not parts:
        return pd.DataFrame(columns=["client_id", "month", "mrr", "source"])
    return pd.concat(parts, ignore_index=True)


def negative_nets(mrr: pd.DataFrame, last: pd.Timestamp, raw: RawTable | None, problems: list[Problem]) -> None:
    """A problem per client and recognised month (up to ``last``) whose invoices net below zero."""
    if raw is None:
        return
    inv = mrr[(mrr["source"] == "invoice") & (mrr["month"] <= last) & (mrr["mrr"] < 0)]
    for _, row in inv.head(1000).iterrows():
        problems.append(
            _problem(
                raw,
                row["_row"],
                "amount",
                f"invoices of client '{row['client_id']}' for {row['month']:%Y-%m} that net to >= 0",
                f"a net of {row['mrr']:,.2f} (credit notes larger than the invoices)",
            )
        )


def reporting_month(
    frames: dict[str, pd.DataFrame], mrr: pd.DataFrame, run_date: pd.Timestamp, month: Any = None
) -> tuple[pd.Timestamp, list[Assumption]]:
    """The reporting month and the assumptions that decided it.

    The latest month with billed data (the MRR sheet's months, the invoices' service starts) that
    is not after the run date's month; then, while that month is visibly partial (clients holding
    more than :data:`PARTIAL_SHARE` of the previous month's MRR have no row at all in it) and is
    the run date's month or the one before (an export cut before the month's billing), the month
    before it; an older partial month is kept and flagged. ``month`` (``--month``) overrides.
    """
    run_month = run_date.to_period("M").to_timestamp()
    billed = []
    if "MRR" in frames and len(frames["MRR"]):
        billed.append(frames["MRR"]["month"])
    if "Invoices" in frames and len(frames["Invoices"]):
        billed.append(frames["Invoices"]["period_start"].dt.to_period("M").dt.to_timestamp())
    months = pd.DatetimeIndex(pd.concat(billed) if billed else [])
    future = int((months > run_month).sum())
    within = months[months <= run_month]
    touches = ("reporting_month", *MRR_FIGURES)
    notes: list[Assumption] = []
    if month is not None:
        chosen = pd.Timestamp(month).to_period("M").to_timestamp()
        notes.append(
            Assumption.said("reporting_month", Text.of("month_chosen", month=f"{chosen:%Y-%m}"), touches=touches)
        )
        return chosen, notes
    if not len(within):
        last = pd.Timestamp(months.min())
        notes.append(
            Assumption.said(
                "reporting_month",
                Text.of("month_beyond_run_date", month=f"{last:%Y-%m}", date=f"{run_date:%Y-%m-%d}"),
                touches=touches,
                override=Text.of("month_or_check_export"),
            )
        )
        return last, notes
    last = pd.Timestamp(within.max())
    later: Text | str = Text.of("month_later_rows", n=future) if future else ""
    kept: Text | str = ""
    stepped: list[Text] = []
    while True:
        previous = last - pd.DateOffset(months=1)
        share = _missing_share(mrr, previous, last)
        if share <= PARTIAL_SHARE or not (mrr["month"] <= previous).any():
            break
        gap = Text.of("month_gap", month=f"{last:%Y-%m}", share=share, previous=f"{previous:%Y-%m}")
        if last < run_month - pd.DateOffset(months=1):
            kept = Text.of("month_past_gap_kept", gap=gap)
            break
        stepped.append(gap)  # the run date's month or the one before: an export cut before its billing
        last = previous
    skipped = Text.of("month_partial_skipped", gaps=tuple(stepped)) if stepped else ""
    text = Text.of(
        "month_latest", month=f"{last:%Y-%m}", date=f"{run_date:%Y-%m-%d}", later=later, kept=kept, stepped=skipped
    )
    notes.append(Assumption.said("reporting_month", text, touches=touches, override=Text.of("month_of_the_data")))
    return last, notes


def _missing_share(mrr: pd.DataFrame, previous: pd.Timestamp, month: pd.Timestamp) -> float:
    before = mrr[mrr["month"] == previous].groupby("client_id")["mrr"].sum()
    total = float(before[before > 0].sum())
    if total <= 0:
        return 0.0
    present = set(mrr.loc[mrr["month"] == month, "client_id"])
    return float(before[(before > 0) & ~before.index.isin(present)].sum()) / total
