"""The book of a batch, read once: what the file names, the manifest and every worker agree on.

A batch used to read the book three times: the CLI to list the clients and build the file
names, the batch to fingerprint it for the manifest, and each worker to render. A book
replaced in between (a sync client, a colleague saving over it) gave reports of the new data
under names built from the old, a manifest recording the old fingerprint, and, for a
truncated file, one traceback per worker.

:func:`freeze_book` reads the source **once**: it copies the workbook (or every file of a CSV
folder) into a private folder, hashes the copy (:func:`cs_reports.data.snapshot.source_digest`,
the one content digest of a book), loads and validates that copy, and pickles
the validated :class:`~cs_reports.data.Book` there. The CLI builds the jobs from
``frozen.book``; the manifest records ``frozen.digest``; local workers unpickle
``frozen.pickle_path``, the very tables the parent validated, instead of reading and
validating the book again. Workers that do not share this machine's disk (a Dask cluster)
read the book by path and refuse it unless its digest is ``frozen.digest``
(:func:`check_digest`).

The private folder is removed by :meth:`FrozenBook.close` (also when the object is garbage
collected or the interpreter exits); folders left by a process killed with ``kill -9`` are
removed by the next batch on this machine.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import tempfile
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from cs_reports.data.snapshot import source_digest
from cs_reports.errors import CsReportsError, DataContractError, InvalidInputError

__all__ = ["FrozenBook", "check_digest", "freeze_book", "load_frozen", "tables_digest"]

_PREFIX = "cs-reports-book-"


def _check_exists(source: Path) -> None:
    if not (source.is_file() or source.is_dir()):
        raise InvalidInputError(f"Book '{source}' does not exist (expected a .xlsx workbook or a folder of CSV files).")


def check_digest(source: str | os.PathLike[str], expected: str) -> None:
    """Refuse a book whose content is not the one the batch started from (one clear error)."""
    if source_digest(source) != expected:
        raise CsReportsError(
            f"The book '{source}' changed after the batch started: its reports would not match their file "
            "names and the manifest. Nothing more is rendered from it; rerun the command (with --resume)."
        )


def tables_digest(book: Any) -> str:
    """SHA-256 of a validated book's **content**: every table (columns, dtypes, values) and its policies.

    What the reports are computed from, not the file's bytes: an edit that changes no table
    (a sheet the reader ignores, such as the workbook's Reports sheet, a cell's format, the
    file saved again) leaves it unchanged, so ``--resume`` does not render again for it.
    """
    import json

    import pandas as pd

    h = hashlib.sha256()
    for f in fields(book):
        if f.name in ("source", "notes", "intake") or f.name.startswith("_"):
            continue
        value = getattr(book, f.name)
        h.update(f.name.encode() + b"\0")
        if isinstance(value, pd.DataFrame):
            h.update(json.dumps([[str(c), str(t)] for c, t in value.dtypes.items()]).encode())
            try:
                h.update(pd.util.hash_pandas_object(value, index=False).to_numpy().tobytes())
            except TypeError:  # unhashable cells (lists): their pickled form
                h.update(pickle.dumps(value.to_dict("list"), protocol=4))
        elif f.name == "assumptions":
            records = [r for r in value.to_records() if r.get("kind") != "table"]
            h.update(json.dumps(records, sort_keys=True, default=str).encode())
        else:
            h.update(repr(value if not isinstance(value, dict) else sorted(value.items())).encode())
    return h.hexdigest()


@dataclass
class FrozenBook:
    """A book read once: its private copy, file digest, validated tables, their digest and pickle."""

    source: str
    digest: str  # of the files as read (what a worker reading by path must find)
    book: Any
    folder: Path
    copy: Path
    pickle_path: Path
    _finalizer: Any = field(default=None, repr=False)
    _owner: Any = field(default=None, repr=False)
    _tables: str = field(default="", repr=False)

    @property
    def content(self) -> str:
        """:func:`tables_digest` of the validated book (what the manifest's fingerprint records)."""
        if not self._tables:
            self._tables = tables_digest(self.book)
        return self._tables

    def close(self) -> None:
        """Remove the private folder (the copy and the pickle)."""
        if self._finalizer is not None:
            self._finalizer()

    def __enter__(self) -> FrozenBook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Owner:
    """The object whose life the private folder follows."""


def _remove_orphans(root: Path) -> None:
    """Remove private folders of batches whose process is gone (killed with ``kill -9``)."""
    if os.name != "posix":
        return
    try:
        entries = list(root.glob(f"{_PREFIX}*"))
    except OSError:
        return
    for entry in entries:
        try:
            pid = int(entry.name[len(_PREFIX) :].split("-", 1)[0])
            if entry.stat().st_uid != os.getuid():
                continue
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(entry, ignore_errors=True)
        except (ValueError, OSError):
            continue


def freeze_book(
    source: str | os.PathLike[str],
    *,
    quarantine: bool = True,
    temp_dir: str | os.PathLike[str] | None = None,
    load: Callable[[Path], Any] | None = None,
) -> FrozenBook:
    """Copy ``source`` once into a private folder, hash the copy and load it.

    The copy keeps the source's file names and bytes (error messages name the same files and
    sheets, and the book's snapshot, keyed by name and content, serves the copy); messages
    that name the book's path name ``source``, not the copy. ``load(copy)`` reads the copy
    (the CLI passes the snapshot-aware loader); by default ``load_book(copy, quarantine=...)``.
    """
    from cs_reports.data import load_book

    src = Path(source)
    _check_exists(src)
    root = Path(temp_dir or tempfile.gettempdir())
    _remove_orphans(root)
    folder = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-", dir=root))
    owner = _Owner()  # the folder goes when its owner does (close(), garbage collection or exit)
    finalizer = weakref.finalize(owner, shutil.rmtree, str(folder), True)
    try:
        if src.is_file():
            copy = folder / src.name
            shutil.copyfile(src, copy)
        else:  # the folder's files, and its sub-folders by name only (the reader does not enter them)
            copy = folder / (src.name or "book")
            copy.mkdir()
            for entry in src.iterdir():
                if entry.is_file():
                    shutil.copyfile(entry, copy / entry.name)
                else:
                    (copy / entry.name).mkdir()
        digest = source_digest(copy)  # the snapshot's content digest: the copy holds the same names and bytes
        try:
            book = load(copy) if load is not None else load_book(copy, quarantine=quarantine)
        except CsReportsError as exc:
            if isinstance(exc, DataContractError) or str(copy) not in str(exc):
                raise  # it names the file by its name, which the copy keeps
            raise CsReportsError(str(exc).replace(str(copy), str(src))) from None
        pickle_path = folder / "book.pickle"
        with open(pickle_path, "wb") as fh:
            pickle.dump(book, fh, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:
        finalizer()
        raise
    frozen = FrozenBook(str(src), digest, book, folder, copy, pickle_path)
    frozen._finalizer, frozen._owner = finalizer, owner
    return frozen


def load_frozen(pickle_path: str | os.PathLike[str]) -> Any:
    """The validated book a :class:`FrozenBook` pickled (in a worker)."""
    try:
        with open(pickle_path, "rb") as fh:
            return pickle.load(fh)  # our own file, in a folder only this user can read
    except (OSError, pickle.UnpicklingError, EOFError) as exc:
        raise CsReportsError(f"The batch's copy of the book is gone or damaged ({exc}); rerun with --resume.") from None
