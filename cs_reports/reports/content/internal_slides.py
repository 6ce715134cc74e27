"""The internal edition's slides of the QBR deck: health, risks, forecast, talking points, commercial, comments.

Each function maps one internal section context (``cs_reports/reports/content/sections/``) to its
slides, with the PDF's strings and :class:`Formatter`, as :mod:`cs_reports.reports.deck.qbr_deck`
does for the client sections; :func:`cs_reports.reports.deck.qbr_deck.qbr_deck` calls them in the
edition's order. The evidence behind each risk and the talking points go into the speaker
notes, where the CSM sees them while presenting and the audience does not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from cs_reports.reports.content.slide_spec import (
    Bullets,
    ChartSpec,
    Kpi,
    Series,
    SlideSpec,
    TableSpec,
    Value,
    number_format,
)
from cs_reports.reports.formatting import DASH, Formatter

if TYPE_CHECKING:
    from cs_reports.reports.content.sections import QBRContext

__all__ = ["internal_slides"]

Slides = Callable[[], list[SlideSpec]]


def internal_slides(
    ctx: QBRContext, lang: str, t: dict[str, str], fmt: Formatter, compare: Callable[..., Kpi]
) -> dict[str, Slides]:
    """Section name -> a function making its slides, for the internal sections of ``ctx``.

    ``compare(label, Compare, kind, note)`` is the deck's KPI card next to the previous quarter.
    """
    return {
        "health": lambda: _health(ctx, t, fmt),
        "risks": lambda: _risks(ctx, t),
        "forecast": lambda: _forecast(ctx, t, fmt),
        "talking_points": lambda: _talking_points(ctx, t),
        "commercial": lambda: _commercial(ctx, lang, t, fmt, compare),
        "verbatims": lambda: _verbatims(ctx, t, fmt),
    }


def _health(ctx: QBRContext, t: dict[str, str], fmt: Formatter) -> list[SlideSpec]:
    h = ctx.health
    if h is None:
        return []
    change = fmt.change(h.change, t)
    card = Kpi(fmt.number(h.score, 0), t["health"], f"{t[h.band]} · {change}")
    table = TableSpec(
        (t["component"], t["subscore"], t["points"], t["change"]),
        tuple(
            (
                t[f"component_{d.key}"],
                fmt.number(d.subscore, 0),
                fmt.number(d.contribution, 1),
                fmt.number(d.change, 1, signed=True) + (" †" if d.data else ""),
            )
            for d in h.drivers
        ),
        numeric=(1, 2, 3),
    )
    caption = " ".join(
        [f"† {t['driver_' + d.data].format(component=t[f'component_{d.key}'])}" for d in h.drivers if d.data]
        + [t["health_note"]]
    )
    top = next((d for d in h.drivers if not d.data), None)  # the largest change that is not a weight moving
    notes = t["notes_health"].format(score=card.value, band=t[h.band], change=change) + (
        " "
        + t["notes_health_driver"].format(
            component=t[f"component_{top.key}"], change=fmt.number(top.change, 1, signed=True)
        )
        if top is not None
        else ""
    )
    return [SlideSpec("Score", {"title": t["health_title"], "score": card, "table": table, "caption": caption}, notes)]


def _risks(ctx: QBRContext, t: dict[str, str]) -> list[SlideSpec]:
    if ctx.risks is None:
        return []
    risks = ctx.risks.risks
    items = tuple(f"{r.title} ({t[f'severity_{r.severity}']})" for r in risks) or (t["no_risks"],)
    notes = "\n".join(f"{r.title}: {r.evidence}" for r in risks) or t["no_risks"]
    return [SlideSpec("Bullets", {"title": t["risks"], "body": Bullets(items)}, notes=notes)]


def _forecast(ctx: QBRContext, t: dict[str, str], fmt: Formatter) -> list[SlideSpec]:
    f = ctx.forecast
    if f is None:
        return []
    if not f.renewal_date or f.days_to_renewal is None:
        renewal = t["renewal_none"]
    elif f.days_to_renewal >= 0:
        renewal = t["renewal_on"].format(date=fmt.date(f.renewal_date, "short"), days=f.days_to_renewal)
    else:
        renewal = t["renewal_past"].format(date=fmt.date(f.renewal_date, "short"), days=-f.days_to_renewal)
    note = t[f.band] + (" · " + t["interval"].format(interval=f.interval) if f.interval else "")
    card = Kpi(f.shown, t["probability"], note)
    table = TableSpec(
        (t["kpi"], t["value"]),
        (
            (t["forecast_band"], t[f.band]),
            (t["renewal"], fmt.date(f.renewal_date)),
            (
                t["days_to_renewal"],
                DASH if f.days_to_renewal is None or f.days_to_renewal < 0 else str(f.days_to_renewal),
            ),
            *((t["driver_label"], d) for d in f.drivers),
        ),
        numeric=(),
    )
    values: dict[str, Value] = {"title": t["forecast"], "score": card, "table": table, "caption": f.basis}
    drivers = "\n".join(f"- {d}" for d in f.drivers)
    return [SlideSpec("Score", values, notes=f"{renewal} {t['notes_forecast']}" + (f"\n{drivers}" if drivers else ""))]


def _talking_points(ctx: QBRContext, t: dict[str, str]) -> list[SlideSpec]:
    if ctx.talking_points is None:
        return []
    points = ctx.talking_points.points
    notes = "\n".join([f"{i}. {p}" for i, p in enumerate(points, 1)] + list(ctx.talking_points.assumptions))
    return [SlideSpec("Bullets", {"title": t["talking_points"], "body": Bullets(points)}, notes=notes)]


def _commercial(
    ctx: QBRContext, lang: str, t: dict[str, str], fmt: Formatter, compare: Callable[..., Kpi]
) -> list[SlideSpec]:
    k = ctx.commercial
    if k is None:
        return []
    cur = ctx.client.currency
    chart = k.mrr_chart
    cards = {
        "mrr": compare(t["mrr"], k.mrr, cur, f"{t['arr']} {fmt.money(k.arr, cur)}"),
        "ltv": Kpi(
            fmt.money(k.ltv, cur, cents=False), t["label_client_ltv"], f"{t['ltv_cac']} {fmt.number(k.ltv_cac, 1)}"
        ),
        "cac": Kpi(fmt.money(k.cac, cur, cents=False), t["cac"]),
        "gross_margin": Kpi(fmt.percent(k.gross_margin, 0), t["gross_margin"]),
    }
    spec = ChartSpec("line", chart.labels, (Series("MRR", chart.values),), number_format(lang, currency=cur))
    known = [(label, v) for label, v in zip(chart.labels, chart.values, strict=True) if v is not None]
    ends = {"first": DASH, "first_month": DASH, "last": DASH, "last_month": DASH}
    if known:
        ends = {
            "first": fmt.money(known[0][1], cur),
            "first_month": known[0][0],
            "last": fmt.money(known[-1][1], cur),
            "last_month": known[-1][0],
        }
    slides = [
        SlideSpec(
            "Commercial",
            {
                "title": t["commercial"],
                **cards,
                "chart": spec,
                "caption": t["mrr_trend"].format(month=fmt.month(k.first_month)),
            },
            notes=f"{t['notes_mrr'].format(**ends)} {k.ltv_policy}",
        )
    ]
    if k.opportunities:  # as the PDF: no opportunities, no table
        table = TableSpec(
            (t["kind"], t["opened"], t["mrr_delta"], t["status"]),
            tuple(
                (t[o.kind], fmt.date(o.opened, "short"), fmt.money(o.mrr_delta, cur), t[f"opp_{o.status}"])
                for o in k.opportunities
            ),
            numeric=(1, 2),
        )
        counts = {s: sum(o.status == s for o in k.opportunities) for s in ("open", "won", "lost")}
        slides.append(
            SlideSpec(
                "Table",
                {"title": t["opportunities"], "table": table},
                notes=t["notes_opportunities"].format(n=len(k.opportunities), **counts),
            )
        )
    return slides


def _verbatims(ctx: QBRContext, t: dict[str, str], fmt: Formatter) -> list[SlideSpec]:
    if ctx.verbatims is None:
        return []
    comments = ctx.verbatims.comments
    if not comments:
        body = Bullets((t["no_comments"],))
        return [SlideSpec("Bullets", {"title": t["verbatims"], "body": body}, notes=t["notes_verbatims"])]
    table = TableSpec(
        (t["date_col"], t["score"], t["comment"]),
        tuple((fmt.date(v.date, "short"), str(v.score), v.comment) for v in comments),
        numeric=(0, 1),
    )
    return [SlideSpec("Table", {"title": t["verbatims"], "table": table}, notes=t["notes_verbatims"])]
