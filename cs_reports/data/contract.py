"""The data contract: every sheet, column, type and pt-BR alias, in one declarative table.

``docs/data.md`` documents this table; ``tests/data/test_contract.py`` checks that the
two agree. Header matching ignores case, accents, spaces, ``-`` and ``_``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

__all__ = [
    "NOTES_SHEETS",
    "SHEETS",
    "SUBTOTAL_WORDS",
    "TOTAL_LABELS",
    "Column",
    "HeaderMatch",
    "Sheet",
    "find_sheet",
    "header_unit",
    "is_notes_sheet",
    "match_header",
    "normalise_header",
]

#: Column kinds and what they accept.
KINDS = {
    "id": "an identifier (text or whole number)",
    "text": "text",
    "date": "a date (date cell, Excel serial, YYYY-MM-DD or DD/MM/YYYY)",
    "datetime": "a date and time (date cell, Excel serial, 'YYYY-MM-DD HH:MM' or 'DD/MM/YYYY HH:MM')",
    "month": "a month (date cell, YYYY-MM, MM/YYYY or a date)",
    "money": "an amount (number, or text like 'R$ 1.234,56' or '1234.56')",
    "number": "a number",
    "int": "a whole number",
    "rate": "a number from 0 to 1 (or a percentage like '80%')",
    "enum": "one of the listed values",
    "bool": "yes/no (TRUE/FALSE, sim/não, 1/0)",
}


@dataclass(frozen=True)
class Column:
    """One column of a sheet."""

    name: str
    kind: str
    required: bool = True
    aliases: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    choices: dict[str, str] = field(default_factory=dict)  # accepted spelling -> canonical value
    description: str = ""
    #: A survey answer: '10 - Muito provável' is 10; N/A, '-' and blank are non-answers.
    survey: bool = False

    @property
    def expected(self) -> str:
        """Wording of what this column accepts, for error messages."""
        if self.kind == "enum":
            values = sorted(set(self.choices.values()))
            return "one of " + ", ".join(repr(v) for v in values)
        if self.kind in ("int", "number", "money") and self.low is not None and self.high is not None:
            kind = "a whole number" if self.kind == "int" else "a number"
            return f"{kind} {self.low:g}-{self.high:g}"
        if self.kind in ("money", "number") and self.low is not None:
            return f"{'an amount' if self.kind == 'money' else 'a number'} >= {self.low:g}"
        return KINDS[self.kind]


@dataclass(frozen=True)
class Sheet:
    """One table of the contract."""

    name: str
    columns: tuple[Column, ...]
    required: bool = False
    aliases: tuple[str, ...] = ()
    unique: tuple[str, ...] = ()
    description: str = ""

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        return next(c for c in self.columns if c.name == name)


def _enum(**values: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for canonical, spellings in values.items():
        key = canonical
        for s in (key, *spellings):
            out[normalise_header(s)] = key
    return out


_CONNECTORS = {"de", "do", "da", "dos", "das", "em", "of", "the"}


def normalise_header(text: object) -> str:
    """Lower-case, strip accents, separators and pt-BR connector words.

    >>> normalise_header(" Data de Renovação ")
    'datarenovacao'
    >>> normalise_header("ID do cliente"), normalise_header("client_id"), normalise_header("Mês")
    ('idcliente', 'clientid', 'mes')
    """
    return _normalised(str(text))


@functools.lru_cache(maxsize=8192)
def _normalised(text: str) -> str:
    """:func:`normalise_header` of a string, kept (a reader matches the same few header texts thousands of times)."""
    s = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = [w for w in re.split(r"[\s_\-./]+", s) if w and w not in _CONNECTORS]
    return "".join(words)


CLIENT_ID = Column("client_id", "id", aliases=("cliente", "id cliente", "id do cliente", "client", "codigo cliente"))
LOCALES = _enum(
    **{
        "pt-BR": ("pt", "pt_br", "ptbr", "portugues", "português"),
        "en": ("en-us", "en_us", "english", "ingles"),
        "en-GB": ("en_gb", "engb", "british", "british english"),
    }
)
CURRENCIES = _enum(BRL=("r$", "real", "reais"), USD=("us$", "u$", "dolar", "dolares", "$"), EUR=("€", "euro", "euros"))
#: A row's currency in MRR and Invoices (blank: the client's); another than the client's needs an FX sheet.
ROW_CURRENCY = Column(
    "currency", "enum", False, ("moeda",), choices=CURRENCIES, description="blank = the client's currency"
)
TOUCH = _enum(tech=("tech touch", "tech-touch"), low=("low touch",), mid=("mid touch",), high=("high touch",))

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "Clients",
        (
            Column(
                "client_id",
                "id",
                aliases=(*CLIENT_ID.aliases, "id", "codigo"),
                description="unique client identifier",
            ),
            Column("name", "text", aliases=("nome", "cliente nome", "razao social", "empresa")),
            Column("segment", "text", False, ("segmento",)),
            Column(
                "touch_model",
                "enum",
                False,
                ("modelo de atendimento", "touch"),
                choices=TOUCH,
                description="blank = derived from ARR",
            ),
            Column("csm", "text", False, ("responsavel", "gerente", "gestor")),
            Column("contract_start", "date", False, ("inicio contrato", "inicio do contrato", "data inicio")),
            Column("renewal_date", "date", False, ("data renovacao", "renovacao", "vencimento")),
            Column("plan", "text", False, ("plano",)),
            Column("currency", "enum", False, ("moeda",), choices=CURRENCIES, description="default BRL"),
            Column("cac", "money", False, ("custo aquisicao", "custo de aquisicao"), low=0),
            Column("gross_margin", "rate", False, ("margem bruta", "margem"), low=0, high=1),
            Column(
                "locale",
                "enum",
                False,
                ("idioma", "lingua", "language"),
                choices=LOCALES,
                description="report language; default pt-BR",
            ),
        ),
        required=True,
        aliases=("clientes", "customers", "contas"),
        unique=("client_id",),
        description="one row per client",
    ),
    Sheet(
        "MRR",
        (
            CLIENT_ID,
            Column("month", "month", aliases=("mes", "competencia", "periodo")),
            Column("mrr", "money", aliases=("valor", "receita", "receita mensal", "mensalidade"), low=0),
            Column("subscription_id", "id", False, ("assinatura", "contrato", "subscription")),
            ROW_CURRENCY,
        ),
        aliases=("receita", "receitas", "mrr mensal"),
        unique=("client_id", "month", "subscription_id"),
        description="monthly recurring revenue per client and month; absent months mean 0",
    ),
    Sheet(
        "Invoices",
        (
            CLIENT_ID,
            Column(
                "amount",
                "money",
                aliases=("valor", "valor faturado"),
                description="credit notes are negative; a client's month must net to >= 0",
            ),
            Column("period_start", "date", aliases=("inicio periodo", "inicio", "vigencia inicio")),
            Column("period_end", "date", aliases=("fim periodo", "fim", "vigencia fim")),
            Column("invoice_id", "id", False, ("nota", "fatura", "nf")),
            ROW_CURRENCY,
        ),
        aliases=("faturas", "notas fiscais", "faturamento"),
        description="alternative to MRR: each amount is spread over its service period",
    ),
    Sheet(
        "NPS",
        (
            CLIENT_ID,
            Column("date", "date", aliases=("data", "data resposta", "respondido em")),
            Column(
                "score",
                "int",
                aliases=("nota", "resposta", "pontuacao"),
                low=0,
                high=10,
                survey=True,
                description="N/A, '-' and blank are non-answers (skipped, counted in a note)",
            ),
            Column("comment", "text", False, ("comentario", "comentarios", "observacao")),
        ),
        aliases=("pesquisa nps", "respostas nps"),
    ),
    Sheet(
        "Renewals",
        (
            CLIENT_ID,
            Column("due_date", "date", aliases=("data renovacao", "vencimento", "data vencimento")),
            Column(
                "outcome",
                "enum",
                aliases=("resultado", "status"),
                choices=_enum(
                    renewed=("renovado", "renovada", "renovou"),
                    churned=("cancelado", "cancelada", "churn", "perdido"),
                    pending=("pendente", "em aberto", "aberto"),
                ),
            ),
            Column("mrr_before", "money", False, ("mrr antes", "valor antes"), low=0),
            Column("mrr_after", "money", False, ("mrr depois", "valor depois"), low=0),
        ),
        aliases=("renovacoes", "renovações"),
    ),
    Sheet(
        "Tickets",
        (
            CLIENT_ID,
            Column("ticket_id", "id", aliases=("chamado", "id chamado", "protocolo", "ticket")),
            Column(
                "opened_at",
                "datetime",
                aliases=("aberto em", "abertura", "data abertura", "opened", "opened date", "created", "created date"),
            ),
            Column(
                "first_response_at",
                "datetime",
                False,
                (
                    "primeira resposta",
                    "respondido em",
                    "data primeira resposta",
                    "first response",
                    "first response date",
                ),
            ),
            Column(
                "resolved_at",
                "datetime",
                False,
                ("resolvido em", "fechado em", "encerramento", "data encerramento", "resolved", "resolved date"),
            ),
            Column("csat", "int", False, ("satisfacao", "nota csat"), low=1, high=5, survey=True),
            Column("ces", "int", False, ("esforco", "nota ces"), low=1, high=7, survey=True),
        ),
        aliases=("chamados", "atendimentos", "suporte"),
        unique=("ticket_id",),
    ),
    Sheet(
        "Usage",
        (
            CLIENT_ID,
            Column("month", "month", aliases=("mes", "competencia")),
            Column("active_users", "int", aliases=("usuarios ativos", "ativos"), low=0),
            Column("licensed_users", "int", aliases=("usuarios licenciados", "licencas", "licenciados"), low=0),
        ),
        aliases=("uso", "utilizacao", "adocao"),
        unique=("client_id", "month"),
        description="extra columns are kept as feature-usage columns",
    ),
    Sheet(
        "Milestones",
        (
            CLIENT_ID,
            Column("milestone", "text", aliases=("marco", "entrega", "etapa")),
            Column("phase", "text", aliases=("fase", "prazo")),
            Column("due_date", "date", aliases=("data prevista", "previsto", "prazo data")),
            Column("done_date", "date", False, ("data conclusao", "concluido em", "realizado")),
            Column(
                "owner_side",
                "enum",
                aliases=("lado", "responsabilidade"),
                choices=_enum(client=("cliente",), vendor=("fornecedor", "nos", "nós", "empresa")),
            ),
            Column("owner", "text", False, ("responsavel", "dono")),
            Column(
                "status",
                "enum",
                False,
                ("situacao",),
                choices=_enum(
                    done=("concluido", "concluído", "feito", "entregue"),
                    in_progress=("em andamento", "andamento", "in progress"),
                    late=("atrasado",),
                    planned=("planejado", "a fazer", "pendente"),
                ),
            ),
        ),
        aliases=("marcos", "marcos do sucesso", "mapa de sucesso"),
    ),
    Sheet(
        "Goals",
        (
            CLIENT_ID,
            Column("objective", "text", aliases=("objetivo",)),
            Column("kpi", "text", False, ("indicador",)),
            Column("baseline", "number", False, ("linha de base", "inicial", "antes")),
            Column("target", "number", False, ("meta", "alvo")),
            Column("actual", "number", False, ("atual", "realizado", "resultado")),
            Column("unit", "text", False, ("unidade",)),
        ),
        aliases=("metas", "objetivos"),
    ),
    Sheet(
        "Opportunities",
        (
            CLIENT_ID,
            Column(
                "kind",
                "enum",
                aliases=("tipo",),
                choices=_enum(
                    upsell=("up-sell", "up sell", "expansao"),
                    **{"cross-sell": ("cross sell", "crosssell", "venda cruzada")},
                ),
            ),
            Column("opened", "date", aliases=("aberta em", "abertura")),
            Column("closed", "date", False, ("fechada em", "fechamento")),
            Column("won", "bool", False, ("ganha", "ganho", "resultado")),
            Column("mrr_delta", "money", False, ("mrr adicional", "valor", "acrescimo mrr"), low=0),
        ),
        aliases=("oportunidades",),
    ),
    Sheet(
        "HealthModel",
        (
            Column("component", "text", aliases=("componente", "fator")),
            Column("weight", "number", aliases=("peso",), low=0),
            Column("thresholds", "text", aliases=("limites", "faixas")),
        ),
        aliases=("modelo saude", "health score", "saude"),
        description="health score configuration: thresholds 'bad;good'",
    ),
    Sheet(
        "FX",
        (
            Column("month", "month", aliases=("mes", "competencia")),
            Column("currency", "enum", aliases=("moeda",), choices=CURRENCIES),
            Column("rate", "number", aliases=("taxa", "cotacao", "cambio"), low=0),
        ),
        aliases=("cambio", "câmbio", "taxas de cambio", "cotacoes", "exchange rates"),
        unique=("month", "currency"),
        description="optional: one unit of 'currency' in the client's currency, per month; converts foreign rows",
    ),
)

_SHEET_INDEX = {normalise_header(a): s for s in SHEETS for a in (s.name, *s.aliases)}


#: Sheet names that hold notes for people, not a table (unless their header matches one).
NOTES_SHEETS = frozenset(
    normalise_header(n) for n in ("notas", "observacoes", "obs", "notes", "leia-me", "readme", "instrucoes", "sobre")
)
#: First cells of a totals row at the end of a table.
TOTAL_LABELS = frozenset(
    normalise_header(n) for n in ("total", "totais", "total geral", "subtotal", "soma", "totals", "grand total")
)
#: Last words of an Excel Data > Subtotal row label (``C0001 Total``, ``C0001 Contagem``).
SUBTOTAL_WORDS = frozenset({"total", "totais", "subtotal", "soma", "contagem", "count", "media", "average", "sum"})
#: Headers that name a client (so a name column) when an id column is also present.
_NAME_LIKE = frozenset(normalise_header(n) for n in ("cliente", "client", "customer", "nome cliente"))


def is_notes_sheet(name: str) -> bool:
    """Whether a sheet (or file) name is a notes tab (``Notas``, ``Observações``).

    >>> is_notes_sheet("Observações"), is_notes_sheet("MRR")
    (True, False)
    """
    return normalise_header(name) in NOTES_SHEETS


_UNIT = re.compile(
    r"^(?P<name>.*?\S)\s*(?:\(\s*(?P<paren>R\$|US\$|\$|€|%|BRL|USD|EUR|reais|dias|days|horas|hours|h)\s*\)"
    r"|\[\s*(?P<bracket>R\$|US\$|\$|€|%|BRL|USD|EUR)\s*\]|\s(?P<tail>R\$|US\$|BRL|USD|EUR)|(?P<pct>%))\s*$",
    re.IGNORECASE,
)


def header_unit(text: object) -> tuple[str, str | None]:
    """A header without its unit, and the unit: ``'CAC (R$)'`` -> ``('CAC', 'R$')``.

    A unit in parentheses or brackets, or a trailing ``%`` or currency, is split off; the
    unit then checks the column's values (``%`` accepts 82 or 0.82; a currency mark must
    agree with the client's currency).

    >>> header_unit("Margem Bruta (%)"), header_unit("Valor R$"), header_unit("Churn %"), header_unit("MRR")
    (('Margem Bruta', '%'), ('Valor', 'R$'), ('Churn', '%'), ('MRR', None))
    """
    m = _UNIT.match(str(text).strip())
    if m is None:
        return str(text), None
    unit = m.group("paren") or m.group("bracket") or m.group("tail") or m.group("pct")
    return m.group("name"), unit


@dataclass(frozen=True)
class HeaderMatch:
    """How a header row maps onto a contract sheet."""

    positions: dict[str, int]  # contract column -> header position
    ambiguous: dict[str, tuple[int, ...]]  # contract column -> two or more header positions
    as_name: tuple[int, ...] = ()  # 'Cliente' columns read as the client's name (an id column exists)
    units: dict[int, str] = field(default_factory=dict)  # header position -> unit stripped ('R$', '%')

    @property
    def score(self) -> int:
        """Number of contract columns found."""
        return len(self.positions) + len(self.ambiguous)

    def complete(self, spec: Sheet) -> bool:
        """Every required column found (ambiguous ones count as found)."""
        return all(c.name in self.positions or c.name in self.ambiguous for c in spec.columns if c.required)


def match_header(header: list[object], spec: Sheet) -> HeaderMatch:
    """Map header cells onto ``spec``'s columns by name or pt-BR alias.

    Two headers for one column are ambiguous, except a name-like ``Cliente`` beside an id
    column (``ID``, ``Código``, ``Código Cliente``): that one is the client's name.

    >>> m = match_header(["Código", "Cliente", "Segmento"], SHEETS[0])
    >>> sorted(m.positions.items()), m.as_name
    ([('client_id', 0), ('name', 1), ('segment', 2)], (1,))
    >>> match_header(["cliente", "mes", "valor", "MRR"], SHEETS[1]).ambiguous
    {'mrr': (2, 3)}
    """
    wanted = _wanted(spec)
    found: dict[str, list[int]] = {}
    keys: dict[int, str] = {}
    units: dict[int, str] = {}
    for i, cell in enumerate(header):
        if cell is None or not str(cell).strip():
            continue
        key = normalise_header(cell)
        name = wanted.get(key)
        if name is None:
            bare, unit = header_unit(cell)
            if unit is not None:
                key = normalise_header(bare)
                name = wanted.get(key)
                if name is not None:
                    units[i] = unit
        if name is not None:
            found.setdefault(name, []).append(i)
            keys[i] = key
    as_name: list[int] = []
    ids = found.get("client_id", [])
    if len(ids) > 1:
        names = [i for i in ids if keys[i] in _NAME_LIKE]
        if names and len(names) < len(ids):
            found["client_id"] = [i for i in ids if i not in names]
            as_name = names
            if "name" in {c.name for c in spec.columns} and "name" not in found and len(names) == 1:
                found["name"] = names
    positions = {k: v[0] for k, v in found.items() if len(v) == 1}
    ambiguous = {k: tuple(v) for k, v in found.items() if len(v) > 1}
    return HeaderMatch(positions, ambiguous, tuple(as_name), units)


_WANTED: dict[str, dict[str, str]] = {}


def _wanted(spec: Sheet) -> dict[str, str]:
    if spec.name not in _WANTED:
        wanted: dict[str, str] = {}
        for col in spec.columns:
            for alias in (col.name, *col.aliases):
                wanted.setdefault(normalise_header(alias), col.name)
        _WANTED[spec.name] = wanted
    return _WANTED[spec.name]


def find_sheet(name: str) -> Sheet | None:
    """The contract sheet a workbook sheet (or CSV file stem) name refers to, if any.

    >>> find_sheet("Renovações").name
    'Renewals'
    """
    return _SHEET_INDEX.get(normalise_header(name))
