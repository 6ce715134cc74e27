"""The report kinds and how one report is produced: context -> HTML -> PDF (+ attachments)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cs_reports._io import safe_filename
from cs_reports.data.book import Book
from cs_reports.reports import build
from cs_reports.reports.render import Branding, Templates

__all__ = ["KINDS", "ReportKind", "client_data_xlsx", "output_name", "produce"]


@dataclass(frozen=True)
class ReportKind:
    """A kind of report: how to build its context, name its file and what it attaches."""

    name: str
    template: str  # folder under report_templates/
    per_client: bool
    build_context: Callable[[Book, str, str | None, str], Any]  # (book, period, client_id, lang)
    attach_data: bool  # PDF/A-3 with the data attached as xlsx


KINDS: dict[str, ReportKind] = {
    "qbr": ReportKind("qbr", "qbr", True, lambda b, p, c, lang: build.build_qbr_context(b, p, c or "", lang), True),
    "success-map": ReportKind(
        "success-map",
        "success_map",
        True,
        lambda b, p, c, lang: build.build_success_map_context(b, p, c or "", lang),
        False,
    ),
    "finance": ReportKind(
        "finance", "finance", False, lambda b, p, c, lang: build.build_finance_context(b, p, lang), True
    ),
}


def output_name(kind: str, period: str, lang: str, client_id: str | None = None, client_name: str | None = None) -> str:
    """Deterministic file name ``{client_id}_{slug}_{period}_{kind}_{lang}.pdf`` (never raw user text).

    >>> output_name("qbr", "2026Q3", "pt-BR", "C0007", "Padaria São João / Centro")
    'c0007_padaria-sao-joao-centro_2026q3_qbr_pt-br.pdf'
    >>> output_name("finance", "2026-10", "en")
    'portfolio_2026-10_finance_en.pdf'
    """
    parts = (
        [safe_filename(client_id, max_length=40), safe_filename(client_name or "", max_length=40, default="client")]
        if client_id
        else ["portfolio"]
    )
    return "_".join([*parts, safe_filename(period), safe_filename(kind), safe_filename(lang)]) + ".pdf"


def client_data_xlsx(book: Book, client_id: str | None) -> bytes:
    """The client's rows of every sheet (or the whole book for ``None``) as xlsx bytes."""
    from cs_reports.data.writer import tables_to_xlsx

    tables: dict[str, pd.DataFrame] = {}
    for name, frame in book.sheets().items():
        if name == "HealthModel":
            tables[name] = frame
        elif client_id is None or "client_id" in frame.columns:
            tables[name] = frame if client_id is None else frame[frame["client_id"] == client_id]
    return tables_to_xlsx(tables)


def produce(
    book: Book,
    kind: str,
    period: str,
    client_id: str | None,
    lang: str,
    *,
    templates: Templates,
    branding: Branding,
) -> tuple[bytes, Any]:
    """Produce one report's PDF bytes and its context."""
    from cs_reports.reports.pdf import PdfAttachment, render_pdf

    spec = KINDS[kind]
    context = spec.build_context(book, period, client_id, lang)
    html = templates.render(spec.template, context, lang=lang, branding=branding)
    attachments = []
    if spec.attach_data:
        if kind == "finance":
            from cs_reports.reports.finance_xlsx import finance_xlsx

            data = finance_xlsx(context, lang)
            attachments.append(PdfAttachment(f"finance_{period}.xlsx", data, "The report's numbers"))
        else:
            data = client_data_xlsx(book, client_id)
            attachments.append(
                PdfAttachment(f"{safe_filename(client_id or 'data')}_data.xlsx", data, "The client's data")
            )
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
    return pdf, context
