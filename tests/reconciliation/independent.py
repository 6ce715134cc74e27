"""An independent implementation of the registry's policy sentences: plain pandas from the raw sheets.

Nothing here imports ``cs_reports``: the workbook is read with ``pandas.read_excel`` and each
figure is computed the way its printed sentence says, so a test comparing these numbers with
the printed ones checks the sentence against the code.
"""

from __future__ import annotations

import math

import pandas as pd


def raw_sheets(path: str) -> dict[str, pd.DataFrame]:
    """Every sheet of the workbook, as written (English headers, as the generators write them)."""
    return pd.read_excel(path, sheet_name=None, engine="openpyxl")


def _spread(invoices: pd.DataFrame) -> pd.DataFrame:
    """docs/data.md, ``months`` policy: n = max(1, round(days / 30.44)) equal months, whole cents, remainder first."""
    rows = []
    for r in invoices.itertuples(index=False):
        start, end = pd.Timestamp(r.period_start), pd.Timestamp(r.period_end)
        n = max(1, round(((end - start).days + 1) / 30.44))
        cents = round(float(r.amount) * 100)
        sign, size = (1 if cents >= 0 else -1), abs(cents)
        base, rest = divmod(size, n)
        first = start.to_period("M").to_timestamp()
        for k in range(n):
            rows.append((str(r.client_id), first + pd.DateOffset(months=k), sign * (base + (1 if k < rest else 0))))
    frame = pd.DataFrame(rows, columns=["client_id", "month", "cents"])
    out = frame.groupby(["client_id", "month"], as_index=False)["cents"].sum()
    out["mrr"] = out["cents"] / 100.0
    return out[["client_id", "month", "mrr"]]


def mrr_table(sheets: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Client x month MRR (0 where absent), from the MRR and Invoices sheets."""
    parts = []
    if "MRR" in sheets:
        m = sheets["MRR"][["client_id", "month", "mrr"]].copy()
        m["month"] = pd.to_datetime(m["month"].astype(str).str[:7] + "-01")
        m["client_id"] = m["client_id"].astype(str)
        parts.append(m)
    if "Invoices" in sheets:
        parts.append(_spread(sheets["Invoices"]))
    long = pd.concat(parts, ignore_index=True).astype({"mrr": float})
    table = long.pivot_table(index="client_id", columns="month", values="mrr", aggfunc="sum", fill_value=0.0)
    months = pd.date_range(table.columns.min(), table.columns.max(), freq="MS")
    return table.reindex(columns=months, fill_value=0.0)


def _col(table: pd.DataFrame, month: pd.Timestamp) -> pd.Series:
    return table[month] if month in table.columns else pd.Series(0.0, index=table.index)


def logo_churn(table: pd.DataFrame, month: pd.Timestamp) -> float:
    """Customers lost in the month / customers paying at its start (the month before)."""
    before, now = _col(table, month - pd.DateOffset(months=1)), _col(table, month)
    base = before > 0
    return float((base & (now <= 0)).sum() / base.sum()) if base.sum() else math.nan


def mean_monthly_churn(table: pd.DataFrame, month: pd.Timestamp, n: int = 12) -> float:
    """The mean of the monthly customer churn rates of the last ``n`` months (undefined months left out)."""
    rates = [logo_churn(table, month - pd.DateOffset(months=k)) for k in range(n)]
    rates = [r for r in rates if not math.isnan(r)]
    return sum(rates) / len(rates) if rates else math.nan


def arpa(table: pd.DataFrame, month: pd.Timestamp) -> float:
    """MRR / customers paying in the month."""
    now = _col(table, month)
    return float(now.sum() / (now > 0).sum())


def mean_margin(sheets: dict[str, pd.DataFrame], table: pd.DataFrame, month: pd.Timestamp) -> float:
    """The mean gross margin of the clients paying in the month (1.0 when none is given)."""
    clients = sheets["Clients"].assign(client_id=lambda c: c["client_id"].astype(str)).set_index("client_id")
    if "gross_margin" not in clients:
        return 1.0
    paying = _col(table, month)
    margins = clients["gross_margin"].reindex(paying[paying > 0].index).dropna()
    return float(margins.mean()) if len(margins) else 1.0


def lifetime(churn: float, cap: int = 60) -> float:
    """1 / churn, capped at ``cap`` months (the cap also at zero churn)."""
    return float(cap) if churn <= 0 else min(1.0 / churn, float(cap))


def portfolio_ltv(sheets: dict[str, pd.DataFrame], table: pd.DataFrame, month: pd.Timestamp) -> float:
    """LTV = ARPA x mean gross margin / mean monthly customer churn of 12 months; lifetime capped at 60."""
    return arpa(table, month) * mean_margin(sheets, table, month) * lifetime(mean_monthly_churn(table, month))


def client_ltv(sheets: dict[str, pd.DataFrame], table: pd.DataFrame, client_id: str, month: pd.Timestamp) -> float:
    """Client LTV = its MRR x its gross margin (1 when blank) / the portfolio's mean monthly churn; cap 60."""
    clients = sheets["Clients"].assign(client_id=lambda c: c["client_id"].astype(str)).set_index("client_id")
    margin = clients["gross_margin"].get(client_id, math.nan) if "gross_margin" in clients else math.nan
    margin = 1.0 if pd.isna(margin) else float(margin)
    return float(_col(table, month)[client_id]) * margin * lifetime(mean_monthly_churn(table, month))


def nrr(table: pd.DataFrame, month: pd.Timestamp, window: int = 12, gross: bool = False) -> float:
    """Today's MRR of the customers paying ``window`` months ago / their MRR then (GRR: capped at then)."""
    then, now = _col(table, month - pd.DateOffset(months=window)), _col(table, month)
    cohort = then > 0
    kept = now.where(now < then, then) if gross else now
    return float(kept[cohort].sum() / then[cohort].sum()) if cohort.any() else math.nan


def revenue_churn(table: pd.DataFrame, month: pd.Timestamp) -> float:
    """(churned MRR + contraction) / MRR at the month's start."""
    start, now = _col(table, month - pd.DateOffset(months=1)), _col(table, month)
    churned = start[(start > 0) & (now <= 0)].sum()
    contraction = (start - now)[(now > 0) & (now < start)].sum()
    return float((churned + contraction) / start.sum())


def touch_at_window_start(sheets: dict[str, pd.DataFrame], table: pd.DataFrame, month: pd.Timestamp) -> pd.Series:
    """Given touch model, else from 12 x MRR at the window's start (or the first paid month after it)."""
    clients = sheets["Clients"].assign(client_id=lambda c: c["client_id"].astype(str)).set_index("client_id")
    given = clients["touch_model"] if "touch_model" in clients else pd.Series(None, index=clients.index)
    start = month - pd.DateOffset(months=12)
    out = {}
    for cid in clients.index:
        value = given.get(cid)
        if isinstance(value, str) and value.strip():
            out[cid] = value.strip().lower()
            continue
        row = table.loc[cid, [c for c in table.columns if start <= c <= month]] if cid in table.index else pd.Series()
        paid = row[row > 0]
        arr = 12 * float(paid.iloc[0]) if len(paid) else 0.0
        out[cid] = "tech" if arr < 12_000 else "low" if arr < 60_000 else "mid" if arr < 240_000 else "high"
    return pd.Series(out)


def _in_months(frame: pd.DataFrame, col: str, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    dates = pd.to_datetime(frame[col])
    return frame[(dates >= first) & (dates < last + pd.offsets.MonthBegin(1))]


def nps(sheets: dict[str, pd.DataFrame], month: pd.Timestamp) -> float:
    """% promoters (9-10) - % detractors (0-6) of the answers of the last 3 months."""
    answers = pd.to_numeric(_in_months(sheets["NPS"], "date", month - pd.DateOffset(months=2), month)["score"])
    answers = answers.dropna()
    return float(100 * ((answers >= 9).mean() - (answers <= 6).mean())) if len(answers) else math.nan


def csat(sheets: dict[str, pd.DataFrame], month: pd.Timestamp) -> float:
    """Answers of 4 or 5 / answers, tickets opened in the last 3 months."""
    answers = pd.to_numeric(
        _in_months(sheets["Tickets"], "opened_at", month - pd.DateOffset(months=2), month)["csat"]
    ).dropna()
    return float((answers >= 4).mean()) if len(answers) else math.nan


def license_adoption(sheets: dict[str, pd.DataFrame], month: pd.Timestamp, client_id: str | None = None) -> float:
    """Active users / licenses in the month (one client's rows, or every row)."""
    usage = sheets["Usage"].assign(client_id=lambda u: u["client_id"].astype(str))
    usage = usage[pd.to_datetime(usage["month"]) == month]
    if client_id is not None:
        usage = usage[usage["client_id"] == client_id]
    pairs = usage[["active_users", "licensed_users"]].dropna()
    return float(pairs["active_users"].sum() / pairs["licensed_users"].sum()) if len(pairs) else math.nan


def movements(table: pd.DataFrame, month: pd.Timestamp) -> dict[str, float]:
    """Client by client, the month against the month before: new = first paid month ever; reactivation =
    paying again after at least one month at 0; expansion / contraction = change of a client paying in both
    months; churn = the MRR of a client that stopped paying. Also ``start`` and ``end`` (the two months' MRR)."""
    before, now = _col(table, month - pd.DateOffset(months=1)), _col(table, month)
    earlier = table[[c for c in table.columns if c < month - pd.DateOffset(months=1)]]
    paid_earlier = (earlier > 0).any(axis=1) if earlier.shape[1] else pd.Series(False, index=table.index)
    starts, pays = before > 0, now > 0
    both = starts & pays
    return {
        "start": float(before[starts].sum()),
        "new": float(now[pays & ~starts & ~paid_earlier].sum()),
        "reactivation": float(now[pays & ~starts & paid_earlier].sum()),
        "expansion": float((now - before)[both & (now > before)].sum()),
        "contraction": float((before - now)[both & (now < before)].sum()),
        "churn": float(before[starts & ~pays].sum()),
        "end": float(now[pays].sum()),
    }


def quick_ratio(table: pd.DataFrame, month: pd.Timestamp) -> float:
    """(new + expansion + reactivation) / (churn + contraction) of the month."""
    m = movements(table, month)
    lost = m["churn"] + m["contraction"]
    return (m["new"] + m["expansion"] + m["reactivation"]) / lost if lost else math.nan
