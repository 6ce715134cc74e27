"""Tiny benchmark harness: ours vs. baseline in the same run, reported as ratios.

Each benchmark returns :class:`Result` rows. Timings are the best of ``repeat`` runs
(``time.perf_counter``), so background noise inflates nothing but the worst runs.
"""

from __future__ import annotations

import gc
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Result:
    bench: str
    what: str
    ours_s: float
    baseline: str
    baseline_s: float
    target: str
    met: bool
    unit: str = "s"

    @property
    def ratio(self) -> float:
        return self.ours_s / self.baseline_s if self.baseline_s else float("nan")


def best_of(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Best wall time of ``repeat`` calls, and the last return value."""
    best = float("inf")
    value = None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return best, value


def machine() -> str:
    import os

    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def table(results: list[Result]) -> str:
    lines = [
        "| bench | what | ours | baseline | baseline time | ours / baseline | target | met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.bench} | {r.what} | {_amount(r.ours_s, r.unit)} | {r.baseline} | {_amount(r.baseline_s, r.unit)} | "
            f"{r.ratio:.2f}x | {r.target} | {'yes' if r.met else 'NO'} |"
        )
    return "\n".join(lines)


def _amount(value: float, unit: str) -> str:
    return f"{value:.3f} s" if unit == "s" else f"{value:.0f} {unit}"
