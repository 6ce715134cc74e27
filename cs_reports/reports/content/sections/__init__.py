"""QBR sections: one module per section, each holding its three faces, registered in :data:`SECTIONS`.

A section module (``sections/summary.py``, ``sections/health.py``, ...) has ``build`` (its data:
``(book, client, period, settings) -> section context``), ``table`` (its tables in the attached
xlsx) and ``slides`` (its deck slides, or ``slides = None``: the section has none, said there).
:data:`SECTIONS` registers every module beside :data:`EDITIONS` (an edition is the ordered tuple
of sections it includes); the context builder (``qbr.py``), the attachment writer
(``attachments.edition_tables``) and the deck (``qbr_deck.qbr_deck``) loop over it. A module
without one of the three names fails at import, so no face is ever skipped silently. A section's
data type (``SummarySection``...) is declared in its module, with a help text per field;
:class:`QBRContext` has one field per section, typed ``XSection | None``, and fails at import
when its section fields and :data:`SECTIONS` differ (:func:`check_context`). The names a template
may use are printed by ``cs-reports fields qbr`` (:mod:`cs_reports.reports.content.reference`).

Every section reads only its client's rows (``Book.rows_of``); portfolio-level figures come from
:func:`cs_reports.reports.content.portfolio.figures_of`, computed once per book. Figures several sections
share (adoption, the risk signals) are memoised on the :class:`Subject`, so a report computes
them once.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date
from types import ModuleType
from typing import Any, get_type_hints

import pandas as pd

from cs_reports.data.book import Book
from cs_reports.reports.content.client_figures import Period, Subject, renewal_forecast, signals
from cs_reports.reports.content.context import ClientInfo, Forecast, HealthSection, RisksSection, doc
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
from cs_reports.reports.content.sections.adoption import AdoptionSection
from cs_reports.reports.content.sections.attention import AttentionSection
from cs_reports.reports.content.sections.commercial import CommercialSection
from cs_reports.reports.content.sections.goals import GoalsSection
from cs_reports.reports.content.sections.milestones import MilestonesSection
from cs_reports.reports.content.sections.next_steps import NextStepsSection
from cs_reports.reports.content.sections.summary import SummarySection
from cs_reports.reports.content.sections.support import SupportSection
from cs_reports.reports.content.sections.talking_points import TalkingPointsSection
from cs_reports.reports.content.sections.verbatims import VerbatimsSection
from cs_reports.reports.content.slide_kit import DeckKit
from cs_reports.reports.content.slide_spec import SlideSpec
from cs_reports.reports.settings import ReportSettings
from cs_reports.reports.vocabulary import one_of

__all__ = [
    "EDITIONS",
    "SECTIONS",
    "Period",
    "QBRContext",
    "Section",
    "Subject",
    "check_context",
    "check_registry",
    "edition",
    "renewal_forecast",
    "signals",
    "today",
]


@dataclass(frozen=True)
class QBRContext:
    """Everything the QBR template shows; a section is None when the edition leaves it out.

    The fields before ``summary`` describe the report; every other field is one section of
    :data:`SECTIONS`, of the type its ``build`` returns, or None (:func:`check_context`).
    """

    client: ClientInfo = doc("the client")
    audience: str = doc("client / internal")
    year: int = doc("quarter's year")
    quarter: int = doc("quarter number 1-4")
    period_start: pd.Timestamp = doc("first month of the quarter")
    period_end: pd.Timestamp = doc("last month of the quarter")
    generated_on: date = doc("date the report was produced")
    sections: tuple[str, ...] = doc("the edition's sections, in order (reports.content.sections.EDITIONS)")
    summary: SummarySection | None = doc("headline KPIs vs the previous quarter")
    goals: GoalsSection | None = doc("objectives vs results")
    adoption: AdoptionSection | None = doc("adoption")
    support: SupportSection | None = doc("support and satisfaction")
    milestones: MilestonesSection | None = doc("success-plan milestones")
    next_steps: NextStepsSection | None = doc("next steps of both sides")
    attention: AttentionSection | None = doc("client edition: points the client can act on")
    health: HealthSection | None = doc("internal: Health Score and drivers")
    risks: RisksSection | None = doc("internal: risks with evidence")
    forecast: Forecast | None = doc("internal: renewal forecast")
    commercial: CommercialSection | None = doc("internal: MRR, LTV, CAC, margin, opportunities")
    verbatims: VerbatimsSection | None = doc("internal: NPS comments")
    talking_points: TalkingPointsSection | None = doc("internal: talking points")


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


def check_context(context: type, sections: dict[str, Section]) -> None:
    """Refuse a context whose section fields (those that may be None) and ``sections`` differ.

    Every section needs a field of its own name, typed ``T | None`` where ``T`` is what its
    ``build`` returns (the template reads ``ctx.<name>``), and every optional field is a section.

    >>> from dataclasses import make_dataclass
    >>> def build(book, client, period, settings) -> int: ...
    >>> goals = {"goals": Section(build, dict, None)}
    >>> check_context(make_dataclass("C", [("year", int), ("goals", int | None)]), goals)
    >>> check_context(make_dataclass("C", [("year", int)]), goals)
    Traceback (most recent call last):
    ...
    ImportError: section 'goals' has no field in C: add `goals: int | None = doc("...")` to it (sections/__init__.py).
    """
    hints = get_type_hints(context)
    optional = {f.name for f in fields(context) if type(None) in getattr(hints[f.name], "__args__", ())}
    for name, section in sections.items():
        built = get_type_hints(section.build)["return"]
        typed = getattr(built, "__name__", str(built))
        if name not in optional:
            raise ImportError(
                f'section {name!r} has no field in {context.__name__}: add `{name}: {typed} | None = doc("...")` '
                "to it (sections/__init__.py)."
            )
        if hints[name] != (built | None):
            raise ImportError(
                f"{context.__name__}.{name} is typed {hints[name]}, but the section's build returns {typed}: "
                f"type it `{typed} | None`."
            )
    for name in sorted(optional - set(sections)):
        raise ImportError(
            f"{context.__name__}.{name} may be None but is no section of SECTIONS: register its module there "
            "or make the field required."
        )


check_registry({m.name for m in pkgutil.iter_modules(__path__)}, set(SECTIONS), EDITIONS)
check_context(QBRContext, SECTIONS)


def edition(audience: str) -> tuple[str, ...]:
    """The sections of the ``audience`` edition; a clear error for an unknown audience."""
    return EDITIONS[one_of(audience, EDITIONS, name="--audience")]


def today() -> date:
    """The report date (one place, so tests can fix it)."""
    return date.today()
