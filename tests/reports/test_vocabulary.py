"""One vocabulary: every language, audience, kind and format the CLI accepts works in every output.

The declarations live in ``cs_reports.reports.vocabulary``; these tests walk them (every
language x audience for the deck, every language for the PDF and the number formats) instead
of naming the cases that once failed (an en-GB deck), and check that every refusal is one line
listing the choices.
"""

from __future__ import annotations

import inspect
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pptx import Presentation

from cs_reports.cli import main
from cs_reports.errors import InvalidInputError
from cs_reports.reports.content.sections import EDITIONS
from cs_reports.reports.content.slide_spec import number_format
from cs_reports.reports.formatting import Formatter
from cs_reports.reports.kinds import KINDS, produce_report, report_kind
from cs_reports.reports.render import Templates, load_branding, strings
from cs_reports.reports.settings import ReportSettings
from cs_reports.reports.vocabulary import (
    AUDIENCES,
    FORMATS,
    KIND_NAMES,
    LANGUAGES,
    last_complete_quarter,
    of_quarter,
)
from tests.conftest import pdf_text

ROOT = Path(__file__).resolve().parents[2]
QUARTER = "2026Q3"


def text_of(pdf: bytes) -> str:
    return re.sub(r"[\s\u00a0\u202f]+", " ", pdf_text(pdf))


def test_every_declaration_is_the_vocabularys():
    assert tuple(KINDS) == KIND_NAMES
    assert tuple(EDITIONS) == AUDIENCES
    for spec in KINDS.values():
        assert set(spec.audiences) <= set(AUDIENCES), spec.name
        assert set(spec.formats) <= set(FORMATS), spec.name
    from cs_reports.cli import build_parser

    actions = {
        a.dest: a for a in build_parser()._subparsers._group_actions[0].choices["qbr"]._actions if a.dest != "help"
    }
    assert tuple(actions["lang"].choices) == tuple(LANGUAGES)
    assert tuple(actions["audience"].choices) == AUDIENCES


def test_every_kind_builds_with_one_keyword_signature():
    signatures = {name: inspect.signature(spec.build) for name, spec in KINDS.items()}
    first = next(iter(signatures.values()))
    for name, sig in signatures.items():
        assert list(sig.parameters) == list(first.parameters), name
        assert [p.kind for p in sig.parameters.values()][1:] == [inspect.Parameter.KEYWORD_ONLY] * 5, name


@pytest.mark.parametrize("folder", sorted(p.name for p in (ROOT / "report_templates").iterdir() if p.is_dir()))
def test_every_string_table_has_every_language(folder):
    path = ROOT / "report_templates" / folder / "i18n.json"
    if not path.exists():
        pytest.skip(f"{folder} has no strings")
    table = json.loads(path.read_text(encoding="utf-8"))
    for lang in LANGUAGES.values():
        assert lang.strings in table, (folder, lang.tag)
        assert strings(folder if folder != "base" else "qbr", lang.tag)  # resolves for every tag


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("currency", [None, "BRL", "USD", "EUR", "GBP"])
def test_every_language_has_deck_number_formats(lang, currency):
    code = number_format(lang, currency=currency)
    assert code.startswith("[$")
    assert f"-{LANGUAGES[lang].lcid}]" in code
    assert Formatter(lang).locale == LANGUAGES[lang].locale


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: report_kind("qbrs"), "Report kind"),
        (lambda: Formatter("fr"), "Report language"),
        (lambda: strings("qbr", "fr"), "Report language"),
        (lambda: number_format("pt"), "Deck language"),
        (lambda: KINDS["qbr"].audience("everyone"), "--audience"),
    ],
    ids=["kind", "formatter", "strings", "deck", "audience"],
)
def test_an_unknown_word_is_one_line_listing_the_choices(call, name):
    with pytest.raises(InvalidInputError) as err:
        call()
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{name} must be one of [")
    assert "; got '" in message


@pytest.fixture(scope="module")
def paying_client(sample_book) -> str:
    period = of_quarter(QUARTER)
    mrr = sample_book.mrr
    return str(mrr.loc[(mrr["month"] == period.end) & (mrr["mrr"] > 0), "client_id"].iloc[0])


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_language_and_audience_makes_a_deck(sample_book, paying_client, lang, audience):
    done = produce_report(
        sample_book,
        "qbr",
        QUARTER,
        paying_client,
        lang,
        templates=Templates(),
        branding=load_branding(None),
        audience=audience,
        formats=("pptx",),
    )
    deck = Presentation(io.BytesIO(done.files["pptx"]))
    assert len(deck.slides) >= 6
    title = strings("qbr", lang)["title"]
    assert any(title in shape.text_frame.text for shape in deck.slides[0].shapes if shape.has_text_frame)


@pytest.mark.slow
def test_cli_makes_pdf_and_deck_in_british_english(sample_book_path, paying_client, tmp_path):
    """The reproduced defect: ``--lang en-GB --format pdf,pptx`` wrote nothing (en-US: the deck matrix above)."""
    out = tmp_path / "o"
    args = ["qbr", str(sample_book_path), "--quarter", QUARTER, "--client", paying_client, "--out", str(out)]
    assert main([*args, "--lang", "en-GB", "--format", "pdf,pptx", "--workers", "1", "--quiet"]) == 0
    names = sorted(p.name for p in out.iterdir() if p.suffix in {".pdf", ".pptx"})
    assert [Path(n).suffix for n in names] == [".pdf", ".pptx"]
    assert all(n.endswith(f"_en-gb{Path(n).suffix}") for n in names)
    assert strings("qbr", "en-GB")["title"] in text_of((out / names[0]).read_bytes())


@given(st.dates(min_value=pd.Timestamp("2000-01-01").date(), max_value=pd.Timestamp("2100-12-31").date()))
def test_last_complete_quarter_is_the_latest_quarter_ending_by_the_month(day):
    month = pd.Timestamp(day).to_period("M").to_timestamp()
    period = last_complete_quarter(month)
    assert period.end.month % 3 == 0
    assert period.end <= month < period.end + pd.DateOffset(months=3)
    assert of_quarter(period.label) == period
    assert period.start == period.end - pd.DateOffset(months=2)


# --- finance takes its settings ------------------------------------------------------------------


@pytest.mark.parametrize(("days", "movers"), [(30, 1), (365, 3)])
def test_finance_honours_its_settings(sample_book, days, movers):
    settings = ReportSettings(finance_renewals_days=days, finance_movers_count=movers)
    spec = KINDS["finance"]
    ctx = spec.build(sample_book, period="2026-10", client_id=None, lang="en", audience="internal", settings=settings)
    end = ctx.month + pd.offsets.MonthEnd(0)
    assert ctx.renewals_days == days
    assert all(end.date() < r.due_date <= (end + pd.Timedelta(days=days)).date() for r in ctx.renewals)
    counts = pd.Series([r.movement for r in ctx.movers]).value_counts()
    assert counts.max() <= movers
    default = spec.build(
        sample_book, period="2026-10", client_id=None, lang="en", audience="internal", settings=ReportSettings()
    )
    assert (len(ctx.renewals) < len(default.renewals)) if days < 90 else (len(ctx.renewals) > len(default.renewals))


@pytest.mark.slow
def test_cli_finance_settings_reach_the_pdf(sample_book_path, tmp_path):
    settings = tmp_path / "finance.toml"
    settings.write_text("finance_renewals_days = 45\n", encoding="utf-8")
    out = tmp_path / "o"
    args = ["finance", str(sample_book_path), "--month", "2026-10", "--lang", "en", "--out", str(out)]
    assert main([*args, "--settings", str(settings), "--workers", "1", "--quiet"]) == 0
    (pdf,) = out.glob("*.pdf")
    text = text_of(pdf.read_bytes())
    assert "Renewals in the next 45 days" in text
    assert "next 90 days" not in text
