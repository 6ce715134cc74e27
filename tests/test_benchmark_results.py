"""``python -m benchmarks`` rewrites only its table's rows in benchmarks/results.md, never the notes."""

from __future__ import annotations

import doctest
from pathlib import Path

from benchmarks import __main__ as bench


def test_the_writer_keeps_every_line_outside_its_table():
    assert doctest.testmod(bench).failed == 0


def test_rerunning_a_benchmark_on_the_real_file_changes_only_its_rows():
    previous = (Path(__file__).parents[1] / "benchmarks" / "results.md").read_text(encoding="utf-8")
    body = previous.split("\n", 2)[2]  # after the "Machine:" line and the blank line
    table = [line for line in body.splitlines() if line.startswith("|")][:2]
    merged = bench._merge(body, "\n".join([*table, "| B4 | new row |"]), {"B4"})
    kept = [line for line in body.splitlines() if not line.startswith("| B4 ")]
    first_table_b4 = [line for line in body.split("\n\n", 1)[0].splitlines() if line.startswith("| B4 ")]
    assert first_table_b4, "the first table has B4 rows"
    assert [line for line in merged.splitlines() if line != "| B4 | new row |"] == kept
    assert merged.count("| B4 | new row |") == 1
