"""The metric library: pure numpy/pandas functions, no I/O, no optional dependencies.

Every function validates its input first (:mod:`cs_reports._validation`), computes
without side effects, and returns a float (``*_rate`` in [0, 1], ``*_score`` for
indexes, ``*_value`` for money), a frozen dataclass, or a DataFrame with documented
columns. Undefined results are NaN with an :class:`~cs_reports.errors.UndefinedMetricWarning`.

This module must import with none of the extras installed (it runs inside xlwings Lite).
"""

# Each metric module re-exports its public names here, one block per module.

from cs_reports.metrics.clv import (
    CLV_METHODS,
    cac_payback_months,
    clv_discounted,
    clv_fee_months,
    clv_margin_churn,
    clv_ticket,
    clv_value,
    ltv_cac_ratio,
)
from cs_reports.metrics.cohort import CohortTable, cohort_retention
from cs_reports.metrics.engagement import adoption_rate, conversion_rate, opportunity_conversion
from cs_reports.metrics.health import (
    BANDS,
    DEFAULT_HEALTH_MODEL,
    HealthComponent,
    HealthModel,
    health_breakdown,
    health_drivers,
    health_score,
    health_scores,
)
from cs_reports.metrics.mrr import (
    MOVEMENT_COLUMNS,
    MRRMatrix,
    customer_movements,
    mrr_frame,
    mrr_matrix,
    mrr_movements,
)
from cs_reports.metrics.portfolio import (
    DEFAULT_HOURS_PER_MONTH,
    DEFAULT_TOUCH_THRESHOLDS,
    TOUCH_MODELS,
    CapacityResult,
    assign_touch_models,
    csm_capacity,
    ltv_tiers,
    pareto_share,
    touch_model,
)
from cs_reports.metrics.rates import churn_rate, renewal_rate, renewal_rate_from_outcomes, retention_rate
from cs_reports.metrics.revenue import (
    arpa_value,
    arr_value,
    gross_revenue_retention_rate,
    logo_churn_rate,
    net_churn_rate,
    net_revenue_retention_rate,
    quick_ratio,
    revenue_churn_rate,
)
from cs_reports.metrics.sbg import (
    SBGFit,
    sbg_churn_probability,
    sbg_conditional_survival,
    sbg_derl,
    sbg_fit,
    sbg_retention,
    sbg_survival,
)
from cs_reports.metrics.support import TMRResult, response_times
from cs_reports.metrics.survey import NPSResult, csat_rate, customer_effort_score, net_promoter_score

__all__ = [
    "BANDS",
    "CLV_METHODS",
    "DEFAULT_HEALTH_MODEL",
    "DEFAULT_HOURS_PER_MONTH",
    "DEFAULT_TOUCH_THRESHOLDS",
    "MOVEMENT_COLUMNS",
    "TOUCH_MODELS",
    "CapacityResult",
    "CohortTable",
    "HealthComponent",
    "HealthModel",
    "MRRMatrix",
    "NPSResult",
    "SBGFit",
    "TMRResult",
    "adoption_rate",
    "arpa_value",
    "arr_value",
    "assign_touch_models",
    "cac_payback_months",
    "churn_rate",
    "clv_discounted",
    "clv_fee_months",
    "clv_margin_churn",
    "clv_ticket",
    "clv_value",
    "cohort_retention",
    "conversion_rate",
    "csat_rate",
    "csm_capacity",
    "customer_effort_score",
    "customer_movements",
    "gross_revenue_retention_rate",
    "health_breakdown",
    "health_drivers",
    "health_score",
    "health_scores",
    "logo_churn_rate",
    "ltv_cac_ratio",
    "ltv_tiers",
    "mrr_frame",
    "mrr_matrix",
    "mrr_movements",
    "net_churn_rate",
    "net_promoter_score",
    "net_revenue_retention_rate",
    "opportunity_conversion",
    "pareto_share",
    "quick_ratio",
    "renewal_rate",
    "renewal_rate_from_outcomes",
    "response_times",
    "retention_rate",
    "revenue_churn_rate",
    "sbg_churn_probability",
    "sbg_conditional_survival",
    "sbg_derl",
    "sbg_fit",
    "sbg_retention",
    "sbg_survival",
    "touch_model",
]
