r"""Risk signals of one client: a pure rule set over the client's signals, thresholds from settings.

:func:`assess_risks` takes a :class:`ClientSignals` (numbers only, built by the QBR's signals
section from the client's own rows) and a :class:`~cs_reports.reports.settings.ReportSettings`
and returns the risks found, most severe first. Each :class:`Risk` carries its evidence as
numbers; :func:`risk_texts` words it in the report's language ("adoption 71% -> 56% in Q3 2026").

The rules (every threshold is a setting; defaults in ``docs/reports.md``):

========================  ==========================================================  ===========
key                       fires when                                                   client sees
========================  ==========================================================  ===========
``adoption_falling``      adoption fell by >= ``adoption_drop_points`` in the quarter  yes
``adoption_low``          adoption < ``adoption_low_rate``                             yes
``unused_seats``          unused licenses >= ``unused_seats_rate`` of them             yes
``overdue_milestones``    open milestones past due by > ``overdue_days``               yes (theirs)
``nps_silence``           no NPS answer for ``nps_silence_months``                     yes
``health_low``            Health Score < ``health_watch_score`` (high < low score)     no
``health_falling``        Health Score fell by >= ``health_drop_points``               no
``detractors``            ``detractor_share`` (``trends``) of 12 months' answers >=    no
                          the ``detractor_share`` setting
``old_tickets``           tickets unresolved for > ``old_ticket_days``                 no
``ticket_spike``          >= ``ticket_spike_count`` tickets, >= ``ticket_spike_ratio``  no
                          x the previous quarter's
``csat_falling``          CSAT fell by >= ``csat_drop_points`` (>= ``min_csat_answers`` no
                          answers in each quarter: ``-csat_change`` of ``trends``)
``resolution_slower``     median resolution >= ``resolution_spike_ratio`` x the        no
                          previous quarter's (>= ``min_resolution_tickets`` each)
``mrr_contraction``       MRR fell by more than ``contraction_rate`` in the quarter    no
                          and by at least ``contraction_min_value`` (not rounding)
``renewal_at_risk``       renewal within ``renewal_window_days`` and low health/odds   no
========================  ==========================================================  ===========

A client with no MRR at the previous quarter's end (new, first paid in the quarter) has no
contraction and no "before" to compare: it is new, never "improved from zero".
:data:`DECLINE_RULES` are the rules that say a client got worse; the renewal forecast is
checked against them (a client with two high-severity ones is not "likely" unless its
drivers say why).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date

from cs_reports.reports.content.trends import trend_figures
from cs_reports.reports.formatting import Formatter
from cs_reports.reports.settings import DEFAULT_SETTINGS, ReportSettings

__all__ = ["DECLINE_RULES", "RULES", "ClientSignals", "Risk", "assess_risks", "risk_texts"]

#: Every rule key, in the order of the table above.
RULES = (
    "adoption_falling",
    "adoption_low",
    "unused_seats",
    "overdue_milestones",
    "nps_silence",
    "health_low",
    "health_falling",
    "detractors",
    "old_tickets",
    "ticket_spike",
    "csat_falling",
    "resolution_slower",
    "mrr_contraction",
    "renewal_at_risk",
)
#: Rules that say the client's data got worse over the quarter.
DECLINE_RULES = frozenset(
    {"adoption_falling", "health_falling", "ticket_spike", "csat_falling", "resolution_slower", "mrr_contraction"}
)
#: Rules the client can act on: the client edition shows these, worded for the client.
CLIENT_ACTIONABLE = frozenset({"adoption_falling", "adoption_low", "unused_seats", "overdue_milestones", "nps_silence"})
_NAN = math.nan


@dataclass(frozen=True)
class ClientSignals:
    """What the rules look at, for one client at the end of a quarter (NaN = no data)."""

    year: int
    quarter: int
    adoption_now: float = _NAN
    adoption_before: float = _NAN
    active_seats: float = _NAN
    licensed_seats: float = _NAN
    health_now: float = _NAN
    health_before: float = _NAN
    overdue_client: int = 0
    overdue_vendor: int = 0
    overdue_max_days: float = 0.0
    nps_answers: float = 0.0
    nps_detractors: float = 0.0
    months_since_nps: float = _NAN
    old_open_tickets: int = 0
    oldest_open_days: float = 0.0
    tickets_now: float = 0.0
    tickets_before: float = 0.0
    csat_now: float = _NAN
    csat_before: float = _NAN
    csat_answers_now: float = 0.0
    csat_answers_before: float = 0.0
    resolution_now: float = _NAN
    resolution_before: float = _NAN
    resolved_now: float = 0.0
    resolved_before: float = 0.0
    mrr_now: float = _NAN
    mrr_before: float = _NAN
    days_to_renewal: float = _NAN
    renewal_probability: float = _NAN
    end_month: int = 0  # last month of the three (0 or a quarter's last month: the quarter itself)


@dataclass(frozen=True)
class Risk:
    """One risk: its rule, severity (``high`` / ``medium``) and the numbers behind it."""

    key: str
    severity: str
    values: tuple[tuple[str, float], ...]
    client_actionable: bool

    def value(self, name: str) -> float:
        """One number of the evidence."""
        return dict(self.values)[name]


def _risk(key: str, high: bool, **values: float) -> Risk:
    return Risk(key, "high" if high else "medium", tuple(values.items()), key in CLIENT_ACTIONABLE)


def _ok(*xs: float) -> bool:
    return all(not math.isnan(x) for x in xs)


def assess_risks(s: ClientSignals, settings: ReportSettings = DEFAULT_SETTINGS) -> tuple[Risk, ...]:
    """The risks ``s`` shows under ``settings``, high severity first (then in rule order).

    Examples
    --------
    >>> s = ClientSignals(2026, 3, adoption_now=0.56, adoption_before=0.71, months_since_nps=1)
    >>> [(r.key, r.severity) for r in assess_risks(s)]
    [('adoption_falling', 'medium')]
    >>> assess_risks(ClientSignals(2026, 3, health_now=80, health_before=82, months_since_nps=1))
    ()
    >>> [r.key for r in assess_risks(ClientSignals(2026, 3))]  # never answered the NPS survey
    ['nps_silence']
    """
    c = settings
    out: list[Risk] = []
    if _ok(s.adoption_now, s.adoption_before):
        drop = s.adoption_before - s.adoption_now
        if drop >= c.adoption_drop_points - 1e-12:
            out.append(
                _risk(
                    "adoption_falling",
                    drop >= c.adoption_drop_high_points - 1e-12,
                    before=s.adoption_before,
                    now=s.adoption_now,
                )
            )
    if _ok(s.adoption_now) and s.adoption_now < c.adoption_low_rate:
        out.append(_risk("adoption_low", False, now=s.adoption_now, limit=c.adoption_low_rate))
    if _ok(s.active_seats, s.licensed_seats) and s.licensed_seats >= max(c.min_licensed_seats, 1):
        unused = max(s.licensed_seats - s.active_seats, 0.0)
        if unused / s.licensed_seats >= c.unused_seats_rate - 1e-12 and unused > 0:
            out.append(_risk("unused_seats", False, unused=unused, licensed=s.licensed_seats))
    overdue = s.overdue_client + s.overdue_vendor
    if overdue:
        out.append(
            _risk(
                "overdue_milestones",
                s.overdue_max_days >= c.overdue_high_days,
                count=float(overdue),
                client=float(s.overdue_client),
                days=s.overdue_max_days,
            )
        )
    if not _ok(s.months_since_nps) or s.months_since_nps >= c.nps_silence_months:
        out.append(_risk("nps_silence", False, months=s.months_since_nps, limit=c.nps_silence_months))
    if _ok(s.health_now) and s.health_now < c.health_watch_score:
        out.append(_risk("health_low", s.health_now < c.health_low_score, now=s.health_now))
    if _ok(s.health_now, s.health_before) and s.health_before - s.health_now >= c.health_drop_points:
        out.append(
            _risk(
                "health_falling",
                s.health_before - s.health_now >= 2 * c.health_drop_points,
                before=s.health_before,
                now=s.health_now,
            )
        )
    trend = {k: float(v) for k, v in trend_figures(asdict(s), min_csat_answers=c.min_csat_answers).items()}
    share = trend["detractor_share"]
    if s.nps_answers >= max(c.min_nps_answers, 1) and share >= c.detractor_share:
        out.append(
            _risk(
                "detractors",
                share >= 0.5,
                share=share,
                detractors=float(s.nps_detractors),
                answers=float(s.nps_answers),
            )
        )
    if s.old_open_tickets:
        out.append(
            _risk(
                "old_tickets",
                s.oldest_open_days >= 3 * c.old_ticket_days,
                count=float(s.old_open_tickets),
                days=s.oldest_open_days,
                limit=c.old_ticket_days,
            )
        )
    if s.tickets_now >= max(c.ticket_spike_count, 1) and s.tickets_now >= c.ticket_spike_ratio * s.tickets_before:
        ratio = s.tickets_now / s.tickets_before if s.tickets_before else math.inf
        out.append(
            _risk(
                "ticket_spike",
                ratio >= c.ticket_spike_high_ratio,
                now=s.tickets_now,
                before=s.tickets_before,
            )
        )
    csat_drop = -trend["csat_change"]  # NaN below min_csat_answers answers in either quarter
    if _ok(csat_drop) and csat_drop >= c.csat_drop_points - 1e-12:
        out.append(
            _risk(
                "csat_falling",
                csat_drop >= c.csat_drop_high_points - 1e-12,
                before=s.csat_before,
                now=s.csat_now,
                answers=s.csat_answers_now,
            )
        )
    if (
        _ok(s.resolution_now, s.resolution_before)
        and min(s.resolved_now, s.resolved_before) >= max(c.min_resolution_tickets, 1)
        and s.resolution_before > 0
        and s.resolution_now >= c.resolution_spike_ratio * s.resolution_before
    ):
        out.append(_risk("resolution_slower", False, before=s.resolution_before, now=s.resolution_now))
    if _ok(s.mrr_now, s.mrr_before) and s.mrr_before > 0:
        change = (s.mrr_now - s.mrr_before) / s.mrr_before
        if -change > c.contraction_rate + 1e-12 and s.mrr_before - s.mrr_now >= c.contraction_min_value - 1e-9:
            out.append(
                _risk(
                    "mrr_contraction",
                    -change >= c.contraction_high_rate - 1e-12,
                    before=s.mrr_before,
                    now=s.mrr_now,
                    change=change,
                )
            )
    if _ok(s.days_to_renewal) and 0 <= s.days_to_renewal <= c.renewal_window_days:
        low_health = _ok(s.health_now) and s.health_now < c.renewal_health_score
        low_odds = _ok(s.renewal_probability) and s.renewal_probability < c.renewal_probability_rate
        if low_health or low_odds:
            out.append(
                _risk(
                    "renewal_at_risk",
                    low_health and (s.health_now < c.health_low_score or low_odds),
                    days=s.days_to_renewal,
                    health=s.health_now,
                    probability=s.renewal_probability,
                )
            )
    return tuple(sorted(out, key=lambda r: (r.severity != "high", RULES.index(r.key))))


@dataclass(frozen=True)
class RiskText:
    """A risk worded for a report: severity, a title and the evidence (internal or client wording)."""

    key: str
    severity: str
    title: str
    evidence: str


def risk_texts(
    risks: tuple[Risk, ...],
    s: ClientSignals,
    strings: dict[str, str],
    fmt: Formatter,
    *,
    audience: str,
    currency: str = "BRL",
) -> tuple[RiskText, ...]:
    """Word ``risks`` for ``audience`` (``internal``: all, with evidence; ``client``: actionable ones).

    ``strings`` holds ``risk_<key>`` (title) and ``risk_<key>_evidence`` (internal) or
    ``risk_<key>_client`` (client wording) templates; the numbers are formatted in ``fmt``'s locale.
    """
    out = []
    if s.end_month and s.end_month % 3:  # three months that are not a calendar quarter (success map)
        month = fmt.month(date(s.year, s.end_month, 1))
        in_period = strings["in_months"].format(month=month)
        end_of_period = strings["end_of_month"].format(month=month)
    else:
        in_period = strings["in_quarter"].format(q=fmt.quarter(s.year, s.quarter))
        end_of_period = strings["end_of_quarter"].format(q=fmt.quarter(s.year, s.quarter))
    for r in risks:
        if audience == "client" and not r.client_actionable:
            continue
        v = dict(r.values)
        args = {
            "in_period": in_period,
            "end_of_period": end_of_period,
            "before_pct": fmt.percent(v.get("before", _NAN), 0),
            "now_pct": fmt.percent(v.get("now", _NAN), 0),
            "limit_pct": fmt.percent(v.get("limit", _NAN), 0),
            "share_pct": fmt.percent(v.get("share", _NAN), 0),
            "change_pct": fmt.percent(v.get("change", _NAN), 1, signed=True),
            "probability_pct": fmt.percent(v.get("probability", _NAN), 0),
            "before_num": fmt.number(v.get("before", _NAN), 0),
            "now_num": fmt.number(v.get("now", _NAN), 0),
            "before_hours": fmt.number(v.get("before", _NAN), 1),
            "now_hours": fmt.number(v.get("now", _NAN), 1),
            "health": fmt.number(v.get("health", _NAN), 0),
            **{k: fmt.number(x, 0) for k, x in v.items() if k not in {"before", "now", "share", "change", "health"}},
        }
        if r.key == "mrr_contraction":
            args["before_num"], args["now_num"] = fmt.money(v["before"], currency), fmt.money(v["now"], currency)
        suffix = "_client" if audience == "client" else "_evidence"
        if r.key == "nps_silence" and math.isnan(v["months"]):
            suffix += "_never"
        out.append(
            RiskText(r.key, r.severity, strings[f"risk_{r.key}"], strings[f"risk_{r.key}{suffix}"].format(**args))
        )
    return tuple(out)
