"""Build report contexts from a ``Book``: pure functions, every number from the metric library."""

from __future__ import annotations

import math
import re
import warnings
import weakref
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from cs_reports import metrics as m
from cs_reports.data.book import Book
from cs_reports.data.summary import Policies, client_health_inputs, portfolio_summary
from cs_reports.errors import InvalidInputError, UndefinedMetricWarning
from cs_reports.reports import charts
from cs_reports.reports.context import (
    BreakdownRow,
    ClientInfo,
    Driver,
    FinanceContext,
    GoalRow,
    MilestoneRow,
    OpportunityRow,
    QBRContext,
    RenewalRow,
    SuccessMapContext,
    UsageRow,
)
from cs_reports.reports.formatting import Formatter
from cs_reports.reports.render import strings

__all__ = [
    "build_finance_context",
    "build_qbr_context",
    "build_success_map_context",
    "parse_quarter",
    "renewal_model",
]


def parse_quarter(text: str) -> tuple[int, int]:
    """``'2026Q3'`` / ``'2026-Q3'`` / ``'3T2026'`` -> ``(2026, 3)``.

    >>> parse_quarter("2026Q3"), parse_quarter("2026-q4")
    ((2026, 3), (2026, 4))
    """
    match = re.fullmatch(r"\s*(\d{4})\s*-?\s*[QqTt]([1-4])\s*", str(text)) or re.fullmatch(
        r"\s*([1-4])[QqTt]\s*(\d{4})\s*", str(text)
    )
    if not match:
        raise InvalidInputError(f"A quarter looks like 2026Q3; got {text!r}.")
    a, b = match.groups()
    return (int(a), int(b)) if len(a) == 4 else (int(b), int(a))


def _rows(frame: pd.DataFrame) -> Iterator[Any]:
    """Rows as namedtuples, typed as Any (pandas-stubs types each field as a union of all scalars)."""
    return iter(frame.itertuples())


def _quiet(func: Any, *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return func(*args, **kwargs)


def _date(value: Any) -> date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    return pd.Timestamp(value).date()


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def client_info(book: Book, client_id: str, month: pd.Timestamp) -> ClientInfo:
    """The ``ClientInfo`` of one client (touch model derived from ARR when blank)."""
    row = book.client(client_id)
    own = book.mrr[book.mrr["client_id"] == client_id]
    mrr_now = float(m.mrr_matrix(own, end=month).column(month).sum() / 100) if len(own) else 0.0
    touch = (
        row["touch_model"]
        if isinstance(row["touch_model"], str) and row["touch_model"]
        else m.touch_model(12 * mrr_now)
    )
    return ClientInfo(
        client_id=client_id,
        name=_text(row["name"]),
        segment=_text(row["segment"]),
        csm=_text(row["csm"]),
        plan=_text(row["plan"]),
        touch_model=touch,
        currency=_text(row["currency"]) or "BRL",
        contract_start=_date(row["contract_start"]),
        renewal_date=_date(row["renewal_date"]),
    )


def _goals(book: Book, client_id: str) -> tuple[GoalRow, ...]:
    if book.goals is None:
        return ()
    rows = []
    for g in _rows(book.goals[book.goals["client_id"] == client_id]):
        baseline, target, actual = (
            float(x) if x is not None and not pd.isna(x) else math.nan for x in (g.baseline, g.target, g.actual)
        )
        span = target - baseline
        progress = (actual - baseline) / span if span and not math.isnan(span) else math.nan
        status = "achieved" if progress >= 1 else "on_track" if progress >= 0.5 else "at_risk"
        rows.append(
            GoalRow(_text(g.objective), _text(g.kpi), _text(g.unit), baseline, target, actual, progress, status)
        )
    return tuple(rows)


def _milestones(book: Book, client_id: str) -> list[MilestoneRow]:
    if book.milestones is None:
        return []
    ms = book.milestones[book.milestones["client_id"] == client_id].sort_values("due_date", kind="stable")
    return [
        MilestoneRow(
            _text(r.milestone),
            _text(r.phase),
            _date(r.due_date),
            _date(r.done_date),
            _text(r.owner_side),
            _text(r.owner),
            _text(r.status) or ("done" if _date(r.done_date) else "planned"),
        )
        for r in _rows(ms)
    ]


_PORTFOLIO_CACHE: dict[tuple[int, str, pd.Timestamp], tuple[weakref.ref[Book], Any]] = {}


def _per_book(book: Book, what: str, month: pd.Timestamp, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per book, quantity and month.

    Portfolio-wide figures (health scores of every client, the renewal model) are the same
    in every client's report of a batch. Errors are remembered too (and raised again for every report).
    """
    key = (id(book), what, pd.Timestamp(month))
    hit = _PORTFOLIO_CACHE.get(key)
    if hit is None or hit[0]() is not book:
        try:
            result = compute()
        except InvalidInputError as exc:
            result = exc
        if len(_PORTFOLIO_CACHE) >= 32:
            _PORTFOLIO_CACHE.clear()
        _PORTFOLIO_CACHE[key] = hit = (weakref.ref(book), result)
    if isinstance(hit[1], InvalidInputError):
        raise InvalidInputError(str(hit[1]))
    return hit[1]


def _health(book: Book, month: pd.Timestamp) -> pd.DataFrame:
    """Health scores of every client at ``month`` (cached per book; callers must not modify it)."""
    frame: pd.DataFrame = _per_book(book, "health", month, lambda: m.health_scores(client_health_inputs(book, month)))
    return frame


def renewal_model(book: Book, month: pd.Timestamp) -> m.SBGFit:
    """SBG fitted on the monthly logo survival of the portfolio's largest cohort with >= 12 months of history.

    The fit is the portfolio's, the same for every client's report of the month, so it is
    computed once per book and month (a batch of thousands of QBRs fits it once per worker).
    """
    fit: m.SBGFit = _per_book(book, "renewal", month, lambda: _fit_renewal_model(book, pd.Timestamp(month)))
    return fit


def _fit_renewal_model(book: Book, month: pd.Timestamp) -> m.SBGFit:
    table = m.cohort_retention(book.mrr[book.mrr["month"] <= month])
    observed = table.rates.notna().sum(axis=1)
    candidates = table.sizes[observed >= 13]
    if candidates.empty:
        raise InvalidInputError("Renewal projection needs a cohort with at least 12 months of MRR history.")
    pos = int(np.argmax(candidates.to_numpy()))
    cohort = candidates.index[pos]
    rates = table.rates.loc[[cohort]].iloc[0].dropna().to_numpy()
    active = np.minimum.accumulate(rates * float(candidates.iloc[pos]))  # survival: ignore reactivations
    return m.sbg_fit(active)


def _renewal_probability(fit: m.SBGFit, book: Book, client_id: str, month: pd.Timestamp, renewal: date | None) -> float:
    if renewal is None:
        return math.nan
    own = book.mrr[(book.mrr["client_id"] == client_id) & (book.mrr["mrr"] > 0)]
    if own.empty:
        return math.nan
    age = (month.year - own["month"].min().year) * 12 + month.month - own["month"].min().month
    horizon = max(0.0, (pd.Timestamp(renewal) - (month + pd.offsets.MonthEnd(0))).days / 30.44)
    return float(m.sbg_conditional_survival(fit.alpha, fit.beta, age=max(age, 0), horizon=horizon))


def build_qbr_context(book: Book, quarter: str, client_id: str, lang: str) -> QBRContext:
    """Build the QBR of ``client_id`` for ``quarter`` (e.g. ``'2026Q3'``)."""
    year, q = parse_quarter(quarter)
    end = pd.Timestamp(year=year, month=3 * q, day=1)
    start = end - pd.DateOffset(months=2)
    prev_end = start - pd.DateOffset(months=1)
    t = strings("qbr", lang)
    info = client_info(book, client_id, end)
    own = book.mrr[book.mrr["client_id"] == client_id]
    own_paid = own.loc[own["mrr"] > 0, "month"]
    if not ((own_paid >= start) & (own_paid <= end)).any():
        since = f"first MRR in {own_paid.min():%Y-%m}" if len(own_paid) else "no MRR at all"
        raise InvalidInputError(
            f"Client '{client_id}' has no MRR in {year}Q{q} ({since}); a QBR covers a quarter the client paid for."
        )
    health_now = _health(book, end)
    health_prev = _health(book, prev_end)
    drivers_frame = m.health_drivers(health_now, health_prev)
    h = health_now[health_now["client_id"] == client_id].iloc[0]
    hp = health_prev[health_prev["client_id"] == client_id].iloc[0]
    drivers = tuple(
        Driver(r.component, float(h[f"{r.component}_subscore"]), float(r.current), float(np.nan_to_num(r.change)))
        for r in _rows(drivers_frame[drivers_frame["client_id"] == client_id])
    )
    months12 = pd.date_range(end - pd.DateOffset(months=11), end, freq="MS")
    matrix = m.mrr_matrix(own, start=months12[0], end=end) if len(own) else None
    series = [(mo, float(matrix.column(mo).sum() / 100) if matrix is not None else 0.0) for mo in months12]
    mrr_now, mrr_before = series[-1][1], series[-4][1] if len(series) >= 4 else math.nan
    nps_rows = (
        book.nps[
            (book.nps["client_id"] == client_id)
            & (book.nps["date"] >= end - pd.DateOffset(months=11))
            & (book.nps["date"] < end + pd.offsets.MonthBegin(1))
        ]
        if book.nps is not None
        else None
    )
    nps = m.net_promoter_score(nps_rows["score"]) if nps_rows is not None and len(nps_rows) else None
    tickets = None
    if book.tickets is not None:
        tk = book.tickets
        tickets = tk[
            (tk["client_id"] == client_id)
            & (tk["opened_at"] >= start)
            & (tk["opened_at"] < end + pd.offsets.MonthBegin(1))
        ]
    first = (
        _quiet(m.response_times, tickets["opened_at"], tickets["first_response_at"])
        if tickets is not None and len(tickets)
        else None
    )
    resolution = (
        _quiet(m.response_times, tickets["opened_at"], tickets["resolved_at"])
        if tickets is not None and len(tickets)
        else None
    )
    usage_rows: tuple[UsageRow, ...] = ()
    adoption = math.nan
    if book.usage is not None:
        u = book.usage[
            (book.usage["client_id"] == client_id)
            & (book.usage["month"] > end - pd.DateOffset(months=6))
            & (book.usage["month"] <= end)
        ]
        u = u.sort_values("month")
        usage_rows = tuple(
            UsageRow(
                r.month,
                int(r.active_users),
                int(r.licensed_users),
                r.active_users / r.licensed_users if r.licensed_users else math.nan,
            )
            for r in _rows(u)
        )
        last = u[u["month"] == end]
        if len(last):
            adoption = _quiet(m.adoption_rate, last["active_users"], last["licensed_users"])
    milestones = _milestones(book, client_id)
    done = tuple(x for x in milestones if x.status == "done")
    upcoming = tuple(x for x in milestones if x.status != "done")
    next_steps = tuple(
        [x for x in upcoming if x.owner_side == "vendor"][:3] + [x for x in upcoming if x.owner_side == "client"][:3]
    )
    opps: tuple[OpportunityRow, ...] = ()
    if book.opportunities is not None:
        op = book.opportunities[book.opportunities["client_id"] == client_id]
        opps = tuple(
            OpportunityRow(
                r.kind,
                _date(r.opened),
                float(r.mrr_delta) if not pd.isna(r.mrr_delta) else math.nan,
                "open" if pd.isna(r.won) else "won" if r.won else "lost",
            )
            for r in _rows(op)
        )
    try:
        fit = renewal_model(book, end)
        probability = _renewal_probability(fit, book, client_id, end, info.renewal_date)
    except InvalidInputError:
        probability = math.nan
    days = (pd.Timestamp(info.renewal_date) - (end + pd.offsets.MonthEnd(0))).days if info.renewal_date else None
    risks = []
    if h["band"] in ("red", "yellow"):
        risks.append("risk_health")
    if not math.isnan(adoption) and adoption < 0.5:
        risks.append("risk_adoption")
    if nps is not None and nps.score < 0:
        risks.append("risk_nps")
    if any(x.status == "late" for x in milestones):
        risks.append("risk_late_milestones")
    if (
        days is not None
        and days <= 90
        and (h["band"] != "green" or (not math.isnan(probability) and probability < 0.8))
    ):
        risks.append("risk_renewal")
    if not math.isnan(mrr_before) and mrr_before and mrr_now < mrr_before:
        risks.append("risk_contraction")
    fmt = Formatter(lang)
    quarters: dict[str, list[int]] = {}
    if book.nps is not None:
        all_nps = book.nps[(book.nps["client_id"] == client_id) & (book.nps["date"] < end + pd.offsets.MonthBegin(1))]
        for r in _rows(all_nps):
            qn = (r.date.month - 1) // 3 + 1
            key = f"{qn}T{r.date.year % 100:02d}" if lang == "pt-BR" else f"Q{qn} {r.date.year % 100:02d}"
            quarters.setdefault(key, []).append(int(r.score))
    nps_bars = [(k, _quiet(lambda v=v: m.net_promoter_score(v).score)) for k, v in list(quarters.items())[-6:]]
    currency = info.currency
    return QBRContext(
        client=info,
        year=year,
        quarter=q,
        period_start=start,
        period_end=end,
        generated_on=date.today(),
        health_score=float(h["score"]),
        health_band=str(h["band"]) or "no_score",
        health_change=float(h["score"] - hp["score"]),
        drivers=drivers,
        nps=nps.score if nps else math.nan,
        nps_low=nps.ci_low if nps else math.nan,
        nps_high=nps.ci_high if nps else math.nan,
        nps_answers=nps.n if nps else 0,
        mrr=mrr_now,
        arr=12 * mrr_now,
        mrr_change=(mrr_now - mrr_before) / mrr_before if mrr_before else math.nan,
        renewal_probability=probability,
        days_to_renewal=days,
        goals=_goals(book, client_id),
        usage=usage_rows,
        adoption=adoption,
        tickets=0 if tickets is None else len(tickets),
        open_tickets=0 if tickets is None else int(tickets["resolved_at"].isna().sum()),
        tmr_first_response_hours=first.mean_hours if first else math.nan,
        tmr_first_response_median_hours=first.median_hours if first else math.nan,
        tmr_resolution_hours=resolution.mean_hours if resolution else math.nan,
        csat=_quiet(m.csat_rate, tickets["csat"]) if tickets is not None and len(tickets) else math.nan,
        ces=_quiet(m.customer_effort_score, tickets["ces"]) if tickets is not None and len(tickets) else math.nan,
        milestones_done=done,
        milestones_next=upcoming,
        risks=tuple(risks),
        opportunities=opps,
        next_steps=next_steps,
        mrr_chart=charts.line_chart(
            series,
            lang=lang,
            money=currency,
            alt=t["alt_mrr"].format(name=info.name, period=fmt.quarter(year, q)),
            width=320,
            height=160,
        ),
        usage_chart=charts.bar_chart(
            [(fmt.month(r.month, short=True), r.rate) for r in usage_rows],
            lang=lang,
            percent=True,
            alt=t["alt_usage"].format(name=info.name),
            width=460,
            height=130,
        ),
        nps_chart=charts.bar_chart(
            nps_bars or [("-", 0.0)],
            lang=lang,
            alt=t["alt_nps"].format(name=info.name),
            colors=["#2E8B57" if v >= 30 else "#E0A100" if v >= 0 else "#C0392B" for _, v in nps_bars] or None,
            width=460,
            height=130,
        ),
    )


def build_success_map_context(book: Book, month: Any, client_id: str, lang: str) -> SuccessMapContext:
    """Build the success map (Mapa de Sucesso) of ``client_id`` as of ``month``."""
    as_of = book.last_month if month is None else pd.Timestamp(month).to_period("M").to_timestamp()
    del lang  # the context is language-neutral; the template translates
    info = client_info(book, client_id, as_of)
    milestones = _milestones(book, client_id)
    phases: dict[str, list[MilestoneRow]] = {}
    for x in milestones:
        phases.setdefault(x.phase, []).append(x)
    goals = _goals(book, client_id)
    end = as_of + pd.offsets.MonthEnd(0)
    due = [x for x in milestones if x.due_date is not None and pd.Timestamp(str(x.due_date)) <= end]
    on_time = [
        x
        for x in due
        if x.done_date is not None and (pd.Timestamp(str(x.done_date)) - pd.Timestamp(str(x.due_date))).days <= 3
    ]
    open_ = [x for x in milestones if x.status != "done"]
    return SuccessMapContext(
        client=info,
        as_of=as_of,
        generated_on=date.today(),
        goals=goals,
        phases=tuple((k, tuple(v)) for k, v in phases.items()),
        done=sum(x.status == "done" for x in milestones),
        total=len(milestones),
        on_time_rate=len(on_time) / len(due) if due else math.nan,
        value_delivered=tuple(g for g in goals if not math.isnan(g.progress) and g.progress > 0),
        client_next=tuple(x for x in open_ if x.owner_side == "client"),
        vendor_next=tuple(x for x in open_ if x.owner_side == "vendor"),
    )


def _breakdown(
    book: Book, current: pd.Series, groups: pd.Series, month: pd.Timestamp, window: int
) -> tuple[BreakdownRow, ...]:
    total = float(current.sum())
    rows = []
    for name in sorted(groups.dropna().unique(), key=str):
        ids = set(groups[groups == name].index)
        cur = current[current.index.isin(ids)]
        paying = cur[cur > 0]
        sub = book.mrr[book.mrr["client_id"].isin(ids)]
        nrr = _quiet(m.net_revenue_retention_rate, sub, as_of=month, window=window) if len(sub) else math.nan
        rows.append(
            BreakdownRow(
                str(name),
                len(paying),
                float(paying.sum()),
                float(paying.sum()) / total if total else math.nan,
                _quiet(m.arpa_value, paying) if len(paying) else math.nan,
                nrr,
            )
        )
    return tuple(rows)


def build_finance_context(book: Book, month: Any, lang: str, *, policies: Policies | None = None) -> FinanceContext:
    """Build the monthly finance report for ``month`` (default: the book's last month)."""
    pol = policies or Policies()
    summary = portfolio_summary(book, month, policies=pol)
    month = summary.month
    t = strings("finance", lang)
    fmt = Formatter(lang)
    first = month - pd.DateOffset(months=11)
    bridge = m.mrr_movements(book.mrr, start=first, end=month)
    bridge_rows = tuple({str(k): v for k, v in row.items()} for row in bridge.to_dict("records"))
    table = m.cohort_retention(book.mrr[book.mrr["month"] <= month], max_age=12)
    recent = table.rates.iloc[-13:-1] if len(table.rates) > 13 else table.rates
    sizes = table.sizes.reindex(recent.index).to_numpy()
    cohorts = tuple(
        (pd.Timestamp(str(idx)), int(size), tuple(float(v) for v in row))
        for idx, size, row in zip(recent.index, sizes, recent.to_numpy(), strict=True)
    )
    matrix = m.mrr_matrix(book.mrr, end=month)
    current = pd.Series(matrix.column(month) / 100.0, index=matrix.clients)
    names = book.clients.set_index("client_id")["name"]
    top = current.sort_values(ascending=False).head(10)
    total = float(current.sum())
    top_clients = tuple((str(names.get(cid, cid)), float(v), float(v) / total) for cid, v in top.items())
    clients = book.clients.set_index("client_id")
    derived = m.assign_touch_models(
        pd.DataFrame(
            {
                "arr": 12 * current.reindex(clients.index).fillna(0.0).to_numpy(),
                "touch_model": clients["touch_model"].to_numpy(),
            },
            index=clients.index,
        )
    )
    by_touch = _breakdown(book, current, derived, month, pol.window)
    by_csm = _breakdown(book, current, clients["csm"], month, pol.window)
    renewals: list[RenewalRow] = []
    horizon = month + pd.offsets.MonthEnd(0) + pd.Timedelta(days=90)
    due = clients[(clients["renewal_date"] > month + pd.offsets.MonthEnd(0)) & (clients["renewal_date"] <= horizon)]
    try:
        fit: m.SBGFit | None = renewal_model(book, month)
    except InvalidInputError:
        fit = None
    health = _health(book, month).set_index("client_id")["score"]
    for cid, row in due.sort_values("renewal_date").iterrows():
        mrr_now = float(current.get(cid, 0.0))
        if mrr_now <= 0:
            continue
        p = _renewal_probability(fit, book, str(cid), month, _date(row["renewal_date"])) if fit else math.nan
        score = float(health.get(cid, math.nan))
        likely = (math.isnan(p) or p >= 0.8) and (math.isnan(score) or score >= 40)
        renewals.append(
            RenewalRow(
                str(cid),
                _text(row["name"]),
                _date(row["renewal_date"]) or month.date(),
                mrr_now,
                score,
                p,
                "likely" if likely else "at_risk",
            )
        )
    cur = summary.currency
    steps = [
        (t["start"], summary.start_mrr, "total"),
        (t["new"], summary.new, "up"),
        (t["expansion"], summary.expansion, "up"),
        (t["reactivation"], summary.reactivation, "up"),
        (t["contraction"], summary.contraction, "down"),
        (t["churn"], summary.churn, "down"),
        (t["end"], summary.mrr, "total"),
    ]
    return FinanceContext(
        month=month,
        generated_on=date.today(),
        summary=summary,
        policies=pol,
        bridge=bridge_rows,
        cohorts=cohorts,
        cohort_ages=min(13, table.rates.shape[1]),
        top_clients=top_clients,
        by_touch=by_touch,
        by_csm=by_csm,
        renewals=tuple(renewals),
        bridge_chart=charts.waterfall_chart(
            steps, lang=lang, currency=cur, alt=t["alt_bridge"].format(month=fmt.month(month))
        ),
        mrr_chart=charts.line_chart(
            [(r["month"], r["end"]) for r in bridge_rows],
            lang=lang,
            money=cur,
            y_zero=False,
            alt=t["alt_mrr"].format(month=fmt.month(month)),
        ),
    )
