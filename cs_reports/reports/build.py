"""Report context builders, one module per report kind; this module gathers their public names."""

from __future__ import annotations

from cs_reports.reports.content.common import parse_quarter
from cs_reports.reports.content.finance import build_finance_context
from cs_reports.reports.content.qbr import build_qbr_context
from cs_reports.reports.content.success_map import build_success_map_context

__all__ = [
    "build_finance_context",
    "build_qbr_context",
    "build_success_map_context",
    "parse_quarter",
]
