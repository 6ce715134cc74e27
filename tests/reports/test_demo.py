"""The demo and the edition/settings options, run as a user runs them (the CLI in this process)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pptx import Presentation

from cs_reports.cli import main
from cs_reports.reports.render import strings
from tests.adversarial.helpers import cli
from tests.conftest import pdf_text


def text_of(path: Path) -> str:
    return re.sub(r"[ \u00a0\u202f]+", " ", pdf_text(path))


@pytest.mark.slow
def test_demo_renders_both_editions_for_a_healthy_and_an_at_risk_client(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    healthy, at_risk = re.search(r"healthy client \(.*?\): (\w+); at-risk client \(.*?\): (\w+)", printed).groups()
    assert healthy != at_risk
    pdfs = {p.name: p for p in (out / "reports").glob("*.pdf")}
    for cid in (healthy, at_risk):
        for label in ("qbr-client", "qbr-internal", "success-map-client", "success-map-internal"):
            assert any(n.startswith(cid.lower() + "_") and f"_{label}_" in n for n in pdfs), (cid, label)
    decks = sorted((out / "reports").glob("*.pptx"))
    assert sorted(d.with_suffix(".pdf").name for d in decks) == sorted(n for n in pdfs if "_qbr-" in n)
    for deck in decks:
        assert len(Presentation(str(deck)).slides) >= 6  # an editable deck beside each QBR PDF
    assert {n for n in pdfs if n.startswith("portfolio_")} == {
        f"portfolio_{m}_finance_{lang}.pdf"
        for m in {n.split("_")[1] for n in pdfs if n.startswith("portfolio_")}
        for lang in ("pt-br", "en")
    }

    def internal(cid: str) -> tuple[str, dict[str, str]]:
        (name,) = [n for n in pdfs if n.startswith(cid.lower() + "_") and "_qbr-internal_" in n]
        lang = "pt-BR" if name.endswith("_pt-br.pdf") else "en"
        return text_of(pdfs[name]), strings("qbr", lang)

    text, t = internal(healthy)
    assert t["no_risks"] in text
    text, t = internal(at_risk)
    assert t["no_risks"] not in text
    assert t["severity_high"] in text  # the at-risk client has at least one high-severity risk


@pytest.mark.slow
def test_cli_audience_and_settings(tmp_path, small_book_path):
    settings = tmp_path / "strict.toml"
    settings.write_text("adoption_low_rate = 1.0\nunused_seats_rate = 1.0\n", encoding="utf-8")
    args = ["qbr", str(small_book_path), "--quarter", "2026Q3", "--client", "C0011", "--workers", "1", "--quiet"]
    code, _, err = cli(*args, "--out", str(tmp_path / "o"), "--audience", "internal", "--settings", str(settings))
    assert code == 0, err
    (pdf,) = (tmp_path / "o").glob("*.pdf")
    assert pdf.name.endswith("_2026q3_qbr-internal_en.pdf")
    assert "Low adoption" in text_of(pdf)  # adoption below 100% is low under these settings
    settings.write_text("adoption_low = 0.6\n", encoding="utf-8")
    code, _, err = cli(*args, "--out", str(tmp_path / "p"), "--settings", str(settings))
    assert code != 0
    assert err.count("\n") == 1, err
    assert "unknown settings ['adoption_low']" in err
    assert "Traceback" not in err
