"""Tasks for the worker-pool tests (a module workers can import by name)."""

from __future__ import annotations

import os
import signal
import time


def square(x: int) -> int:
    return x * x


def pid_and_square(x: int) -> tuple[int, int]:
    return os.getpid(), x * x


def die_on(x: int, fatal: int) -> int:
    """Kill this worker with SIGKILL (what the OOM killer does) when ``x == fatal``."""
    if x == fatal:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


def hang_on(x: int, stuck: int) -> int:
    """Never return for ``x == stuck`` (a render that loops forever)."""
    while x == stuck:
        time.sleep(1)
    return x


def failing_init() -> None:
    raise RuntimeError("the book could not be read")


def raise_on(x: int) -> int:
    if x % 2:
        raise ValueError(f"odd {x}")
    return x
