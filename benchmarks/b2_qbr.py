"""B2: a batch of QBRs.

Targets: our pipeline (data -> context -> charts -> HTML -> PDF) costs at most 1.3x a bare
WeasyPrint render of the same final HTML; 2 workers at least 1.8x faster than 1; a worker's
memory stays flat over 1,000 reports (growth < 50 MB).

The baseline renders the HTML our pipeline produced, with the same stylesheets and the same
output (PDF/A-3u, tagged, the client's data attached), so the ratio is the cost of
everything around WeasyPrint. A second row compares with WeasyPrint's defaults (untagged
plain PDF, no attachment), the cheapest PDF of that HTML.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from benchmarks._harness import Result


def make_book(folder: Path, clients: int) -> tuple[Path, str, list[str]]:
    """A sample portfolio large enough for ``clients`` QBRs; returns its path, quarter and clients."""
    from cs_reports import metrics as m
    from cs_reports.data import load_book
    from cs_reports.data.sample import make_sample_tables
    from cs_reports.data.writer import write_tables

    path = write_tables(make_sample_tables(2026, clients=int(clients * 1.8) + 20), folder / "book.xlsx")
    book = load_book(path)
    last = book.last_month
    # the last month of the quarter before the one holding the book's last month
    end = pd.Timestamp(year=last.year, month=3 * ((last.month - 1) // 3) + 1, day=1) - pd.DateOffset(months=1)
    quarter = f"{end.year}Q{end.month // 3}"
    start = end - pd.DateOffset(months=2)
    matrix = m.mrr_matrix(book.mrr, start=start, end=end)
    in_quarter = (matrix.months >= start) & (matrix.months <= end)
    paying = set(matrix.clients[(matrix.cents[:, in_quarter] > 0).all(axis=1)])
    ids = [c for c in book.clients["client_id"] if c in paying][:clients]
    if len(ids) < clients:
        raise SystemExit(f"B2: only {len(ids)} clients paid through {quarter}; need {clients}")
    return path, quarter, ids


def _pipeline_and_bare(book_path: Path, quarter: str, ids: list[str]) -> tuple[float, float, float]:
    """Seconds for our pipeline, the same-output bare render and the default bare render."""
    import weasyprint

    from cs_reports.data import load_book
    from cs_reports.reports import kinds
    from cs_reports.reports.pdf import document as pdf_module
    from cs_reports.reports.render import Templates, load_branding

    book = load_book(book_path)
    templates, branding = Templates(None), load_branding(None)
    captured: list[tuple[str, dict[str, object]]] = []
    real = pdf_module.render_pdf

    def capture(html: str, **kwargs: object) -> bytes:
        captured.append((html, kwargs))
        return real(html, **kwargs)  # type: ignore[arg-type]

    kinds.produce(book, "qbr", quarter, ids[0], "en", templates=templates, branding=branding)  # warm up
    pdf_module.render_pdf = capture  # type: ignore[assignment]
    try:
        t0 = time.perf_counter()
        for cid in ids:
            kinds.produce(book, "qbr", quarter, cid, "pt-BR", templates=templates, branding=branding)
        ours = time.perf_counter() - t0
    finally:
        pdf_module.render_pdf = real
    stylesheets = [weasyprint.CSS(filename=str(s)) for s in captured[0][1]["stylesheets"]]  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    for html, kw in captured:
        files = [
            weasyprint.Attachment(file_obj=io.BytesIO(a.data), name=a.name, relationship="Data")  # type: ignore[attr-defined]
            for a in kw["attachments"]  # type: ignore[attr-defined]
        ]
        weasyprint.HTML(string=html, base_url=f"{kw['base_dir']}/").write_pdf(
            stylesheets=stylesheets, attachments=files, pdf_variant="pdf/a-3u", pdf_tags=True
        )
    same = time.perf_counter() - t0
    t0 = time.perf_counter()
    for html, kw in captured:
        weasyprint.HTML(string=html, base_url=f"{kw['base_dir']}/").write_pdf(stylesheets=stylesheets)
    plain = time.perf_counter() - t0
    return ours, same, plain


def _batch_seconds(book_path: Path, quarter: str, ids: list[str], workers: int) -> float:
    from cs_reports.reports.batch.runner import Job, run_batch

    jobs = [Job("qbr", quarter, cid, "pt-BR", f"{cid}.pdf") for cid in ids]
    with tempfile.TemporaryDirectory() as out:
        result = run_batch(book_path, jobs, out_dir=out, workers=workers, progress=False)
    if result.failed:
        raise SystemExit(f"B2: {len(result.failed)} QBRs failed: {result.failed[0].reason}")
    return result.seconds


_MEMORY_PROBE = """
import gc, sys, resource
from cs_reports.data import load_book
from cs_reports.reports import kinds
from cs_reports.reports.render import Templates, load_branding

def rss_mb():
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith("VmRSS")) / 1024

book_path, quarter, n, warm, *ids = sys.argv[1:]
book = load_book(book_path)
templates, branding = Templates(None), load_branding(None)
for i in range(int(n)):
    kinds.produce(book, "qbr", quarter, ids[i % len(ids)], "pt-BR", templates=templates, branding=branding)
    if i + 1 == int(warm):
        gc.collect()
        start = rss_mb()
gc.collect()
print(start, rss_mb())
"""


def _worker_memory(book_path: Path, quarter: str, ids: list[str], reports: int) -> tuple[float, float]:
    """RSS (MB) of one worker after 50 warm-up reports and after ``reports`` reports, no recycling."""
    warm = min(50, reports // 4)
    done = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE, str(book_path), quarter, str(reports), str(warm), *ids],
        capture_output=True,
        text=True,
        check=True,
    )
    start, end = (float(x) for x in done.stdout.split())
    return start, end


QUICK = {"reports": 6, "memory_reports": 12}


def run(reports: int = 200, memory_reports: int = 1000) -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        book_path, quarter, ids = make_book(Path(tmp), reports)
        ours, same, plain = _pipeline_and_bare(book_path, quarter, ids)
        one = _batch_seconds(book_path, quarter, ids, 1)
        two = _batch_seconds(book_path, quarter, ids, 2) if (os.cpu_count() or 1) >= 2 else float("nan")
        start, end = _worker_memory(book_path, quarter, ids, memory_reports)
    what = f"{reports} QBRs, pipeline"
    per = f"{ours / reports * 1000:.0f} ms/QBR"
    return [
        Result("B2", f"{what} ({per})", ours, "WeasyPrint, same HTML and output", same, "<= 1.3x", ours <= 1.3 * same),
        Result("B2", f"{what} (context)", ours, "WeasyPrint defaults, same HTML", plain, "context", True),
        Result(
            "B2",
            f"{reports} QBRs, batch, 2 workers",
            two,
            "same batch, 1 worker",
            one,
            ">= 1.8x faster",
            one >= 1.8 * two,
        ),
        Result(
            "B2",
            f"worker RSS after {memory_reports} QBRs: {end:.0f} MB",
            end,
            f"RSS after warm-up: {start:.0f} MB",
            start,
            "growth < 50 MB",
            end - start < 50,
            unit="MB",
        ),
    ]
