"""Run the CLI as a user does (a real process in its own session) and look at what it leaves behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from cs_reports.reports.batch.manifest import MANIFEST

CLI = [sys.executable, "-m", "cs_reports.cli"]


def batch_args(book: Path, out: Path, ids: Sequence[str], *extra: str, workers: int = 2) -> list[str]:
    """``cs-reports success-map`` in English for ``ids``: small and fast, like the brief asks."""
    clients = [a for cid in ids for a in ("--client", cid)]
    return [
        *CLI,
        "success-map",
        str(book),
        "--out",
        str(out),
        "--month",
        "2026-09",
        "--lang",
        "en",
        "--workers",
        str(workers),
        "--quiet",
        *clients,
        *extra,
    ]


def start(args: Sequence[str], **kwargs: object) -> subprocess.Popen[str]:
    """Start ``args`` in a new session (its process group is its whole tree)."""
    return subprocess.Popen(
        list(args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        **kwargs,  # type: ignore[call-overload]
    )


def run(args: Sequence[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run ``args`` to the end (a hang guard of 10 minutes, not a timing assertion)."""
    return subprocess.run(list(args), capture_output=True, text=True, timeout=600, check=False, **kwargs)  # type: ignore[call-overload]


def wait_for_pdfs(out: Path, proc: subprocess.Popen[str], count: int = 1) -> None:
    """Block until ``count`` PDFs are at their final names in ``out`` (or the process ended)."""
    deadline = time.monotonic() + 300
    while len(list(out.glob("*.pdf"))) < count and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, f"the batch ended before the signal: {proc.communicate()}"
    assert len(list(out.glob("*.pdf"))) >= count


def wait_for_file(path: Path, proc: subprocess.Popen[str]) -> str:
    """Block until ``path`` exists (a test-gate event); a hang guard, not a timing assertion."""
    deadline = time.monotonic() + 300
    while not path.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path.exists(), f"{path.name} never appeared: {proc.communicate()}"
    return path.read_text(encoding="utf-8")


def session_processes(sid: int) -> list[str]:
    """``pid name`` of every live process of session ``sid`` (zombies excluded), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        state, session = fields[0], int(fields[3])
        if session == sid and state != "Z":
            found.append(f"{entry.name} {name}")
    return found


def processes_left(sid: int) -> list[str]:
    """Processes of session ``sid`` still alive after a grace of up to 15 s for them to exit."""
    deadline = time.monotonic() + 15
    while (left := session_processes(sid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def manifest_files(out: Path) -> set[str]:
    """File names the manifest of ``out`` records (the last line of each job, removals applied)."""
    last: dict[str, dict[str, object]] = {}
    path = out / MANIFEST
    if not path.exists():
        return set()
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            raw = json.loads(line)
        except ValueError:
            continue
        last[raw["job"]] = raw
    return {str(f["name"]) for raw in last.values() if not raw.get("removed") for f in raw.get("files", [])}  # type: ignore[attr-defined]


def pdfs(out: Path) -> set[str]:
    return {p.name for p in out.glob("*.pdf")}


def temporaries(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.endswith(".part"))


def env_with(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env
