"""Run the benchmarks: ``python -m benchmarks [B1 B3 ...] [--quick]``.

Prints a Markdown table (ours vs. baseline measured in the same run) and writes it to
``benchmarks/results.md``; the README copies the latest table.
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

from benchmarks._harness import machine, table

BENCHES = {"B1": "benchmarks.b1_mrr", "B5": "benchmarks.b5_udf"}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("names", nargs="*", default=sorted(BENCHES), help="benchmarks to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="10x smaller inputs, for a smoke run")
    args = parser.parse_args()
    results = []
    for name in args.names:
        module = importlib.import_module(BENCHES[name.upper()])
        kwargs = {"clients": 10_000} if args.quick and name.upper() == "B1" else {}
        results += module.run(**kwargs)
    text = f"Machine: {machine()}\n\n{table(results)}\n"
    print(text)
    if not args.quick:
        Path(__file__).with_name("results.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
