"""LibreOffice Impress opens every generated deck: each converts to PDF without error, one page
per slide, with the client's numbers, and chart axes in the viewer's locale."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from pptx import Presentation

from cs_reports.reports.content.qbr import build_qbr_context
from cs_reports.reports.deck.presentation import ChartSpec, DeckSpec, Series, SlideSpec, number_format, write_deck
from cs_reports.reports.deck.qbr_deck import qbr_deck
from cs_reports.reports.formatting import Formatter
from tests.conftest import pdf_pages
from tests.reports.test_pdf_numbers import clients  # noqa: F401  (fixture: one paying client per locale)


def _impress_missing() -> str | None:
    soffice = shutil.which("soffice")
    if soffice is None:
        return "LibreOffice (soffice) is not installed"
    registry = Path(soffice).resolve().parent.parent / "share" / "registry" / "impress.xcd"
    if not registry.exists():
        return "LibreOffice Impress is not installed (Debian: apt-get install libreoffice-impress-nogui)"
    return None


pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.slow,
    pytest.mark.skipif(_impress_missing() is not None, reason=str(_impress_missing())),
]

QUARTER = "2026Q3"
#: The viewer's locale: PowerPoint and Impress draw a chart's separators from it (see docs/decks.md).
VIEWER = {"pt-BR": "pt_BR.UTF-8", "en": "en_US.UTF-8"}


def convert(decks: list[Path], out: Path, profile: Path, lang: str) -> list[Path]:
    """``soffice --headless --convert-to pdf`` of every deck in one launch, in its own profile and process
    group (killed on timeout); the PDFs in the order of ``decks``."""
    env = {**os.environ, "LANG": VIEWER[lang], "LC_ALL": VIEWER[lang]}
    cmd = [
        "soffice",
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(out),
        *(str(deck) for deck in decks),
    ]
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        stdout, stderr = proc.communicate(timeout=180 * len(decks))
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"soffice did not convert {', '.join(d.name for d in decks)} within {180 * len(decks)} s")
    assert proc.returncode == 0, stderr
    pdfs = [out / (deck.stem + ".pdf") for deck in decks]
    for pdf in pdfs:
        assert pdf.exists(), f"no {pdf.name} from soffice: {stdout} {stderr}"
    return pdfs


def page_texts(pdf: Path) -> list[str]:
    return [re.sub(r"[ \u00a0\u202f]+", " ", page) for page in pdf_pages(pdf)]


@pytest.mark.parametrize("lang", ["pt-BR", "en"])
def test_impress_converts_every_deck(sample_book, clients, tmp_path, lang):  # noqa: F811 (imported fixture)
    ctx = build_qbr_context(sample_book, QUARTER, clients[lang], lang)
    hostile = dataclasses.replace(ctx, client=dataclasses.replace(ctx.client, name="=cmd|' /C calc'!A0 <script>"))
    profile = tmp_path / "lo-profile"
    fmt = Formatter(lang)
    internal = build_qbr_context(sample_book, QUARTER, clients[lang], lang, audience="internal")
    contexts = {"deck": ctx, "hostile": hostile, "internal": internal}
    specs = {name: qbr_deck(c, lang, audience=c.audience, company="Acme SaaS") for name, c in contexts.items()}
    paths = {name: write_deck(spec, tmp_path / f"{name}_{lang}.pptx") for name, spec in specs.items()}
    # A money axis: the currency symbol from the format code, the separators from the viewer's locale.
    chart = ChartSpec(
        "line",
        ("jul/26", "ago/26", "set/26"),
        (Series("MRR", (5200.0, 6100.0, 6167.44)),),
        number_format(lang, currency="BRL"),
    )
    mrr_deck = write_deck(
        DeckSpec((SlideSpec("Chart", {"title": "MRR", "chart": chart}),)), tmp_path / f"mrr_{lang}.pptx"
    )
    # One Impress launch converts every deck (LibreOffice opens them one after another).
    *pdfs, mrr_pdf = convert([*paths.values(), mrr_deck], tmp_path, profile, lang)
    for (name, context), pdf in zip(contexts.items(), pdfs, strict=True):
        pages = page_texts(pdf)
        assert len(pages) == len(Presentation(paths[name]).slides) == len(specs[name].slides)
        assert context.client.name in pages[0]
        if context is not internal:
            assert fmt.percent(ctx.summary.adoption.now, 0) in pages[1]
    # The internal deck: Health Score first, and the MRR chart's money axis drawn by Impress.
    assert fmt.number(internal.health.score, 0) in pages[1]
    mrr = re.sub(r"[ \u00a0\u202f]+", " ", fmt.money(internal.commercial.mrr.now, internal.client.currency))
    (commercial,) = [p for p in pages if mrr in p]
    money_axis = r"R\$ \d{1,3}(\.\d{3})+\b" if lang == "pt-BR" else r"R\$\d{1,3}(,\d{3})+\b"
    assert re.search(money_axis, commercial), commercial[:300]
    (page,) = page_texts(mrr_pdf)
    axis = r"R\$ \d{1,3}(\.\d{3})+\b" if lang == "pt-BR" else r"R\$\d{1,3}(,\d{3})+\b"
    assert re.search(axis, page), page[:300]
