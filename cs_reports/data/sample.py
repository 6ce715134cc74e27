"""A deterministic, realistic sample portfolio: the demo data and the tests' fixture.

About 200 clients over 36 months (2023-11 .. 2026-10), every sheet of the data contract,
mostly Brazilian clients (pt-BR) and some English-speaking ones, all billed in BRL. The
portfolio has new business, expansion, contraction, churn, reactivation after a gap,
and clients billed by annual invoices (in the ``Invoices`` sheet instead of ``MRR``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cs_reports.metrics.health import DEFAULT_HEALTH_MODEL
from cs_reports.metrics.portfolio import touch_model

__all__ = ["FIRST_MONTH", "LAST_MONTH", "make_sample_tables", "write_sample"]

FIRST_MONTH = pd.Timestamp("2023-11-01")
LAST_MONTH = pd.Timestamp("2026-10-01")
N_MONTHS = 36

_PT_PREFIX = [
    "Padaria",
    "Transportes",
    "Clínica",
    "Construtora",
    "Agropecuária",
    "Farmácia",
    "Escola",
    "Logística",
    "Distribuidora",
    "Laboratório",
    "Imobiliária",
    "Hotel",
    "Restaurante",
    "Comercial",
    "Indústria",
    "Editora",
]
_PT_NAME = [
    "Silva",
    "Souza",
    "Oliveira",
    "Santos",
    "Pereira",
    "Costa",
    "Almeida",
    "Ferreira",
    "Rodrigues",
    "Gomes",
    "Ribeiro",
    "Carvalho",
    "Araújo",
    "Lima",
    "Barbosa",
    "Rocha",
    "Mendes",
    "Nogueira",
    "Teixeira",
    "Moura",
]
_PT_PLACE = [
    "Paulista",
    "Carioca",
    "Mineira",
    "do Sul",
    "Nordeste",
    "Litoral",
    "Serra Azul",
    "Boa Vista",
    "Ipiranga",
    "Horizonte",
    "Vale Verde",
    "Cerrado",
]
_PT_SUFFIX = ["Ltda.", "S.A.", "ME", "EIRELI", "Ltda."]
_EN_PREFIX = [
    "Northwind",
    "Bluebird",
    "Harbor",
    "Summit",
    "Evergreen",
    "Redwood",
    "Silverline",
    "Brightpath",
    "Ironbridge",
    "Maple",
    "Cobalt",
    "Lakeside",
]
_EN_NAME = ["Analytics", "Logistics", "Health", "Foods", "Learning", "Retail", "Labs", "Energy", "Media", "Finance"]
_EN_SUFFIX = ["Inc.", "LLC", "Ltd.", "Co."]
_CSMS = [
    "Ana Ribeiro",
    "Bruno Carvalho",
    "Camila Nunes",
    "Diego Martins",
    "Elisa Moreira",
    "Felipe Duarte",
    "Gabriela Rocha",
    "Henrique Alves",
]
_SEGMENTS = {"SMB": (1_000.0, 0.55), "Mid-Market": (5_000.0, 0.5), "Enterprise": (22_000.0, 0.45)}
_PLANS = {"SMB": "Essencial", "Mid-Market": "Profissional", "Enterprise": "Enterprise"}
_COMMENTS = {
    "pt-BR": {
        "promoter": [
            "Excelente atendimento, a equipe é muito próxima.",
            "A plataforma mudou nossa rotina, recomendo!",
            "Suporte rápido e resolutivo.",
            "Ótimo custo-benefício e ótimas integrações.",
        ],
        "passive": [
            "Bom produto, mas faltam alguns relatórios.",
            "Funciona bem, a implantação foi um pouco lenta.",
            "Atende, mas poderia ser mais simples.",
        ],
        "detractor": [
            "Chamados demoram para ser resolvidos.",
            "Tivemos instabilidade no último mês.",
            "O preço subiu e o valor não acompanhou.",
            "Falta treinamento para a equipe.",
        ],
    },
    "en": {
        "promoter": [
            "Great team, they really understand our business.",
            "The platform saves us hours every week.",
            "Fast, helpful support.",
        ],
        "passive": ["Solid product, reporting could be better.", "Works well, onboarding took a while."],
        "detractor": [
            "Tickets take too long to resolve.",
            "We had outages last month.",
            "Too expensive for what we use.",
        ],
    },
}
_GOALS = {
    "pt-BR": [
        ("Reduzir o tempo médio de atendimento", "TMA", "min", 12.0, 8.0),
        ("Aumentar a adoção da plataforma", "Usuários ativos", "%", 45.0, 80.0),
        ("Diminuir retrabalho no faturamento", "Erros por mês", "erros", 30.0, 10.0),
        ("Acelerar o fechamento mensal", "Dias para fechar", "dias", 10.0, 5.0),
        ("Aumentar a satisfação dos clientes finais", "CSAT", "%", 70.0, 85.0),
    ],
    "en": [
        ("Cut average handling time", "AHT", "min", 12.0, 8.0),
        ("Increase platform adoption", "Active users", "%", 45.0, 80.0),
        ("Reduce billing rework", "Errors per month", "errors", 30.0, 10.0),
        ("Close the books faster", "Days to close", "days", 10.0, 5.0),
    ],
}
_MILESTONES = {
    "pt-BR": [
        ("30", "Kickoff e configuração inicial", "vendor"),
        ("30", "Envio dos dados de cadastro", "client"),
        ("60", "Treinamento dos usuários-chave", "vendor"),
        ("60", "Integração com o ERP", "client"),
        ("90", "Primeiro relatório de resultados", "vendor"),
        ("90", "Validação do ROI com a diretoria", "client"),
    ],
    "en": [
        ("30", "Kickoff and initial setup", "vendor"),
        ("30", "Send master data", "client"),
        ("60", "Train key users", "vendor"),
        ("60", "ERP integration", "client"),
        ("90", "First results report", "vendor"),
        ("90", "ROI review with leadership", "client"),
    ],
}
_CONTACTS = ["Mariana Lopes", "Rafael Teixeira", "Juliana Prado", "Paulo Vieira", "Sarah Miller", "John Carter"]


@dataclass
class _Client:
    cid: str
    name: str
    locale: str
    segment: str
    csm: str
    start: int  # month index of first MRR
    base: float
    annual: bool


def _name(rng: np.random.Generator, locale: str, used: set[str]) -> str:
    while True:
        if locale == "pt-BR":
            parts = [
                rng.choice(_PT_PREFIX),
                rng.choice(_PT_NAME if rng.random() < 0.6 else _PT_PLACE),
                rng.choice(_PT_SUFFIX),
            ]
        else:
            parts = [rng.choice(_EN_PREFIX), rng.choice(_EN_NAME), rng.choice(_EN_SUFFIX)]
        name = " ".join(str(p) for p in parts)
        if name not in used:
            used.add(name)
            return name


def _mrr_path(rng: np.random.Generator, c: _Client) -> np.ndarray:
    """Monthly MRR of one client: churn hazard, expansions, contractions, reactivations."""
    mrr = np.zeros(N_MONTHS)
    value = c.base
    active = True
    gap = 0
    for t in range(c.start, N_MONTHS):
        if active:
            u = rng.random()
            if t > c.start and u < 0.014:
                active, gap = False, 0
                mrr[t] = 0.0
                continue
            if u < 0.05:
                value *= 1 + rng.uniform(0.1, 0.4)
            elif u < 0.07:
                value *= 1 - rng.uniform(0.1, 0.3)
            if c.annual:  # annual plans change only at renewal
                value = mrr[t - 1] if t > c.start and (t - c.start) % 12 else value
            mrr[t] = round(value, 2)
        else:
            gap += 1
            if gap >= 2 and rng.random() < 0.03:
                active = True
                value = value * rng.uniform(0.8, 1.1)
                mrr[t] = round(value, 2)
    return mrr


def make_sample_tables(seed: int = 2026, clients: int = 200) -> dict[str, pd.DataFrame]:
    """Build every sheet of the sample portfolio as DataFrames (contract column names).

    The same ``seed`` always gives the same data.
    """
    rng = np.random.default_rng(seed)
    used: set[str] = set()
    people: list[_Client] = []
    for i in range(clients):
        locale = "pt-BR" if rng.random() < 0.8 else "en"
        segment = str(rng.choice(list(_SEGMENTS), p=[0.6, 0.3, 0.1]))
        median, sigma = _SEGMENTS[segment]
        start = int(rng.integers(0, N_MONTHS)) if rng.random() < 0.7 else 0
        base = round(float(median * rng.lognormal(0, sigma)), -1)
        annual = rng.random() < 0.12
        people.append(
            _Client(
                f"C{i + 1:04d}", _name(rng, locale, used), locale, segment, _CSMS[i % len(_CSMS)], start, base, annual
            )
        )
    months = pd.date_range(FIRST_MONTH, periods=N_MONTHS, freq="MS")
    paths = {c.cid: _mrr_path(rng, c) for c in people}

    client_rows, mrr_rows, invoice_rows = [], [], []
    starts: dict[str, pd.Timestamp] = {}
    for c in people:
        path = paths[c.cid]
        paying = np.flatnonzero(path > 0)
        first = int(paying[0]) if paying.size else c.start
        contract_start = months[first] + pd.Timedelta(days=int(rng.integers(0, 27)))
        if first == 0:  # a client since before the data window: its contract started earlier
            contract_start -= pd.Timedelta(days=int(rng.integers(0, 3 * 365)))
        starts[c.cid] = contract_start
        renewal = contract_start + pd.DateOffset(years=1)
        while renewal <= LAST_MONTH:
            renewal += pd.DateOffset(years=1)
        arr = 12 * (path[-1] if path[-1] > 0 else path.max())
        given = touch_model(arr) if rng.random() < 0.7 else None
        client_rows.append(
            {
                "client_id": c.cid,
                "name": c.name,
                "segment": c.segment,
                "touch_model": given,
                "csm": c.csm,
                "contract_start": contract_start.normalize(),
                "renewal_date": renewal.normalize(),
                "plan": _PLANS[c.segment],
                "currency": "BRL",
                "cac": round(float(c.base * rng.uniform(4, 10)), -1),
                "gross_margin": round(float(rng.uniform(0.72, 0.86)), 2),
                "locale": c.locale,
            }
        )
        if c.annual:
            t = first
            while t < N_MONTHS:
                if path[t] > 0:
                    period_start = months[t] + pd.Timedelta(days=int(contract_start.day) - 1)
                    invoice_rows.append(
                        {
                            "client_id": c.cid,
                            "amount": round(float(path[t] * 12), 2),
                            "period_start": period_start,
                            "period_end": period_start + pd.DateOffset(years=1) - pd.Timedelta(days=1),
                            "invoice_id": f"NF-{c.cid[1:]}-{months[t]:%Y%m}",
                        }
                    )
                    t += 12
                else:
                    t += 1
        else:
            for t in paying.tolist():
                mrr_rows.append({"client_id": c.cid, "month": months[t], "mrr": float(path[t])})

    nps_rows, ticket_rows, usage_rows = [], [], []
    ticket_no = 0
    for c in people:
        path = paths[c.cid]
        mood = float(rng.normal(0.0, 1.0))  # latent satisfaction
        seats = max(3, int(c.base / 60))
        adoption = float(np.clip(rng.beta(4, 3) + 0.1 * mood, 0.05, 0.98))
        for t in np.flatnonzero(path > 0).tolist():
            month = months[t]
            if t % 3 == c.start % 3:
                for _ in range(int(rng.integers(1, 4))):
                    score = int(np.clip(round(rng.normal(8.2 + 1.2 * mood, 1.6)), 0, 10))
                    kind = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
                    comment = str(rng.choice(_COMMENTS[c.locale][kind])) if rng.random() < 0.45 else None
                    day = month + pd.Timedelta(days=int(rng.integers(0, 27)))
                    nps_rows.append({"client_id": c.cid, "date": day, "score": score, "comment": comment})
            for _ in range(int(rng.poisson(0.6 + c.base / 8000))):
                ticket_no += 1
                opened = month + pd.Timedelta(minutes=int(rng.integers(0, 27 * 24 * 60)))
                first_h = float(rng.lognormal(np.log(3.0) - 0.3 * mood, 0.9))
                resolve_h = first_h + float(rng.lognormal(np.log(16.0), 1.0))
                recent = month >= months[-1]
                responded = opened + pd.Timedelta(hours=round(first_h, 2))
                resolved = None if recent and rng.random() < 0.5 else opened + pd.Timedelta(hours=round(resolve_h, 2))
                csat = int(np.clip(round(rng.normal(4.1 + 0.4 * mood, 0.8)), 1, 5)) if rng.random() < 0.7 else None
                ces = int(np.clip(round(rng.normal(5.3 + 0.5 * mood, 1.1)), 1, 7)) if rng.random() < 0.5 else None
                ticket_rows.append(
                    {
                        "client_id": c.cid,
                        "ticket_id": f"T{ticket_no:06d}",
                        "opened_at": opened.floor("min"),
                        "first_response_at": responded.floor("min"),
                        "resolved_at": None if resolved is None else resolved.floor("min"),
                        "csat": csat,
                        "ces": ces,
                    }
                )
            seats = max(seats, int(path[t] / 60))
            adoption = float(np.clip(adoption + rng.normal(0.005, 0.03), 0.05, 0.98))
            active = round(seats * adoption)
            usage_rows.append(
                {
                    "client_id": c.cid,
                    "month": month,
                    "active_users": active,
                    "licensed_users": seats,
                    "reports_created": int(rng.poisson(active * 3)),
                    "integrations_used": int(rng.integers(0, 6)),
                }
            )

    renewal_rows, milestone_rows, goal_rows, opp_rows = [], [], [], []
    for c in people:
        path = paths[c.cid]
        paying = np.flatnonzero(path > 0)
        if not paying.size:
            continue
        first = int(paying[0])
        anniversary = starts[c.cid] + pd.DateOffset(years=1)
        horizon = LAST_MONTH + pd.DateOffset(months=3)
        while anniversary < horizon:
            due_date = anniversary.normalize()
            anniversary += pd.DateOffset(years=1)
            if due_date < FIRST_MONTH + pd.DateOffset(months=1):
                continue
            due = (due_date.year - FIRST_MONTH.year) * 12 + due_date.month - FIRST_MONTH.month
            before = float(path[min(due - 1, N_MONTHS - 1)])
            if due >= N_MONTHS:
                outcome, after = "pending", None
            else:
                after = float(path[due])
                outcome = "renewed" if after > 0 else "churned"
            if before > 0:
                renewal_rows.append(
                    {
                        "client_id": c.cid,
                        "due_date": due_date,
                        "outcome": outcome,
                        "mrr_before": before,
                        "mrr_after": after,
                    }
                )
        # Success plan: 30/60/90 milestones from the latest onboarding or renewal cycle.
        cycle = first + ((N_MONTHS - 1 - first) // 12) * 12
        anchor = months[cycle] + pd.Timedelta(days=5)
        for phase, milestone, side in _MILESTONES[c.locale]:
            due_day = anchor + pd.Timedelta(days=int(phase))
            now = months[-1] + pd.offsets.MonthEnd(0)
            if due_day <= now:
                late = rng.random() < 0.2
                done = (
                    None
                    if late and rng.random() < 0.5
                    else due_day + pd.Timedelta(days=int(rng.integers(-5, 15 if late else 3)))
                )
                status = "done" if done is not None else "late"
            else:
                done, status = None, "in_progress" if due_day - now < pd.Timedelta(days=30) else "planned"
            owner = c.csm if side == "vendor" else str(rng.choice(_CONTACTS))
            milestone_rows.append(
                {
                    "client_id": c.cid,
                    "milestone": milestone,
                    "phase": f"{phase} dias" if c.locale == "pt-BR" else f"{phase} days",
                    "due_date": due_day.normalize(),
                    "done_date": None if done is None else done.normalize(),
                    "owner_side": side,
                    "owner": owner,
                    "status": status,
                }
            )
        for objective, kpi, unit, baseline, target in [
            _GOALS[c.locale][k] for k in rng.choice(len(_GOALS[c.locale]), 2, replace=False)
        ]:
            progress = float(np.clip(rng.normal(0.6, 0.35), -0.1, 1.2))
            actual = round(baseline + (target - baseline) * progress, 1)
            goal_rows.append(
                {
                    "client_id": c.cid,
                    "objective": objective,
                    "kpi": kpi,
                    "baseline": baseline,
                    "target": target,
                    "actual": actual,
                    "unit": unit,
                }
            )
        for _ in range(int(rng.poisson(0.6))):
            t = int(rng.integers(first, N_MONTHS))
            opened = months[t] + pd.Timedelta(days=int(rng.integers(0, 27)))
            closed = opened + pd.Timedelta(days=int(rng.integers(15, 90)))
            is_open = closed > months[-1] + pd.offsets.MonthEnd(0)
            opp_rows.append(
                {
                    "client_id": c.cid,
                    "kind": "upsell" if rng.random() < 0.6 else "cross-sell",
                    "opened": opened.normalize(),
                    "closed": None if is_open else closed.normalize(),
                    "won": None if is_open else bool(rng.random() < 0.45),
                    "mrr_delta": round(float(path[t] * rng.uniform(0.1, 0.5)), 2)
                    if path[t]
                    else round(c.base * 0.2, 2),
                }
            )

    health = [
        {"component": comp.name, "weight": comp.weight, "thresholds": f"{comp.bad:g};{comp.good:g}"}
        for comp in DEFAULT_HEALTH_MODEL.components
    ]
    return {
        "Clients": pd.DataFrame(client_rows),
        "MRR": pd.DataFrame(mrr_rows),
        "Invoices": pd.DataFrame(invoice_rows),
        "NPS": pd.DataFrame(nps_rows),
        "Renewals": pd.DataFrame(renewal_rows),
        "Tickets": pd.DataFrame(ticket_rows),
        "Usage": pd.DataFrame(usage_rows),
        "Milestones": pd.DataFrame(milestone_rows),
        "Goals": pd.DataFrame(goal_rows),
        "Opportunities": pd.DataFrame(opp_rows),
        "HealthModel": pd.DataFrame(health),
    }


def write_sample(path: str | Path, *, seed: int = 2026, csv_dir: str | Path | None = None) -> Path:
    """Write the sample portfolio as a styled .xlsx (atomically), and optionally as CSVs."""
    from cs_reports.data.writer import write_tables

    tables = make_sample_tables(seed)
    out = write_tables(tables, path)
    if csv_dir is not None:
        from cs_reports._io import atomic_output, ensure_output_dir

        folder = ensure_output_dir(csv_dir)
        for name, frame in tables.items():
            with atomic_output(folder / f"{name}.csv", mode="w") as fh:
                frame.to_csv(fh, index=False, date_format="%Y-%m-%d %H:%M", lineterminator="\n")
    return out
