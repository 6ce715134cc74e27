"""Portfolio figures kept beside the book's snapshot, so a warm command does not compute them again.

A portfolio figure (every client's health scores at a month, the health drivers of a quarter,
the portfolio summary, the renewal forecast model, the trends) is computed once per book and
period in memory (:mod:`cs_reports.reports.content.portfolio`, :func:`cs_reports.reports.content.common.per_book`).
When the book was loaded through its snapshot, :func:`stored` also keeps the figure in the
snapshot's derived artefacts (:mod:`cs_reports.data.derived`): the next command on the same book
loads it instead of computing it. A book read with ``--no-cache`` has no store and computes.

The key of a stored figure is everything that can change it besides the book (whose content is
already the snapshot's key): the figure's name and period, the settings it is computed with
(:func:`figure_settings`), the package version and a digest of the package's source
(:func:`code_digest`). A change in any of them is another key: the figure is computed again.
A damaged file reads as absent (the store verifies every checksum) and is replaced.

Figures are encoded without pickle: frames as Parquet (through the store), the rest as JSON
through :func:`encode` / :func:`decode`, which know plain values, timestamps, tuples, frames
and the dataclasses registered with :func:`register` (by name; nothing else is constructed).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cs_reports.data.book import Book
from cs_reports.data.derived import Artefact, artefacts_of

__all__ = ["code_digest", "decode", "encode", "figure_settings", "register", "stored"]

_TYPES: dict[str, type] = {}


def register(*classes: type) -> None:
    """Allow :func:`decode` to build these dataclasses (by class name)."""
    for cls in classes:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls!r} is not a dataclass")
        _TYPES[cls.__name__] = cls


@functools.cache
def code_digest() -> str:
    """Digest of the package's Python source: any code change is a new key for every stored figure."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(package.rglob("*.py")):
        raw = path.relative_to(package).as_posix().encode()
        digest.update(len(raw).to_bytes(8, "little") + raw + path.read_bytes())
    return digest.hexdigest()


def figure_settings() -> dict[str, Any]:
    """Every fixed setting the portfolio figures are computed with (part of each stored figure's key).

    A report setting a figure reads (the trends' ``min_csat_answers``) is not here: the figure's
    caller passes its value to :func:`stored`, so each value is its own figure.
    """
    from cs_reports.data.summary import Policies
    from cs_reports.metrics.health import DEFAULT_HEALTH_MODEL
    from cs_reports.reports.content import forecast

    return {
        "policies": dataclasses.asdict(Policies()),
        "health_model": repr(DEFAULT_HEALTH_MODEL),
        "forecast": [
            forecast.MIN_OUTCOMES,
            forecast.MIN_CHURNED,
            forecast.BACKTEST_MONTHS,
            forecast.INTERVAL_LEVEL,
            list(forecast.SIGNS),
        ],
    }


def _period(parts: tuple[Any, ...]) -> list[str | None]:
    return [None if p is None else pd.Timestamp(p).isoformat() for p in parts]


def stored(
    book: Book,
    what: str,
    period: tuple[Any, ...],
    compute: Callable[[], Any],
    *,
    settings: Mapping[str, float] | None = None,
) -> Any:
    """``compute()``, or the figure stored for ``book``, ``what``, ``period`` and ``settings`` (stored when computed).

    ``settings`` are the report settings the figure is computed with (e.g. the trends'
    ``min_csat_answers``), added to :func:`figure_settings` in the key. Without a store (a book not loaded through its snapshot) this is ``compute()``. A figure that
    cannot be encoded or stored is returned all the same (and computed again next time).
    """
    store = artefacts_of(book)
    if store is None:
        return compute()
    from cs_reports import __version__

    key = {
        "period": _period(period),
        "settings": {**figure_settings(), **(settings or {})},
        "package": __version__,
        "code": code_digest(),
    }
    found = store.get(what, key)
    if found is not None:
        try:
            return decode(found.value, found.frames)
        except Exception:  # an artefact of another shape: computed again, replaced below
            pass
    value = compute()
    frames: dict[str, pd.DataFrame] = {}
    try:
        encoded = encode(value, frames)
    except TypeError:
        return value
    store.put(what, key, Artefact(frames, encoded))
    return value


def _frame_in(frame: pd.DataFrame, frames: dict[str, pd.DataFrame]) -> dict[str, Any]:
    label = f"f{len(frames)}"
    index = frame.index
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1 and index.name is None:
        frames[label] = frame
        return {"__frame__": label, "index": None}
    if isinstance(index, pd.MultiIndex) or index.name is None or index.name in frame.columns:
        raise TypeError("only a default or a named single index is stored")
    frames[label] = frame.reset_index()
    return {"__frame__": label, "index": index.name}


def encode(value: Any, frames: dict[str, pd.DataFrame]) -> Any:
    """``value`` as JSON, its frames put into ``frames``; :class:`TypeError` for anything else."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, pd.Timestamp):
        return {"__ts__": value.isoformat()}
    if isinstance(value, pd.DataFrame):
        return _frame_in(value, frames)
    if isinstance(value, (tuple, list)):
        return {"__tuple__" if isinstance(value, tuple) else "__list__": [encode(v, frames) for v in value]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if _TYPES.get(name) is not type(value):
            raise TypeError(f"{name} is not registered")
        fields = {f.name: encode(getattr(value, f.name), frames) for f in dataclasses.fields(value) if f.init}
        return {"__dataclass__": name, "fields": fields}
    raise TypeError(f"cannot store a {type(value).__name__}")


def decode(value: Any, frames: Any) -> Any:
    """The value :func:`encode` stored (``frames``: the frames by label)."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if not math.isnan(value) else math.nan
    if isinstance(value, dict):
        if "__ts__" in value:
            return pd.Timestamp(value["__ts__"])
        if "__frame__" in value:
            frame: pd.DataFrame = frames[value["__frame__"]]
            return frame if value["index"] is None else frame.set_index(value["index"])
        if "__tuple__" in value:
            return tuple(decode(v, frames) for v in value["__tuple__"])
        if "__list__" in value:
            return [decode(v, frames) for v in value["__list__"]]
        if "__dataclass__" in value:
            cls = _TYPES[value["__dataclass__"]]
            return cls(**{k: decode(v, frames) for k, v in value["fields"].items()})
    raise ValueError(f"not a stored figure: {value!r:.80}")
