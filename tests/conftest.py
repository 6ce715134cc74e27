"""Shared fixtures.

``sample_book`` is the deterministic sample portfolio (``cs-reports sample``) written once
per test session; tests must never modify it (see ``assert_unchanged``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@contextmanager
def assert_unchanged(*paths: Path) -> Iterator[None]:
    """Fail if any of ``paths`` changes while the block runs (inputs are never modified)."""
    before = {p: file_digest(p) for p in paths}
    yield
    for p, digest in before.items():
        assert file_digest(p) == digest, f"{p} was modified"
