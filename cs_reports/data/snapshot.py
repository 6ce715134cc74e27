"""The book snapshot: a validated :class:`~cs_reports.data.Book` kept as Parquet, read once.

Reading and validating a large book takes minutes; loading its validated tables from Parquet
takes seconds. After a successful :func:`~cs_reports.data.load_book`, :func:`load` stores every
frame of the book (dtypes, ``_row`` and index included) and its metadata (source, notes, intake
reports, time zone, spreading, quarantined clients and the assumptions record) in the user's
cache folder (:func:`cache_dir`), never beside the book. The next command on the same book
loads the snapshot instead of reading the book again.

A snapshot is found by a key that hashes everything that can change the result: the bytes of
the workbook (or the names and bytes of every file of a CSV folder, so an edited, added or
removed file is a new key), the book's file name (``Book.source``), the reader's settings
(``quarantine``, ``timezone``, ``spreading``), :data:`READER_VERSION`, the package version,
the source of the reader's modules (:func:`_code_digest`) and the pandas/pyarrow versions. The run date
(``today``) only changes the note on invoices dated after it, so the manifest records the date
the snapshot was built on and when it may be reused on another date (:func:`_reuse_rule`).

A snapshot is never trusted, only verified: it is written in a temporary folder and renamed
into place whole; its manifest carries its own checksum and one for every Parquet file; a
frame that does not read back exactly (values, dtypes, index) is not stored. Anything missing,
truncated or inconsistent is a miss: the book is read again and the snapshot rebuilt.

Examples
--------
>>> import tempfile
>>> from cs_reports.data.sample import write_sample
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = write_sample(Path(tmp) / "book.xlsx", clients=20)
...     first = load(path, folder=Path(tmp) / "cache")
...     again = load(path, folder=Path(tmp) / "cache")
...     (first.status, again.status, again.book.clients.equals(first.book.clients))
('built', 'hit', True)
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import sys
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cs_reports.data.assumptions import Assumptions
from cs_reports.data.book import DEFAULT_TIMEZONE, Book, load_book
from cs_reports.data.reader import SheetReport

__all__ = ["CACHE_ENV", "READER_VERSION", "CacheInfo", "Loaded", "cache_dir", "clear", "info", "load", "source_digest"]

#: Bump when the reader's result changes for the same input in a way the code digest cannot see
#: (the source of ``cs_reports/data/*.py`` is already part of the key), or when ``load_book``
#: starts to depend on the run date other than through the late-invoice note (see ``_reuse_rule``).
READER_VERSION = 2
#: Environment variable that overrides :func:`cache_dir` (tests point it to a temporary folder).
CACHE_ENV = "CS_REPORTS_CACHE_DIR"
_FORMAT = "cs-reports-snapshot/1"
_MANIFEST = "manifest.json"
_DERIVED = "derived"  # the folder of derived artefacts inside a snapshot (cs_reports.data.derived)
_BUFFER = 1 << 22  # 4 MiB reads: hashing streams the files, memory stays flat

#: The Book's metadata fields and how each is stored in the manifest and read back.
_META: dict[str, tuple[Any, Any]] = {
    "source": (str, str),
    "notes": (list, tuple),
    "intake": (lambda v: [asdict(r) for r in v], lambda v: tuple(SheetReport(**r) for r in v)),
    "assumptions": (lambda v: v.to_records(), Assumptions.from_records),
    "timezone": (str, str),
    "spreading": (str, str),
    "quarantined": (lambda v: {str(k): list(m) for k, m in v.items()}, lambda v: {k: tuple(m) for k, m in v.items()}),
    "reporting_month": (
        lambda v: None if v is None else pd.Timestamp(v).isoformat(),
        lambda v: None if v is None else pd.Timestamp(v),
    ),
}


@dataclass(frozen=True)
class Loaded:
    """A book and where it came from.

    ``status`` is ``'hit'`` (read from a valid snapshot), ``'built'`` (read from the source, snapshot
    written), ``'rebuilt'`` (a damaged or out-of-date snapshot was replaced), ``'off'`` (cache not
    used), ``'changed'`` (the source changed while it was read: nothing stored) or ``'unsaved'``
    (the snapshot could not be written; ``reason`` says why). The book is the same in every case.
    """

    book: Book
    status: str
    reason: str = ""


@dataclass(frozen=True)
class CacheInfo:
    """What ``cs-reports cache info`` prints: the folder, the snapshots in it and their size."""

    folder: Path
    snapshots: int
    bytes: int
    books: tuple[str, ...] = ()


class _Invalid(Exception):
    """A snapshot that must not be used (damaged, another key, another run date)."""


def cache_dir() -> Path:
    r"""The folder of the snapshots: ``$CS_REPORTS_CACHE_DIR``, else the platform's user cache folder.

    Linux and other Unix: ``$XDG_CACHE_HOME/cs-reports`` (default ``~/.cache/cs-reports``);
    macOS: ``~/Library/Caches/cs-reports``; Windows: ``%LOCALAPPDATA%\cs-reports\Cache``.
    """
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        return (Path(local) if local else Path.home() / "AppData" / "Local") / "cs-reports" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "cs-reports"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "cs-reports"


def _snapshots(folder: Path | None) -> Path:
    return (folder if folder is not None else cache_dir()) / "snapshots"


def _feed(digest: Any, path: Path) -> int:
    """Stream the bytes of ``path`` into ``digest``; returns the size read."""
    buffer = bytearray(_BUFFER)
    view = memoryview(buffer)
    size = 0
    with open(path, "rb", buffering=0) as fh:
        while count := fh.readinto(buffer):
            digest.update(view[:count])
            size += count
    return size


def _name(text: str) -> bytes:
    raw = text.encode("utf-8", "surrogateescape")
    return len(raw).to_bytes(8, "little") + raw


def source_digest(path: str | os.PathLike[str]) -> str:
    """Content hash (SHA-256) of a workbook, or of every file (names and bytes) of a CSV folder.

    Entries of a folder are hashed in name order with their names, so an edited, added, removed
    or renamed file changes the digest; sub-folders count by name (the reader does not enter them).
    The files of a folder are hashed on two threads (hashlib releases the GIL): 438 MB in ~0.3 s.
    """
    p = Path(path)
    digest = hashlib.sha256()
    if not p.is_dir():
        digest.update(b"book" + bytes.fromhex(_file_digest(p)[0]))
        return digest.hexdigest()
    from concurrent.futures import ThreadPoolExecutor

    entries = sorted(p.iterdir(), key=lambda e: e.name)
    files = [e for e in entries if e.is_file()]
    with ThreadPoolExecutor(max_workers=2) as pool:
        digests = dict(zip(files, pool.map(_file_digest, files), strict=True))
    digest.update(b"folder")
    for entry in entries:
        if entry in digests:
            content, size = digests[entry]
            digest.update(b"file" + _name(entry.name) + size.to_bytes(8, "little") + bytes.fromhex(content))
        else:
            digest.update(b"other" + _name(entry.name))
    return digest.hexdigest()


@functools.cache
def _code_digest() -> str:
    """Hash of the source the reader runs (``cs_reports/data/*.py``, the shared validator, the errors).

    A changed reader is a new key, also between releases (an editable install, a patched file).
    """
    digest = hashlib.blake2b(digest_size=16)
    package = Path(__file__).parent.parent
    for module in [*sorted(Path(__file__).parent.glob("*.py")), package / "_validation.py", package / "errors.py"]:
        digest.update(_name(module.name) + module.read_bytes())
    return digest.hexdigest()


def _key(source: str, name: str, settings: Mapping[str, Any]) -> str:
    import pyarrow

    from cs_reports import __version__

    parts = {
        "format": _FORMAT,
        "reader": READER_VERSION,
        "package": __version__,
        "code": _code_digest(),
        "pandas": pd.__version__,
        "pyarrow": pyarrow.__version__,
        "source": source,
        "name": name,
        "settings": dict(settings),
    }
    return hashlib.blake2b(_canonical(parts), digest_size=20).hexdigest()


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _run_date(timezone: str, today: Any) -> pd.Timestamp:
    """The run date exactly as :func:`load_book` resolves it (today in the book's time zone)."""
    if today is None:
        return pd.Timestamp.now(tz=timezone).tz_localize(None).normalize()
    return pd.Timestamp(today)


def _reuse_rule(book: Book, run_date: pd.Timestamp) -> str:
    """On which run dates a snapshot built on ``run_date`` gives the same book.

    The run date only decides which invoices are listed as dated after it (a note). Without an
    Invoices sheet any date gives the same book (``'any'``); with no invoice after the run date,
    no later date lists one (``'later'``); otherwise (or when quarantined rows were dropped
    before they could be seen) only the same date (``'same'``).
    """
    if book.invoices is None:
        return "any"
    if not book.quarantined and (book.invoices.empty or book.invoices["period_start"].max() <= run_date):
        return "later"
    return "same"


def _date_ok(rule: str, built: pd.Timestamp, now: pd.Timestamp) -> bool:
    """Whether a snapshot built on the run date ``built`` serves a run on ``now``: the same day only.

    The reporting month depends on the run date (never after its month; a visibly partial month is
    stepped back from only when it is the run month or the one before) and the assumptions record
    says which run date decided it (:func:`cs_reports.data.billing.reporting_month`), so a book read
    on another day may differ. ``rule`` (:func:`_reuse_rule`) is kept in the manifest for the record.
    """
    return bool(now.normalize() == built.normalize())


def load(
    path: str | os.PathLike[str],
    *,
    cache: bool = True,
    quarantine: bool = False,
    timezone: str = DEFAULT_TIMEZONE,
    spreading: str = "months",
    today: Any = None,
    month: Any = None,
    folder: Path | None = None,
) -> Loaded:
    """:func:`~cs_reports.data.load_book` through the snapshot cache (same arguments, same book).

    ``cache=False`` (the CLI's ``--no-cache``) reads the book and leaves the cache alone;
    ``folder`` replaces :func:`cache_dir`. A missing, damaged or out-of-date snapshot is rebuilt;
    a snapshot that cannot be written leaves the book as read (status ``'unsaved'``).
    """
    path = Path(path)
    settings = {"quarantine": bool(quarantine), "timezone": timezone, "spreading": spreading}
    if month is not None:  # an explicit reporting month (metrics --month) changes the book
        settings["month"] = str(month)
    try:
        run_date = _run_date(timezone, today) if cache and _available() else None
    except Exception:  # an unknown time zone or date: load_book says so in its own words
        run_date = None
    if run_date is None or not path.exists():
        return Loaded(
            load_book(path, quarantine=quarantine, timezone=timezone, spreading=spreading, today=today, month=month),
            "off",
        )
    digest = source_digest(path)
    key = _key(digest, path.name or str(path), settings)
    root = _snapshots(folder)
    target = root / key
    status = "built"
    if target.exists():
        try:
            return Loaded(_with_artefacts(_read(target, key, run_date), target), "hit")
        except Exception:  # damaged, half-written, another run date: never trusted, rebuilt
            status = "rebuilt"
    book = load_book(path, quarantine=quarantine, timezone=timezone, spreading=spreading, today=run_date, month=month)
    if source_digest(path) != digest:
        return Loaded(book, "changed")
    try:
        _write(root, key, book, run_date, replace=status == "rebuilt", origin=[str(path.resolve()), settings])
    except Exception as exc:  # a full disk, a read-only cache, a frame Parquet cannot hold
        return Loaded(book, "unsaved", f"{type(exc).__name__}: {exc}")
    return Loaded(_with_artefacts(book, target) if target.is_dir() else book, status)


def _with_artefacts(book: Book, target: Path) -> Book:
    """``book`` with the store of figures derived from it (``cs_reports.data.derived``) in its snapshot's folder."""
    from cs_reports.data.derived import attach

    attach(book, target / _DERIVED)
    return book


def _available() -> bool:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


def _frame_fields() -> list[str]:
    return [f.name for f in fields(Book) if f.init and "DataFrame" in str(f.type)]


def _write(root: Path, key: str, book: Book, run_date: pd.Timestamp, *, replace: bool, origin: list[Any]) -> None:
    """Write the snapshot of ``book`` into a temporary folder, verify it, then rename it into place.

    ``origin`` (the book's path and the settings) names the snapshots this one supersedes: those of
    the same book and settings under another key (an older content) are removed.
    """
    unknown = [f.name for f in fields(Book) if f.init and f.name not in _META and f.name not in _frame_fields()]
    if unknown:
        raise TypeError(f"Book field(s) {unknown} have no snapshot codec")
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = root / f".tmp-{uuid.uuid4().hex}"
    tmp.mkdir(mode=0o700)
    try:
        frames: dict[str, Any] = {}
        for name in _frame_fields():
            frame = getattr(book, name)
            if frame is None:
                frames[name] = None
                continue
            frames[name] = write_frame(tmp / f"{name}.parquet", frame)
        body = {
            "format": _FORMAT,
            "key": key,
            "origin": origin,
            "run_date": run_date.isoformat(),
            "reuse": _reuse_rule(book, run_date),
            "frames": frames,
            "meta": {name: encode(getattr(book, name)) for name, (encode, _) in _META.items()},
        }
        manifest = {"body": body, "checksum": hashlib.blake2b(_canonical(body)).hexdigest()}
        with open(tmp / _MANIFEST, "wb") as fh:  # not key-sorted: the order of the intake's columns is data
            fh.write(json.dumps(manifest, ensure_ascii=False).encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        _install(root, tmp, root / key, replace=replace)
        _prune(root, key, origin)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _install(root: Path, tmp: Path, target: Path, *, replace: bool) -> None:
    """Rename ``tmp`` to ``target``; an existing ``target`` is moved aside first only when ``replace``."""
    with contextlib.suppress(OSError):
        os.rename(tmp, target)
        return
    if not replace:
        return  # another process wrote the same snapshot meanwhile: theirs is as good as ours
    trash = root / f".trash-{uuid.uuid4().hex}"
    with contextlib.suppress(OSError):
        os.rename(target, trash)
    with contextlib.suppress(OSError):
        os.rename(tmp, target)
    shutil.rmtree(trash, ignore_errors=True)


def _prune(root: Path, key: str, origin: list[Any]) -> None:
    """Remove the snapshots of the same book and settings with another key (superseded content)."""
    for entry in root.iterdir():
        if entry.name == key or entry.name.startswith(".") or not entry.is_dir():
            continue
        with contextlib.suppress(Exception):
            if json.loads((entry / _MANIFEST).read_bytes())["body"]["origin"] == origin:
                shutil.rmtree(entry, ignore_errors=True)


def write_frame(file: Path, frame: pd.DataFrame) -> dict[str, Any]:
    """Write ``frame`` as Parquet to ``file``, read it back and check it is the same; its manifest entry.

    The one way a frame is kept on disk (the snapshot's tables and the derived artefacts of
    :mod:`cs_reports.data.derived`): a frame that would not come back identical, values,
    dtypes and shared strings included, is never kept.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    entry = _frame_entry(frame)
    columns = {str(c): frame[c] for c in frame.columns}
    if entry["index"] != "range":
        columns["__index__"] = pd.Series(frame.index.to_numpy())
    table = pa.table(
        {c: pa.array(s.to_numpy() if s.dtype == object else s, from_pandas=True) for c, s in columns.items()}
    )
    pq.write_table(table, file)
    entry["words"] = _repeated_text(table)
    entry["file"], entry["digest"], entry["size"] = file.name, *_file_digest(file)
    back = _read_frame(file.parent, entry)
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    _same_objects(back, frame)
    return entry


def _frame_entry(frame: pd.DataFrame) -> dict[str, Any]:
    index = frame.index
    plain = isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1 and index.name is None
    if not plain and (isinstance(index, pd.MultiIndex) or index.dtype.kind not in "iu" or index.name is not None):
        raise TypeError(f"an index of dtype {index.dtype} is not stored")
    if any(not isinstance(c, str) or c == "__index__" for c in frame.columns) or frame.columns.has_duplicates:
        raise TypeError("column names must be distinct strings")
    return {
        "rows": len(frame),
        "index": "range" if plain else str(index.dtype),
        "columns": [[c, str(frame[c].dtype), _missing_kind(frame[c])] for c in frame.columns],
    }


def _missing_kind(series: pd.Series) -> str:
    """How an object column spells a missing value (``'none'`` or ``'nan'``), so it reads back the same.

    Parquet has one null; a column that mixes ``None`` and NaN (or uses ``pd.NA``/``NaT``) is not stored.
    """
    if series.dtype != object:
        return ""
    kinds = {"none" if v is None else "nan" if type(v) is float else "other" for v in series[series.isna()].tolist()}
    if len(kinds) > 1 or "other" in kinds:
        raise TypeError(f"column {series.name!r} mixes kinds of missing values")
    return kinds.pop() if kinds else "none"


def _same_objects(back: pd.DataFrame, frame: pd.DataFrame) -> None:
    """Object columns hold values of the same Python types (``assert_frame_equal`` lets 1 == 1.0 == True)."""
    for column in frame.columns:
        if frame[column].dtype == object and list(map(type, back[column])) != list(map(type, frame[column])):
            raise TypeError(f"column {column!r} does not keep the types of its values")


def _file_digest(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()  # SHA-NI: ~1.4 GB/s here, blake2b ~0.8
    size = _feed(digest, path)
    return digest.hexdigest(), size


def _read_frame(folder: Path, entry: Mapping[str, Any]) -> pd.DataFrame:
    """One frame back from its Parquet file, each column in its recorded dtype."""
    import pyarrow.parquet as pq

    objects = {n for n, d, _ in entry["columns"] if d == "object"}
    words = [n for n in entry.get("words", ()) if n in objects]  # each distinct string made once (_words)
    table = pq.read_table(folder / entry["file"], read_dictionary=words or None, use_threads=False)
    if table.num_rows != entry["rows"]:
        raise _Invalid("row count")
    if entry["index"] == "range":
        index: pd.Index = pd.RangeIndex(entry["rows"])
    else:
        index = pd.Index(_column(table.column("__index__"), pd.api.types.pandas_dtype(entry["index"])))
    data = {
        name: pd.Series(_column(table.column(name), dtype, missing), index=index, dtype=dtype, copy=False)
        for name, dtype, missing in ((n, pd.api.types.pandas_dtype(d), m) for n, d, m in entry["columns"])
    }
    frame = pd.DataFrame(data, index=index, columns=[c for c, _, _ in entry["columns"]], copy=False)
    for name, dtype_name, _ in entry["columns"]:
        if str(frame[name].dtype) != dtype_name:
            raise _Invalid(f"column {name!r} reads back as {frame[name].dtype}, stored as {dtype_name}")
    return frame


def _column(chunked: Any, dtype: Any, missing: str = "") -> Any:
    """An Arrow column as an array of ``dtype`` (objects stay Python objects, nulls as ``missing`` says)."""
    if isinstance(dtype, np.dtype) and dtype == np.dtype(object):
        values = _words(chunked) if _is_dictionary(chunked) else chunked.to_numpy(zero_copy_only=False)
        if missing == "nan" and chunked.null_count:
            values = values.copy() if not values.flags.writeable else values
            values[pd.isna(values)] = float("nan")
        return values
    if hasattr(dtype, "__from_arrow__") and not isinstance(dtype, pd.CategoricalDtype):
        return dtype.__from_arrow__(chunked)
    series = chunked.to_pandas()
    return (series if series.dtype == dtype else series.astype(dtype)).to_numpy()


def _repeated_text(table: Any) -> list[str]:
    """The text columns of ``table`` with at most one distinct value in 4 rows (ids, months, labels).

    They are read back as dictionaries (:func:`_words`): a few distinct strings shared by every row,
    less time and memory than one string per cell. Mostly distinct text (names, free text) is read plainly.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    out = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        if (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)) and len(column):
            if pc.count_distinct(column, mode="all").as_py() * 4 <= len(column):
                out.append(name)
    return out


def _is_dictionary(chunked: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_dictionary(chunked.type))


def _words(chunked: Any) -> np.ndarray:
    """A dictionary-encoded text column as Python strings (``None`` for nulls), each distinct one made once.

    The rows of a column point to the same ``str`` objects (strings are immutable): turning 8
    million cells of 100,000 client ids into Python objects costs 100,000 strings, not 8 million.
    """
    parts = []
    for chunk in chunked.chunks:
        words = chunk.dictionary.to_numpy(zero_copy_only=False).astype(object, copy=False)
        codes = chunk.indices
        if not len(words):
            parts.append(np.full(len(codes), None, dtype=object))
            continue
        values = words[codes.fill_null(0).to_numpy()]
        if codes.null_count:
            values[codes.is_null().to_numpy(zero_copy_only=False)] = None
        parts.append(values)
    return np.concatenate(parts) if parts else np.empty(0, dtype=object)


def _read(target: Path, key: str, run_date: pd.Timestamp) -> Book:
    """The book of a verified snapshot; :class:`_Invalid` (or any read error) if it must not be used."""
    manifest = json.loads((target / _MANIFEST).read_bytes())
    body = manifest["body"]
    if manifest.get("checksum") != hashlib.blake2b(_canonical(body)).hexdigest():
        raise _Invalid("manifest checksum")
    if body["format"] != _FORMAT or body["key"] != key:
        raise _Invalid("another snapshot")
    if not _date_ok(body["reuse"], pd.Timestamp(body["run_date"]), run_date):
        raise _Invalid("another run date")
    from concurrent.futures import ThreadPoolExecutor

    def frame(entry: Mapping[str, Any] | None) -> pd.DataFrame | None:
        if entry is None:
            return None
        if _file_digest(target / entry["file"]) != (entry["digest"], entry["size"]):
            raise _Invalid(f"{entry['file']} checksum")
        return _read_frame(target, entry)

    names = _frame_fields()
    entries = [body["frames"][name] for name in names]
    order = sorted(range(len(names)), key=lambda i: -(entries[i] or {}).get("size", 0))  # the largest first
    with ThreadPoolExecutor(max_workers=2) as pool:  # hashing and Parquet decoding release the GIL
        read = dict(zip(order, pool.map(frame, [entries[i] for i in order]), strict=True))
    kwargs: dict[str, Any] = {name: read[i] for i, name in enumerate(names)}
    for name, (_, decode) in _META.items():
        kwargs[name] = decode(body["meta"][name])
    return Book(**kwargs)


def info(folder: Path | None = None) -> CacheInfo:
    """The cache folder, how many snapshots it holds, their total size and the books they are of."""
    root = _snapshots(folder)
    count, size, books = 0, 0, []
    if root.is_dir():
        for entry in root.iterdir():
            size += sum(f.stat().st_size for f in entry.rglob("*") if f.is_file()) if entry.is_dir() else 0
            if entry.is_dir() and not entry.name.startswith("."):
                count += 1
                with contextlib.suppress(Exception):
                    books.append(json.loads((entry / _MANIFEST).read_bytes())["body"]["origin"][0])
    return CacheInfo(folder if folder is not None else cache_dir(), count, size, tuple(sorted(set(books))))


def clear(folder: Path | None = None) -> CacheInfo:
    """Remove every snapshot (and any left-over temporary folder); returns what was removed."""
    removed = info(folder)
    root = _snapshots(folder)
    if root.is_dir():
        for entry in root.iterdir():
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    entry.unlink()
    return removed
