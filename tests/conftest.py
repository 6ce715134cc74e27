"""Shared fixtures.

``sample_book`` is the deterministic sample portfolio (``cs-reports sample``) written once
per test session; tests must never modify it (see ``assert_unchanged``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


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


@pytest.fixture(scope="session", autouse=True)
def _snapshot_cache(tmp_path_factory) -> Iterator[Path]:
    """Book snapshots of the whole session go to a temporary folder, never the user's cache."""
    folder = tmp_path_factory.mktemp("snapshot-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CS_REPORTS_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture(scope="session")
def sample_book_path(tmp_path_factory) -> Path:
    """The sample portfolio written once per session (never modify it in a test)."""
    from cs_reports.data.sample import write_sample

    path = tmp_path_factory.mktemp("sample") / "sample.xlsx"
    write_sample(path)
    return path


@pytest.fixture(scope="session")
def sample_book(sample_book_path):
    from cs_reports.data import load_book

    return load_book(sample_book_path)
