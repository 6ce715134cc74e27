"""Derived artefacts: figures computed from a snapshot's book, kept beside it under a key.

A book loaded through the snapshot (:func:`cs_reports.data.snapshot.load`) gets a
:class:`Artefacts` store in its snapshot's folder (:func:`artefacts_of`); a book read without
the cache (``--no-cache``, a source that changed while read, a snapshot that could not be
written) has none, and its figures are computed every time. The store knows nothing of what it
holds (``data`` does not import ``reports``): an artefact is some frames and a JSON value,
found by a name and a key (a JSON mapping the caller builds from everything that changes the
artefact: its period, its settings, the code's version). The book's own content is already the
snapshot's key, so an edited book lands in another snapshot folder with no artefacts.

An artefact is never trusted, only verified, as the snapshot is: it is written into a temporary
folder (every frame read back and compared exactly first) and renamed into place whole; its
manifest carries its key, its checksum and one per Parquet file. Anything missing, damaged or of
another key reads as absent, so the caller computes the figures again and stores them anew.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cs_reports.data.book import Book

__all__ = ["Artefact", "Artefacts", "artefacts_of", "attach"]

_FORMAT = "cs-reports-derived/1"
_MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Artefact:
    """What a stored artefact holds: frames by name (each with a default ``RangeIndex``) and a JSON value."""

    frames: Mapping[str, pd.DataFrame]
    value: Any


@dataclass(frozen=True)
class Artefacts:
    """The derived artefacts of one snapshot, in ``folder`` (created on the first :meth:`put`)."""

    folder: Path

    def _path(self, name: str, key: Mapping[str, Any]) -> tuple[Path, dict[str, Any]]:
        from cs_reports.data.snapshot import _canonical

        ident = {"name": name, "key": dict(key)}
        digest = hashlib.blake2b(_canonical(ident), digest_size=20).hexdigest()
        return self.folder / digest, ident

    def get(self, name: str, key: Mapping[str, Any]) -> Artefact | None:
        """The artefact stored as ``name`` under ``key``; ``None`` when absent, damaged or of another key."""
        target, ident = self._path(name, key)
        if not target.is_dir():
            return None
        try:
            return _read(target, ident)
        except Exception:  # damaged, half-written, another key: never trusted
            return None

    def put(self, name: str, key: Mapping[str, Any], artefact: Artefact) -> str:
        """Store ``artefact`` as ``name`` under ``key`` (atomically); returns ``''`` or why it was not stored.

        A damaged artefact in its place is replaced; one written meanwhile by another process
        is kept. Frames must have a default ``RangeIndex`` and distinct string column names.
        """
        target, ident = self._path(name, key)
        try:
            _write(self.folder, target, ident, artefact)
        except Exception as exc:  # a full disk, a read-only cache, a frame Parquet cannot hold
            return f"{type(exc).__name__}: {exc}"
        return ""


def _write(root: Path, target: Path, ident: dict[str, Any], artefact: Artefact) -> None:
    from cs_reports.data.snapshot import _canonical, _install, write_frame

    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = root / f".tmp-{uuid.uuid4().hex}"
    tmp.mkdir(mode=0o700)
    try:
        frames = {}
        for number, (label, frame) in enumerate(artefact.frames.items()):
            if not isinstance(frame.index, pd.RangeIndex):
                raise TypeError(f"frame {label!r} must have a default RangeIndex")
            frames[label] = write_frame(tmp / f"frame{number}.parquet", frame)
        body = {"format": _FORMAT, "ident": ident, "frames": frames, "value": artefact.value}
        manifest = {"body": body, "checksum": hashlib.blake2b(_canonical(body)).hexdigest()}
        with open(tmp / _MANIFEST, "wb") as fh:
            fh.write(json.dumps(manifest, ensure_ascii=False).encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        _install(root, tmp, target, replace=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _read(target: Path, ident: dict[str, Any]) -> Artefact:
    from cs_reports.data.snapshot import _canonical, _file_digest, _read_frame

    manifest = json.loads((target / _MANIFEST).read_bytes())
    body = manifest["body"]
    if manifest.get("checksum") != hashlib.blake2b(_canonical(body)).hexdigest():
        raise ValueError("manifest checksum")
    if body["format"] != _FORMAT or _canonical(body["ident"]) != _canonical(ident):
        raise ValueError("another artefact")
    frames = {}
    for label, entry in body["frames"].items():
        if _file_digest(target / entry["file"]) != (entry["digest"], entry["size"]):
            raise ValueError(f"{entry['file']} checksum")
        frames[label] = _read_frame(target, entry)
    return Artefact(frames, body["value"])


_STORES: dict[int, tuple[weakref.ref[Book], Artefacts]] = {}


def attach(book: Book, folder: Path) -> None:
    """Give ``book`` the artefact store in ``folder`` (its snapshot's), for as long as the book lives."""
    key = id(book)
    _STORES[key] = (weakref.ref(book), Artefacts(folder))
    weakref.finalize(book, _STORES.pop, key, None)


def artefacts_of(book: Book) -> Artefacts | None:
    """The artefact store of ``book``, or ``None`` when it was not loaded through a snapshot."""
    found = _STORES.get(id(book))
    if found is None or found[0]() is not book:
        return None
    return found[1]
