"""QBR sections: one module per section, each holding its three faces, registered in :data:`SECTIONS`.

A section module (``sections/summary.py``, ``sections/health.py``, ...) has ``build`` (its data:
``(book, client, period, settings) -> section context``), ``table`` (its tables in the attached
xlsx) and ``slides`` (its deck slides, or ``slides = None``: the section has none, said there).
:data:`SECTIONS` registers every module beside :data:`EDITIONS` (an edition is the ordered tuple
of sections it includes); the context builder (``qbr.py``), the attachment writer
(``attachments.edition_tables``) and the deck (``qbr_deck.qbr_deck``) loop over it. A module
without one of the three names fails at import, so no face is ever skipped silently.

Every section reads only its client's rows (``Book.rows_of``); portfolio-level figures come from
:func:`cs_reports.reports.content.portfolio.figures_of`, computed once per book. Figures several sections
share (adoption, the risk signals) are memoised on the :class:`Subject`, so a report computes
them once.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from types import ModuleType
from typing import Any

import pandas as pd

from cs_reports.data.book import Book
from cs_reports.reports.content.client_figures import Period, Subject, renewal_forecast, signals
from cs_reports.reports.content.context import QBRContext
from cs_reports.reports.content.sections import (
    adoption,
    attention,
    commercial,
    forecast,
    goals,
    health,
    milestones,
    next_steps,
    risks,
    summary,
    support,
    talking_points,
    verbatims,
)
from cs_reports.reports.content.slide_kit import DeckKit
from cs_reports.reports.content.slide_spec import SlideSpec
from cs_reports.reports.settings import ReportSettings
from cs_reports.reports.vocabulary import one_of

__all__ = [
    "EDITIONS",
    "SECTIONS",
    "Period",
    "Section",
    "Subject",
    "edition",
    "renewal_forecast",
    "signals",
    "today",
]

#: ``(book, client, period, settings) -> section context``: a section's data.
SectionBuilder = Callable[[Book, Subject, Period, ReportSettings], Any]
#: ``section context -> {sheet name: table}``: what the section adds to the report's attachment.
SectionTable = Callable[[Any], dict[str, pd.DataFrame]]
#: ``(QBR context, deck kit) -> slides``: the section's slides in the deck.
SectionSlides = Callable[[QBRContext, DeckKit], list[SlideSpec]]


@dataclass(frozen=True)
class Section:
    """One QBR section and its three faces, all required (``slides=None`` declares a section without slides).

    Attributes
    ----------
    build : SectionBuilder
        Its data (the context field of the same name as the section).
    table : SectionTable
        Its tables in the attachment.
    slides : SectionSlides or None
        Its deck slides; ``None``: the deck has none, said in its module.
    """

    build: SectionBuilder
    table: SectionTable
    slides: SectionSlides | None

    @classmethod
    def of(cls, module: ModuleType) -> Section:
        """The three faces of a section module (an AttributeError names a missing one)."""
        return cls(module.build, module.table, module.slides)


#: Section name (the context field and the template block) -> its three faces.
#: ``tests/reports/test_sections.py`` checks every section has its faces and a template block.
SECTIONS: dict[str, Section] = {
    "summary": Section.of(summary),
    "goals": Section.of(goals),
    "adoption": Section.of(adoption),
    "support": Section.of(support),
    "milestones": Section.of(milestones),
    "next_steps": Section.of(next_steps),
    "attention": Section.of(attention),
    "health": Section.of(health),
    "risks": Section.of(risks),
    "forecast": Section.of(forecast),
    "commercial": Section.of(commercial),
    "verbatims": Section.of(verbatims),
    "talking_points": Section.of(talking_points),
}

#: Audience -> the QBR's sections in order.
EDITIONS: dict[str, tuple[str, ...]] = {
    "client": ("summary", "attention", "goals", "adoption", "support", "milestones", "next_steps"),
    "internal": (
        "health",
        "risks",
        "forecast",
        "talking_points",
        "commercial",
        "verbatims",
        "summary",
        "goals",
        "adoption",
        "support",
        "milestones",
        "next_steps",
    ),
}


def check_registry(modules: set[str], sections: set[str], editions: dict[str, tuple[str, ...]]) -> None:
    """Refuse a section module left out of :data:`SECTIONS` or a section no edition shows (it would never appear).

    >>> check_registry({"goals", "extra"}, {"goals"}, {"client": ("goals",)})
    Traceback (most recent call last):
    ...
    ImportError: sections/extra.py is not in SECTIONS: register it in sections/__init__.py and add it to an edition.
    """
    for name in sorted(modules - sections):
        raise ImportError(
            f"sections/{name}.py is not in SECTIONS: register it in sections/__init__.py and add it to an edition."
        )
    shown = {name for names in editions.values() for name in names}
    for name in sorted(sections - shown):
        raise ImportError(f"section {name!r} is in no edition of EDITIONS: add it where it belongs in the report.")


check_registry({m.name for m in pkgutil.iter_modules(__path__)}, set(SECTIONS), EDITIONS)


def edition(audience: str) -> tuple[str, ...]:
    """The sections of the ``audience`` edition; a clear error for an unknown audience."""
    return EDITIONS[one_of(audience, EDITIONS, name="--audience")]


def today() -> date:
    """The report date (one place, so tests can fix it)."""
    return date.today()
