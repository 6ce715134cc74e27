"""The batch manifest: a journal of the reports in an output folder, safe to share.

``.cs-reports-manifest.jsonl`` holds one JSON line per report written: the job, the
fingerprint of its inputs, and the name, size and SHA-256 of each file it produced.
``--resume`` skips a job only when its line has the same fingerprint and every file is
still there, intact (same size, a PDF header and ``%%EOF`` trailer, or a zip's (xlsx, pptx) header
and end record); anything else is rendered again.

Safety rules (``docs/reliability.md``):

* **Concurrent batches** writing into one folder share it through an advisory lock
  (``fcntl.flock``; on Windows ``msvcrt.locking`` of one byte far past the end, since
  Windows locks are mandatory) on the manifest itself: each append opens, locks, checks
  that the file it locked is still the manifest (a compaction may have replaced it),
  writes one line, fsyncs and closes. A compaction merges every line under that lock, so
  entries written by another batch are never dropped. On Windows a compaction that
  cannot replace the file (another batch holds it open) leaves the journal as it is.
* **Never through a symbolic link**: the manifest is opened with ``O_NOFOLLOW``; a
  link at its name is refused with an error naming it, before any report is rendered.
* **Order**: a report's line is journaled *before* its file is renamed to its final
  name, so every final file is in the manifest; a line whose file is missing or damaged
  is simply rendered again by ``--resume``.
* A line cut short by ``kill -9`` or a full disk is ignored.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cs_reports._io import commit_output, discard_output, staged_output
from cs_reports.errors import OutputError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
try:
    import msvcrt
except ImportError:  # POSIX
    msvcrt = None  # type: ignore[assignment]

__all__ = ["MANIFEST", "FileRecord", "Manifest", "file_record", "intact", "job_identity"]

MANIFEST = ".cs-reports-manifest.jsonl"
_TAIL = 1024
#: Windows locks are mandatory: the lock is one byte far past the end, so readers and appenders
#: of the journal itself are never blocked by it (only other lockers are).
_WINDOWS_LOCK_OFFSET = 1 << 40


def _open_flags(*extra: int) -> int:
    """``os.open`` flags that exist here: no symlink following and no fd inheritance on POSIX, binary on Windows."""
    flags = 0
    for name in ("O_NOFOLLOW", "O_CLOEXEC", "O_BINARY", "O_NOINHERIT"):
        flags |= getattr(os, name, 0)
    for flag in extra:
        flags |= flag
    return flags


def _last_byte(fd: int, size: int) -> bytes:
    """The file's last byte (``os.pread`` where it exists; Windows has no pread)."""
    if hasattr(os, "pread"):
        return os.pread(fd, 1, size - 1)
    os.lseek(fd, size - 1, os.SEEK_SET)
    return os.read(fd, 1)


def _lock(fd: int) -> None:
    """Exclusive lock on the whole journal: ``flock`` on POSIX, a byte lock past the end on Windows."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)
    elif msvcrt is not None:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # retries for 10 s, then raises
                return
            except OSError as exc:
                if exc.errno not in (errno.EDEADLK, errno.EACCES):
                    raise


def _release(fd: int) -> None:
    """Unlock (Windows wants its byte locks released before the handle closes) and close."""
    if fcntl is None and msvcrt is not None:
        with suppress(OSError):
            os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    os.close(fd)


def _refuse_link(path: Path) -> None:
    """Where ``O_NOFOLLOW`` does not exist (Windows), refuse a link at the manifest's name by looking first."""
    if not getattr(os, "O_NOFOLLOW", 0) and path.is_symlink():
        raise OSError(errno.ELOOP, "is a symbolic link", str(path))


@dataclass(frozen=True)
class FileRecord:
    """One output file as journaled: its name in the folder, size in bytes and SHA-256."""

    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Entry:
    """The manifest's last word on one job (``files`` is empty for old-format lines)."""

    fingerprint: str
    files: tuple[FileRecord, ...]


def file_record(name: str, data: bytes) -> FileRecord:
    """The record of ``data`` written as ``name``.

    >>> file_record("a.pdf", b"%PDF-1.7 ... %%EOF").size
    18
    """
    return FileRecord(name, len(data), hashlib.sha256(data).hexdigest())


def intact(path: Path, record: FileRecord) -> bool:
    """Whether ``path`` is a regular file of the recorded size that is not visibly cut.

    A cheap check (no hashing): the size, and for PDFs the ``%PDF-`` header and a
    ``%%EOF`` in the last kilobyte, for xlsx and pptx (zip) files the local-header signature and
    the end-of-central-directory record in the last kilobyte.
    """
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size != record.size:
            return False
        with open(path, "rb") as fh:
            head = fh.read(8)
            fh.seek(max(0, record.size - _TAIL))
            tail = fh.read()
    except OSError:
        return False
    if path.suffix.lower() == ".pdf":
        return head.startswith(b"%PDF-") and b"%%EOF" in tail
    if path.suffix.lower() in (".xlsx", ".pptx", ".zip"):
        return head.startswith(b"PK\x03\x04") and b"PK\x05\x06" in tail
    return True


def job_identity(job: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """What a job renders, whatever its file is called: every field but the file name, settings path and formats.

    A batch journals each format of a job on its own line (a deck's with ``format: pptx``), so
    ``formats``, the list a job was asked for, is not what one line renders.

    >>> job_identity({"kind": "qbr", "client_id": "C1", "filename": "c1_old.pdf", "audience": None})
    (('audience', 'None'), ('client_id', 'C1'), ('kind', 'qbr'))
    """
    return tuple(sorted((k, str(v)) for k, v in job.items() if k not in ("filename", "settings", "formats")))


def _parse(lines: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Job key -> its last line (tombstones included); broken lines are skipped."""
    merged: dict[str, dict[str, Any]] = {}
    for line in lines:
        try:
            raw = json.loads(line)
            key = str(raw["job"])
            if not raw.get("removed"):
                str(raw["fingerprint"])
        except (ValueError, KeyError, TypeError):
            continue
        merged[key] = raw
    return merged


def _entry(raw: dict[str, Any]) -> Entry | None:
    if raw.get("removed"):
        return None
    try:
        files = tuple(FileRecord(str(f["name"]), int(f["size"]), str(f["sha256"])) for f in raw.get("files") or ())
    except (KeyError, TypeError, ValueError):
        files = ()
    return Entry(str(raw["fingerprint"]), files)


class Manifest:
    """The manifest of one output folder (see the module docstring for the rules)."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / MANIFEST
        if self.path.is_symlink():
            raise OutputError(
                f"The batch manifest '{self.path}' is a symbolic link; cs-reports never writes through links. "
                f"Remove it (rm '{self.path}') and rerun."
            )

    def read(self) -> dict[str, Entry]:
        """Job key -> entry, for every job whose last line is not a removal."""
        found = {key: _entry(raw) for key, raw in _parse(self._lines()).items()}
        return {key: entry for key, entry in found.items() if entry is not None}

    def _lines(self) -> list[str]:
        try:
            _refuse_link(self.path)
            fd = os.open(self.path, _open_flags(os.O_RDONLY))
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise self._error(exc) from None
        try:
            with os.fdopen(fd, "rb") as fh:
                return fh.read().decode("utf-8", "replace").splitlines()
        except OSError as exc:  # a folder at the manifest's name opens, then cannot be read
            raise self._error(exc) from None

    def _error(self, exc: OSError) -> OutputError:
        if exc.errno == errno.ELOOP:  # a link appeared at the manifest's name
            return OutputError(f"The batch manifest '{self.path}' is a symbolic link; remove it and rerun.")
        if exc.errno == errno.EISDIR or self.path.is_dir():
            return OutputError(
                f"The batch manifest '{self.path}' is a folder, not a file; move it away and rerun "
                "(nothing was written)."
            )
        return OutputError(
            f"Cannot write the batch manifest '{self.path}': {exc.strerror or exc}. "
            "Reports recorded so far are kept; fix this and rerun with --resume."
        )

    def _open_locked(self, *, create: bool = True) -> int:
        """An append descriptor on the current manifest, exclusively locked."""
        flags = _open_flags(os.O_RDWR, os.O_APPEND, os.O_CREAT if create else 0)
        for _ in range(100):
            _refuse_link(self.path)
            fd = os.open(self.path, flags, 0o666)  # the umask applies: 0644 under umask 022
            try:
                _lock(fd)
                mine, current = os.fstat(fd), os.lstat(self.path)
                if (mine.st_dev, mine.st_ino) == (current.st_dev, current.st_ino):
                    return fd
            except FileNotFoundError:
                pass
            except BaseException:
                _release(fd)
                raise
            _release(fd)  # a compaction replaced the file between open and lock: again
        raise OutputError(f"Cannot lock the batch manifest '{self.path}': it keeps being replaced.")

    def append(self, records: Iterable[dict[str, Any]]) -> None:
        """Journal ``records`` (one JSON line each), locked and fsync'ed."""
        data = "".join(json.dumps(r, sort_keys=True) + "\n" for r in records).encode("utf-8")
        try:
            fd = self._open_locked()
            try:
                size = os.fstat(fd).st_size
                if size and _last_byte(fd, size) != b"\n":  # a previous run was cut mid-line
                    data = b"\n" + data
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                _release(fd)
        except OSError as exc:
            if isinstance(exc, OutputError):
                raise
            raise self._error(exc) from None

    def compact(self) -> None:
        """Rewrite the manifest with one line per job (merging every batch's lines), under the lock."""
        try:
            fd = self._open_locked(create=False)
        except FileNotFoundError:
            return
        except OSError as exc:
            if isinstance(exc, OutputError):
                raise
            raise self._error(exc) from None
        try:
            with os.fdopen(os.dup(fd), "rb") as fh:
                fh.seek(0)
                lines = fh.read().decode("utf-8", "replace").splitlines()
            merged = _parse(lines)
            kept = [raw for raw in merged.values() if not raw.get("removed")]
            if len(kept) == len(lines):
                return  # nothing to merge away
            with staged_output(self.path, mode="w") as (handle, tmp):
                for raw in sorted(kept, key=lambda r: str(r["job"])):
                    handle.write(json.dumps(raw, sort_keys=True) + "\n")
            if fcntl is None:  # Windows cannot replace a file another process has open
                try:
                    os.replace(tmp, self.path)
                except PermissionError:
                    discard_output(tmp)  # the journal stays as it is: longer, never wrong
                return
            commit_output(tmp, self.path)  # waiting appenders see the new file and retry
        finally:
            _release(fd)

    def stale(
        self, current: dict[tuple[tuple[str, str], ...], str], recorded: dict[str, Entry]
    ) -> list[tuple[str, str]]:
        """(job key, file name) of recorded outputs of the ``current`` jobs under another file name, on disk.

        ``current`` maps what a job is (:func:`job_identity`) to its file name today; a
        client renamed since the last batch has an entry under its old name.
        """
        folder = self.path.parent
        found = []
        for key, entry in recorded.items():
            try:
                raw = json.loads(key)
                ident, old_name = job_identity(raw), str(raw["filename"])
            except (ValueError, KeyError, TypeError, AttributeError):
                continue
            if ident not in current or current[ident] == old_name:
                continue
            names = [f.name for f in entry.files] or [old_name]
            found += [(key, name) for name in names if os.path.lexists(folder / name)]
        return found

    def prune(self, stale: list[tuple[str, str]]) -> list[str]:
        """Remove ``stale`` outputs and journal their removal; returns the names removed."""
        removed = []
        for _, name in stale:
            try:
                (self.path.parent / name).unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise OutputError(
                    f"Cannot remove the stale output '{self.path.parent / name}': {exc.strerror}."
                ) from None
            removed.append(name)
        self.append({"job": key, "removed": True} for key in dict.fromkeys(key for key, _ in stale))
        return removed
