"""Safe output writing shared by every command: atomic files, safe names, inert cells.

Nothing cs-reports writes is ever seen half-written at its final name: data go to a
temporary file in the same folder, are flushed and fsync'ed, then renamed over the
final name with :func:`os.replace` (atomic on POSIX and Windows). An input path is
never an output path.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from cs_reports.errors import OutputError

__all__ = [
    "atomic_output",
    "commit_output",
    "discard_output",
    "ensure_output_dir",
    "neutralise_cell",
    "refuse_overwrite_of_input",
    "restore_cell",
    "safe_filename",
    "staged_output",
]

_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_filename(text: str, *, max_length: int = 60, default: str = "x") -> str:
    r"""Turn any text (a client id or name) into a safe, portable file-name component.

    ASCII letters, digits, ``.``, ``_`` and ``-`` only; never ``.``/``..``, never a
    Windows reserved name, never empty, at most ``max_length`` characters.

    Examples
    --------
    >>> safe_filename("Padaria São João Ltda.")
    'padaria-sao-joao-ltda'
    >>> safe_filename("../../etc/x")
    'etc-x'
    >>> safe_filename("CON")
    'con_'
    >>> safe_filename("a/b\x00c")
    'a-b-c'
    """
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    slug = _UNSAFE.sub("-", ascii_text.lower()).strip(".-_")
    slug = re.sub(r"-{2,}", "-", slug)[:max_length].strip(".-_")
    if not slug:
        slug = default
    if slug.split(".")[0].upper() in _WINDOWS_RESERVED:
        slug += "_"
    return slug


def ensure_output_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` if needed and check it is a writable folder (clear error otherwise)."""
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"Cannot create output folder '{folder}': {exc.strerror or exc}.") from None
    if not folder.is_dir():
        raise OutputError(f"Output path '{folder}' exists and is not a folder.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"Output folder '{folder}' is not writable.")
    return folder


def refuse_overwrite_of_input(output: str | os.PathLike[str], *inputs: str | os.PathLike[str]) -> None:
    """Raise if ``output`` is (or links to) one of ``inputs``: a user's workbook is never overwritten."""
    out = Path(output).resolve()
    for item in inputs:
        if Path(item).resolve() == out:
            raise OutputError(f"Refusing to overwrite the input file '{item}'; choose another output path.")


def _umask() -> int:
    """The process's umask, read without changing it where the system allows (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: read it by setting it, then put it back at once
    os.umask(mask)
    return mask


def _output_mode(final: Path) -> int:
    """Permission bits for a new output: those of the file it replaces, else ``0o666 & ~umask``.

    ``mkstemp`` creates its file with mode 0600 (private); an output is a normal file the
    user's colleagues may read on a shared drive, exactly as if a text editor had saved it.
    """
    try:
        existing = os.lstat(final)
    except OSError:
        return 0o666 & ~_umask()
    if stat.S_ISREG(existing.st_mode):
        return stat.S_IMODE(existing.st_mode)
    return 0o666 & ~_umask()


@contextmanager
def staged_output(path: str | os.PathLike[str], *, mode: str = "wb") -> Iterator[tuple[Any, Path]]:
    """Open a temporary file beside ``path``: yields ``(handle, temporary path)``.

    On success the temporary file is complete (flushed, fsync'ed, normal permissions) and
    left for the caller to :func:`commit_output` (or :func:`discard_output`); on any error
    it is removed. Batches use it so that the manifest entry is written *before* a report
    appears at its final name. Temporary names are ``.{name}.{random}.part``.
    """
    final = Path(path)
    folder = ensure_output_dir(final.parent if str(final.parent) else ".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise OutputError(f"Cannot write in '{folder}': {exc.strerror or exc}.") from None
    tmp = Path(tmp_name)
    try:
        handle: Any = os.fdopen(fd, mode) if "b" in mode else os.fdopen(fd, mode, encoding="utf-8")
        with handle:
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), _output_mode(final))
            else:  # Windows (before Python 3.13): only the read-only bit exists, and mkstemp leaves it off
                os.chmod(tmp, _output_mode(final))
            yield handle, tmp
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"Cannot write '{final}': {exc.strerror or exc}; nothing was written.") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def commit_output(tmp: str | os.PathLike[str], final: str | os.PathLike[str]) -> None:
    """Atomically give the complete temporary file ``tmp`` its final name (replacing, never following, a link)."""
    try:
        os.replace(tmp, final)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"Cannot write '{final}': {exc.strerror or exc}; nothing was written.") from None


def discard_output(tmp: str | os.PathLike[str]) -> None:
    """Remove a staged temporary file that will not be committed (already gone is fine)."""
    with suppress(OSError):
        Path(tmp).unlink()


@contextmanager
def atomic_output(path: str | os.PathLike[str], *, mode: str = "wb") -> Iterator[Any]:
    """Open a temporary file beside ``path``; on success it atomically becomes ``path``.

    On any error the temporary file is removed and the final name is untouched. The file
    gets the permissions of the file it replaces, or the user's normal ones for a new file
    (``0o666 & ~umask``: 0644 under the usual umask 022).

    Examples
    --------
    >>> import pathlib, stat, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_output(d / "out.txt", mode="w") as fh:
    ...     _ = fh.write("done")
    >>> (d / "out.txt").read_text()
    'done'
    >>> stat.S_IMODE((d / "out.txt").stat().st_mode) == 0o666 & ~_umask()
    True
    """
    final = Path(path)
    with staged_output(final, mode=mode) as (handle, tmp):
        yield handle
    commit_output(tmp, final)


def neutralise_cell(value: Any) -> Any:
    r"""Make a text cell inert in spreadsheets (CSV/formula injection, OWASP).

    Text that starts with ``=``, ``+``, ``-``, ``@``, tab, CR or LF gets a leading
    apostrophe; numbers and other types pass through unchanged.

    >>> neutralise_cell('=HYPERLINK("http://x")')
    '\'=HYPERLINK("http://x")'
    >>> neutralise_cell(-3.5)
    -3.5
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def restore_cell(text: str) -> str:
    """The text :func:`neutralise_cell` was given, from what it wrote (other text unchanged).

    >>> restore_cell(neutralise_cell("=1+1")), restore_cell("'quoted"), restore_cell("'")
    ('=1+1', "'quoted", "'")
    """
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text
