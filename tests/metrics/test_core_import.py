"""``cs_reports.metrics`` works with none of the extras installed (what xlwings Lite needs)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.conftest import block_imports

BLOCKED = ["xlwings", "openpyxl", "python_calamine", "jinja2", "weasyprint", "babel", "defusedxml"]


def test_metrics_import_and_run_with_every_extra_blocked():
    code = block_imports(BLOCKED) + textwrap.dedent(
        """
        import sys
        import cs_reports.metrics as m
        print(m.net_promoter_score([10, 9, 0]).score, m.sbg_fit([100, 60, 45]).periods)
        assert not any(name.split(".")[0] in BLOCKED for name in sys.modules)
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["33.333333333333336", "2"]


def test_scipy_is_imported_only_by_what_fits_a_model():
    """Starting a command, the forkserver's preload and LibreOffice's bridge import no scipy (~0.3 s each).

    Every ``cs-reports`` process, every batch's forkserver and every ``recalc`` pass imports these
    modules; scipy is imported by the functions that fit a model (sBG, the renewal forecast), when called.
    """
    code = textwrap.dedent(
        """
        import sys
        import cs_reports.cli, cs_reports.excel.functions, cs_reports.data, cs_reports.reports.kinds
        import cs_reports.reports.pdf.document, cs_reports.reports.deck.qbr_deck, cs_reports.reports.batch.runner
        assert not [name for name in sys.modules if name.split(".")[0] == "scipy"], "scipy imported at start-up"
        import cs_reports.metrics as m
        m.sbg_fit([100, 60, 45])
        assert "scipy.optimize" in sys.modules
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
