"""B5: CS_NPS as Excel calls it.

Targets: 1,000,000 answers passed as Excel passes a column (a list of one-float rows with
blanks) within 3x of ``np.count_nonzero`` on a prepared array; a whole-column reference
(1,048,576 rows, mostly blank) under 0.2 s.
"""

from __future__ import annotations

import numpy as np

from benchmarks._harness import Result, best_of
from cs_reports.excel.functions import call

ROWS = 1_048_576


def excel_column(n: int, seed: int = 5, blank_share: float = 0.05) -> list[list[float | None]]:
    """What xlwings hands over for a column: one list per row, floats, ``None`` for blanks."""
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 11, n).astype(float)
    blank = rng.random(n) < blank_share
    return [[None] if b else [s] for s, b in zip(scores.tolist(), blank.tolist(), strict=True)]


QUICK = {"answers": 100_000}


def run(answers: int = 1_000_000) -> list[Result]:
    column = excel_column(answers)
    prepared = np.array([r[0] for r in column if r[0] is not None])

    def floor() -> int:
        return int(np.count_nonzero(prepared >= 9)) - int(np.count_nonzero(prepared <= 6))

    base_s, _ = best_of(floor, repeat=5)
    ours_s, score = best_of(lambda: call("CS_NPS", column), repeat=5)
    assert isinstance(score, float)
    # The floor for any function that receives Excel's list of rows: turning it into an array.
    convert_s, _ = best_of(lambda: np.array(column, dtype=np.float64), repeat=5)
    whole = excel_column(2_000) + [[None]] * (ROWS - 2_000)
    whole_s, _ = best_of(lambda: call("CS_NPS", whole), repeat=5)
    return [
        Result(
            "B5",
            f"CS_NPS, {answers:,} answers with blanks",
            ours_s,
            "np.count_nonzero",
            base_s,
            "<= 3x",
            ours_s <= 3 * base_s,
        ),
        Result(
            "B5", "same, vs. converting the rows to an array", ours_s, "np.array(rows)", convert_s, "(context)", True
        ),
        Result("B5", "CS_NPS, whole column (1,048,576 rows)", whole_s, "0.2 s budget", 0.2, "< 0.2 s", whole_s < 0.2),
    ]
