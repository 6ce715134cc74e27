"""The assumptions a report prints are in the report's language, from one catalogue.

Generated over the catalogue (every sentence in every language has the same parameters and
renders) and over books read with every transformation of the intake harness (every entry the
reader writes about them is printed in pt-BR without an English sentence left, and survives the
JSON round trip the snapshot and ``metrics --format json`` use).
"""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cs_reports.data.assumptions import Assumption, Assumptions
from cs_reports.data.messages import LANGS, MESSAGES, Text


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_sentence_exists_in_every_language_with_the_same_parameters(key):
    assert set(MESSAGES[key]) == set(LANGS)
    assert len({frozenset(_fields(t)) for t in MESSAGES[key].values()}) == 1, MESSAGES[key]


_VALUES = st.one_of(
    st.integers(0, 10**7), st.floats(0, 1), st.text(st.characters(blacklist_characters="{}"), min_size=1, max_size=12)
)


@settings(max_examples=60)
@given(key=st.sampled_from(sorted(MESSAGES)), data=st.data())
def test_every_sentence_renders_in_every_language_and_round_trips(key, data):
    params = {}
    for name in _fields(MESSAGES[key]["en"]):
        specs = {spec for _, n, spec, _ in string.Formatter().parse(MESSAGES[key]["en"]) if n == name}
        if any("%" in s for s in specs):
            params[name] = data.draw(st.floats(0, 1))
        elif any("," in s for s in specs):
            params[name] = data.draw(st.integers(0, 10**7))
        else:
            params[name] = data.draw(st.one_of(_VALUES, st.builds(lambda: Text.of("fix_their_rows"))))
    text = Text.of(key, **params)
    for lang in (*LANGS, "en-US", "en-GB"):
        out = text.render(lang)
        assert "{" not in out  # every field filled (values hold no braces)
    assert Text.from_json(text.to_json()) == text


def test_numbers_follow_the_language():
    text = Text.of("month_gap", month="2026-10", share=0.625, previous="2026-09")
    assert text.render("en") == "2026-10 (62% of 2026-09's MRR has no row in it)"
    assert Text.of("quarantine", n=1234, ids="C1").render("pt-BR").startswith("1.234 cliente(s)")
    assert Text.of("quarantine", n=1234, ids="C1").render("en-GB").startswith("1,234 client(s)")


def test_an_unknown_key_or_language_is_one_clear_error():
    with pytest.raises(ValueError, match="Message key must be one of"):
        Text.of("no_such_sentence")
    with pytest.raises(ValueError, match="Language must be one of"):
        Text.of("fix_their_rows").render("fr-FR")


def test_the_override_is_said_in_the_same_language():
    a = Assumption.said(
        "default",
        Text.of("default_name", k=1, n=3),
        sheet="Clients",
        column="name",
        override=Text.of("fill_clients_column", column="name", label="Nome"),
    )
    assert a.line("en") == (
        "'Clients', 'name': Name missing for 1 of 3 client(s): the client id is shown instead. "
        "(override: fill the Clients column 'name' (Nome))"
    )
    assert a.line("pt-BR") == (
        "'Clients', 'name': Nome ausente em 1 de 3 cliente(s): o id do cliente aparece no lugar. "
        "(para mudar: preencha a coluna 'name' (Nome) de Clients)"
    )
    assert Assumptions.from_records(Assumptions.of(a).to_records()) == Assumptions.of(a)
