"""A user who cannot install Pango still gets decks: the pptx path never imports WeasyPrint."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.conftest import block_imports

pytest.importorskip("pptx")


def _run(code: str, cwd) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=600)


@pytest.mark.parametrize("error", ["ImportError", "OSError"])
def test_a_deck_without_weasyprint_and_a_pdf_refused_in_one_line(sample_book_path, tmp_path, error):
    blocker = block_imports(["weasyprint"]).replace("raise ImportError", f"raise {error}")
    code = blocker + textwrap.dedent(
        f"""
        from cs_reports.cli import main
        from cs_reports.data import load_book
        book = load_book({str(sample_book_path)!r})
        client = str(book.clients["client_id"].iloc[1])
        args = [{str(sample_book_path)!r}, "--quarter", "2026Q3", "--client", client, "--workers", "1", "--quiet"]
        deck = main(["qbr", *args, "--out", {str(tmp_path / "decks")!r}, "--format", "pptx"])
        assert "weasyprint" not in sys.modules, "the deck path imported WeasyPrint"
        pdf = main(["qbr", *args, "--out", {str(tmp_path / "pdfs")!r}, "--format", "pdf"])
        print("codes", deck, pdf)
        """
    )
    done = _run(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-3:] == ["codes", "0", "1"], done.stdout
    (deck,) = (tmp_path / "decks").glob("*.pptx")
    assert deck.stat().st_size > 10_000
    assert not list((tmp_path / "decks").glob("*.pdf"))
    failed = [line for line in done.stderr.splitlines() if "failed:" in line]
    assert len(failed) == 1
    assert "PDFs need WeasyPrint" in failed[0]
    assert "cs-reports doctor --for pdf" in failed[0]
    assert "Traceback" not in done.stderr
