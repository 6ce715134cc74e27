"""Where the shipped templates live, from a source checkout or an installed wheel.

The template folders sit at the top level of the repository (``report_templates/``,
``workbook_templates/``) and are copied into the wheel as
``cs_reports/_templates/<name>/``. Code must find them through these functions, never
through paths relative to ``__file__`` of another module.
"""

from __future__ import annotations

from pathlib import Path

from cs_reports.errors import MissingDataError

__all__ = ["report_templates_dir", "workbook_templates_dir"]

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / "_templates" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise MissingDataError(f"The '{name}' folder shipped with cs-reports is missing; reinstall the package.")


def report_templates_dir() -> Path:
    """Return the built-in report templates folder (``report_templates/``)."""
    return _find("report_templates")


def workbook_templates_dir() -> Path:
    """Return the built-in workbook templates folder (``workbook_templates/``)."""
    return _find("workbook_templates")
