"""cs-reports: Customer Success metrics in Excel and per-client PDF reports.

The metric library (:mod:`cs_reports.metrics`) is pure numpy/pandas and installs
alone; Excel (:mod:`cs_reports.excel`) and PDF reports (:mod:`cs_reports.reports`)
are optional extras.
"""

from cs_reports.errors import (
    CsReportsError,
    DataContractError,
    InvalidInputError,
    MissingDataError,
    OutputError,
    UndefinedMetricWarning,
)

__version__ = "0.1.0"

__all__ = [
    "CsReportsError",
    "DataContractError",
    "InvalidInputError",
    "MissingDataError",
    "OutputError",
    "UndefinedMetricWarning",
    "__version__",
]
