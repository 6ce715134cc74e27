"""Risk rules: one test per rule with its evidence text, severities, settings files."""

from __future__ import annotations

import json
import math

import pytest

from cs_reports.errors import InvalidInputError
from cs_reports.reports.content.risks import CLIENT_ACTIONABLE, RULES, ClientSignals, assess_risks, risk_texts
from cs_reports.reports.formatting import Formatter
from cs_reports.reports.render import strings
from cs_reports.reports.settings import DEFAULT_SETTINGS, ReportSettings, load_settings

Q3 = {"year": 2026, "quarter": 3, "months_since_nps": 1.0}  # a recent NPS answer: the silence rule stays quiet


def words(signals: ClientSignals, lang: str = "en", audience: str = "internal", settings=DEFAULT_SETTINGS):
    found = assess_risks(signals, settings)
    return found, risk_texts(found, signals, strings("qbr", lang), Formatter(lang), audience=audience)


# Each case: signals that fire exactly one rule, the rule, its severity and its English evidence.
CASES = [
    (
        {"adoption_now": 0.56, "adoption_before": 0.71},
        "adoption_falling",
        "medium",
        "adoption 71% → 56% in Q3 2026",
    ),
    ({"adoption_now": 0.55, "adoption_before": 0.80}, "adoption_falling", "high", "adoption 80% → 55% in Q3 2026"),
    ({"adoption_now": 0.45, "adoption_before": 0.46}, "adoption_low", "medium", "adoption 45%, below 50%"),
    (
        {"active_seats": 26.0, "licensed_seats": 40.0},
        "unused_seats",
        "medium",
        "14 of 40 licenses without an active user last month",
    ),
    (
        {"overdue_client": 1, "overdue_vendor": 1, "overdue_max_days": 45.0},
        "overdue_milestones",
        "high",
        "overdue milestones: 2 (1 on the client's side), the oldest 45 days late",
    ),
    ({"months_since_nps": 7.0}, "nps_silence", "medium", "last answer 7 months ago"),
    ({"months_since_nps": math.nan}, "nps_silence", "medium", "no NPS answer on record"),
    ({"health_now": 62.0, "health_before": 65.0}, "health_low", "medium", "Health Score 62 at the end of Q3 2026"),
    ({"health_now": 47.0, "health_before": 48.0}, "health_low", "high", "Health Score 47 at the end of Q3 2026"),
    (
        {"health_now": 72.0, "health_before": 90.0},
        "health_falling",
        "medium",
        "Health Score 90 → 72 in Q3 2026",
    ),
    (
        {"nps_answers": 10, "nps_detractors": 4},
        "detractors",
        "medium",
        "detractors: 4 of 10 answers (40%) over 12 months",
    ),
    (
        {"old_open_tickets": 2, "oldest_open_days": 41.0},
        "old_tickets",
        "medium",
        "tickets open for more than 30 days: 2, the oldest for 41 days",
    ),
    # Issue 23: one client went from 8 to 19 tickets and printed "no risk".
    ({"tickets_now": 19.0, "tickets_before": 8.0}, "ticket_spike", "medium", "tickets 8 → 19 in Q3 2026"),
    ({"tickets_now": 6.0, "tickets_before": 0.0}, "ticket_spike", "high", "tickets 0 → 6 in Q3 2026"),
    # Issue 23: CSAT 100% -> 33% printed "Healthy".
    (
        {"csat_now": 1 / 3, "csat_before": 1.0, "csat_answers_now": 3.0, "csat_answers_before": 4.0},
        "csat_falling",
        "high",
        "CSAT 100% → 33% in Q3 2026 (3 answers)",
    ),
    (
        {"csat_now": 0.7, "csat_before": 0.95, "csat_answers_now": 10.0, "csat_answers_before": 12.0},
        "csat_falling",
        "medium",
        "CSAT 95% → 70% in Q3 2026 (10 answers)",
    ),
    (
        {"resolution_now": 50.0, "resolution_before": 20.0, "resolved_now": 4.0, "resolved_before": 5.0},
        "resolution_slower",
        "medium",
        "median resolution time 20.0 h → 50.0 h in Q3 2026",
    ),
    (
        {"mrr_now": 900.0, "mrr_before": 1000.0},
        "mrr_contraction",
        "high",
        "MRR R$1,000.00 → R$900.00 (-10.0%) in Q3 2026",
    ),
    (
        {"days_to_renewal": 60.0, "renewal_probability": 0.7, "health_now": 75.0},
        "renewal_at_risk",
        "medium",
        "renewal in 60 days with Health Score 75 and probability 70%",
    ),
]


@pytest.mark.parametrize(("values", "rule", "severity", "evidence"), CASES, ids=[f"{c[1]}-{c[2]}" for c in CASES])
def test_each_rule_fires_alone_with_its_evidence(values, rule, severity, evidence):
    found, texts = words(ClientSignals(**{**Q3, **values}))
    assert [(r.key, r.severity) for r in found] == [(rule, severity)]
    assert texts[0].evidence.replace("\xa0", "") == evidence.replace("\xa0", "")


def test_every_rule_has_a_case_and_words_in_both_languages():
    assert {c[1] for c in CASES} == set(RULES)
    for lang in ("pt-BR", "en"):
        t = strings("qbr", lang)
        for rule in RULES:
            assert f"risk_{rule}" in t
            assert f"risk_{rule}_evidence" in t
            assert (f"risk_{rule}_client" in t) == (rule in CLIENT_ACTIONABLE)


def test_portuguese_evidence():
    _, texts = words(ClientSignals(**{**Q3, "adoption_now": 0.56, "adoption_before": 0.71}), "pt-BR")
    assert texts[0].evidence == "adoção 71% → 56% no 3º trimestre de 2026"


def test_client_edition_keeps_only_actionable_points_worded_for_the_client():
    s = ClientSignals(
        **{**Q3, "adoption_now": 0.45, "adoption_before": 0.46, "health_now": 40.0, "health_before": 60.0},
        mrr_now=500.0,
        mrr_before=1000.0,
    )
    found, _internal = words(s)
    assert {r.key for r in found} == {"adoption_low", "health_low", "health_falling", "mrr_contraction"}
    _, client = words(s, audience="client")
    assert [r.key for r in client] == ["adoption_low"]
    assert client[0].evidence == (
        "Only 45% of licenses are in use. Let's find out together who is not using the platform yet."
    )
    assert "Health" not in " ".join(r.evidence + r.title for r in client)


def test_high_severity_first_then_rule_order():
    s = ClientSignals(**{**Q3, "adoption_now": 0.45, "adoption_before": 0.46, "health_now": 40.0})
    assert [r.key for r in assess_risks(s)] == ["health_low", "adoption_low"]


def test_a_healthy_client_has_no_risk():
    s = ClientSignals(
        **Q3,
        adoption_now=0.85,
        adoption_before=0.84,
        active_seats=34,
        licensed_seats=40,
        health_now=82,
        health_before=80,
        nps_answers=8,
        nps_detractors=1,
        mrr_now=1000,
        mrr_before=1000,
        days_to_renewal=60,
        renewal_probability=0.95,
    )
    assert assess_risks(s) == ()


def test_thresholds_come_from_the_settings():
    s = ClientSignals(**{**Q3, "adoption_now": 0.56, "adoption_before": 0.60})
    assert assess_risks(s) == ()
    assert [r.key for r in assess_risks(s, ReportSettings(adoption_drop_points=0.03))] == ["adoption_falling"]
    late = ClientSignals(**{**Q3, "days_to_renewal": 100.0, "health_now": 60.0})
    assert [r.key for r in assess_risks(late)] == ["health_low"]
    assert "renewal_at_risk" in [r.key for r in assess_risks(late, ReportSettings(renewal_window_days=120))]


def test_settings_from_toml_and_json(tmp_path):
    toml = tmp_path / "s.toml"
    toml.write_text("adoption_low_rate = 0.6\nrenewal_window_days = 120\n", encoding="utf-8")
    assert load_settings(toml) == ReportSettings(adoption_low_rate=0.6, renewal_window_days=120)
    nested = tmp_path / "n.toml"
    nested.write_text("[report]\nold_ticket_days = 14\n", encoding="utf-8")
    assert load_settings(nested).old_ticket_days == 14
    js = tmp_path / "s.json"
    js.write_text(json.dumps({"detractor_share": 0.25}), encoding="utf-8")
    assert load_settings(js).detractor_share == 0.25


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("typo.toml", "adoption_low = 0.6\n", "unknown settings ['adoption_low']"),
        (
            "text.toml",
            'adoption_low_rate = "high"\n',
            "setting 'adoption_low_rate': expected a rate from 0 to 1, got 'high'",
        ),
        (
            "neg.json",
            '{"renewal_window_days": -5}',
            "setting 'renewal_window_days': expected a number of days from 0 to 3660, got -5.",
        ),
        # Issue 27: a 401-digit number, infinity, a rate of 7 and inverted bands were accepted.
        (
            "huge.json",
            '{"renewal_window_days": 1' + "0" * 400 + "}",
            "expected a number of days from 0 to 3660, got 100000000000... (401 characters).",
        ),
        (
            "inf.json",
            '{"adoption_low_rate": Infinity}',
            "setting 'adoption_low_rate': expected a rate from 0 to 1, got inf.",
        ),
        (
            "nan.json",
            '{"adoption_low_rate": NaN}',
            "setting 'adoption_low_rate': expected a rate from 0 to 1, got nan.",
        ),
        (
            "seven.toml",
            "contraction_high_rate = 7\n",
            "setting 'contraction_high_rate': expected a rate from 0 to 1, got 7.",
        ),
        (
            "bands.toml",
            "forecast_likely_rate = 0.5\nforecast_unlikely_rate = 0.7\n",
            "Setting 'forecast_unlikely_rate' (0.7) must not exceed 'forecast_likely_rate' (0.5); got them inverted.",
        ),
        ("bad.toml", "adoption_low_rate = \n", "is not valid TOML"),
        ("s.yaml", "a: 1", "must end in .toml or .json"),
    ],
)
def test_bad_settings_are_one_clear_error(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInputError) as err:
        load_settings(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


@pytest.mark.parametrize(
    ("values", "why"),
    [
        ({"tickets_now": 4.0, "tickets_before": 0.0}, "fewer tickets than ticket_spike_count"),
        ({"tickets_now": 9.0, "tickets_before": 5.0}, "less than ticket_spike_ratio x the previous quarter"),
        ({"csat_now": 0.0, "csat_before": 1.0, "csat_answers_now": 2.0, "csat_answers_before": 9.0}, "2 answers"),
        ({"csat_now": 0.8, "csat_before": 0.95, "csat_answers_now": 9.0, "csat_answers_before": 9.0}, "15 points"),
        ({"resolution_now": 90.0, "resolution_before": 10.0, "resolved_now": 2.0, "resolved_before": 5.0}, "2 tickets"),
        ({"mrr_now": 1289.89, "mrr_before": 1289.90}, "one cent of rounding"),
        ({"mrr_now": 999.5, "mrr_before": 1000.0}, "less than contraction_min_value"),
        ({"mrr_now": 1289.90, "mrr_before": 0.0}, "a new client: nothing to contract from"),
    ],
)
def test_noise_and_thin_evidence_are_not_risks(values, why):
    assert assess_risks(ClientSignals(**{**Q3, **values})) == (), why


@pytest.mark.parametrize("name", ["ticket_spike_count", "ticket_spike_ratio", "csat_drop_points", "min_csat_answers"])
def test_the_new_rules_follow_their_settings(name):
    base = {"tickets_now": 6.0, "tickets_before": 3.0, "csat_now": 0.7, "csat_before": 0.95}
    s = ClientSignals(**{**Q3, **base, "csat_answers_now": 3.0, "csat_answers_before": 3.0})
    before = {r.key for r in assess_risks(s)}
    assert before == {"ticket_spike", "csat_falling"}
    stricter = {"ticket_spike_count": 7.0, "ticket_spike_ratio": 2.5, "csat_drop_points": 0.3, "min_csat_answers": 4.0}
    extra = {"ticket_spike_high_ratio": 3.0} if name == "ticket_spike_ratio" else {}
    after = {r.key for r in assess_risks(s, ReportSettings(**{name: stricter[name]}, **extra))}
    assert len(after) == 1, (name, after)


def test_every_setting_is_documented():
    doc = (__import__("pathlib").Path(__file__).parents[2] / "docs" / "reports.md").read_text(encoding="utf-8")
    for name, (default, _help) in ReportSettings.describe().items():
        assert f"| `{name}` | {default:g} |" in doc, name


def test_the_box_colour_follows_the_severity():
    import re
    from pathlib import Path

    css = (Path(__file__).parents[2] / "report_templates" / "base" / "report.css").read_text(encoding="utf-8")
    colour = {
        sev: re.search(rf"\.risk-box\.severity-{sev} \{{ border-left-color: (#[0-9A-Fa-f]{{6}})", css).group(1)
        for sev in ("high", "medium")
    }
    assert colour == {"high": "#C0392B", "medium": "#B8860B"}  # red, amber; never the accent green
    macros = (Path(__file__).parents[2] / "report_templates" / "base" / "macros.html.j2").read_text(encoding="utf-8")
    assert 'class="risk-box severity-{{ r.severity }}"' in macros
