"""Whole-column typing of text cells: each distinct text once, common shapes with array operations.

A column of a big book holds few distinct texts (months, amounts, dates) or texts of a few plain
shapes (ISO timestamps, ids, decimal numbers). :class:`Distinct` holds a text column's distinct
values (pyarrow's dictionary encoding) and, for every row, the index of its value. The validator
(:mod:`cs_reports.data.validate`) types each distinct value once; the shapes here are typed for
all of them at once with numpy and pyarrow, and every value that matches no shape goes through
the same per-cell function as ever (:func:`cs_reports.data.validate.cell_outcome`), so odd
formats, messages and declared assumptions are those of the per-cell path. Every shape is
anchored and ASCII, so each value it accepts is one the per-cell parser reads the same way
(``tests/intake/test_columns.py`` checks it cell by cell).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from cs_reports.data.csv_columns import PYTHON_SPACE, python_cells

__all__ = [
    "Distinct",
    "date_shapes",
    "dmy_parts",
    "id_shapes",
    "iso_dates",
    "mark_candidates",
    "number_evidence",
    "number_shapes",
    "text_shapes",
]


def _re2_class(chars: str) -> str:
    return "".join(f"\\x{{{ord(c):x}}}" for c in chars)


_SPACE = _re2_class(PYTHON_SPACE)
#: Text that ``restore_cell(value.strip())`` keeps as it is: no surrounding whitespace, no leading
#: apostrophe, no leading '#' (an Excel error value is read as such).
_PLAIN_TEXT = f"(?s)^[^{_SPACE}'#](?:.*[^{_SPACE}])?$"
#: Ids that :func:`~cs_reports.data.infer.normalise_id` keeps: printable ASCII, starting with a
#: letter or digit, ending without a space; ``1.0`` (the id 1) is left to the per-cell path.
_PLAIN_ID = r"^[0-9A-Za-z](?:[ -~]*[!-~])?$"
_WHOLE_TEXT = r"^-?[0-9]+\.0+$"
#: Numbers: plain (``1234.5``), pt-BR (``1.234,5``, ``1234,5``), English (``1,234.5``); the
#: ambiguous ``1.234`` / ``1,234`` (decided per column) are left to the per-cell path.
_PLAIN_NUMBER = r"^-?[0-9]{1,15}(?:\.[0-9]{1,15})?$"
_PT_NUMBER = r"^-?[0-9]{1,3}(?:\.[0-9]{3}){0,4},[0-9]{1,15}$|^-?[0-9]{1,15},[0-9]{1,15}$"
_EN_NUMBER = r"^-?[0-9]{1,3}(?:,[0-9]{3}){1,4}(?:\.[0-9]{1,15})?$"
_AMBIGUOUS = r"^-?[0-9]{1,3}(?:[.,][0-9]{3})+$"
_PT_EVIDENCE = r"^[0-9]{1,3}(?:\.[0-9]{3})+,[0-9]+$|^[0-9]+,(?:[0-9]{1,2}|[0-9]{4,})$"
_EN_EVIDENCE = r"^[0-9]{1,3}(?:,[0-9]{3})+\.[0-9]+$|^[0-9]+\.(?:[0-9]{1,2}|[0-9]{4,})$"
#: Dates: ``YYYY-MM-DD`` with an optional ``HH:MM[:SS]`` (space or ``T``), ``DD/MM/YYYY`` (or
#: ``-``, ``.``) in the column's order with the same optional time, and ``YYYY-MM`` in month columns.
_ISO = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2})?)?$"
_DMY = r"^[0-9]{2}[/.-][0-9]{2}[/.-][0-9]{4}(?: [0-9]{2}:[0-9]{2}(?::[0-9]{2})?)?$"
_MONTH = r"^[0-9]{4}-[0-9]{2}$"


def _sizes(text: Any) -> np.ndarray:
    import pyarrow.compute as pc

    return np.asarray(pc.binary_length(text).to_numpy(zero_copy_only=False), dtype=np.int64)


def _match(text: Any, pattern: str) -> np.ndarray:
    import pyarrow.compute as pc

    return np.asarray(pc.match_substring_regex(text, pattern).to_numpy(zero_copy_only=False), dtype=bool)


#: Rows sampled to tell a column of mostly distinct texts (typed row by row, without a hash table).
_SAMPLE = 10_000


@dataclass
class Distinct:
    """The distinct texts of a column and, for each row, which one it holds.

    A column of mostly distinct texts keeps one entry per row (the same text may then be two
    entries: everything computed per entry is the same for both).
    """

    text: Any  # pyarrow string array of the distinct texts
    codes: np.ndarray  # per row: index into ``text``
    counts: np.ndarray  # per distinct text: its rows
    #: The texts are CSV cells: ``'#N/A'`` is an Excel error value (in a workbook it is text).
    csv: bool = True

    @classmethod
    def of(cls, column: Any) -> Distinct | None:
        """The distinct values of a text column (a pyarrow string array, or a list of ``str``); else ``None``."""
        try:
            import pyarrow as pa
        except ImportError:  # pragma: no cover - pyarrow comes with the excel extra
            return None
        csv = not isinstance(column, list)
        if not csv:
            if not column or set(map(type, column)) != {str}:
                return None  # numbers, dates, blanks and error cells of a workbook: the per-cell path
            column = pa.array(column, type=pa.string())
        if column.null_count:
            return None
        n = len(column)
        if n > 4 * _SAMPLE and len(column.slice(0, _SAMPLE).unique()) > _SAMPLE // 2:
            # mostly distinct (ticket ids, timestamps): each row its own entry, no hash table
            return cls(column, np.arange(n, dtype=np.int32), np.ones(n, dtype=np.int64), csv)
        encoded = column.dictionary_encode()
        codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False))  # int32: half the memory of intp
        counts = np.bincount(codes, minlength=len(encoded.dictionary))
        return cls(encoded.dictionary, codes, counts, csv)

    def __len__(self) -> int:
        return len(self.text)

    def values(self, which: np.ndarray) -> list[Any]:
        """The Python cells (as the per-cell path sees them) of the distinct values ``which``."""
        import pyarrow as pa

        texts = self.text.take(pa.array(which, type=pa.int64()))
        return python_cells(texts) if self.csv else texts.to_pylist()

    def grouped(self, which: np.ndarray) -> tuple[list[Any], np.ndarray, np.ndarray]:
        """The different Python cells among the entries ``which``, their rows, and each entry's cell.

        (An entry per row repeats a value such as a blank: the per-cell work is done once per value.)
        """
        import pyarrow as pa

        encoded = self.text.take(pa.array(which, type=pa.int64())).dictionary_encode()
        inverse = np.asarray(encoded.indices.to_numpy(zero_copy_only=False))
        values = python_cells(encoded.dictionary) if self.csv else encoded.dictionary.to_pylist()
        counts = np.bincount(inverse, weights=self.counts[which], minlength=len(values)).astype(np.int64)
        return values, counts, inverse

    def take(self, which: np.ndarray) -> Any:
        """The texts of the distinct values ``which`` (a pyarrow array)."""
        import pyarrow as pa

        return self.text.take(pa.array(which, type=pa.int64()))


def _digits(text: Any, width: int) -> np.ndarray:
    """The bytes of texts that are all ``width`` ASCII characters long, as an (n, width) array of digits."""
    offsets_buffer, data = text.buffers()[1:3]
    n = len(text)
    offsets = np.frombuffer(offsets_buffer, dtype=np.int32)[text.offset : text.offset + n + 1]
    start = int(offsets[0]) if n else 0
    raw = np.frombuffer(data, dtype=np.uint8)[start : start + n * width] if n else np.zeros(0, dtype=np.uint8)
    return raw.reshape(n, width)


def _number(d: np.ndarray, a: int, b: int) -> np.ndarray:
    """The number written by the ASCII digits in columns ``a``-``b`` of ``d``."""
    powers = 10 ** np.arange(b - a - 1, -1, -1, dtype=np.int64)
    out: np.ndarray = d[:, a:b].astype(np.int64) @ powers - 48 * int(powers.sum())
    return out


def _stamps(y: np.ndarray, mo: np.ndarray, day: np.ndarray, clock: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Datetimes of calendar parts (``clock``: hh, mm, ss columns) and which parts make a real date."""
    hh, mm, ss = clock[:, 0], clock[:, 1], clock[:, 2]
    ok = (y >= 1) & (mo >= 1) & (mo <= 12) & (day >= 1) & (hh < 24) & (mm < 60) & (ss < 60)
    months = np.where(ok, (y - 1970) * 12 + mo - 1, 0).astype("datetime64[M]")
    first = months.astype("datetime64[D]")
    length = ((months + 1).astype("datetime64[D]") - first).astype(np.int64)
    ok &= day <= length
    days = first + np.where(ok, day - 1, 0).astype("timedelta64[D]")
    seconds = (hh * 3600 + mm * 60 + ss).astype("timedelta64[s]")
    return days.astype("datetime64[us]") + seconds.astype("timedelta64[us]"), ok


def date_shapes(text: Any, kind: str, order: str, iso: np.ndarray, dmy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which texts have a plain date shape and their value as :func:`~cs_reports.data.coerce.parse_date` gives it.

    ``kind`` is the column kind (``date`` keeps the day, ``datetime`` the time, ``month`` the first
    of the month); ``order`` is the column's ``dmy``/``mdy`` (``mixed``: no ``DD/MM`` value is plain);
    ``iso`` and ``dmy`` say which texts have those shapes (:func:`iso_dates`, :func:`dmy_parts`).
    """
    import pyarrow as pa

    n = len(text)
    ok = np.zeros(n, dtype=bool)
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    shapes = [(iso, "iso")] + ([(dmy, "dmy")] if order in ("dmy", "mdy") else [])
    if kind == "month":
        shapes.append((_match(text, _MONTH), "month"))
    size = _sizes(text)
    for matched, shape in shapes:
        for width in (7, 10, 16, 19):
            which = np.flatnonzero(matched & (size == width))
            if not len(which):
                continue
            d = _digits(text.take(pa.array(which)), width)
            clock = np.zeros((len(which), 3), dtype=np.int64)
            if shape == "month":
                y, mo, day = _number(d, 0, 4), _number(d, 5, 7), np.ones(len(which), dtype=np.int64)
            elif shape == "iso":
                y, mo, day = _number(d, 0, 4), _number(d, 5, 7), _number(d, 8, 10)
            else:
                a, b, y = _number(d, 0, 2), _number(d, 3, 5), _number(d, 6, 10)
                day, mo = (a, b) if order == "dmy" else (b, a)
            if width >= 16:
                clock[:, 0], clock[:, 1] = _number(d, 11, 13), _number(d, 14, 16)
            if width == 19:
                clock[:, 2] = _number(d, 17, 19)
            stamps, good = _stamps(y, mo, day, clock)
            good &= (y >= 1900) & (y <= 2200)  # nearer edges: the per-cell path
            if kind == "month":
                stamps = stamps.astype("datetime64[M]").astype("datetime64[us]")
            elif kind == "date":
                stamps = stamps.astype("datetime64[D]").astype("datetime64[us]")
            ok[which[good]] = True
            out[which[good]] = stamps[good]
    return ok, out


def iso_dates(text: Any) -> np.ndarray:
    """Which texts have the plain ``YYYY-MM-DD[ HH:MM[:SS]]`` shape (no evidence of a date order or a zone)."""
    return _match(text, _ISO) if len(text) else np.zeros(0, dtype=bool)


def dmy_parts(text: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For texts of the plain ``DD/MM/YYYY`` shape: which they are, and their first and second parts."""
    import pyarrow as pa

    n = len(text)
    first = np.zeros(n, dtype=np.int64)
    second = np.zeros(n, dtype=np.int64)
    matched = _match(text, _DMY) if n else np.zeros(0, dtype=bool)
    which = np.flatnonzero(matched)
    if len(which):
        d = _digits(_prefix(text.take(pa.array(which)), 5), 5)
        first[which], second[which] = _number(d, 0, 2), _number(d, 3, 5)
    return matched, first, second


def _prefix(text: Any, width: int) -> Any:
    import pyarrow.compute as pc

    return pc.utf8_slice_codeunits(text, 0, width)


def number_shapes(text: Any) -> tuple[np.ndarray, np.ndarray]:
    """Which texts are plain numbers and their value as :func:`~cs_reports.data.coerce.parse_number` gives it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(text)
    ok = np.zeros(n, dtype=bool)
    out = np.full(n, np.nan)
    if not n:
        return ok, out
    ambiguous = _match(text, _AMBIGUOUS)
    for pattern, drop, comma in ((_PLAIN_NUMBER, None, False), (_PT_NUMBER, ".", True), (_EN_NUMBER, ",", False)):
        which = np.flatnonzero(_match(text, pattern) & ~ambiguous & ~ok)
        if not len(which):
            continue
        part = text.take(pa.array(which))
        if drop is not None:
            part = pc.replace_substring(part, drop, "")
        if comma:
            part = pc.replace_substring(part, ",", ".")
        x = np.asarray(pc.cast(part, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
        good = np.isfinite(x)
        ok[which[good]] = True
        out[which[good]] = x[good]
    return ok, out


def number_evidence(text: Any, plain: np.ndarray) -> tuple[bool, bool]:
    """The pt-BR and English evidence (:func:`~cs_reports.data.coerce.number_evidence`) of the plain numbers."""
    import pyarrow as pa
    import pyarrow.compute as pc

    which = np.flatnonzero(plain)
    if not len(which):
        return False, False
    part = pc.utf8_ltrim(text.take(pa.array(which)), characters="-")
    return bool(_match(part, _PT_EVIDENCE).any()), bool(_match(part, _EN_EVIDENCE).any())


def id_shapes(text: Any) -> np.ndarray:
    """Which ids are read as they are written (:func:`~cs_reports.data.infer.normalise_id` changes nothing)."""
    return _match(text, _PLAIN_ID) & ~_match(text, _WHOLE_TEXT) if len(text) else np.zeros(0, dtype=bool)


def mark_candidates(text: Any) -> np.ndarray:
    """Which texts may carry a currency mark (:func:`~cs_reports.data.coerce.currency_mark`): a letter, '$' or '€'."""
    return _match(text, "[A-Za-z$\u20ac]") if len(text) else np.zeros(0, dtype=bool)


def text_shapes(text: Any) -> np.ndarray:
    """Which texts are read as they are written (no surrounding whitespace, no leading apostrophe or '#')."""
    return _match(text, _PLAIN_TEXT) if len(text) else np.zeros(0, dtype=bool)
