"""Client and internal editions: what each prints and attaches, and nothing internal reaches a client.

The client (C0006 pt-BR, C0011 en) is chosen because it has everything internal a leak could show:
a CAC and a gross margin, a lost opportunity and NPS comments in the last two quarters
(sample portfolio, ``cs-reports sample``).
"""

from __future__ import annotations

import dataclasses
import io
import re

import openpyxl
import pytest
from pypdf import PdfReader

from cs_reports.reports.content.context import FinanceContext, SuccessMapContext
from cs_reports.reports.content.reference import describe
from cs_reports.reports.content.sections import EDITIONS, QBRContext
from cs_reports.reports.formatting import Formatter
from cs_reports.reports.kinds import KINDS, produce
from cs_reports.reports.render import Templates, load_branding, strings
from cs_reports.reports.settings import DEFAULT_SETTINGS
from tests.conftest import pdf_text

QUARTER = "2026Q3"
# Clients with a lost opportunity and survey comments in 2026Q3 (what the internal-only words need);
# re-picked when issue 23 changed the sample's churn law (C0006 and C0011 no longer had lost ones).
CLIENTS = {"pt-BR": "C0010", "en": "C0177"}

#: Every sheet and column a client edition may attach: the tables its PDF prints.
CLIENT_ALLOWED = {
    "Summary": ["kpi", "this_quarter", "previous_quarter"],
    "Goals": ["objective", "kpi", "unit", "baseline", "target", "actual", "progress", "status"],
    "Adoption": ["month", "active", "licensed", "rate"],
    "Support": ["kpi", "this_quarter", "previous_quarter"],
    "NPS by quarter": ["quarter", "nps", "answers"],
    "Milestones done": ["milestone", "phase", "owner_side", "owner", "due_date", "done_date"],
    "Next steps": ["milestone", "phase", "owner_side", "owner", "due_date", "status", "overdue_days"],
    "Points of attention": ["severity", "title", "text"],
}
#: ... and what only the internal edition adds.
INTERNAL_ONLY = {
    "Health": ["component", "subscore", "points", "change", "data"],
    "Risks": ["severity", "title", "text"],
    "Forecast": ["probability", "band", "renewal_date", "basis"],
    "Talking points": ["point"],
    "Commercial": ["figure", "value", "previous_quarter"],
    "Opportunities": ["kind", "opened", "mrr_delta", "status"],
    "Survey comments": ["date", "score", "comment"],
}
SUMMARY_KPIS = {
    "adoption",
    "active_users",
    "nps",
    "nps_answers",
    "tickets",
    "csat",
    "milestones_done",
    "goals_achieved",
}


def text_of(pdf: bytes) -> str:
    return re.sub(r"[ \u00a0\u202f]+", " ", pdf_text(pdf))


def attachment(pdf: bytes) -> dict[str, list[list[object]]]:
    reader = PdfReader(io.BytesIO(pdf))
    ((_name, (data,)),) = reader.attachments.items()
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}


@pytest.fixture(scope="module")
def reports(sample_book):
    templates, branding = Templates(), load_branding(None)
    return {
        (lang, audience): produce(
            sample_book, "qbr", QUARTER, cid, lang, templates=templates, branding=branding, audience=audience
        )
        for lang, cid in CLIENTS.items()
        for audience in ("client", "internal")
    }


@pytest.mark.parametrize("lang", list(CLIENTS))
def test_attached_fields_per_edition_are_the_allow_list(reports, lang):
    client = attachment(reports[(lang, "client")][0])
    assert {k: v[0] for k, v in client.items()} == CLIENT_ALLOWED
    assert {row[0] for row in client["Summary"][1:]} == SUMMARY_KPIS
    internal = attachment(reports[(lang, "internal")][0])
    expected = {k: v for k, v in {**CLIENT_ALLOWED, **INTERNAL_ONLY}.items() if k != "Points of attention"}
    assert {k: v[0] for k, v in internal.items()} == expected  # the internal edition lists every risk instead


def internal_words(sample_book, ctx, internal, lang) -> list[str]:
    """What only the internal edition may show: its titles, CAC, lost opportunities, survey comments."""
    t, f = strings("qbr", lang), Formatter(lang)
    row = sample_book.client(ctx.client.client_id)
    lost = [o for o in internal.commercial.opportunities if o.status == "lost"]
    assert lost
    assert internal.verbatims.comments
    return [
        "Health Score",
        t["cac"],
        t["gross_margin"],
        t["ltv"],
        t["forecast"],
        t["probability"],
        t["opp_lost"],
        "shifted-beta",
        t["component_nps"],
        f.money(row["cac"], ctx.client.currency),
        f.money(row["cac"], ctx.client.currency, cents=False),
        *(v.comment for v in internal.verbatims.comments),
    ]


@pytest.mark.parametrize("lang", list(CLIENTS))
def test_nothing_internal_in_a_client_edition(reports, sample_book, lang):
    pdf, ctx = reports[(lang, "client")]
    _, internal = reports[(lang, "internal")]
    text = text_of(pdf)
    cells = " ".join(str(c) for rows in attachment(pdf).values() for row in rows for c in row)
    forbidden = internal_words(sample_book, ctx, internal, lang)
    for word in forbidden:
        assert re.sub(r"\s+", " ", word) not in text, word
        assert word.strip() not in cells, word
    weights = sample_book.health_model["weight"].astype(str)
    assert not any(f"weight {w}" in cells for w in weights)
    for field in ("health", "risks", "forecast", "commercial", "verbatims", "talking_points"):
        assert getattr(ctx, field) is None  # never built, so never printed or attached


@pytest.mark.parametrize("lang", list(CLIENTS))
def test_internal_edition_is_marked_and_has_risks_forecast_and_commercial(reports, lang):
    pdf, ctx = reports[(lang, "internal")]
    text = text_of(pdf)
    t = strings("qbr", lang)
    assert re.sub(r"\s+", " ", t["internal_banner"])[:40] in text
    for key in ("health_title", "risks", "forecast", "commercial", "talking_points", "verbatims"):
        assert t[key] in text, key
    for r in ctx.risks.risks:
        assert r.title in text


def deck_text(data: bytes) -> str:
    """Everything a deck holds for a reader: slide text, table cells, notes, chart data and the
    workbooks behind the charts, the file's properties (read from the package's parts)."""
    import html
    import zipfile

    def xml_text(raw: bytes) -> str:
        return html.unescape(re.sub(r"<[^>]+>", " ", raw.decode("utf-8", "replace")))

    out = []
    package = zipfile.ZipFile(io.BytesIO(data))
    for name in package.namelist():
        if name.startswith(("ppt/slides/", "ppt/notesSlides/", "ppt/charts/", "docProps/")) and name.endswith(".xml"):
            out.append(xml_text(package.read(name)))
        elif name.startswith("ppt/embeddings/"):  # the data "Edit Data" opens
            inner = zipfile.ZipFile(io.BytesIO(package.read(name)))
            out.extend(xml_text(inner.read(n)) for n in inner.namelist() if n.endswith(".xml"))
    return re.sub(r"[ \u00a0\u202f]+", " ", " ".join(out))


@pytest.mark.parametrize("lang", list(CLIENTS))
def test_nothing_internal_in_a_client_deck(reports, sample_book, lang):
    """The client deck's every text, cell, note and chart value: none of the internal edition's words or figures."""
    from cs_reports.reports.deck.qbr_deck import qbr_deck_bytes

    _, ctx = reports[(lang, "client")]
    _, internal = reports[(lang, "internal")]
    client_deck = deck_text(qbr_deck_bytes(ctx, lang))
    internal_deck = deck_text(qbr_deck_bytes(internal, lang))
    forbidden = internal_words(sample_book, ctx, internal, lang)
    unseen = [w for w in forbidden if re.sub(r"\s+", " ", w).strip() not in internal_deck]
    cac = Formatter(lang).money(sample_book.client(ctx.client.client_id)["cac"], ctx.client.currency)
    assert unseen == ["shifted-beta", cac]  # the scan sees the rest in the internal deck (its CAC has no cents)
    for word in forbidden:
        assert re.sub(r"\s+", " ", word).strip() not in client_deck, word
    for r in internal.risks.risks:
        assert r.evidence not in client_deck or r.key in {p.key for p in ctx.attention.points}
    mrr = {f"{v:.2f}".rstrip("0").rstrip(".") for v in internal.commercial.mrr_chart.values if v}
    assert not mrr & set(re.findall(r"\d+(?:\.\d+)?", client_deck)), "MRR figures in the client deck's chart data"


def test_output_file_names_carry_the_audience():
    from cs_reports.reports.kinds import output_name

    names = {output_name("qbr", QUARTER, "en", "C1", "Acme", a) for a in ("client", "internal")}
    assert names == {"c1_acme_2026q3_qbr-client_en.pdf", "c1_acme_2026q3_qbr-internal_en.pdf"}


# --- templates: one block per section, documented names only ------------------------------------


class _Recorder:
    """A context stand-in that records every attribute path a template reads."""

    def __init__(self, obj, path, seen):
        self._obj, self._path, self._seen = obj, path, seen

    def __getattr__(self, name):
        cls = type(self._obj)
        path = f"{self._path}.{name}" if self._path else name
        if isinstance(getattr(cls, name, None), property):
            return getattr(self._obj, name)  # computed from documented fields (Chart.uri)
        self._seen.add(path)
        return _wrap(getattr(self._obj, name), path, self._seen)

    def __bool__(self):
        return bool(self._obj)


def _wrap(value, path, seen):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _Recorder(value, path, seen)
    if isinstance(value, tuple) and any(dataclasses.is_dataclass(v) or isinstance(v, tuple) for v in value):
        return [_wrap(v, path, seen) for v in value]
    return value


@pytest.mark.parametrize(
    ("kind", "audience", "period", "cls"),
    [
        ("qbr", "client", QUARTER, QBRContext),
        ("qbr", "internal", QUARTER, QBRContext),
        ("success-map", "client", "2026-10", SuccessMapContext),
        ("success-map", "internal", "2026-10", SuccessMapContext),
        ("finance", None, "2026-10", FinanceContext),
    ],
)
def test_templates_use_only_documented_names(sample_book, kind, audience, period, cls):
    spec = KINDS[kind]
    context = spec.build(
        sample_book,
        period=period,
        client_id=CLIENTS["en"],
        lang="en",
        audience=audience or "internal",
        settings=DEFAULT_SETTINGS,
    )
    seen: set[str] = set()
    Templates().render(spec.template, _Recorder(context, "", seen), lang="en", branding=load_branding(None))
    documented = describe(cls)
    assert seen, "the recorder saw nothing"
    assert sorted(p for p in seen if p not in documented) == []


def test_a_user_overrides_one_section_and_keeps_the_others(tmp_path, sample_book):
    (tmp_path / "qbr").mkdir()
    (tmp_path / "qbr" / "report.html.j2").write_text(
        '{% extends "builtin/qbr/report.html.j2" %}'
        "{% block goals %}<h2>Our goals</h2>{{ ctx.goals.goals|length }} goals{% endblock %}",
        encoding="utf-8",
    )
    context = KINDS["qbr"].build(
        sample_book, period=QUARTER, client_id=CLIENTS["en"], lang="en", audience="client", settings=DEFAULT_SETTINGS
    )
    html = Templates(tmp_path).render("qbr", context, lang="en", branding=load_branding(None))
    t = strings("qbr", "en")
    assert f"<h2>Our goals</h2>{len(context.goals.goals)} goals" in html
    assert t["goals"] not in html
    for other in ("summary", "adoption", "support", "next_steps", "attention"):
        assert f"<h2>{t[other]}</h2>" in html, other
    assert html.index(f"<h2>{t['adoption']}</h2>") > html.index("Our goals")  # the edition's order is kept


def test_every_section_of_every_edition_has_a_block():
    source = (Templates().builtin_dir / "qbr" / "report.html.j2").read_text(encoding="utf-8")
    for names in EDITIONS.values():
        for name in names:
            assert f"{{% block {name} %}}" in source, name
