"""QBR sections alone: each is a Section (build, table, slides); its build is checked on the sample."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cs_reports import metrics as m
from cs_reports.reports.content.common import client_info
from cs_reports.reports.content.sections import EDITIONS, SECTIONS, Period, Subject
from cs_reports.reports.settings import DEFAULT_SETTINGS, ReportSettings

END = pd.Timestamp("2026-09-01")  # 2026Q3
PERIOD = Period(END)


@pytest.fixture(scope="module")
def paying(sample_book):
    mrr = sample_book.mrr
    return sorted(mrr.loc[(mrr["month"] == END) & (mrr["mrr"] > 0), "client_id"].unique())


def subject(book, cid, lang="en"):
    return Subject(cid, client_info(book, cid, END), lang)


def test_every_edition_section_is_registered_and_the_client_edition_has_no_internal_section():
    for names in EDITIONS.values():
        assert set(names) <= set(SECTIONS)
    internal_only = {"health", "risks", "forecast", "commercial", "verbatims", "talking_points"}
    assert not internal_only & set(EDITIONS["client"])
    assert internal_only <= set(EDITIONS["internal"])


def test_every_section_has_its_three_faces_and_a_template_block():
    """build, table and slides are required fields; None is the only way to say "no slide", and is listed here."""
    import dataclasses
    import inspect
    from pathlib import Path

    from cs_reports.reports.content.sections import QBRContext, Section

    assert [f.name for f in dataclasses.fields(Section)] == ["build", "table", "slides"]
    assert all(f.default is dataclasses.MISSING for f in dataclasses.fields(Section))
    template = (Path(__file__).parents[2] / "report_templates" / "qbr" / "report.html.j2").read_text(encoding="utf-8")
    context_fields = {f.name for f in dataclasses.fields(QBRContext)}
    without_slides = set()
    for name, faces in SECTIONS.items():
        assert name in context_fields, name
        assert f"{{% block {name} %}}" in template, name
        assert list(inspect.signature(faces.build).parameters) == ["book", "client", "period", "settings"], name
        assert callable(faces.table), name
        if faces.slides is None:
            without_slides.add(name)
        else:
            assert callable(faces.slides), name
    assert without_slides == {"milestones"}  # declared in SECTIONS with the reason


@pytest.mark.parametrize("audience", list(EDITIONS))
def test_every_section_with_slides_makes_at_least_one(sample_book, paying, audience):
    """The deck loops over the registry: each section of the edition with a slides face adds a slide."""
    from cs_reports.reports.content.qbr import build_qbr_context
    from cs_reports.reports.content.slide_kit import DeckKit
    from cs_reports.reports.formatting import Formatter
    from cs_reports.reports.render import strings

    ctx = build_qbr_context(sample_book, "2026Q3", paying[0], "en", audience=audience)
    kit = DeckKit("en", {**strings("qbr", "en"), **strings("deck", "en")}, Formatter("en"))
    for name in ctx.sections:
        if SECTIONS[name].slides is not None:
            assert SECTIONS[name].slides(ctx, kit), name
        assert SECTIONS[name].table(getattr(ctx, name)), name


def test_next_steps_are_open_milestones_due_by_the_end_of_next_quarter(sample_book, paying):
    last = PERIOD.last_day.date()
    seen_overdue = False
    for cid in paying:
        section = SECTIONS["next_steps"].build(sample_book, subject(sample_book, cid), PERIOD, DEFAULT_SETTINGS)
        assert section.until == (PERIOD.last_day + pd.Timedelta(days=92)).date()
        ms = sample_book.rows_of("Milestones", cid)
        open_ = ms[(ms["status"] != "done") & ms["due_date"].notna()]
        expected = sorted(open_.loc[open_["due_date"].dt.date <= section.until, "milestone"])
        assert sorted(s.step.milestone for s in section.steps) == expected, cid
        for s in section.steps:
            assert s.overdue_days == max(0, (last - s.step.due_date).days)
            seen_overdue |= s.overdue_days > 0
    assert seen_overdue  # the sample has overdue steps, and they are flagged


def test_mrr_chart_starts_at_the_first_paid_month(sample_book, paying):
    firsts = sample_book.mrr[sample_book.mrr["mrr"] > 0].groupby("client_id")["month"].min()
    young = [c for c in paying if firsts[c] > END - pd.DateOffset(months=11)]
    old = [c for c in paying if firsts[c] <= END - pd.DateOffset(months=11)]
    assert young
    assert old
    for cid in (young[0], old[0]):
        section = SECTIONS["commercial"].build(sample_book, subject(sample_book, cid), PERIOD, DEFAULT_SETTINGS)
        assert section.first_month == max(firsts[cid], END - pd.DateOffset(months=11))


def test_summary_compares_each_kpi_with_the_previous_quarter(sample_book, paying):
    cid = paying[0]
    s = SECTIONS["summary"].build(sample_book, subject(sample_book, cid), PERIOD, DEFAULT_SETTINGS)
    u = sample_book.rows_of("Usage", cid)
    for month, value in ((END, s.adoption.now), (END - pd.DateOffset(months=3), s.adoption.before)):
        row = u[u["month"] == month]
        assert value == pytest.approx(m.adoption_rate(row["active_users"], row["licensed_users"]))
    tk = sample_book.rows_of("Tickets", cid)
    q2 = tk[(tk["opened_at"] >= "2026-04-01") & (tk["opened_at"] < "2026-07-01")]
    assert s.tickets.before == len(q2)
    assert s.tickets.change == s.tickets.now - s.tickets.before


def test_nps_by_quarter_shows_the_answer_count_and_empty_quarters(sample_book, paying):
    for cid in paying[:20]:
        section = SECTIONS["support"].build(sample_book, subject(sample_book, cid), PERIOD, DEFAULT_SETTINGS)
        assert len(section.nps_quarters) == 6
        assert section.nps_quarters[-1].label == "Q3 26"
        nps = sample_book.rows_of("NPS", cid)
        q3 = nps[(nps["date"] >= "2026-07-01") & (nps["date"] < "2026-10-01")]
        assert section.nps_quarters[-1].answers == len(q3)
        for q in section.nps_quarters:
            assert math.isnan(q.score) == (q.answers == 0)
            assert (f"({q.answers})" if q.answers else "(0)") in section.nps_chart.svg


def test_the_sample_flags_at_risk_clients_and_not_healthy_ones(sample_book, paying):
    from cs_reports.reports.content.risks import assess_risks
    from cs_reports.reports.content.sections import signals

    found = {
        cid: assess_risks(signals(sample_book, subject(sample_book, cid), PERIOD, DEFAULT_SETTINGS)) for cid in paying
    }
    flagged = {cid for cid, risks in found.items() if risks}
    assert flagged
    assert flagged != set(paying)
    # the rules read the signals the issue named: a client whose adoption fell >= 10 points is flagged
    for cid in paying:
        s = signals(sample_book, subject(sample_book, cid), PERIOD, DEFAULT_SETTINGS)
        if s.adoption_before - s.adoption_now >= 0.10:
            assert "adoption_falling" in {r.key for r in found[cid]}
        if s.health_now < 50:
            assert "health_low" in {r.key for r in found[cid]}


def test_settings_reach_the_sections(sample_book, paying):
    cid = paying[0]
    near = SECTIONS["next_steps"].build(
        sample_book, subject(sample_book, cid), PERIOD, ReportSettings(next_steps_days=0)
    )
    assert near.until == PERIOD.last_day.date()
    assert all(s.overdue_days > 0 or s.step.due_date == near.until for s in near.steps)


def _context_without(name: str | None = None, extra: tuple | None = None, retyped: tuple | None = None) -> type:
    """A copy of QBRContext with one section field removed, one optional field added, or one field retyped."""
    import dataclasses
    import typing

    from cs_reports.reports.content.sections import QBRContext

    hints = typing.get_type_hints(QBRContext)
    specs = [
        (f.name, retyped[1] if retyped and f.name == retyped[0] else hints[f.name], f)
        for f in dataclasses.fields(QBRContext)
        if f.name != name
    ]
    specs = [(n, t, dataclasses.field(metadata=f.metadata)) for n, t, f in specs]
    if extra:
        specs.append((*extra, dataclasses.field(metadata={"help": "x"})))
    return dataclasses.make_dataclass("QBRContext", specs, frozen=True)


@pytest.mark.parametrize("name", list(SECTIONS))
def test_a_section_without_its_context_field_fails_at_import(name):
    from cs_reports.reports.content.sections import check_context

    check_context(_context_without(), SECTIONS)  # the copy itself passes
    with pytest.raises(ImportError, match=rf"section '{name}' has no field in QBRContext: add `{name}: \w+ \| None"):
        check_context(_context_without(name), SECTIONS)


@pytest.mark.parametrize("name", list(SECTIONS))
def test_a_section_field_of_another_type_than_its_build_returns_fails_at_import(name):
    from cs_reports.reports.content.sections import check_context

    other = next(n for n in SECTIONS if n != name)
    wrong = typing_optional(SECTIONS[other])
    with pytest.raises(ImportError, match=rf"QBRContext\.{name} is typed .*, but the section's build returns"):
        check_context(_context_without(retyped=(name, wrong)), SECTIONS)


def typing_optional(section):
    import typing

    return typing.get_type_hints(section.build)["return"] | None


def test_an_optional_context_field_that_is_no_section_fails_at_import():
    from cs_reports.reports.content.sections import check_context

    with pytest.raises(ImportError, match=r"QBRContext\.extra may be None but is no section of SECTIONS"):
        check_context(_context_without(extra=("extra", int | None)), SECTIONS)


def test_a_section_type_lives_in_its_module_unless_another_module_shares_it():
    """A type in content/context.py is shared (another report's context or another module uses it); one a single section uses belongs in that section's module."""
    import dataclasses
    import re
    import typing
    from pathlib import Path

    from cs_reports.reports.content import context
    from cs_reports.reports.content.reference import reachable

    root = Path(__file__).parents[2] / "cs_reports"
    sources = {p: p.read_text(encoding="utf-8") for p in root.rglob("*.py")}
    sections_dir = root / "reports" / "content" / "sections"
    for name, faces in SECTIONS.items():
        returned = typing.get_type_hints(faces.build)["return"]
        assert returned.__module__ in (f"cs_reports.reports.content.sections.{name}", context.__name__), name
    other_reports = {*reachable(context.SuccessMapContext), *reachable(context.FinanceContext)}
    for name in context.__all__:
        cls = getattr(context, name)
        if not dataclasses.is_dataclass(cls) or cls in other_reports:
            continue
        users = {
            p
            for p, text in sources.items()
            if re.search(rf"\b{name}\b", text) and p.name != "context.py" and p != sections_dir / "__init__.py"
        }
        assert not (len(users) == 1 and next(iter(users)).parent == sections_dir), (
            f"{name} is used by {next(iter(users)).name} only: move it into that section module"
        )
