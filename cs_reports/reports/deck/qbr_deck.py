"""The QBR as a deck specification: the one place that maps a QBR context to slides.

Every text on a slide is formatted here by the PDF's :class:`Formatter` from the same
:class:`QBRContext` field, with the PDF's strings (``report_templates/qbr/i18n.json``, plus
``report_templates/deck/i18n.json`` for the deck's own words), so deck and PDF print the same
numbers. Charts take the data of the context's charts (:attr:`Chart.labels`,
:attr:`Chart.values`), the numbers the PDF plots.

Both editions (``sections.EDITIONS``) have a deck, each from its own section contexts in the
edition's order: a client deck is made only from the client edition's sections (the internal
ones are ``None`` in its context), the internal sections' slides are in
:mod:`cs_reports.reports.content.internal_slides`. :data:`LAYOUTS` declares every layout and placeholder
the decks use; :func:`check_deck_template` checks a template against it before a batch starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cs_reports._resources import report_templates_dir
from cs_reports.data.book import Book
from cs_reports.errors import InvalidInputError
from cs_reports.reports.content.sections import QBRContext
from cs_reports.reports.content.slide_kit import DeckKit
from cs_reports.reports.deck.presentation import (
    ChartSpec,
    DeckSpec,
    Picture,
    Series,
    SlideSpec,
    TableSpec,
    Value,
    check_template,
    render_deck,
)
from cs_reports.reports.formatting import DASH, Formatter
from cs_reports.reports.render import Branding, logo_bytes, strings
from cs_reports.reports.vocabulary import AUDIENCES as VOCABULARY_AUDIENCES

__all__ = [
    "AUDIENCES",
    "LAYOUTS",
    "check_deck_template",
    "deck_branding",
    "probe_deck",
    "produce_qbr_deck",
    "qbr_deck",
    "qbr_deck_bytes",
]

#: Audiences a QBR deck can be built for: every edition (the vocabulary's).
AUDIENCES = VOCABULARY_AUDIENCES

#: Layout -> placeholder key -> what it receives (text, chart, table), for every slide a QBR deck
#: makes; the cover also gets ``company`` (text) and ``logo`` (picture) from the branding.
#: A test checks that every slide :func:`qbr_deck` makes fills exactly these.
LAYOUTS: dict[str, dict[str, str]] = {
    "Cover": {"title": "text", "subtitle": "text", "details": "text"},
    "KPIs": {k: "text" for k in ("title", "adoption", "active_users", "goals", "nps", "tickets", "csat")},
    "Chart": {"title": "text", "chart": "chart", "caption": "text"},
    "Table": {"title": "text", "table": "table"},
    "Bullets": {"title": "text", "body": "text"},
    "Score": {"title": "text", "score": "text", "table": "table", "caption": "text"},
    "Commercial": {
        **{k: "text" for k in ("title", "mrr", "ltv", "cac", "gross_margin")},
        "chart": "chart",
        "caption": "text",
    },
}
#: Audience -> the layouts its deck uses.
EDITION_LAYOUTS = {
    "client": ("Cover", "KPIs", "Chart", "Table", "Bullets"),
    "internal": ("Cover", "Score", "Bullets", "Commercial", "Table", "KPIs", "Chart"),
}


def deck_branding(branding: Branding, roots: Sequence[Path] | None = None) -> tuple[dict[str, str], bytes | None]:
    """Theme colours and logo bytes of a deck from the ``--branding`` file.

    The primary colour becomes the theme's ``accent1`` and ``dk2`` (titles, bars, the cover,
    the charts' first series), the accent colour ``accent2``. The logo follows the PDF's rule
    (:func:`~cs_reports.reports.render.logo_bytes`: a ``data:`` URI or a file inside the
    template folders ``roots``, by default the built-in one); it must be PNG, JPEG or GIF
    (PowerPoint does not take the SVG a PDF can use), else :func:`render_deck` says so.
    """
    colors = {"accent1": branding.primary, "dk2": branding.primary, "accent2": branding.accent}
    if not branding.logo:
        return colors, None
    return colors, logo_bytes(branding.logo, roots or [report_templates_dir()])


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
    from cs_reports.reports.content.qbr import build_qbr_context

    ctx = build_qbr_context(book, quarter, client_id, lang, audience=audience)
    return qbr_deck_bytes(ctx, lang, template=template, branding=branding), ctx


def _brand(template: str | Path | None, branding: Branding | None) -> tuple[dict[str, str] | None, str, bytes | None]:
    """Theme colours, company name and logo applied to a deck: only the built-in template takes the branding."""
    if branding is None or template is not None:
        return None, "", None
    colors, logo = deck_branding(branding)
    return colors, branding.company, logo


def qbr_deck_bytes(
    ctx: QBRContext, lang: str, *, template: str | Path | None = None, branding: Branding | None = None
) -> bytes:
    """The .pptx bytes of the QBR deck of ``ctx`` (its edition), on ``template`` with ``branding`` (see :func:`produce_qbr_deck`)."""
    colors, company, logo = _brand(template, branding)
    spec = qbr_deck(ctx, lang, audience=ctx.audience, company=company, logo=logo)
    return render_deck(spec, template, theme_colors=colors)


def probe_deck(audience: str, *, company: str = "", logo: bytes | None = None) -> DeckSpec:
    """One slide per layout the ``audience`` deck uses, each filling every placeholder of :data:`LAYOUTS`.

    Filled into a template by :func:`~cs_reports.reports.deck.presentation.check_template`, it meets every
    error a real deck of that audience would.
    """
    samples: dict[str, Value] = {
        "text": "0",
        "chart": ChartSpec("column", ("0",), (Series("0", (0.0,)),)),
        "table": TableSpec(("0",), (("0",),)),
    }
    slides = []
    for layout in EDITION_LAYOUTS[audience]:
        values = {key: samples[kind] for key, kind in LAYOUTS[layout].items()}
        if layout == "Cover" and company:
            values["company"] = company
        if layout == "Cover" and logo:
            values["logo"] = Picture(logo, company)
        slides.append(SlideSpec(layout, values))
    return DeckSpec(tuple(slides))


def check_deck_template(template: str | Path | None, audience: str, branding: Branding | None = None) -> None:
    """Raise the error the ``audience`` QBR deck would meet on ``template`` with ``branding``, before any rendering.

    A missing, unreadable or non-.pptx file, a layout or placeholder the deck needs that the
    template lacks, a tag left without a value, or a logo PowerPoint cannot show: each is one
    error line naming the file, the layout and the placeholder.
    """
    if audience not in AUDIENCES:
        raise InvalidInputError(f"Deck audience must be one of {list(AUDIENCES)}, got {audience!r}.")
    colors, company, logo = _brand(template, branding)
    check_template(
        template,
        probe_deck(audience, company=company, logo=logo),
        needed_by=f"the {audience} QBR deck",
        theme_colors=colors,
    )


def qbr_deck(
    ctx: QBRContext, lang: str, *, audience: str = "client", company: str = "", logo: bytes | None = None
) -> DeckSpec:
    """The QBR deck of ``ctx`` (its edition's sections, in order) in ``lang`` (any of the vocabulary's ``LANGUAGES``).

    Client slides: Cover, KPIs (the summary section), points of attention, goals (table),
    adoption and NPS by quarter (column charts), support (table), next steps (table), each with
    speaker notes. The internal edition adds, first, the Health Score with its drivers, the risks
    (evidence in the notes), the renewal forecast, the talking points (also in the notes), the
    commercial figures with the MRR line chart, the opportunities and the survey comments
    (:mod:`cs_reports.reports.content.internal_slides`); its cover says it is internal. Each section's
    slides are its registered ``slides`` face (``sections.SECTIONS``); a section whose face is
    ``None`` (the milestones done) is declared slide-less there, never skipped silently. A
    section with nothing recorded becomes a "nothing recorded" slide. ``company`` and ``logo`` are the
    vendor's name and logo on the cover (see :func:`deck_branding`).
    """
    from cs_reports.reports.content.sections import SECTIONS

    if audience not in AUDIENCES or ctx.audience != audience:
        raise InvalidInputError(
            f"Deck audience must be one of {list(AUDIENCES)} and match the context's edition, got {audience!r} "
            f"for a {ctx.audience!r} context."
        )
    fmt = Formatter(lang)
    t = {**strings("qbr", lang), **strings("deck", lang)}
    c = ctx.client

    period = fmt.quarter(ctx.year, ctx.quarter)
    details = "\n".join(
        f"{t[label]}: {text}"
        for label, text in (
            ("csm", c.csm or DASH),
            ("plan", c.plan or DASH),
            ("renewal", fmt.date(c.renewal_date)),
            ("generated_on", fmt.date(ctx.generated_on)),
        )
    )
    internal = ctx.audience == "internal"
    if internal:  # never mistaken for the deck to send: said on the cover and in the file's title
        details = f"{t['internal_banner']}\n{details}"
    edition = f" · {t['edition_internal']}" if internal else ""
    cover: dict[str, Value] = {"title": c.name, "subtitle": f"{t['title']} · {period}{edition}", "details": details}
    if company:
        cover["company"] = company
    if logo:
        cover["logo"] = Picture(logo, company)
    slides = [SlideSpec("Cover", cover, notes=f"{fmt.month(ctx.period_start)} – {fmt.month(ctx.period_end)}")]
    kit = DeckKit(lang, t, fmt)
    for name in ctx.sections:  # the edition's order; each section's slides face (None: declared to have none)
        make = SECTIONS[name].slides
        if make is not None:
            slides.extend(make(ctx, kit))
    return DeckSpec(tuple(slides), title=t["deck_title"].format(name=c.name, period=period) + edition)
