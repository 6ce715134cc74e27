"""Shared fixtures.

``sample_book`` is the deterministic sample portfolio (``cs-reports sample``) written once
per test run, shared by every xdist worker (:func:`built_once`); tests must never modify it
(see ``assert_unchanged``).

Under ``pytest -n`` each worker is a process with its own session: a file every worker needs
is built once by :func:`built_once` (a lock file in the run's shared base folder), and tests
write only under ``tmp_path``. The one place outside it is the LibreOffice profile that
``cs_reports.excel.recalc`` initialises once per machine (``$XDG_CACHE_HOME/cs-reports``): it is
built in a temporary folder and renamed into place (a worker that loses the race uses the
winner's), and every run copies it into its own temporary folder, so workers never share one.
"""

from __future__ import annotations

import hashlib
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
def sample_book(sample_book_path):
    from cs_reports.data import load_book

    return load_book(sample_book_path)
