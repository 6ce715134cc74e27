"""A1 column letters and 0-based column indexes: the one conversion every xlsx reader and writer here uses.

>>> [column_letter(i) for i in (0, 25, 26, 701, 702, 16383)]
['A', 'Z', 'AA', 'ZZ', 'AAA', 'XFD']
>>> all(column_index(column_letter(i)) == i for i in range(20_000))
True
"""

from __future__ import annotations

__all__ = ["column_index", "column_letter"]


def column_letter(index: int) -> str:
    """The letters of the column at 0-based ``index`` (0 -> ``A``, 26 -> ``AA``)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """The 0-based index of the column ``letters`` (upper case: ``A`` -> 0, ``AA`` -> 26)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1
