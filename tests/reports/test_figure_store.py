"""Portfolio figures kept beside the snapshot: the same numbers, recomputed on every kind of change.

The invariant: a QBR context built from a warm snapshot (figures loaded from the store) equals
the one built from ``load_book`` without any cache, on the reconciliation suite's books and the
sample; the figures are computed again when the book, a setting, the period or the code's
version changes, or when a stored file is damaged; ``--no-cache`` neither reads nor writes them.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest

from cs_reports.data import load_book, snapshot
from cs_reports.data.derived import artefacts_of
from cs_reports.errors import CsReportsError
from cs_reports.reports.build import build_qbr_context
from cs_reports.reports.content import figure_store, forecast, portfolio, trends
from cs_reports.reports.settings import DEFAULT_SETTINGS, ReportSettings
from tests.reconciliation.books import BOOKS

TODAY = "2026-12-01"
QUARTER = "2026Q2"


def _plain(value: object) -> str:
    """``repr`` without numpy scalar wrappers (a stored float reads back as a Python float)."""
    return re.sub(r"np\.(?:float|int|bool_?)\d*\(([^()]*)\)", r"\1", repr(value))


def contexts(book, quarter: str = QUARTER, settings: ReportSettings = DEFAULT_SETTINGS) -> list[str]:
    """The first clients' QBR contexts for ``quarter``, both editions (or the error), as comparable text."""
    out = []
    for cid in book.clients["client_id"].tolist()[:6]:
        for audience in ("internal", "client"):
            try:
                ctx = build_qbr_context(book, quarter, cid, "en", audience=audience, settings=settings)
            except CsReportsError as exc:
                out.append(f"{cid}: {type(exc).__name__}: {exc}")
                continue
            out.append(_plain(dataclasses.replace(ctx, generated_on=None)))
    return out


def warm(path: Path, cache: Path):
    return snapshot.load(path, folder=cache, today=TODAY).book


class Calls:
    """Counts the portfolio computations a command makes (the panel and the forecast model)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.panel = self.fit = 0
        panel, fit = portfolio.health_inputs_panel, forecast._fit

        def counted_panel(*args, **kwargs):
            self.panel += 1
            return panel(*args, **kwargs)

        def counted_fit(*args, **kwargs):
            self.fit += 1
            return fit(*args, **kwargs)

        monkeypatch.setattr(portfolio, "health_inputs_panel", counted_panel)
        monkeypatch.setattr(forecast, "_fit", counted_fit)

    def reset(self) -> tuple[int, int]:
        seen = (self.panel, self.fit)
        self.panel = self.fit = 0
        return seen


@pytest.fixture(scope="module")
def reconciliation_books(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("figure-books")
    out = {}
    for name, make in BOOKS.items():
        make(root / f"{name}.xlsx")
        out[name] = root / f"{name}.xlsx"
    return out


@pytest.fixture(scope="module")
def small_path(tmp_path_factory) -> Path:
    """A 60-client sample: enough resolved renewals to fit the model (``forecast.MIN_OUTCOMES``).

    The invalidation tests are about what changes the stored figures, not about the portfolio's
    size; the whole sample's numbers are compared in the first test.
    """
    from cs_reports.data.sample import write_sample

    return write_sample(tmp_path_factory.mktemp("small") / "small.xlsx", clients=60)


@pytest.fixture(scope="module")
def reference(small_path):
    """``contexts`` of the small book read without any cache, per quarter, computed once."""
    book = load_book(small_path, today=TODAY)
    return {quarter: contexts(book, quarter) for quarter in (QUARTER, "2026Q1")}


@pytest.fixture(params=[*BOOKS, "sample"])
def book_path(request, reconciliation_books, sample_book_path, tmp_path) -> Path:
    """A private copy of one reconciliation book or of the sample."""
    source = sample_book_path if request.param == "sample" else reconciliation_books[request.param]
    target = tmp_path / source.name
    shutil.copy2(source, target)
    return target


def test_identical_numbers_with_and_without_the_stored_figures(book_path, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    want = contexts(load_book(book_path, today=TODAY))
    calls = Calls(monkeypatch)
    first = warm(book_path, cache)
    assert contexts(first) == want  # computed, then stored
    assert calls.reset()[1] >= 1
    again = warm(book_path, cache)
    assert again is not first
    assert contexts(again) == want  # loaded
    assert calls.reset() == (0, 0)


def test_no_cache_neither_reads_nor_writes_them(small_path, reference, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    contexts(warm(small_path, cache))  # stored
    stored = _stored_files(cache)
    book = snapshot.load(small_path, cache=False, folder=cache, today=TODAY).book
    assert artefacts_of(book) is None
    calls = Calls(monkeypatch)
    assert contexts(book) == reference[QUARTER]
    assert calls.reset()[1] == 1  # computed, never loaded
    assert _stored_files(cache) == stored


def _stored_files(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("derived/*/*") if p.is_file())


def test_an_edited_book_computes_them_again(small_path, tmp_path, monkeypatch):
    import openpyxl

    path = tmp_path / "book.xlsx"
    shutil.copy2(small_path, path)
    cache = tmp_path / "cache"
    calls = Calls(monkeypatch)
    contexts(warm(path, cache))
    calls.reset()
    wb = openpyxl.load_workbook(path)
    ws = wb["Renewals"]
    for row in range(2, ws.max_row + 1):  # every renewal the other way: another model
        cell = ws.cell(row, [c.value for c in ws[1]].index("outcome") + 1)
        cell.value = {"renewed": "churned", "churned": "renewed"}.get(cell.value, cell.value)
    wb.save(path)
    got = contexts(warm(path, cache))
    assert calls.reset()[1] == 1
    assert got == contexts(load_book(path, today=TODAY))


def test_a_setting_computes_them_again(small_path, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    calls = Calls(monkeypatch)
    before = contexts(warm(small_path, cache))
    calls.reset()
    monkeypatch.setattr(forecast, "MIN_OUTCOMES", 10**9)  # too little history: health-band rates
    got = contexts(warm(small_path, cache))
    assert calls.reset()[1] == 1
    assert got == contexts(load_book(small_path, today=TODAY))
    assert got != before


def test_the_trend_setting_computes_them_again_and_each_value_is_kept(small_path, tmp_path, monkeypatch):
    """``min_csat_answers`` gates the forecast's ``csat_change``: another value is another model, stored apart."""
    cache = tmp_path / "cache"
    calls = Calls(monkeypatch)
    strict = ReportSettings(min_csat_answers=10.0)
    before = contexts(warm(small_path, cache))
    calls.reset()
    got = contexts(warm(small_path, cache), settings=strict)
    assert calls.reset()[1] == 1
    assert got == contexts(load_book(small_path, today=TODAY), settings=strict)
    assert got != before
    calls.reset()
    book = warm(small_path, cache)
    assert contexts(book) == before
    assert contexts(book, settings=strict) == got
    assert calls.reset() == (0, 0)
    keys = [trends.trend_settings(s) for s in (DEFAULT_SETTINGS, strict)]
    assert keys[0] != keys[1]
    assert "min_csat_answers" not in figure_store.figure_settings()


def test_another_period_computes_its_own(small_path, reference, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    calls = Calls(monkeypatch)
    contexts(warm(small_path, cache))
    calls.reset()
    got = contexts(warm(small_path, cache), "2026Q1")
    assert calls.reset()[1] == 1
    assert got == reference["2026Q1"]
    calls.reset()
    contexts(warm(small_path, cache))
    contexts(warm(small_path, cache), "2026Q1")
    assert calls.reset() == (0, 0)  # both periods kept


@pytest.mark.parametrize("what", ["code", "package"])
def test_a_new_version_computes_them_again(small_path, tmp_path, monkeypatch, what):
    import cs_reports

    cache = tmp_path / "cache"
    calls = Calls(monkeypatch)
    contexts(warm(small_path, cache))
    calls.reset()
    if what == "code":  # the snapshot stays (the reader did not change), the figures do not
        monkeypatch.setattr(figure_store, "code_digest", lambda: "another")
        assert snapshot.load(small_path, folder=cache, today=TODAY).status == "hit"
    else:
        monkeypatch.setattr(cs_reports, "__version__", "99.0")
    contexts(warm(small_path, cache))
    assert calls.reset()[1] == 1


def _flip(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


@pytest.mark.parametrize("damage", [_flip, _truncate, Path.unlink], ids=["flipped", "truncated", "removed"])
@pytest.mark.parametrize("kind", ["manifest.json", ".parquet"])
def test_a_damaged_file_is_computed_again_and_replaced(small_path, reference, tmp_path, monkeypatch, damage, kind):
    cache = tmp_path / "cache"
    want = reference[QUARTER]
    calls = Calls(monkeypatch)
    contexts(warm(small_path, cache))
    calls.reset()
    files = [p for p in _stored_files(cache) if p.name.endswith(kind)]
    assert files
    for path in files:
        damage(path)
    assert contexts(warm(small_path, cache)) == want
    assert calls.reset()[1] == 1
    assert contexts(warm(small_path, cache)) == want
    assert calls.reset() == (0, 0)  # replaced by a valid one
