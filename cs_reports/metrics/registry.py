"""The metric registry: one definition per figure shown on more than one surface.

Each :class:`MetricDefinition` holds the function that computes the figure, its unit, its
labels per language and the policy sentence reports print, written from the same knobs the
function takes, so the sentence and the number cannot drift. Two useful variants of one idea
(the portfolio's LTV and one client's LTV) are two named entries. Pure: no I/O.

``docs/metrics.md`` is generated from :data:`REGISTRY` (:func:`markdown`); a test checks it is current.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from cs_reports._validation import as_month, check_number
from cs_reports._validation import quiet as _quiet
from cs_reports.metrics.clv import clv_margin_churn
from cs_reports.metrics.engagement import adoption_rate
from cs_reports.metrics.mrr import mrr_movements
from cs_reports.metrics.revenue import (
    arpa_value,
    gross_revenue_retention_rate,
    logo_churn_rate,
    net_revenue_retention_rate,
    quick_ratio,
    revenue_churn_rate,
)
from cs_reports.metrics.survey import csat_rate, net_promoter_score

__all__ = [
    "LANGUAGES",
    "REGISTRY",
    "MetricDefinition",
    "client_ltv",
    "definition",
    "goal_progress",
    "markdown",
    "mean_monthly_logo_churn",
    "portfolio_ltv",
    "sentence",
]

#: The languages every entry has labels and sentences in (regional variants use their base).
LANGUAGES = ("pt-BR", "en")


def mean_monthly_logo_churn(frame: pd.DataFrame, *, end: Any, months: int = 12, same_period: str = "exclude") -> float:
    """Mean of the monthly logo-churn rates of the ``months`` months ending at ``end``.

    Months whose rate is undefined (no customers at their start) are left out of the mean.

    Examples
    --------
    >>> df = pd.DataFrame({"client_id": ["a", "a", "b", "b", "b"],
    ...                    "month": ["2024-01", "2024-02", "2024-01", "2024-02", "2024-03"],
    ...                    "mrr": [10, 10, 10, 10, 10]})
    >>> round(mean_monthly_logo_churn(df, end="2024-03", months=2), 3)
    0.25
    """
    last = as_month(end, name="end", func="mean_monthly_logo_churn")
    n = int(check_number(months, name="months", func="mean_monthly_logo_churn", low=1))
    rates = [
        _quiet(logo_churn_rate, frame, start=last - pd.DateOffset(months=k), same_period=same_period) for k in range(n)
    ]
    defined = [r for r in rates if math.isfinite(r)]
    return float(sum(defined) / len(defined)) if defined else math.nan


def portfolio_ltv(
    arpa: float, monthly_churn: float, *, gross_margin: float = 1.0, zero_churn: str = "cap", cap: int = 60
) -> float:
    """The portfolio's LTV: ARPA x gross margin / mean monthly logo churn (lifetime capped)."""
    if not (math.isfinite(arpa) and math.isfinite(monthly_churn)):
        return math.nan
    return _quiet(
        clv_margin_churn, arpa, monthly_churn, gross_margin=gross_margin, zero_churn=zero_churn, max_lifetime_months=cap
    )


def client_ltv(mrr: float, monthly_churn: float, *, gross_margin: float = 1.0, cap: int = 60) -> float:
    """One client's LTV: its MRR x its gross margin / the portfolio's mean monthly logo churn (capped)."""
    if not (mrr > 0 and math.isfinite(monthly_churn)):
        return math.nan
    return _quiet(
        clv_margin_churn, mrr, monthly_churn, gross_margin=gross_margin, zero_churn="cap", max_lifetime_months=cap
    )


def goal_progress(baseline: float, actual: float, target: float) -> float:
    """How far a goal went from its baseline to its target: (actual - baseline) / (target - baseline).

    >>> goal_progress(10.0, 25.0, 40.0)
    0.5
    """
    span = target - baseline
    return (actual - baseline) / span if span and not math.isnan(span) else math.nan


@dataclass(frozen=True)
class MetricDefinition:
    """One figure: how it is computed, what it is called and the sentence printed beside it."""

    id: str
    unit: str  # money | rate | score | ratio
    labels: Mapping[str, str]
    formula: str
    window: str
    population: str
    compute: Callable[..., Any]
    sentences: Mapping[str, str]
    knobs: Mapping[str, Any] = field(default_factory=dict)

    def label(self, lang: str) -> str:
        """The figure's name in ``lang``."""
        return self.labels[_base(lang)]

    def template(self, lang: str) -> str:
        """The policy sentence in ``lang`` with its ``{knob}`` fields unfilled."""
        return self.sentences[_base(lang)]

    def sentence(self, lang: str, **knobs: Any) -> str:
        """The policy sentence in ``lang`` with the knobs used (defaults: :attr:`knobs`)."""
        return self.sentences[_base(lang)].format(**{**self.knobs, **knobs})


def _base(lang: str) -> str:
    return "en" if lang.lower().startswith("en") else "pt-BR"


_LTV_KNOBS = {"n": 12, "cap": 60}

REGISTRY: Mapping[str, MetricDefinition] = {
    d.id: d
    for d in (
        MetricDefinition(
            "portfolio_ltv",
            "money",
            {"pt-BR": "LTV da carteira", "en": "Portfolio LTV"},
            "ARPA x mean gross margin / mean monthly logo churn; lifetime capped at `cap` months",
            "logo churn: mean of the monthly rates of the last `n` months; ARPA and margin: the month",
            "clients paying in the month (ARPA, margin)",
            portfolio_ltv,
            {
                "pt-BR": "LTV = ARPA × margem bruta média ÷ média das taxas mensais de churn de clientes dos "
                "últimos {n} meses; vida limitada a {cap} meses.",
                "en": "LTV = ARPA × mean gross margin ÷ the mean of the monthly customer churn rates of the "
                "last {n} months; lifetime capped at {cap} months.",
            },
            _LTV_KNOBS,
        ),
        MetricDefinition(
            "client_ltv",
            "money",
            {"pt-BR": "LTV do cliente", "en": "Client LTV"},
            "the client's MRR x its gross margin / the portfolio's mean monthly logo churn; capped at `cap` months",
            "the client's MRR at the quarter's last month; churn as the portfolio LTV",
            "this client (margin 100% when blank)",
            client_ltv,
            {
                "pt-BR": "LTV do cliente = MRR do cliente × sua margem bruta ÷ média das taxas mensais de churn de "
                "clientes da carteira dos últimos {n} meses; vida limitada a {cap} meses.",
                "en": "Client LTV = the client's MRR × its gross margin ÷ the portfolio's mean monthly customer "
                "churn rate of the last {n} months; lifetime capped at {cap} months.",
            },
            _LTV_KNOBS,
        ),
        MetricDefinition(
            "logo_churn",
            "rate",
            {"pt-BR": "Churn de clientes", "en": "Customer churn"},
            "customers lost in the month / paying customers at the month's start",
            "one month",
            "paying customers at the month's start",
            logo_churn_rate,
            {
                "pt-BR": "Churn de clientes: perdidos no mês ÷ pagantes no início do mês.",
                "en": "Customer churn: customers lost in the month ÷ customers paying at its start.",
            },
        ),
        MetricDefinition(
            "revenue_churn",
            "rate",
            {"pt-BR": "Churn de receita", "en": "Revenue churn"},
            "(churned MRR + contraction) / MRR at the month's start",
            "one month",
            "MRR at the month's start",
            revenue_churn_rate,
            {
                "pt-BR": "Churn de receita: (MRR perdido + contração) ÷ MRR no início do mês.",
                "en": "Revenue churn: (churned MRR + contraction) ÷ MRR at the month's start.",
            },
        ),
        MetricDefinition(
            "nrr",
            "rate",
            {"pt-BR": "NRR", "en": "NRR"},
            "MRR now of the customers paying `window` months ago / their MRR then",
            "`window` months",
            "customers paying at the window's start",
            net_revenue_retention_rate,
            {
                "pt-BR": "NRR = MRR atual dos clientes pagantes há {window} meses ÷ o MRR deles então.",
                "en": "NRR = today's MRR of the customers paying {window} months ago ÷ their MRR then.",
            },
            {"window": 12},
        ),
        MetricDefinition(
            "grr",
            "rate",
            {"pt-BR": "GRR", "en": "GRR"},
            "as NRR with each customer's MRR capped at its start value",
            "`window` months",
            "customers paying at the window's start",
            gross_revenue_retention_rate,
            {
                "pt-BR": "GRR = como o NRR, com o MRR de cada cliente limitado ao de {window} meses atrás.",
                "en": "GRR = as NRR, each customer's MRR capped at its value {window} months ago.",
            },
            {"window": 12},
        ),
        MetricDefinition(
            "mrr_movements",
            "money",
            {"pt-BR": "Movimentação do MRR", "en": "MRR movements"},
            "per client, the month against the month before: new = first paid month ever; reactivation = paying "
            "again after at least one month at 0; expansion / contraction = change of a client paying in both "
            "months; churn = the MRR of a client that stops paying",
            "each month",
            "every client with MRR (subscriptions merged per client)",
            mrr_movements,
            {
                "pt-BR": "Movimentação do MRR, cliente a cliente, mês contra o mês anterior: novo = primeiro mês pago; "
                "reativação = volta a pagar depois de ao menos um mês sem MRR; expansão e contração = aumento e "
                "redução de quem pagou nos dois meses; churn = o MRR de quem deixou de pagar.",
                "en": "MRR movements, client by client, each month against the month before: new = first paid "
                "month ever; reactivation = paying again after at least one month at 0; expansion and contraction "
                "= increase and decrease of a client paying in both months; churn = the MRR of a client that "
                "stopped paying.",
            },
        ),
        MetricDefinition(
            "quick_ratio",
            "ratio",
            {"pt-BR": "Quick ratio", "en": "Quick ratio"},
            "(new + expansion + reactivation) / (churn + contraction)",
            "the month",
            "the month's MRR movements",
            quick_ratio,
            {
                "pt-BR": "Quick ratio = (novo + expansão + reativação) ÷ (churn + contração) do mês.",
                "en": "Quick ratio = (new + expansion + reactivation) ÷ (churn + contraction) of the month.",
            },
        ),
        MetricDefinition(
            "arpa",
            "money",
            {"pt-BR": "ARPA", "en": "ARPA"},
            "MRR / paying customers",
            "the month",
            "customers paying in the month",
            arpa_value,
            {"pt-BR": "ARPA = MRR ÷ clientes pagantes no mês.", "en": "ARPA = MRR ÷ customers paying in the month."},
        ),
        MetricDefinition(
            "license_adoption",
            "rate",
            {"pt-BR": "Adoção de licenças", "en": "License adoption"},
            "sum of active users / sum of licensed users",
            "the month",
            "the usage rows of the month",
            adoption_rate,
            {
                "pt-BR": "Adoção de licenças = usuários ativos ÷ licenças no mês.",
                "en": "License adoption = active users ÷ licenses in the month.",
            },
        ),
        MetricDefinition(
            "goal_progress",
            "rate",
            {"pt-BR": "Progresso da meta", "en": "Goal progress"},
            "(actual - baseline) / (target - baseline) of one goal",
            "the goal's own dates",
            "one goal of the Goals sheet",
            goal_progress,
            {
                "pt-BR": "Progresso da meta = (realizado − base) ÷ (alvo − base); não é a adoção de licenças.",
                "en": "Goal progress = (current − baseline) ÷ (target − baseline); not license adoption.",
            },
        ),
        MetricDefinition(
            "nps",
            "score",
            {"pt-BR": "NPS", "en": "NPS"},
            "100 x (promoters (9-10) - detractors (0-6)) / answers",
            "last 3 months (portfolio)",
            "survey answers",
            net_promoter_score,
            {
                "pt-BR": "NPS = % promotores (9–10) − % detratores (0–6) das respostas.",
                "en": "NPS = % promoters (9–10) − % detractors (0–6) of the answers.",
            },
        ),
        MetricDefinition(
            "csat",
            "rate",
            {"pt-BR": "CSAT", "en": "CSAT"},
            "answers of 4 or 5 / answers",
            "last 3 months",
            "tickets opened in the window with a CSAT answer",
            csat_rate,
            {
                "pt-BR": "CSAT = respostas 4 ou 5 ÷ respostas.",
                "en": "CSAT = answers of 4 or 5 ÷ answers.",
            },
        ),
    )
}


def definition(metric_id: str) -> MetricDefinition:
    """The registry entry ``metric_id``; an unknown id is a one-line error naming the known ones."""
    try:
        return REGISTRY[metric_id]
    except KeyError:
        raise KeyError(f"unknown metric {metric_id!r}; expected one of {sorted(REGISTRY)}") from None


def sentence(metric_id: str, lang: str, **knobs: Any) -> str:
    """The policy sentence of ``metric_id`` in ``lang``."""
    return definition(metric_id).sentence(lang, **knobs)


def markdown() -> str:
    """``docs/metrics.md``: every entry with its definition, labels and sentences."""
    out = [
        "# Metrics",
        "",
        "<!-- generated from cs_reports/metrics/registry.py by `python -m cs_reports.metrics.registry`; "
        "a test checks it is current -->",
        "",
        "One entry per figure shown on more than one surface. The reports print the sentence of the",
        "entry they show; the number comes from the entry's function.",
        "",
    ]
    for d in REGISTRY.values():
        out += [
            f"## `{d.id}`: {d.labels['en']} / {d.labels['pt-BR']}",
            "",
            f"- unit: {d.unit}",
            f"- formula: {d.formula}",
            f"- window: {d.window}",
            f"- population: {d.population}",
            f"- knobs: {dict(d.knobs) or 'none'}",
            f"- computed by: `{d.compute.__module__}.{d.compute.__name__}`",
            f"- en: {d.sentence('en')}",
            f"- pt-BR: {d.sentence('pt-BR')}",
            "",
        ]
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    from cs_reports.metrics import registry as _registry  # the importable module, so names read cs_reports.*

    print(_registry.markdown(), end="")
