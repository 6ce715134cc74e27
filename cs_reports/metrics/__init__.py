"""The metric library: pure numpy/pandas functions, no I/O, no optional dependencies.

Every function validates its input first (:mod:`cs_reports._validation`), computes
without side effects, and returns a float (``*_rate`` in [0, 1], ``*_score`` for
indexes, ``*_value`` for money), a frozen dataclass, or a DataFrame with documented
columns. Undefined results are NaN with an :class:`~cs_reports.errors.UndefinedMetricWarning`.

This module must import with none of the extras installed (it runs inside xlwings Lite).
"""

# Each metric module re-exports its public names here, one block per module.

from cs_reports.metrics.engagement import adoption_rate, conversion_rate, opportunity_conversion
from cs_reports.metrics.rates import churn_rate, renewal_rate, renewal_rate_from_outcomes, retention_rate
from cs_reports.metrics.support import TMRResult, response_times
from cs_reports.metrics.survey import NPSResult, csat_rate, customer_effort_score, net_promoter_score

__all__ = [
    "NPSResult",
    "TMRResult",
    "adoption_rate",
    "churn_rate",
    "conversion_rate",
    "csat_rate",
    "customer_effort_score",
    "net_promoter_score",
    "opportunity_conversion",
    "renewal_rate",
    "renewal_rate_from_outcomes",
    "response_times",
    "retention_rate",
]
