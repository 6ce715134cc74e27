"""Generated books: the sample's generator at other seeds and sizes, with gaps in every window.

Shared by the tests that compare a vectorised figure with its per-client or per-month
definition (``test_renewal_history.py``, ``test_trends.py``): rows removed at random from every
per-client sheet, CSAT answers blanked, so windows are empty, thin or full.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from cs_reports.data import load_book
from cs_reports.data.book import Book
from cs_reports.data.sample import write_sample

#: The per-client sheets rows are removed from.
SHEETS = ("NPS", "Usage", "Tickets", "Milestones", "Renewals")

#: Keyword strategies of :func:`generated_book` (``@given(**BOOK_ARGS, ...)``).
BOOK_ARGS = {
    "seed": st.integers(0, 10_000),
    "clients": st.integers(3, 14),
    "drop": st.floats(0.0, 0.7),
    "blank": st.floats(0.0, 0.5),
}


def generated_book(folder: Path, *, seed: int, clients: int, drop: float, blank: float) -> Book:
    """The sample for ``seed`` and ``clients`` in ``folder``, a share ``drop`` of each sheet's rows removed, ``blank`` of CSAT answers blanked."""
    write_sample(folder, seed=seed, clients=clients)
    rng = np.random.default_rng(seed)
    for sheet in SHEETS:
        path = folder / f"{sheet}.csv"
        if path.exists():
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            frame = frame[rng.random(len(frame)) >= drop]
            if sheet == "Tickets" and "csat" in frame.columns:
                frame.loc[rng.random(len(frame)) < blank, "csat"] = ""
            frame.to_csv(path, index=False)
    return load_book(folder)
