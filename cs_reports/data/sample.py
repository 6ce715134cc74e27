"""A deterministic, realistic sample portfolio: the demo data and the tests' fixture.

About 200 clients over 36 months (2023-11 .. 2026-10), every sheet of the data contract,
mostly Brazilian clients (pt-BR) and some English-speaking ones, all billed in BRL. The
portfolio has new business, expansion, contraction, churn, reactivation after a gap,
and clients billed by annual invoices (in the ``Invoices`` sheet instead of ``MRR``).
"""

from __future__ import annotations

from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd

from cs_reports.data import _sample_words as w
from cs_reports.errors import InvalidInputError
from cs_reports.metrics.health import DEFAULT_HEALTH_MODEL
from cs_reports.metrics.portfolio import touch_model

__all__ = ["CHURN_LAWS", "FIRST_MONTH", "LAST_MONTH", "make_sample_tables", "write_sample"]

FIRST_MONTH = pd.Timestamp("2023-11-01")
LAST_MONTH = pd.Timestamp("2026-10-01")
N_MONTHS = 36


EXCEL_MAX_ROWS = 1_048_576

#: The laws a renewal's outcome is drawn from (log-odds of churning at the anniversary, from the
#: client's state the month before):
#:
#: .. math:: \operatorname{logit} P(\text{churn}) = a - b_m\,\text{mood} - b_a(\text{adoption} - 0.6)
#:     + c_m\,\text{mood fall}_{3m} + c_a\,\text{adoption fall}_{3m} + d\,\text{in trouble} + f\,\text{first renewal}
#:
#: ``mood`` is the latent satisfaction behind NPS, CSAT and response times (about N(0, 1));
#: the falls are over the last 3 months (0 when rising); "in trouble" is a decline under way
#: (it also brings ticket spikes, detractors, late milestones and contraction). ``cs`` (the
#: default) is the law a CS leader recognises: low satisfaction and adoption, and above all a
#: recent decline, raise churn. ``level`` depends only on the level of satisfaction and
#: adoption (what the Health Score measures), ``trend`` only on their 3-month falls: the
#: backtests of ``docs/reports.md`` check that the renewal model recovers each law's direction.
CHURN_LAWS: dict[str, dict[str, float]] = {
    "cs": {"a": -2.9, "b_m": 0.6, "b_a": 2.0, "c_m": 1.5, "c_a": 6.0, "d": 1.2, "f": 0.5},
    "level": {"a": -2.3, "b_m": 1.3, "b_a": 5.0, "c_m": 0.0, "c_a": 0.0, "d": 0.0, "f": 0.0},
    "trend": {"a": -2.4, "b_m": 0.0, "b_a": 0.0, "c_m": 1.8, "c_a": 8.0, "d": 0.0, "f": 0.0},
}


def _pool(parts: list[list[str]], extra: list[str]) -> tuple[list[str], int]:
    """Every name of ``parts`` (one word from each list), then with a city: the pool, in a fixed order."""
    first = [" ".join(p) for p in product(*parts)]
    *lead, last = parts
    second = [" ".join((*p, city, s)) for p in product(*lead) for city in extra for s in last]
    return first + second, len(first)


def _names(rng: np.random.Generator, pt: np.ndarray) -> np.ndarray:
    """Unique client names by construction: pools drawn without replacement, then numbered units."""
    out = np.empty(pt.size, dtype=object)
    pools = {
        True: (*_pool([w.PT_PREFIX, w.PT_NAME + w.PT_PLACE, w.PT_SUFFIX], w.PT_CITY), "Unidade"),
        False: (*_pool([w.EN_PREFIX, w.EN_NAME, w.EN_SUFFIX], w.EN_CITY), "Unit"),
    }
    for flag, (pool, plain, unit) in pools.items():
        where = np.flatnonzero(pt == flag)
        # the plain names first (shuffled), the longer ones with a city only when those run out
        order = np.concatenate([rng.permutation(plain), plain + rng.permutation(len(pool) - plain)])
        picks = order[np.arange(where.size) % len(pool)]
        rounds = np.arange(where.size) // len(pool)
        out[where] = [
            pool[k] if r == 0 else f"{pool[k]} ({unit} {r + 1})"
            for k, r in zip(picks.tolist(), rounds.tolist(), strict=True)
        ]
    return out


def _csm_names(count: int) -> list[str]:
    """The eight demo CSMs, then first x last names: about one CSM per 60 accounts."""
    more = [f"{f} {s}" for s in w.LAST for f in w.FIRST if f"{f} {s}" not in w.CSMS]
    return (w.CSMS + more)[: max(len(w.CSMS), min(count, len(w.CSMS) + len(more)))]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-x))
    return out


def _days(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype="int64").astype("timedelta64[D]")


def _paths(
    rng: np.random.Generator,
    c: dict[str, np.ndarray],
    mood: np.ndarray,
    adoption: np.ndarray,
    law: dict[str, float],
) -> np.ndarray:
    """Monthly MRR of every client (clients x months).

    Most logo churn happens at the contract's anniversary, with a probability from ``law``
    (one of :data:`CHURN_LAWS`) of the client's state the month before; a small monthly
    hazard covers cancellations between renewals. Expansion, contraction (frequent while an
    account declines), reactivation after a gap of two months or more.
    """
    n = c["start"].size
    path = np.zeros((n, N_MONTHS))
    value = c["base"].copy()
    active = np.zeros(n, dtype=bool)
    gap = np.zeros(n, dtype=int)
    for t in range(N_MONTHS):
        starting = c["start"] == t
        active |= starting
        was = active & ~starting
        prev_mood = mood[:, max(t - 1, 0)]
        prev_adopt = adoption[:, max(t - 1, 0)]
        mood_fall = np.maximum(mood[:, max(t - 4, 0)] - prev_mood, 0.0)
        adopt_fall = np.maximum(adoption[:, max(t - 4, 0)] - prev_adopt, 0.0)
        trouble = (c["decline_from"] <= t - 1) & (t - 1 < c["decline_to"])
        renewal = was & ((t - c["phase"]) % 12 == 0)
        tenure = (t - c["cs_index"]) // 12
        p_renewal = _sigmoid(
            law["a"]
            - law["b_m"] * prev_mood
            - law["b_a"] * (prev_adopt - 0.6)
            + law["c_m"] * mood_fall
            + law["c_a"] * adopt_fall
            + law["d"] * trouble
            + law["f"] * (tenure <= 1)
        )
        p_month = 0.005 + 0.01 * (prev_mood < -1.5)
        u = rng.random(n)
        churn = was & ((renewal & (u < p_renewal)) | (~renewal & (u < p_month)))
        if active.any() and not (active & ~churn).any():  # a small book keeps one client: no month unbilled
            churn[np.flatnonzero(churn)[0]] = False
        declining = (c["decline_from"] <= t) & (t < c["decline_to"])
        v = rng.random(n)
        grow = was & ~churn & (v < np.where(declining, 0.01, 0.05))
        shrink = was & ~churn & ~grow & (v < np.where(declining, 0.25, 0.07))
        new_value = np.where(grow, value * (1 + rng.uniform(0.1, 0.4, n)), value)
        new_value = np.where(shrink, new_value * (1 - rng.uniform(0.1, 0.3, n)), new_value)
        frozen = c["annual"] & ~renewal & was  # annual plans change only at renewal
        value = np.where(frozen, value, new_value)
        value = np.where(starting, c["base"], value)
        active &= ~churn
        gap = np.where(active, 0, gap + (~active & (c["start"] < t)))
        back = ~active & (c["start"] < t) & (gap >= 2) & ~churn & (rng.random(n) < 0.02)
        value = np.where(back, value * rng.uniform(0.8, 1.1, n), value)
        active |= back
        gap[back] = 0
        path[:, t] = np.where(active, np.round(value, 2), 0.0)
    return path


def make_sample_tables(seed: int = 2026, clients: int = 200, *, churn_law: str = "cs") -> dict[str, pd.DataFrame]:
    """Build every sheet of the sample portfolio as DataFrames (contract column names).

    The same ``seed`` always gives the same data. Every step is vectorised over clients, so
    100,000 clients take seconds, and names are unique by construction (the name pools are
    drawn without replacement; beyond them a unit number is added).
    About 15% of the accounts decline in the last months (falling adoption and mood, so
    detractors, late milestones, old open tickets, ticket spikes, contraction) and 40% went
    through such a patch of 4-9 months earlier; renewals depend on those signals through ``churn_law`` (a key of
    :data:`CHURN_LAWS`), so the ``Renewals`` sheet holds about three years of outcomes to learn from.
    """
    if clients < 1:
        raise InvalidInputError(f"make_sample_tables needs clients >= 1, got {clients}.")
    if churn_law not in CHURN_LAWS:
        raise InvalidInputError(
            f"make_sample_tables: churn_law must be one of {sorted(CHURN_LAWS)}, got {churn_law!r}."
        )
    rng = np.random.default_rng(seed)
    n = clients
    months = pd.date_range(FIRST_MONTH, periods=N_MONTHS, freq="MS")
    m64 = months.to_numpy().astype("datetime64[D]")
    pt = rng.random(n) < 0.8
    seg_names = list(w.SEGMENTS)
    seg = rng.choice(3, n, p=[0.6, 0.3, 0.1])
    medians = np.array([v[0] for v in w.SEGMENTS.values()])[seg]
    sigmas = np.array([v[1] for v in w.SEGMENTS.values()])[seg]
    start = np.where(rng.random(n) < 0.7, rng.integers(0, N_MONTHS, n), 0)
    before = rng.integers(1, 37, n)  # clients since before the window: months since their contract start
    cs_index = np.where(start == 0, -before, start)
    kind = rng.random(n)
    now_declining = kind < 0.15  # declining in the last 3-8 months: the accounts at risk today
    episode = (kind >= 0.15) & (kind < 0.55)  # a rough patch of 4-9 months earlier on
    first_bad = rng.integers(3, N_MONTHS - 9, n)
    c = {
        "start": start,
        "cs_index": cs_index,
        "phase": cs_index % 12,
        # price points as Brazilian SaaS writes them: R$ 1.289,90
        "base": np.maximum(np.round(medians * rng.lognormal(0.0, sigmas), -1), 100.0) - 0.10,
        "annual": rng.random(n) < 0.12,
        "decline_from": np.where(now_declining, N_MONTHS - rng.integers(3, 9, n), np.where(episode, first_bad, 999)),
        "decline_to": np.where(episode, first_bad + rng.integers(4, 10, n), 999),
    }
    t_grid = np.arange(N_MONTHS)[None, :]
    declining = (c["decline_from"][:, None] <= t_grid) & (t_grid < c["decline_to"][:, None])
    steps = np.where(declining, 1.0, 0.0)
    mood0 = rng.normal(0.0, 1.0, n)
    mood = mood0[:, None] + np.cumsum(rng.normal(0.0, 0.08, (n, N_MONTHS)), axis=1) - 0.3 * np.cumsum(steps, axis=1)
    adopt0 = np.clip(rng.beta(4, 3, n) + 0.1 * mood0, 0.05, 0.98)
    drift = rng.normal(0.005, 0.03, (n, N_MONTHS)) - 0.05 * steps
    adoption = np.clip(adopt0[:, None] + np.cumsum(drift, axis=1), 0.05, 0.98)
    path = _paths(rng, c, mood, adoption, CHURN_LAWS[churn_law])

    ids = np.array([f"C{i + 1:0{max(4, len(str(n)))}d}" for i in range(n)], dtype=object)
    locale = np.where(pt, "pt-BR", "en")
    csms = _csm_names(n // 60)
    cs_day = rng.integers(1, 29, n)
    cs_year = 2023 + (10 + cs_index) // 12
    cs_month = (10 + cs_index) % 12 + 1
    contract_start = pd.to_datetime(pd.DataFrame({"year": cs_year, "month": cs_month, "day": cs_day}))
    years_to_next = (N_MONTHS - 1 - cs_index) // 12 + 1  # the first anniversary after the last month
    renewal_date = pd.to_datetime(pd.DataFrame({"year": cs_year + years_to_next, "month": cs_month, "day": cs_day}))
    last = path[:, -1]
    arr = 12 * np.where(last > 0, last, path.max(axis=1))
    given = rng.random(n) < 0.7
    clients_frame = pd.DataFrame(
        {
            "client_id": ids,
            "name": _names(rng, pt),
            "segment": np.array(seg_names, dtype=object)[seg],
            "touch_model": [touch_model(a) if g else None for a, g in zip(arr.tolist(), given.tolist(), strict=True)],
            "csm": np.array(csms, dtype=object)[np.arange(n) % len(csms)],
            "contract_start": contract_start,
            "renewal_date": renewal_date,
            "plan": np.array([w.PLANS[s] for s in seg_names], dtype=object)[seg],
            "currency": "BRL",
            "cac": np.round(c["base"] * rng.uniform(4, 10, n), -1),
            "gross_margin": np.round(rng.uniform(0.72, 0.86, n), 2),
            "locale": locale,
        }
    )
    tables = {"Clients": clients_frame}
    tables.update(_billing(ids, path, c, cs_day, m64))
    tables.update(_signals(rng, ids, pt, path, c, mood, adoption, months))
    tables["Renewals"] = _renewals(ids, path, cs_index, cs_year, cs_month, cs_day)
    tables.update(_plans(rng, ids, pt, path, c, csms, months))
    tables["HealthModel"] = pd.DataFrame(
        [
            {"component": comp.name, "weight": comp.weight, "thresholds": f"{comp.bad:g};{comp.good:g}"}
            for comp in DEFAULT_HEALTH_MODEL.components
        ]
    )
    order = ["Clients", "MRR", "Invoices", "NPS", "Renewals", "Tickets", "Usage", "Milestones", "Goals"]
    return {name: tables[name] for name in [*order, "Opportunities", "HealthModel"]}


def _billing(
    ids: np.ndarray, path: np.ndarray, c: dict[str, np.ndarray], cs_day: np.ndarray, m64: np.ndarray
) -> dict[str, pd.DataFrame]:
    """``MRR`` rows of monthly plans; ``Invoices`` of annual plans (one a year while paying)."""
    rows, cols = np.nonzero((path > 0) & ~c["annual"][:, None])
    mrr = pd.DataFrame({"client_id": ids[rows], "month": pd.to_datetime(m64[cols]), "mrr": path[rows, cols]})
    inv: list[tuple[int, int]] = []
    for i in np.flatnonzero(c["annual"]).tolist():
        t = int(c["start"][i])
        while t < N_MONTHS:
            if path[i, t] > 0:
                inv.append((i, t))
                t += 12
            else:
                t += 1
    who = np.array([i for i, _ in inv], dtype=int)
    when = np.array([t for _, t in inv], dtype=int)
    period_start = pd.to_datetime(m64[when] + _days(cs_day[who] - 1))
    invoices = pd.DataFrame(
        {
            "client_id": ids[who],
            "amount": np.round(path[who, when] * 12, 2),
            "period_start": period_start,
            "period_end": period_start + pd.DateOffset(years=1) - pd.Timedelta(days=1),
            "invoice_id": [
                f"NF-{ids[i][1:]}-{m64[t].astype(object):%Y%m}"
                for i, t in zip(who.tolist(), when.tolist(), strict=True)
            ],
        }
    )
    return {"MRR": mrr, "Invoices": invoices}


def _pick(
    rng: np.random.Generator, pt: np.ndarray, kind: np.ndarray, texts: dict[str, dict[str, list[str]]]
) -> np.ndarray:
    """One text per row from ``texts[locale][kind]``."""
    out = np.empty(kind.size, dtype=object)
    for flag, loc in ((True, "pt-BR"), (False, "en")):
        for k, options in texts[loc].items():
            where = np.flatnonzero((pt == flag) & (kind == k))
            out[where] = np.array(options, dtype=object)[rng.integers(0, len(options), where.size)]
    return out


def _signals(
    rng: np.random.Generator,
    ids: np.ndarray,
    pt: np.ndarray,
    path: np.ndarray,
    c: dict[str, np.ndarray],
    mood: np.ndarray,
    adoption: np.ndarray,
    months: pd.DatetimeIndex,
) -> dict[str, pd.DataFrame]:
    """NPS answers (quarterly), tickets (with CSAT/CES) and monthly usage of paying clients."""
    m64 = months.to_numpy().astype("datetime64[m]")
    paying = path > 0
    surveyed = paying & (np.arange(N_MONTHS)[None, :] % 3 == (c["start"] % 3)[:, None])
    ci, ti = np.nonzero(surveyed)
    answers = rng.integers(1, 4, ci.size)
    ci, ti = np.repeat(ci, answers), np.repeat(ti, answers)
    score = np.clip(np.round(rng.normal(8.2 + 1.2 * mood[ci, ti], 1.6)), 0, 10).astype(int)
    kind = np.where(score >= 9, "promoter", np.where(score >= 7, "passive", "detractor"))
    comment = pd.Series(_pick(rng, pt[ci], kind, w.COMMENTS)).where(rng.random(ci.size) < 0.45, None).to_numpy()
    nps = pd.DataFrame(
        {
            "client_id": ids[ci],
            "date": pd.to_datetime(m64[ti] + _days(rng.integers(0, 27, ci.size))),
            "score": score,
            "comment": comment,
        }
    )

    ci, ti = np.nonzero(paying)
    declining = (c["decline_from"][ci] <= ti) & (ti < c["decline_to"][ci])
    current = c["decline_to"][ci] > N_MONTHS  # a decline still going on at the last month
    count = rng.poisson(0.6 + c["base"][ci] / 8000 + 0.8 * declining)
    ci, ti = np.repeat(ci, count), np.repeat(ti, count)
    declining, current = np.repeat(declining, count), np.repeat(current, count)
    k = ci.size
    opened = m64[ti] + rng.integers(0, 27 * 24 * 60, k).astype("timedelta64[m]")
    first_h = rng.lognormal(np.log(3.0) - 0.3 * mood[ci, ti], 0.9)
    resolve_h = first_h + rng.lognormal(np.log(16.0), 1.0, k)
    open_now = ((ti == N_MONTHS - 1) & (rng.random(k) < 0.5)) | (declining & current & (rng.random(k) < 0.35))
    resolved = pd.Series(pd.to_datetime(opened + np.round(resolve_h * 60).astype("timedelta64[m]"))).where(~open_now)
    csat = np.where(rng.random(k) < 0.7, np.clip(np.round(rng.normal(4.1 + 0.4 * mood[ci, ti], 0.8)), 1, 5), np.nan)
    ces = np.where(rng.random(k) < 0.5, np.clip(np.round(rng.normal(5.3 + 0.5 * mood[ci, ti], 1.1)), 1, 7), np.nan)
    order = np.lexsort((opened, ci))  # ticket numbers by client, then time (as a helpdesk export)
    width = max(6, len(str(k)))
    tickets = pd.DataFrame(
        {
            "client_id": ids[ci],
            "ticket_id": "",
            "opened_at": pd.to_datetime(opened),
            "first_response_at": pd.to_datetime(opened + np.round(first_h * 60).astype("timedelta64[m]")),
            "resolved_at": resolved,
            "csat": csat,
            "ces": ces,
        }
    ).iloc[order]
    tickets["ticket_id"] = [f"T{i + 1:0{width}d}" for i in range(k)]

    ci, ti = np.nonzero(paying)
    floor = np.maximum(3, (c["base"] / 60).astype(int))
    seats_all = np.maximum(np.maximum.accumulate(np.where(paying, (path / 60).astype(int), 0), axis=1), floor[:, None])
    seats = seats_all[ci, ti]
    active = np.round(seats * adoption[ci, ti]).astype(int)
    usage = pd.DataFrame(
        {
            "client_id": ids[ci],
            "month": pd.to_datetime(months.to_numpy()[ti]),
            "active_users": active,
            "licensed_users": seats,
            "reports_created": rng.poisson(active * 3),
            "integrations_used": rng.integers(0, 6, ci.size),
        }
    )
    return {"NPS": nps, "Tickets": tickets.reset_index(drop=True), "Usage": usage}


def _renewals(
    ids: np.ndarray, path: np.ndarray, cs_index: np.ndarray, year: np.ndarray, month: np.ndarray, day: np.ndarray
) -> pd.DataFrame:
    """Every anniversary in the window (and the next 3 months) of a client paying the month before.

    Outcome: ``renewed`` if the client pays in the due month, ``churned`` if not, ``pending``
    for anniversaries after the last month.
    """
    parts = []
    for k in range(1, N_MONTHS // 12 + 5):
        due = cs_index + 12 * k
        ok = (due >= 1) & (due < N_MONTHS + 3)
        i = np.flatnonzero(ok)
        i = i[path[i, np.minimum(due[i] - 1, N_MONTHS - 1)] > 0]
        d = due[i]
        inside = d < N_MONTHS
        after = np.where(inside, path[i, np.minimum(d, N_MONTHS - 1)], np.nan)
        parts.append(
            pd.DataFrame(
                {
                    "client_id": ids[i],
                    "due_date": pd.to_datetime(pd.DataFrame({"year": year[i] + k, "month": month[i], "day": day[i]})),
                    "outcome": np.where(inside, np.where(after > 0, "renewed", "churned"), "pending"),
                    "mrr_before": path[i, np.minimum(d - 1, N_MONTHS - 1)],
                    "mrr_after": after,
                    "_order": i,
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True).sort_values(["_order", "due_date"], kind="stable")
    frame["mrr_after"] = frame["mrr_after"].where(frame["outcome"] != "pending")
    return frame.drop(columns="_order").reset_index(drop=True)


def _plans(
    rng: np.random.Generator,
    ids: np.ndarray,
    pt: np.ndarray,
    path: np.ndarray,
    c: dict[str, np.ndarray],
    csms: list[str],
    months: pd.DatetimeIndex,
) -> dict[str, pd.DataFrame]:
    """Success plans (30/60/90 milestones of the latest cycle), goals and upsell opportunities."""
    n = ids.size
    m64 = months.to_numpy().astype("datetime64[D]")
    now = (months[-1] + pd.offsets.MonthEnd(0)).to_datetime64().astype("datetime64[D]")
    at_risk = (c["decline_from"] < N_MONTHS) & (c["decline_to"] > N_MONTHS)
    first = c["start"]
    cycle = first + ((N_MONTHS - 1 - first) // 12) * 12
    anchor = m64[cycle] + np.timedelta64(5, "D")
    csm = np.array(csms, dtype=object)[np.arange(n) % len(csms)]
    parts = []
    for loc, flag in (("pt-BR", True), ("en", False)):
        i = np.flatnonzero(pt == flag)
        for phase, milestone, side in w.MILESTONES[loc]:
            due = anchor[i] + np.timedelta64(int(phase), "D")
            past = due <= now
            late = past & (rng.random(i.size) < np.where(at_risk[i], 0.6, 0.2))
            undone = late & (rng.random(i.size) < np.where(at_risk[i], 0.8, 0.5))
            shift = np.where(late, rng.integers(-5, 15, i.size), rng.integers(-5, 3, i.size))
            done = pd.Series(pd.to_datetime(due + _days(shift))).where(past & ~undone)
            status = np.where(
                past,
                np.where(undone, "late", "done"),
                np.where(due - now < np.timedelta64(30, "D"), "in_progress", "planned"),
            )
            owner = (
                csm[i]
                if side == "vendor"
                else np.array(w.CONTACTS, dtype=object)[rng.integers(0, len(w.CONTACTS), i.size)]
            )
            parts.append(
                pd.DataFrame(
                    {
                        "client_id": ids[i],
                        "milestone": milestone,
                        "phase": f"{phase} dias" if loc == "pt-BR" else f"{phase} days",
                        "due_date": pd.to_datetime(due),
                        "done_date": done.to_numpy(),
                        "owner_side": side,
                        "owner": owner,
                        "status": status,
                        "_order": i,
                    }
                )
            )
    milestones = pd.concat(parts, ignore_index=True).sort_values("_order", kind="stable").drop(columns="_order")

    goal_parts = []
    for loc, flag in (("pt-BR", True), ("en", False)):
        i = np.flatnonzero(pt == flag)
        options = w.GOALS[loc]
        chosen = rng.random((i.size, len(options))).argsort(axis=1)[:, :2]
        for slot in range(2):
            g = chosen[:, slot]
            baseline = np.array([o[3] for o in options])[g]
            target = np.array([o[4] for o in options])[g]
            progress = np.clip(rng.normal(np.where(at_risk[i], 0.25, 0.6), 0.35), -0.1, 1.2)
            goal_parts.append(
                pd.DataFrame(
                    {
                        "client_id": ids[i],
                        "objective": np.array([o[0] for o in options], dtype=object)[g],
                        "kpi": np.array([o[1] for o in options], dtype=object)[g],
                        "baseline": baseline,
                        "target": target,
                        "actual": np.round(baseline + (target - baseline) * progress, 1),
                        "unit": np.array([o[2] for o in options], dtype=object)[g],
                        "_order": i * 2 + slot,
                    }
                )
            )
    goals = pd.concat(goal_parts, ignore_index=True).sort_values("_order").drop(columns="_order")

    count = rng.poisson(0.6, n)
    i = np.repeat(np.arange(n), count)
    t = (first[i] + np.floor(rng.random(i.size) * (N_MONTHS - first[i]))).astype(int)
    opened = m64[t] + _days(rng.integers(0, 27, i.size))
    closed = opened + _days(rng.integers(15, 90, i.size))
    is_open = closed > now
    here = path[i, t]
    opportunities = pd.DataFrame(
        {
            "client_id": ids[i],
            "kind": np.where(rng.random(i.size) < 0.6, "upsell", "cross-sell"),
            "opened": pd.to_datetime(opened),
            "closed": pd.Series(pd.to_datetime(closed)).where(~is_open).to_numpy(),
            "won": pd.Series(rng.random(i.size) < 0.45, dtype="boolean").mask(is_open).array,
            "mrr_delta": np.where(
                here > 0, np.round(here * rng.uniform(0.1, 0.5, i.size), 2), np.round(c["base"][i] * 0.2, 2)
            ),
        }
    )
    return {
        "Milestones": milestones.reset_index(drop=True),
        "Goals": goals.reset_index(drop=True),
        "Opportunities": opportunities,
    }


def write_sample(
    path: str | Path,
    *,
    seed: int = 2026,
    csv_dir: str | Path | None = None,
    clients: int = 200,
    churn_law: str = "cs",
) -> Path:
    """Write the sample portfolio of ``clients`` clients, atomically.

    ``path`` ending in ``.xlsx`` is a styled workbook; any other path is a folder that gets one
    CSV per sheet (what ``load_book`` reads back). A workbook cannot hold more than Excel's
    1,048,576 rows per sheet: larger samples (about 50,000 clients and up) must be CSV folders.
    ``csv_dir`` also writes the CSVs next to a workbook. ``churn_law`` is one of :data:`CHURN_LAWS`.
    """
    from cs_reports.data.writer import write_tables

    path = Path(path)
    tables = make_sample_tables(seed, clients, churn_law=churn_law)
    if path.suffix.lower() == ".xlsx":
        big = {name: len(frame) for name, frame in tables.items() if len(frame) >= EXCEL_MAX_ROWS}
        if big:
            name, rows = next(iter(big.items()))
            raise InvalidInputError(
                f"A sample of {clients:,} clients has {rows:,} rows in sheet '{name}', more than an Excel sheet "
                f"holds ({EXCEL_MAX_ROWS:,}); write it as a folder of CSVs instead (an output path without .xlsx)."
            )
        out = write_tables(tables, path)
    else:
        out = _write_csvs(tables, path)
    if csv_dir is not None:
        _write_csvs(tables, Path(csv_dir))
    return out


def _write_csvs(tables: dict[str, pd.DataFrame], folder: Path) -> Path:
    from cs_reports._io import atomic_output, ensure_output_dir

    folder = ensure_output_dir(folder)
    for name, frame in tables.items():
        with atomic_output(folder / f"{name}.csv", mode="w") as fh:
            frame.to_csv(fh, index=False, date_format="%Y-%m-%d %H:%M", lineterminator="\n")
    return folder
