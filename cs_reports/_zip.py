"""Limits of every zip package cs-reports opens: workbooks (.xlsx) and deck templates (.pptx).

A zip package can declare gigabytes behind a few kilobytes (a "zip bomb"), or carry a huge
part that every output would copy (a 2.5 GiB image a slide master references). Before any
parser opens a package, :func:`check_zip_limits` reads its central directory only (no part is
unpacked) and refuses it, in one line naming the file and the part, when it has more parts,
more unpacked bytes, or a part that unpacks more times its packed size than a real file ever
does. Python's ``zipfile`` never unpacks a part past its declared size, so the declared sizes
checked here bound what the parsers can read.

>>> import io, zipfile
>>> buffer = io.BytesIO()
>>> with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
...     z.writestr("ppt/media/image1.png", bytes(4 << 20))
>>> check_zip_limits(buffer, "Deck template 'company.pptx'")
Traceback (most recent call last):
...
cs_reports.errors.InvalidInputError: Deck template 'company.pptx': part 'ppt/media/image1.png' would unpack to 4.0 MiB, 1,028x its packed size (limit 200x for parts over 1.0 MiB); refusing to open it.
"""

from __future__ import annotations

import zipfile
from typing import IO, Any

from cs_reports.errors import InvalidInputError

__all__ = ["MAX_MEMBERS", "MAX_RATIO", "MAX_UNPACKED_BYTES", "check_zip_limits"]

#: Unpacked bytes of a whole package (a 1,000,000-row workbook unpacks to about 200 MB).
MAX_UNPACKED_BYTES = 2 * 1024**3
#: Parts of a package (a workbook with hundreds of sheets has a few thousand).
MAX_MEMBERS = 20_000
#: Unpacked/packed ratio allowed for a part over :data:`_RATIO_FROM` bytes (XML packs about 10-30x).
MAX_RATIO = 200
_RATIO_FROM = 1 << 20


def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"  # pragma: no cover


def check_zip_limits(
    source: str | Any | IO[bytes] | zipfile.ZipFile,
    what: str,
    *,
    max_unpacked: int = MAX_UNPACKED_BYTES,
    max_members: int = MAX_MEMBERS,
    max_ratio: float = MAX_RATIO,
) -> None:
    """Refuse a zip package over the limits, from its central directory alone.

    ``what`` names the package in the error (``"Deck template 'x.pptx'"``). A file that is
    not a zip at all is left to the parser, whose own error is clearer.
    """
    try:
        if isinstance(source, zipfile.ZipFile):
            infos = source.infolist()
        else:
            with zipfile.ZipFile(source) as z:
                infos = z.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile):
        return
    if len(infos) > max_members:
        raise InvalidInputError(f"{what} has {len(infos):,} parts (limit {max_members:,}); refusing to open it.")
    total = sum(i.file_size for i in infos)
    if total > max_unpacked:
        raise InvalidInputError(
            f"{what} would unpack to {_size(total)} (limit {_size(max_unpacked)}); refusing to open it."
        )
    for info in infos:
        if info.file_size > _RATIO_FROM and info.file_size > max_ratio * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise InvalidInputError(
                f"{what}: part '{info.filename}' would unpack to {_size(info.file_size)}, {ratio:,.0f}x its packed "
                f"size (limit {max_ratio:g}x for parts over {_size(_RATIO_FROM)}); refusing to open it."
            )
