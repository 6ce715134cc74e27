"""The success map (Mapa de Sucesso) context of one client."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from cs_reports.data.book import Book
from cs_reports.reports.content import sections
from cs_reports.reports.content.common import client_goals, client_info, client_milestones
from cs_reports.reports.content.context import MilestoneRow, SuccessMapContext
from cs_reports.reports.content.sections import Period, Subject
from cs_reports.reports.settings import DEFAULT_SETTINGS, ReportSettings

__all__ = ["build_success_map_context"]


def build_success_map_context(
    book: Book,
    month: Any,
    client_id: str,
    lang: str,
    *,
    audience: str = "client",
    settings: ReportSettings = DEFAULT_SETTINGS,
) -> SuccessMapContext:
    """Build the ``audience`` edition of the success map (Mapa de Sucesso) of ``client_id`` as of ``month``.

    The internal edition adds the Health Score and the risks of the three months to ``month``
    (the QBR's ``health`` and ``risks`` sections).
    """
    sections.edition(audience)  # checks the audience
    as_of = book.last_month if month is None else pd.Timestamp(month).to_period("M").to_timestamp()
    info = client_info(book, client_id, as_of)
    internal = audience == "internal"
    subject, period = Subject(client_id, info, lang), Period(as_of)
    milestones = client_milestones(book, client_id)
    phases: dict[str, list[MilestoneRow]] = {}
    for x in milestones:
        phases.setdefault(x.phase, []).append(x)
    goals = client_goals(book, client_id, on_track=settings.goal_on_track_rate)
    end = as_of + pd.offsets.MonthEnd(0)
    due = [x for x in milestones if x.due_date is not None and pd.Timestamp(str(x.due_date)) <= end]
    on_time = [
        x
        for x in due
        if x.done_date is not None and (pd.Timestamp(str(x.done_date)) - pd.Timestamp(str(x.due_date))).days <= 3
    ]
    open_ = [x for x in milestones if x.status != "done"]
    return SuccessMapContext(
        client=info,
        as_of=as_of,
        generated_on=sections.today(),
        goals=goals,
        phases=tuple((k, tuple(v)) for k, v in phases.items()),
        done=sum(x.status == "done" for x in milestones),
        total=len(milestones),
        on_time_rate=len(on_time) / len(due) if due else math.nan,
        value_delivered=tuple(g for g in goals if not math.isnan(g.progress) and g.progress > 0),
        client_next=tuple(x for x in open_ if x.owner_side == "client"),
        vendor_next=tuple(x for x in open_ if x.owner_side == "vendor"),
        audience=audience,
        health=sections.SECTIONS["health"].build(book, subject, period, settings) if internal else None,
        risks=sections.SECTIONS["risks"].build(book, subject, period, settings) if internal else None,
    )
