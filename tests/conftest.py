"""Shared fixtures.

``sample_book`` is the deterministic sample portfolio (``cs-reports sample``) written once
per test run, shared by every xdist worker (:func:`built_once`); tests must never modify it
(see ``assert_unchanged``).

Under ``pytest -n`` each worker is a process with its own session: a file every worker needs
is built once by :func:`built_once` (a lock file in the run's shared base folder), and tests
write only under ``tmp_path``. The one place outside it is the LibreOffice profile that
``cs_reports.excel.libreoffice`` initialises once per machine (``$XDG_CACHE_HOME/cs-reports``): it is
built in a temporary folder and renamed into place (a worker that loses the race uses the
winner's), and every run copies it into its own temporary folder, so workers never share one.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings

# CI (CI=true) runs every property test on the same, derived examples: a landing never depends
# on a lucky draw. Locally the examples are random, so each run explores new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@contextmanager
def assert_unchanged(*paths: Path) -> Iterator[None]:
    """Fail if any of ``paths`` changes while the block runs (inputs are never modified)."""
    before = {p: file_digest(p) for p in paths}
    yield
    for p, digest in before.items():
        assert file_digest(p) == digest, f"{p} was modified"


_PAGES: dict[str, tuple[str, ...]] = {}


def pdf_pages(pdf: bytes | Path) -> tuple[str, ...]:
    """Each page's text as pypdf extracts it: the one text extraction every PDF test reads.

    Several tests read the same rendered PDF (a module's finance report, a reconciliation
    case's QBR); pypdf's pure-Python parse is the cost, so a PDF with the same bytes is
    parsed once per worker.
    """
    from pypdf import PdfReader

    data = Path(pdf).read_bytes() if isinstance(pdf, Path) else pdf
    key = hashlib.sha256(data).hexdigest()
    if key not in _PAGES:
        _PAGES[key] = tuple(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return _PAGES[key]


def pdf_text(pdf: bytes | Path) -> str:
    """The whole PDF's text, pages joined by a newline (:func:`pdf_pages`)."""
    return "\n".join(pdf_pages(pdf))


def block_imports(names: list[str]) -> str:
    """Python source that makes importing any of ``names`` fail (run first in a subprocess)."""
    return (
        "import importlib.abc, sys\n"
        f"BLOCKED = {names!r}\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in BLOCKED:\n"
        "            raise ImportError(f'blocked: {name}')\n"
        "        return None\n"
        "sys.meta_path.insert(0, Block())\n"
    )


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing) while the block runs."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no xdist sharing, each worker builds its own
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """``name`` built by ``build(path)`` once per test run, shared by every xdist worker (read-only).

    Without xdist it is built in this session's temporary folder. Under ``pytest -n`` the first
    worker to ask builds it in the run's shared base folder (the parent of every worker's
    ``basetemp``) under a lock; the others wait for it and reuse it. It is built under a
    temporary name and renamed, so a worker never sees half a file.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        path = tmp_path_factory.mktemp(name.replace(".", "_")) / name
        build(path)
        return path
    shared = tmp_path_factory.getbasetemp().parent / "shared"
    shared.mkdir(exist_ok=True)
    path = shared / name
    with _locked(shared / f"{name}.lock"):
        if not path.exists():
            partial = shared / f"{name}.partial{path.suffix}"
            build(partial)
            partial.replace(path)
    return path


@pytest.fixture(scope="session", autouse=True)
def _snapshot_cache(tmp_path_factory) -> Iterator[Path]:
    """Book snapshots of the whole session go to a temporary folder, never the user's cache."""
    folder = tmp_path_factory.mktemp("snapshot-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CS_REPORTS_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture(scope="session")
def sample_book_path(tmp_path_factory) -> Path:
    """The sample portfolio written once per run (never modify it in a test)."""
    from cs_reports.data.sample import write_sample

    return built_once(tmp_path_factory, "sample.xlsx", write_sample)


@pytest.fixture(scope="session")
def small_book_path(tmp_path_factory) -> Path:
    """A 12-client sample (``cs-reports sample --clients 12``) written once per run, for tests where
    the portfolio's size is not the point: a workbook of it builds and recalculates in a fraction of
    the whole sample's time (never modify it in a test)."""
    from functools import partial

    from cs_reports.data.sample import write_sample

    return built_once(tmp_path_factory, "sample-12.xlsx", partial(write_sample, clients=12))


@pytest.fixture(scope="session")
def sample_book(sample_book_path):
    from cs_reports.data import load_book

    return load_book(sample_book_path)


# --- the edit-test loop and scheduling on xdist workers ---------------------------------------------

#: Markers of a test that costs seconds (a process, LibreOffice, a batch of PDFs).
HEAVY = ("slow", "libreoffice")

#: Marked ``slow`` here, so ``make test-fast`` (the edit-test loop) leaves them to ``make test`` (CI):
#: a file (every test in it) or one test, and what it costs. Listed in one place instead of a
#: marker in each file; a name that no longer exists stops the run (see :func:`_mark_slow`).
SLOW = {
    "tests/adversarial/test_batch_inputs.py": "batches and CLI reports per hostile input",
    "tests/adversarial/test_manifest_journal.py": "real batch processes, concurrent and resumed",
    "tests/adversarial/test_nothing_lost.py": "a 20-report batch with broken clients, kill -9 of a real batch",
    "tests/adversarial/test_pipes.py": "every command as a real process writing to a closed pipe",
    "tests/adversarial/test_workers.py": "process pools: a thousand jobs, kill -9 of a worker",
    "tests/adversarial/test_formula_injection.py": "every xlsx output written for hostile text",
    "tests/excel/test_macros.py": "the Excel buttons render reports (PDFs and decks)",
    "tests/excel/test_run_command.py": "cs-reports run: a Reports sheet rendered, logged and resumed",
    "tests/excel/test_template.py::test_formula_like_text_stays_text": "a LibreOffice recalc of a whole workbook",
    "tests/excel/test_reports_sheet.py": "Reports sheets written and read back (hypothesis)",
    "tests/excel/test_spill_recognition.py": "workbooks of generated books written and read back",
    "tests/excel/test_regenerate.py": "a workbook written, read back as data and written again",
    "tests/reports/test_pool.py": "process pools recycled over a thousand tasks",
    "tests/reports/test_batch.py": "batches of PDFs through the pool and the CLI",
    "tests/reports/test_deck_cli.py": "qbr --format pdf,pptx as real processes",
    "tests/reports/test_pptx_without_weasyprint.py": "a fresh interpreter per case",
    "tests/reports/test_forecast_backtests.py": "the renewal model fitted on three generated books",
    "tests/reports/test_forecast_story.py": "generated books and their QBR contexts",
    "tests/reports/test_pdf_numbers.py": "eight QBR, finance and success-map PDFs read back",
    "tests/reports/test_finance.py": "finance PDFs of the whole sample",
    "tests/reports/test_sections.py::test_the_sample_flags_at_risk_clients_and_not_healthy_ones": "every client's risks",
    "tests/data/test_sample.py::test_sample_cli_writes_a_csv_book_of_any_size_that_validates": "600 clients, CLI",
    "tests/data/test_sample.py::test_large_samples_have_unique_names_by_construction": "large samples",
    "tests/intake/test_transformations.py::test_composed_changes_keep_every_table_and_number": "hypothesis x books",
    "tests/intake/test_accepted.py::test_cli_metrics_equal_the_clean_books": "a CLI process per accepted variant",
    "tests/data/test_snapshot.py": "a book read cold, snapshotted and read again per case",
    "tests/reports/test_figure_store.py": "portfolio figures stored and recomputed per kind of change, four books",
    "tests/data/test_commands.py::test_sample_then_validate": "the whole sample written and validated twice",
    "tests/adversarial/test_bad_input.py::test_randomly_broken_workbooks_never_give_a_traceback": "120 workbooks",
    "tests/adversarial/test_bad_input.py::test_randomly_broken_csv_folders_never_give_a_traceback": "80 CSV folders",
    "tests/intake/test_transformations.py::test_a_broken_cell_is_refused_whatever_else_changed": "hypothesis x books",
    "tests/intake/test_columns.py::test_columns_typed_by_distinct_values_equal_the_cell_by_cell_path": "300 columns x 2 paths",
    "tests/intake/test_columns.py::test_books_rewritten_by_the_harness_read_the_same_both_ways": "books read twice",
    "tests/reports/test_health_no_data.py": "every client's health drivers of the sample, both editions",
    "tests/reports/test_deck_internal.py::test_every_number_on_every_slide_is_in_the_internal_pdf": "a deck and a PDF per language",
    "tests/test_doctor.py::test_doctor_runs_when_the_extras_are_what_is_missing": "a fresh interpreter per missing extra",
    "tests/reports/test_trends.py::test_generated_books_are_the_definition": "generated books x months",
    "tests/reports/test_trends.py::test_a_qbr_built_with_the_setting_shows_the_forecast_and_risks_of_that_setting": "QBRs per setting",
}


def _mark_slow(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests of :data:`SLOW` ``slow``; a listed file or test that is gone is a usage error."""
    collected = {item.nodeid.split("::", 1)[0] for item in items}
    matched: set[str] = set()
    for item in items:
        path, _, rest = item.nodeid.partition("::")
        for key in (path, f"{path}::{rest.split('[', 1)[0]}"):
            if key in SLOW:
                item.add_marker(pytest.mark.slow)
                matched.add(key)
    for key in SLOW:
        path = key.split("::", 1)[0]
        if not (config.rootpath / path).exists() or (path in collected and "::" in key and key not in matched):
            raise pytest.UsageError(f"tests/conftest.py SLOW names {key}, which does not exist; update the list")


def _is_heavy(item: pytest.Item) -> bool:
    return any(item.get_closest_marker(name) is not None for name in HEAVY)


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> Iterator[None]:
    """Mark :data:`SLOW` (before ``-m`` deselects); on an xdist worker, the heaviest files first.

    xdist (``--dist loadfile --no-loadscope-reorder``) hands files out in collection order, so
    starting with the files that hold the most ``slow``/``libreoffice`` tests keeps both workers
    busy to the end instead of leaving a file of LibreOffice runs for the last minutes (longest job
    first). The sort runs after pytest has ordered each file's tests for its fixtures and keeps that
    order inside a file; every worker sorts the same collection the same way; a run without xdist
    keeps pytest's order. (``--dist loadgroup`` cannot split a file here: pytest-xdist 3.8 renames
    ``item._nodeid``, which pytest 9 no longer reads.)
    """
    _mark_slow(config, items)
    yield
    if hasattr(config, "workerinput"):
        weight: dict[str, int] = {}
        for item in items:
            path = item.nodeid.split("::", 1)[0]
            weight[path] = weight.get(path, 0) + (1000 if _is_heavy(item) else 1)
        first = {path: i for i, path in enumerate(dict.fromkeys(item.nodeid.split("::", 1)[0] for item in items))}
        items.sort(key=lambda item: (-weight[item.nodeid.split("::", 1)[0]], first[item.nodeid.split("::", 1)[0]]))
