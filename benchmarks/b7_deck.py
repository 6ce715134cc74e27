"""B7 (the deck row of B2): an editable PowerPoint QBR vs. the PDF QBR of the same clients.

Target (issue 16): a deck costs no more than its PDF. Ours is the whole deck path per QBR
(context -> deck spec -> python-pptx on the built-in template -> bytes); the baseline is the
whole PDF path (``kinds.produce``: context -> HTML -> WeasyPrint PDF/A-3u with the data
attached), both in one process on the same book and clients, pt-BR. A second row compares
the deck step alone with the same PDF path. A third is what ``qbr --format pdf,pptx`` does per
client (``kinds.produce_report`` with both formats: one context feeds the PDF and the deck)
against the PDF alone: the deck may add at most the PDF's own cost (<= 2.0x).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks._harness import Result
from benchmarks.b2_qbr import make_book


def run(reports: int = 50) -> list[Result]:
    from cs_reports.data import load_book
    from cs_reports.reports import kinds
    from cs_reports.reports.content.qbr import build_qbr_context
    from cs_reports.reports.deck.presentation import render_deck
    from cs_reports.reports.deck.qbr_deck import qbr_deck
    from cs_reports.reports.render import Templates, load_branding

    with tempfile.TemporaryDirectory() as tmp:
        book_path, quarter, ids = make_book(Path(tmp), reports)
        book = load_book(book_path)
        templates, branding = Templates(None), load_branding(None)
        kinds.produce(book, "qbr", quarter, ids[0], "pt-BR", templates=templates, branding=branding)  # warm up
        render_deck(qbr_deck(build_qbr_context(book, quarter, ids[0], "pt-BR"), "pt-BR"))
        t0 = time.perf_counter()
        for cid in ids:
            kinds.produce(book, "qbr", quarter, cid, "pt-BR", templates=templates, branding=branding)
        pdf = time.perf_counter() - t0
        t0 = time.perf_counter()
        contexts = [build_qbr_context(book, quarter, cid, "pt-BR") for cid in ids]
        context = time.perf_counter() - t0
        t0 = time.perf_counter()
        sizes = [len(render_deck(qbr_deck(ctx, "pt-BR", company=branding.company))) for ctx in contexts]
        deck = time.perf_counter() - t0
        t0 = time.perf_counter()
        for cid in ids:
            kinds.produce_report(
                book, "qbr", quarter, cid, "pt-BR", templates=templates, branding=branding, formats=("pdf", "pptx")
            )
        both = time.perf_counter() - t0
    per = f"{(context + deck) / reports * 1000:.0f} ms/deck, {sum(sizes) / len(sizes) / 1024:.0f} KB"
    return [
        Result(
            "B7",
            f"{reports} QBR decks, context + pptx ({per})",
            context + deck,
            f"same QBRs as PDF ({pdf / reports * 1000:.0f} ms/PDF)",
            pdf,
            "<= 1.0x",
            context + deck <= pdf,
        ),
        Result("B7", f"{reports} QBR decks, pptx step alone", deck, "same QBRs as PDF", pdf, "context", True),
        Result(
            "B7",
            f"{reports} QBRs as pdf,pptx from one context ({both / reports * 1000:.0f} ms/QBR)",
            both,
            "same QBRs as PDF only",
            pdf,
            "<= 2.0x",
            both <= 2.0 * pdf,
        ),
    ]


QUICK = {"reports": 4}
