"""The QBR context of one client and quarter: the edition's sections, each built by its function."""

from __future__ import annotations

from cs_reports.data.book import Book
from cs_reports.errors import InvalidInputError
from cs_reports.reports.content.common import client_info
from cs_reports.reports.content.sections import SECTIONS, QBRContext, Subject, edition, today
from cs_reports.reports.settings import DEFAULT_SETTINGS, ReportSettings
from cs_reports.reports.vocabulary import of_quarter

__all__ = ["build_qbr_context"]


def build_qbr_context(
    book: Book,
    quarter: str,
    client_id: str,
    lang: str,
    *,
    audience: str = "client",
    settings: ReportSettings = DEFAULT_SETTINGS,
) -> QBRContext:
    """Build the ``audience`` edition of the QBR of ``client_id`` for ``quarter`` (e.g. ``'2026Q3'``).

    The edition is the tuple of section names in :data:`~cs_reports.reports.content.sections.EDITIONS`;
    each section is one function of ``(book, client, period, settings)``. Sections outside the
    edition are ``None`` in the context (and so can never be printed or attached).
    """
    names = edition(audience)
    period = of_quarter(quarter)
    year, q = period.year, period.quarter
    own = book.rows_of("MRR", client_id)
    own_paid = own.loc[own["mrr"] > 0, "month"]
    if not ((own_paid >= period.start) & (own_paid <= period.end)).any():
        since = f"first MRR in {own_paid.min():%Y-%m}" if len(own_paid) else "no MRR at all"
        raise InvalidInputError(
            f"Client '{client_id}' has no MRR in {year}Q{q} ({since}); a QBR covers a quarter the client paid for."
        )
    client = Subject(client_id, client_info(book, client_id, period.end), lang)
    built = {name: SECTIONS[name].build(book, client, period, settings) for name in names}
    return QBRContext(
        client=client.info,
        audience=audience,
        year=year,
        quarter=q,
        period_start=period.start,
        period_end=period.end,
        generated_on=today(),
        sections=names,
        **{name: built.get(name) for name in SECTIONS},
    )
