"""HTML -> PDF with WeasyPrint (the only module that imports it).

One font configuration and one parsed copy of each stylesheet per process (REPORT_NOTES:
reusing them keeps memory flat and saves ~20% per render). Every resource goes through
:class:`~cs_reports.reports.pdf.fetcher.SafeFetcher`; ``presentational_hints`` stays off.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from weasyprint import CSS, HTML, Attachment
from weasyprint.text.fonts import FontConfiguration

from cs_reports.reports.pdf.fetcher import SafeFetcher

__all__ = ["PdfAttachment", "render_pdf"]


@dataclass(frozen=True)
class PdfAttachment:
    """A file embedded in the PDF (PDF/A-3 keeps it; relationship ``Data``)."""

    name: str
    data: bytes
    description: str


@cache
def _fonts() -> FontConfiguration:
    return FontConfiguration()


@cache
def _fetcher(roots: tuple[Path, ...]) -> SafeFetcher:
    return SafeFetcher(roots)


@cache
def _stylesheet(path: Path, roots: tuple[Path, ...]) -> CSS:
    return CSS(filename=str(path), font_config=_fonts(), url_fetcher=_fetcher(roots))


def render_pdf(
    html: str,
    *,
    base_dir: Path,
    roots: Sequence[Path],
    stylesheets: Sequence[Path] = (),
    attachments: Sequence[PdfAttachment] = (),
    pdf_variant: str | None = "pdf/a-3u",
) -> bytes:
    """Render ``html`` to PDF bytes.

    Parameters
    ----------
    html : str
        The complete document (title, ``lang`` and ``<meta>`` give the PDF metadata).
    base_dir : Path
        Folder relative URLs resolve against (inside ``roots``).
    roots : sequence of Path
        The only folders files may be read from.
    stylesheets : sequence of Path
        CSS files parsed once per process and reused.
    attachments : sequence of PdfAttachment
        Embedded files (fresh WeasyPrint objects per render).
    pdf_variant : str or None
        ``"pdf/a-3u"`` by default (keeps attachments); ``None`` for a plain PDF.
    """
    key = tuple(sorted(Path(r).resolve() for r in roots))
    fetcher = _fetcher(key)
    document = HTML(string=html, base_url=str(base_dir) + "/", url_fetcher=fetcher)
    files = [
        Attachment(
            file_obj=io.BytesIO(a.data),
            name=a.name,
            description=a.description,
            relationship="Data",
            url_fetcher=fetcher,
        )
        for a in attachments
    ]
    return document.write_pdf(  # type: ignore[no-any-return]
        stylesheets=[_stylesheet(Path(s).resolve(), key) for s in stylesheets],
        font_config=_fonts(),
        attachments=files or None,
        pdf_variant=pdf_variant,
        pdf_tags=True,
        presentational_hints=False,
        optimize_images=False,
    )
