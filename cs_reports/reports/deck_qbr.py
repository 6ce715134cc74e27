"""The QBR as a deck specification: the one place that maps a QBR context to slides.

Every text on a slide is formatted here by the PDF's :class:`Formatter` from the same
:class:`QBRContext` field, with the PDF's strings (``report_templates/qbr/i18n.json``, plus
``report_templates/deck/i18n.json`` for the deck's own words), so deck and PDF print the same
numbers. Charts take the data of the context's charts (:attr:`Chart.labels`,
:attr:`Chart.values`), the numbers the PDF plots.

Only the client audience exists today: it leaves out what the PDF's first page shows for the
CSM (health score, renewal probability, risks, opportunities). When the QBR becomes sections
(issue 14), re-point :func:`qbr_deck` at the client edition's section contexts; nothing else
in the deck engine changes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cs_reports.data.book import Book
from cs_reports.errors import InvalidInputError
from cs_reports.reports.charts import Chart
from cs_reports.reports.context import QBRContext
from cs_reports.reports.deck import (
    Bullets,
    ChartSpec,
    DeckSpec,
    Kpi,
    Picture,
    Series,
    SlideSpec,
    TableSpec,
    Value,
    number_format,
    render_deck,
)
from cs_reports.reports.formatting import DASH, Formatter
from cs_reports.reports.render import Branding, strings

__all__ = ["AUDIENCES", "deck_branding", "produce_qbr_deck", "qbr_deck"]

#: Audiences a QBR deck can be built for.
AUDIENCES = ("client",)


def deck_branding(branding: Branding) -> tuple[dict[str, str], bytes | None]:
    """Theme colours and logo bytes of a deck from the ``--branding`` file.

    The primary colour becomes the theme's ``accent1`` and ``dk2`` (titles, bars, the cover,
    the charts' first series), the accent colour ``accent2``. The logo is read from a
    ``data:`` URI or a file path; it must be PNG, JPEG or GIF (PowerPoint does not take the
    SVG a PDF can use), else :func:`render_deck` says so.
    """
    import base64

    colors = {"accent1": branding.primary, "dk2": branding.primary, "accent2": branding.accent}
    logo = branding.logo
    if not logo:
        return colors, None
    if logo.startswith("data:"):
        header, _, payload = logo.partition(",")
        try:
            data = base64.b64decode(payload, validate=True) if header.endswith(";base64") else payload.encode()
        except ValueError:
            raise InvalidInputError("Branding 'logo': the data: URI is not valid base64.") from None
        return colors, data
    try:
        return colors, Path(logo).read_bytes()
    except OSError as exc:
        raise InvalidInputError(f"Branding 'logo': cannot read '{logo}': {exc.strerror or exc}.") from None


def produce_qbr_deck(
    book: Book,
    quarter: str,
    client_id: str,
    lang: str,
    *,
    template: str | Path | None = None,
    branding: Branding | None = None,
    audience: str = "client",
) -> tuple[bytes, QBRContext]:
    """One client's QBR deck as .pptx bytes, and its context (as ``kinds.produce`` gives a PDF).

    With the built-in template, ``branding`` sets the theme colours, the cover's company name
    and logo. A company template (``template``) carries its own brand in its master: then
    nothing of ``branding`` is applied, and its Cover layout needs no ``company``/``logo``.
    """
    from cs_reports.reports.qbr import build_qbr_context

    ctx = build_qbr_context(book, quarter, client_id, lang)
    colors: dict[str, str] | None = None
    company, logo = "", None
    if branding is not None and template is None:
        colors, logo = deck_branding(branding)
        company = branding.company
    spec = qbr_deck(ctx, lang, audience=audience, company=company, logo=logo)
    return render_deck(spec, template, theme_colors=colors), ctx


def _chart_spec(chart: Chart, name: str, lang: str, kind: str, *, labels: bool) -> ChartSpec:
    unit = chart.unit
    fmt = number_format(lang, percent=True) if unit == "percent" else number_format(lang, currency=unit or None)
    return ChartSpec(
        "line" if kind == "line" else "column",
        chart.labels,
        (Series(name, chart.values),),
        number_format=fmt,
        data_labels=labels,
    )


def _ends(chart: Chart, show: Callable[[float], str]) -> dict[str, str]:
    """First and last known point of a chart, formatted (for the speaker notes)."""
    known = [(label, v) for label, v in zip(chart.labels, chart.values, strict=True) if v is not None]
    if not known:
        return {"first": DASH, "last": DASH, "first_month": DASH, "last_month": DASH, "last_label": DASH}
    (l0, v0), (l1, v1) = known[0], known[-1]
    return {"first": show(v0), "last": show(v1), "first_month": l0, "last_month": l1, "last_label": l1}


def qbr_deck(
    ctx: QBRContext, lang: str, *, audience: str = "client", company: str = "", logo: bytes | None = None
) -> DeckSpec:
    """The QBR deck of ``ctx`` for ``audience`` in ``lang`` (``'pt-BR'`` or ``'en'``).

    Slides: Cover, KPIs, MRR (line chart), adoption and NPS by quarter (column charts), goals
    (table), support (table), agreed next steps (table), each with speaker notes.
    ``company`` and ``logo`` are the vendor's name and logo on the cover (see :func:`deck_branding`).
    """
    if audience not in AUDIENCES:
        raise InvalidInputError(
            f"Deck audience must be one of {list(AUDIENCES)}, got {audience!r} (the internal deck comes with "
            "the QBR editions)."
        )
    fmt = Formatter(lang)
    t = {**strings("qbr", lang), **strings("deck", lang)}
    c = ctx.client

    def money(value: float) -> str:
        return fmt.money(value, c.currency)

    period = fmt.quarter(ctx.year, ctx.quarter)
    details = "\n".join(
        f"{t[label]}: {value}"
        for label, value in (
            ("csm", c.csm),
            ("plan", c.plan),
            ("renewal", fmt.date(c.renewal_date)),
            ("generated_on", fmt.date(ctx.generated_on)),
        )
    )
    cover: dict[str, Value] = {"title": c.name, "subtitle": f"{t['title']} · {period}", "details": details}
    if company:
        cover["company"] = company
    if logo:
        cover["logo"] = Picture(logo, company)
    slides = [
        SlideSpec(
            "Cover",
            cover,
            notes=f"{fmt.month(ctx.period_start)} – {fmt.month(ctx.period_end)}",
        )
    ]
    kpi = {
        "mrr": Kpi(money(ctx.mrr), t["mrr"], f"{fmt.percent(ctx.mrr_change, 1, signed=True)} {t['in_quarter']}"),
        "arr": Kpi(money(ctx.arr), t["arr"]),
        "nps": Kpi(
            fmt.number(ctx.nps, 0),
            t["nps"],
            t["nps_interval"].format(
                low=fmt.number(ctx.nps_low, 0), high=fmt.number(ctx.nps_high, 0), n=ctx.nps_answers
            ),
        ),
        "adoption": Kpi(
            fmt.percent(ctx.adoption, 0),
            t["adoption_rate"],
            t["of_licensed"].format(n=fmt.number(ctx.usage[-1].licensed)) if ctx.usage else "",
        ),
        "tickets": Kpi(fmt.number(ctx.tickets), t["tickets"], t["open_tickets"].format(n=ctx.open_tickets)),
        "csat": Kpi(fmt.percent(ctx.csat, 0), t["csat"], t["ces_note"].format(v=fmt.number(ctx.ces, 1))),
    }
    summary_notes = t["notes_summary"].format(
        mrr=kpi["mrr"].value,
        change=fmt.percent(ctx.mrr_change, 1, signed=True),
        arr=kpi["arr"].value,
        nps=kpi["nps"].value,
        answers=ctx.nps_answers,
        adoption=kpi["adoption"].value,
        tickets=kpi["tickets"].value,
        csat=kpi["csat"].value,
    )
    slides.append(SlideSpec("KPIs", {"title": t["summary"], **kpi}, notes=summary_notes))
    for chart, title, name, kind, show, notes in (
        (ctx.mrr_chart, t["mrr_trend"], t["mrr"], "line", money, "notes_mrr"),
        (ctx.usage_chart, t["adoption"], t["adoption_rate"], "column", lambda v: fmt.percent(v, 0), "notes_adoption"),
        (ctx.nps_chart, t["nps_history"], "NPS", "column", lambda v: fmt.number(v, 0), "notes_nps"),
    ):
        if not chart.labels:  # e.g. no Usage rows: the PDF draws an empty frame, the deck says so
            slides.append(_nothing(title, t))
            continue
        slides.append(
            SlideSpec(
                "Chart",
                {
                    "title": title,
                    "chart": _chart_spec(chart, name, lang, kind, labels=kind == "column"),
                    "caption": chart.alt,
                },
                notes=t[notes].format(**_ends(chart, show)),
            )
        )
    slides.append(_goals(ctx, fmt, t))
    support = TableSpec(
        (t["kpi"], t["value"]),
        (
            (t["tickets"], fmt.number(ctx.tickets)),
            (t["open_tickets_label"], fmt.number(ctx.open_tickets)),
            (t["tmr"], fmt.hours(ctx.tmr_first_response_hours)),
            (t["tmr_full"], fmt.hours(ctx.tmr_first_response_median_hours)),
            (t["resolution"], fmt.hours(ctx.tmr_resolution_hours)),
            (t["csat"], fmt.percent(ctx.csat, 0)),
            (t["ces"], fmt.number(ctx.ces, 1)),
        ),
        numeric=(1,),
    )
    slides.append(
        SlideSpec(
            "Table",
            {"title": t["support"], "table": support},
            notes=t["notes_support"].format(
                tickets=fmt.number(ctx.tickets),
                open=fmt.number(ctx.open_tickets),
                tmr=fmt.hours(ctx.tmr_first_response_hours),
            ),
        )
    )
    if ctx.next_steps:
        steps = TableSpec(
            (t["action"], t["side"], t["owner"], t["due"]),
            tuple((x.milestone, t[x.owner_side], x.owner, fmt.date(x.due_date, "short")) for x in ctx.next_steps),
            numeric=(3,),
        )
        slides.append(SlideSpec("Table", {"title": t["next_steps"], "table": steps}, notes=t["notes_next"]))
    else:
        slides.append(_nothing(t["next_steps"], t))
    return DeckSpec(tuple(slides), title=t["deck_title"].format(name=c.name, period=period))


def _nothing(title: str, t: dict[str, str]) -> SlideSpec:
    """A slide saying the period has nothing recorded for ``title`` (never an empty chart or table)."""
    return SlideSpec("Bullets", {"title": title, "body": Bullets((t["none"],))}, notes=t["notes_none"])


def _goals(ctx: QBRContext, fmt: Formatter, t: dict[str, str]) -> SlideSpec:
    if not ctx.goals:
        return _nothing(t["goals"], t)
    table = TableSpec(
        (t["objective"], t["kpi"], t["baseline"], t["target"], t["actual"], t["progress"], t["status"]),
        tuple(
            (
                g.objective,
                g.kpi,
                f"{fmt.number(g.baseline, 1)} {g.unit}".strip(),
                f"{fmt.number(g.target, 1)} {g.unit}".strip(),
                f"{fmt.number(g.actual, 1)} {g.unit}".strip(),
                fmt.percent(g.progress, 0),
                t[g.status],
            )
            for g in ctx.goals
        ),
        numeric=(2, 3, 4, 5),
    )
    counts = {s: sum(1 for g in ctx.goals if g.status == s) for s in ("achieved", "on_track", "at_risk")}
    return SlideSpec(
        "Table",
        {"title": t["goals"], "table": table},
        notes=t["notes_goals"].format(n=len(ctx.goals), **counts),
    )
