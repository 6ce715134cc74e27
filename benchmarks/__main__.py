"""Run the benchmarks: ``python -m benchmarks [B1 B3 ...] [--quick]``.

Prints a Markdown table (ours vs. baseline measured in the same run) and updates
``benchmarks/results.md`` (rows of the benchmarks not run are kept); the README copies
the latest table. ``--quick`` runs each benchmark on small inputs, as a smoke test.
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

from benchmarks._harness import machine, table

BENCHES = {
    "B1": "benchmarks.b1_mrr",
    "B2": "benchmarks.b2_qbr",
    "B3": "benchmarks.b3_read",
    "B4": "benchmarks.b4_recalc",
    "B5": "benchmarks.b5_udf",
    "B6": "benchmarks.b6_context",
    "B7": "benchmarks.b7_deck",
    "B8": "benchmarks.b8_snapshot",
    "B9": "benchmarks.b9_run",
}
RESULTS = Path(__file__).with_name("results.md")


def _merge(previous: str, new_table: str, ran: set[str]) -> str:
    """``previous`` with its first table's rows replaced by the new ones for the benchmarks in ``ran``.

    Rows of benchmarks not run now are kept, in bench order; every line outside that first table
    (notes, the tables of the large runs, the test suite's times) is kept as it was.

    >>> old = "Machine: a\\n\\n| bench | x |\\n|---|---|\\n| B1 | 1 |\\n| B2 | 2 |\\n\\nNote.\\n\\n| B2 | big |\\n"
    >>> print(_merge(old, "| bench | x |\\n|---|---|\\n| B2 | 3 |", {"B2"}))
    | bench | x |
    |---|---|
    | B1 | 1 |
    | B2 | 3 |
    <BLANKLINE>
    Note.
    <BLANKLINE>
    | B2 | big |
    <BLANKLINE>
    """
    lines = new_table.splitlines()
    head, rows = lines[:2], lines[2:]
    old = previous.splitlines()
    start = next((i for i, line in enumerate(old) if line.startswith("|")), len(old))
    end = next((i for i in range(start, len(old)) if not old[i].startswith("|")), len(old))
    kept = [line for line in old[start + 2 : end] if line.split("|")[1].strip() not in ran]
    body = sorted([*kept, *rows], key=lambda line: line.split("|")[1].strip())
    return "\n".join([*head, *body, *old[end:]]) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("names", nargs="*", default=sorted(BENCHES), help="benchmarks to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="small inputs, for a smoke run (results not saved)")
    args = parser.parse_args()
    results = []
    ran = {name.upper() for name in args.names}
    for name in sorted(ran):
        module = importlib.import_module(BENCHES[name])
        results += module.run(**(module.QUICK if args.quick else {}))
    text = f"Machine: {machine()}\n\n{table(results)}\n"
    print(text)
    if not args.quick:
        previous = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
        RESULTS.write_text(f"Machine: {machine()}\n\n{_merge(previous, table(results), ran)}", encoding="utf-8")


if __name__ == "__main__":
    main()
