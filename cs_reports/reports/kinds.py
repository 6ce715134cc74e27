"""The report kinds and how one report is produced: context -> HTML -> PDF (+ attachments), and/or a deck.

:class:`ReportKind` is the one place that knows what a kind does: how to build its context
(one signature for every kind), which audiences (editions) it has, what it attaches and
whether it also makes an editable deck (hooks). Nothing elsewhere branches on a kind's name.
:func:`produce_report` builds the context once and feeds every output format asked for, so a
QBR's PDF and deck are made from the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from cs_reports._io import safe_filename
from cs_reports.data.book import Book
from cs_reports.errors import InvalidInputError
from cs_reports.reports.render import Branding, Templates
from cs_reports.reports.settings import DEFAULT_SETTINGS, ReportSettings
from cs_reports.reports.vocabulary import AUDIENCES, FORMATS, KIND_NAMES, one_of

__all__ = [
    "KINDS",
    "Produced",
    "ReportKind",
    "output_name",
    "produce",
    "produce_report",
    "report_kind",
]


class Builder(Protocol):
    """How every kind builds its context: the book, then keywords only (one signature for every kind)."""

    def __call__(
        self, book: Book, *, period: str, client_id: str | None, lang: str, audience: str, settings: ReportSettings
    ) -> Any:
        """The context of one report."""
        ...


#: (context, period, client_id, lang) -> [(file name, bytes, description)]
Attacher = Callable[[Any, str, str | None, str], list[tuple[str, bytes, str]]]
#: (context, lang, deck template or None for the built-in one, branding) -> .pptx bytes
DeckMaker = Callable[[Any, str, "str | Path | None", Branding], bytes]


@dataclass(frozen=True)
class ReportKind:
    """A kind of report: its builder, template folder, audiences and attachments."""

    name: str
    template: str  # folder under report_templates/
    per_client: bool
    build: Builder
    #: The type ``build`` returns, imported when asked (``cs-reports fields`` prints what a template may use of it).
    context: Callable[[], type]
    audiences: tuple[str, ...] = ()  # editions; () = one edition for everyone (finance)
    attach: Attacher | None = None  # what the PDF/A-3 carries; None = nothing attached
    #: Batches also write the attachments next to the PDF (the finance xlsx), as ``{pdf stem}{suffix}``.
    side_files: bool = False
    #: Makes the editable deck of a context (``--format pptx``); None = PDF only.
    deck: DeckMaker | None = None

    @property
    def formats(self) -> tuple[str, ...]:
        """The output formats this kind can produce."""
        return FORMATS if self.deck is not None else ("pdf",)

    def check_formats(self, formats: tuple[str, ...]) -> None:
        """Refuse a format this kind cannot produce, naming what it can."""
        other = [f for f in formats if f not in self.formats]
        if other or not formats or len(set(formats)) != len(formats):
            raise InvalidInputError(
                f"--format: the {self.name} report is made as {', '.join(self.formats)} only; got {','.join(formats)}."
            )

    def audience(self, audience: str | None) -> str | None:
        """The edition to build: ``audience`` checked, the default if None; None for kinds without editions."""
        if not self.audiences:
            if audience not in (None, "internal"):
                raise InvalidInputError(f"The {self.name} report has no '{audience}' edition; it is internal only.")
            return None
        if audience is None:
            return self.audiences[0]
        return one_of(audience, self.audiences, name="--audience")


def _qbr(book: Book, *, period: str, client_id: str | None, lang: str, audience: str, settings: ReportSettings) -> Any:
    from cs_reports.reports.content.qbr import build_qbr_context

    return build_qbr_context(book, period, client_id or "", lang, audience=audience, settings=settings)


def _success_map(
    book: Book, *, period: str, client_id: str | None, lang: str, audience: str, settings: ReportSettings
) -> Any:
    from cs_reports.reports.content.success_map import build_success_map_context

    return build_success_map_context(book, period, client_id or "", lang, audience=audience, settings=settings)


def _finance(
    book: Book, *, period: str, client_id: str | None, lang: str, audience: str, settings: ReportSettings
) -> Any:
    from cs_reports.reports.content.finance import build_finance_context

    return build_finance_context(book, period, lang, settings=settings)


def _qbr_context() -> type:
    from cs_reports.reports.content.sections import QBRContext

    return QBRContext


def _success_map_context() -> type:
    from cs_reports.reports.content.context import SuccessMapContext

    return SuccessMapContext


def _finance_context() -> type:
    from cs_reports.reports.content.context import FinanceContext

    return FinanceContext


def _edition_data(context: Any, period: str, client_id: str | None, lang: str) -> list[tuple[str, bytes, str]]:
    from cs_reports.data.writer import tables_to_xlsx
    from cs_reports.reports.content.attachments import edition_tables

    name = f"{safe_filename(client_id or 'data')}_{context.audience}_data.xlsx"
    return [(name, tables_to_xlsx(edition_tables(context)), "The tables printed in this report")]


def _finance_data(context: Any, period: str, client_id: str | None, lang: str) -> list[tuple[str, bytes, str]]:
    from cs_reports.reports.content.finance_xlsx import finance_xlsx

    return [(f"finance_{period}.xlsx", finance_xlsx(context, lang), "The report's numbers")]


def _qbr_deck(context: Any, lang: str, template: str | Path | None, branding: Branding) -> bytes:
    from cs_reports.reports.deck.qbr_deck import qbr_deck_bytes

    return qbr_deck_bytes(context, lang, template=template, branding=branding)


#: One entry per name of the vocabulary's ``KIND_NAMES`` (a test checks both agree).
KINDS: dict[str, ReportKind] = {
    "qbr": ReportKind("qbr", "qbr", True, _qbr, _qbr_context, AUDIENCES, _edition_data, deck=_qbr_deck),
    "success-map": ReportKind("success-map", "success_map", True, _success_map, _success_map_context, AUDIENCES),
    "finance": ReportKind("finance", "finance", False, _finance, _finance_context, (), _finance_data, side_files=True),
}


def report_kind(name: str) -> ReportKind:
    """The :class:`ReportKind` called ``name``; a one-line error listing the kinds otherwise.

    >>> report_kind("qbr").template
    'qbr'
    """
    return KINDS[one_of(name, KIND_NAMES, name="Report kind")]


def output_name(
    kind: str,
    period: str,
    lang: str,
    client_id: str | None = None,
    client_name: str | None = None,
    audience: str | None = None,
) -> str:
    """Deterministic file name ``{client_id}_{slug}_{period}_{kind}[-{audience}]_{lang}.pdf`` (never raw user text).

    >>> output_name("qbr", "2026Q3", "pt-BR", "C0007", "Padaria São João / Centro", "client")
    'c0007_padaria-sao-joao-centro_2026q3_qbr-client_pt-br.pdf'
    >>> output_name("finance", "2026-10", "en")
    'portfolio_2026-10_finance_en.pdf'
    """
    parts = (
        [safe_filename(client_id, max_length=40), safe_filename(client_name or "", max_length=40, default="client")]
        if client_id
        else ["portfolio"]
    )
    label = f"{kind}-{audience}" if audience else kind
    return "_".join([*parts, safe_filename(period), safe_filename(label), safe_filename(lang)]) + ".pdf"


@dataclass(frozen=True)
class Produced:
    """One report: its files by format (``pdf``, ``pptx``), its context and the PDF's attachments (name, bytes)."""

    files: dict[str, bytes]
    context: Any
    attachments: tuple[tuple[str, bytes], ...]

    @property
    def pdf(self) -> bytes:
        """The PDF (an error if it was not asked for)."""
        if "pdf" not in self.files:
            raise InvalidInputError(f"This report was produced as {sorted(self.files)}, without a PDF.")
        return self.files["pdf"]


def produce(book: Book, kind: str, period: str, client_id: str | None, lang: str, **options: Any) -> tuple[bytes, Any]:
    """Produce one report's PDF bytes and its context (``options``: those of :func:`produce_report`)."""
    done = produce_report(book, kind, period, client_id, lang, **options)
    return done.pdf, done.context


def produce_report(
    book: Book,
    kind: str,
    period: str,
    client_id: str | None,
    lang: str,
    *,
    templates: Templates,
    branding: Branding,
    audience: str | None = None,
    settings: ReportSettings = DEFAULT_SETTINGS,
    formats: tuple[str, ...] = ("pdf",),
    deck_template: str | Path | None = None,
) -> Produced:
    """:func:`produce` in ``formats``, also returning the attachments, built once (a batch writes them beside the PDF).

    The context is built once and feeds every format, so a PDF and a deck of the same report
    never disagree. ``deck_template`` is the company's .pptx (None: the built-in one).
    """
    spec = report_kind(kind)
    spec.check_formats(formats)
    edition = spec.audience(audience)
    context = spec.build(
        book, period=period, client_id=client_id, lang=lang, audience=edition or "internal", settings=settings
    )
    files: dict[str, bytes] = {}
    attached: list[tuple[str, bytes, str]] = []
    if "pdf" in formats:
        files["pdf"], attached = _pdf(spec, context, period, client_id, lang, templates, branding)
    if "pptx" in formats and spec.deck is not None:
        files["pptx"] = spec.deck(context, lang, deck_template, branding)
    return Produced(files, context, tuple((name, data) for name, data, _ in attached))


def _pdf(
    spec: ReportKind,
    context: Any,
    period: str,
    client_id: str | None,
    lang: str,
    templates: Templates,
    branding: Branding,
) -> tuple[bytes, list[tuple[str, bytes, str]]]:
    """The PDF of ``context`` and the files it carries (name, bytes, description)."""
    try:  # only PDFs need WeasyPrint (and its Pango): a deck never comes here
        from cs_reports.reports.pdf.document import PdfAttachment, render_pdf
    except (ImportError, OSError) as exc:
        raise InvalidInputError(
            f"PDFs need WeasyPrint and its Pango libraries, which do not load here ({type(exc).__name__}: "
            f"{' '.join(str(exc).split())[:120]}); run 'cs-reports doctor --for pdf' for the fix, "
            "or ask for --format pptx."
        ) from None

    html = templates.render(spec.template, context, lang=lang, branding=branding)
    files = spec.attach(context, period, client_id, lang) if spec.attach else []
    attachments = [PdfAttachment(name, data, description) for name, data, description in files]
    root = templates.builtin_dir
    stylesheets = [root / "base" / "report.css"]
    extra_css = Path(templates.user_dir or root) / spec.template / "report.css"
    if extra_css.exists():
        stylesheets.append(extra_css)
    pdf = render_pdf(
        html,
        base_dir=root / spec.template,
        roots=templates.roots,
        stylesheets=stylesheets,
        attachments=attachments,
        pdf_variant="pdf/a-3u" if attachments else None,
    )
    return pdf, files
