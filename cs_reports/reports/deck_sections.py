"""The client sections' slides of the QBR deck, and the kit every section's ``slides`` face receives.

Each function maps one section context of a :class:`QBRContext` to its slides, with the PDF's
strings and :class:`Formatter`; the section registry (``sections.SECTIONS``) names each as the
section's ``slides`` face and :func:`cs_reports.reports.deck_qbr.qbr_deck` loops over it. The
internal sections' slides are in :mod:`cs_reports.reports.deck_internal`. Only
:mod:`cs_reports.reports.deck_spec` is imported (no python-pptx): building a context never needs
the deck extra.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cs_reports.reports.charts import Chart
from cs_reports.reports.context import Compare, QBRContext
from cs_reports.reports.deck_spec import Bullets, ChartSpec, Kpi, Series, SlideSpec, TableSpec, Value, number_format
from cs_reports.reports.formatting import DASH, Formatter

__all__ = ["DeckKit", "adoption", "attention", "goals", "next_steps", "nothing", "summary", "support"]


@dataclass(frozen=True)
class DeckKit:
    """What every section's slides are made with: the language, its strings and its formatter."""

    lang: str
    t: dict[str, str]
    fmt: Formatter

    def compare(self, label: str, x: Compare, kind: str, note: str = "") -> Kpi:
        """A KPI card next to the previous quarter: the templates' ``kpi_compare()`` (``Formatter.versus``)."""
        return Kpi(self.fmt.value(x.now, kind), label, self.fmt.versus(x, kind, self.t, note))


def summary(ctx: QBRContext, kit: DeckKit) -> list[SlideSpec]:
    """The KPI cards of the summary section."""
    return _summary(ctx, kit.t, kit.fmt, kit.compare)


def attention(ctx: QBRContext, kit: DeckKit) -> list[SlideSpec]:
    """The points of attention, one bullet each."""
    return _attention(ctx, kit.t)


def goals(ctx: QBRContext, kit: DeckKit) -> list[SlideSpec]:
    """The goals table."""
    return _goals(ctx, kit.fmt, kit.t)


def adoption(ctx: QBRContext, kit: DeckKit) -> list[SlideSpec]:
    """The adoption chart (the PDF's chart data)."""
    t, fmt = kit.t, kit.fmt
    chart = ctx.adoption.usage_chart if ctx.adoption else None
    return _chart_slide(
        chart, t["adoption"], t["adoption_rate"], kit.lang, t, "notes_adoption", lambda v: fmt.percent(v, 0)
    )


def support(ctx: QBRContext, kit: DeckKit) -> list[SlideSpec]:
    """The support table and the NPS-by-quarter chart."""
    return _support(ctx, kit.t, kit.fmt, kit.lang)


def next_steps(ctx: QBRContext, kit: DeckKit) -> list[SlideSpec]:
    """The next steps table, overdue first."""
    return _next_steps(ctx, kit.t, kit.fmt)


def nothing(title: str, t: dict[str, str]) -> SlideSpec:
    """A slide saying the period has nothing recorded for ``title`` (never an empty chart or table)."""
    return _nothing(title, t)


def _chart_spec(chart: Chart, name: str, lang: str, kind: str, *, labels: bool) -> ChartSpec:
    unit = chart.unit
    fmt = number_format(lang, percent=True) if unit == "percent" else number_format(lang, currency=unit or None)
    return ChartSpec(
        "line" if kind == "line" else "column",
        chart.labels,
        (Series(name, chart.values),),
        number_format=fmt,
        data_labels=labels,
        point_labels=chart.point_labels if labels else (),
    )


def _ends(chart: Chart, show: Callable[[float], str]) -> dict[str, str]:
    """First and last known point of a chart, formatted (for the speaker notes)."""
    known = [(label, v) for label, v in zip(chart.labels, chart.values, strict=True) if v is not None]
    if not known:
        return {"first": DASH, "last": DASH, "first_month": DASH, "last_month": DASH, "last_label": DASH}
    (l0, v0), (l1, v1) = known[0], known[-1]
    return {"first": show(v0), "last": show(v1), "first_month": l0, "last_month": l1, "last_label": l1}


def _summary(ctx: QBRContext, t: dict[str, str], fmt: Formatter, compare: Callable[..., Kpi]) -> list[SlideSpec]:
    s = ctx.summary
    if s is None:
        return []
    kpis: dict[str, Value] = {
        "adoption": compare(t["adoption_rate"], s.adoption, "pct"),
        "active_users": compare(t["active_users"], s.active_users, "num"),
        "goals": Kpi(fmt.number(s.goals_achieved), t["goals_achieved"], t["goals_of"].format(n=s.goals_total)),
        "nps": Kpi(
            fmt.number(s.nps.now, 0),
            t["nps_quarter"],
            t["nps_answers_note"].format(n=fmt.number(s.nps_answers.now), v=fmt.number(s.nps.before, 0)),
        ),
        "tickets": compare(t["tickets"], s.tickets, "num"),
        "csat": compare(t["csat"], s.csat, "pct"),
    }
    notes = t["notes_summary"].format(
        **{k: v.value for k, v in kpis.items() if isinstance(v, Kpi)},
        milestones=fmt.number(s.milestones_done.now),
    )
    return [SlideSpec("KPIs", {"title": t["summary"], **kpis}, notes=notes)]


def _attention(ctx: QBRContext, t: dict[str, str]) -> list[SlideSpec]:
    if ctx.attention is None:
        return []
    points = tuple(f"{r.title}: {r.evidence}" for r in ctx.attention.points) or (t["no_attention"],)
    return [SlideSpec("Bullets", {"title": t["attention"], "body": Bullets(points)}, notes=t["notes_attention"])]


def _chart_slide(
    chart: Chart | None, title: str, name: str, lang: str, t: dict[str, str], notes: str, show: Callable[[float], str]
) -> list[SlideSpec]:
    if chart is None:
        return []
    if not chart.labels:  # e.g. no Usage rows: the PDF draws an empty frame, the deck says so
        return [_nothing(title, t)]
    spec = _chart_spec(chart, name, lang, "column", labels=True)
    return [
        SlideSpec(
            "Chart",
            {"title": title, "chart": spec, "caption": chart.alt},
            notes=t[notes].format(**_ends(chart, show)),
        )
    ]


def _support(ctx: QBRContext, t: dict[str, str], fmt: Formatter, lang: str) -> list[SlideSpec]:
    s = ctx.support
    if s is None:
        return []
    table = TableSpec(
        (t["kpi"], t["value"]),
        (
            (t["tickets"], fmt.number(s.tickets.now)),
            (t["open_tickets_label"], fmt.number(s.open_tickets)),
            (t["tmr"], fmt.hours(s.first_response_hours.now)),
            (t["tmr_full"], fmt.hours(s.first_response_median_hours)),
            (t["resolution"], fmt.hours(s.resolution_hours.now)),
            (t["csat"], fmt.percent(s.csat.now, 0)),
            (t["ces"], fmt.number(s.ces.now, 1)),
        ),
        numeric=(1,),
    )
    notes = t["notes_support"].format(
        tickets=fmt.number(s.tickets.now), open=fmt.number(s.open_tickets), tmr=fmt.hours(s.first_response_hours.now)
    )
    nps = _chart_slide(s.nps_chart, t["nps_history"], "NPS", lang, t, "notes_nps", lambda v: fmt.number(v, 0))
    return [SlideSpec("Table", {"title": t["support"], "table": table}, notes=notes), *nps]


def _next_steps(ctx: QBRContext, t: dict[str, str], fmt: Formatter) -> list[SlideSpec]:
    n = ctx.next_steps
    if n is None:
        return []
    if not n.steps:
        text = t["no_next_steps"].format(date=fmt.date(n.until))
        return [SlideSpec("Bullets", {"title": t["next_steps"], "body": Bullets((text,))}, notes=t["notes_next"])]
    steps = sorted(n.steps, key=lambda x: x.overdue_days, reverse=True)  # as the PDF: overdue first
    table = TableSpec(
        (t["action"], t["side"], t["owner"], t["due"], t["status"]),
        tuple(
            (
                x.step.milestone,
                t[x.step.owner_side],
                x.step.owner,
                fmt.date(x.step.due_date, "short"),
                t["overdue_days"].format(n=x.overdue_days) if x.overdue_days else t[x.step.status],
            )
            for x in steps
        ),
        numeric=(3,),
    )
    caption = t["next_steps_note"].format(date=fmt.date(n.until))
    return [SlideSpec("Table", {"title": t["next_steps"], "table": table}, notes=f"{caption} {t['notes_next']}")]


def _nothing(title: str, t: dict[str, str]) -> SlideSpec:
    """A slide saying the period has nothing recorded for ``title`` (never an empty chart or table)."""
    return SlideSpec("Bullets", {"title": title, "body": Bullets((t["none"],))}, notes=t["notes_none"])


def _with_unit(v: float, unit: str, fmt: Formatter) -> str:
    """``74,4%`` for percent units, ``18,2 erros`` (no-break space) otherwise (report_templates/base/macros.html.j2: with_unit)."""
    number = fmt.number(v, 1)
    return f"{number}%" if unit == "%" else f"{number}\xa0{unit}" if unit else number


def _goals(ctx: QBRContext, fmt: Formatter, t: dict[str, str]) -> list[SlideSpec]:
    if ctx.goals is None:
        return []
    goals = ctx.goals.goals
    if not goals:
        return [_nothing(t["goals"], t)]
    table = TableSpec(
        (t["objective"], t["kpi"], t["baseline"], t["target"], t["actual"], t["progress"], t["status"]),
        tuple(
            (
                g.objective,
                g.kpi,
                _with_unit(g.baseline, g.unit, fmt),
                _with_unit(g.target, g.unit, fmt),
                _with_unit(g.actual, g.unit, fmt),
                fmt.percent(g.progress, 0),
                t[g.status],
            )
            for g in goals
        ),
        numeric=(2, 3, 4, 5),
    )
    counts = {s: sum(1 for g in goals if g.status == s) for s in ("achieved", "on_track", "at_risk")}
    return [
        SlideSpec("Table", {"title": t["goals"], "table": table}, notes=t["notes_goals"].format(n=len(goals), **counts))
    ]
