"""``cs_reports.metrics`` works with none of the extras installed (what xlwings Lite needs)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

BLOCKED = ["xlwings", "openpyxl", "python_calamine", "jinja2", "weasyprint", "babel", "vl_convert", "defusedxml"]


def test_metrics_import_and_run_with_every_extra_blocked():
    code = textwrap.dedent(
        f"""
        import importlib.abc, sys
        BLOCKED = {BLOCKED!r}
        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ImportError(f"blocked: {{name}}")
                return None
        sys.meta_path.insert(0, Block())
        import cs_reports.metrics as m
        print(m.net_promoter_score([10, 9, 0]).score, m.sbg_fit([100, 60, 45]).periods)
        assert not any(name.split(".")[0] in BLOCKED for name in sys.modules)
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["33.333333333333336", "2"]
