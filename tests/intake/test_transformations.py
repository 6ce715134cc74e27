"""Intake tested by transformations: what must not change a table or a number, and what must be refused.

Each change of :data:`tests.intake.transform.SAME` rewrites the clean book the way a team or a
tool would (formats, names, order, encodings, Excel features); the book read back must hold the
**same tables row by row** (compared as frames, row numbers aside) and give the **same
metrics**. Each change of :data:`REFUSED` breaks one cell; the book must be refused with a
problem naming that sheet (or file), row (or line) and column. Hypothesis composes two to four
changes per case.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from cs_reports.data import load_book
from cs_reports.data.sample import make_sample_tables
from cs_reports.data.summary import portfolio_summary
from cs_reports.errors import DataContractError
from tests.intake.builders import rows
from tests.intake.conftest import TODAY
from tests.intake.transform import SAME, Change, Incompatible, Spec, spec_of, write

#: Shrinking re-loads books for minutes; the failing changes are printed as drawn (few enough to read).
#: The draws are derandomized: the same cases on every run (hundreds more were explored while writing).
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)
CLEAN = {name: rows(frame) for name, frame in make_sample_tables(clients=12).items()}


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame without its source row numbers, rows in a fixed order, text numbers of extra columns as numbers."""
    out = frame.drop(columns=["_row"], errors="ignore").reset_index(drop=True).copy()
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_datetime64_any_dtype(out[col])):
            numbers = pd.to_numeric(out[col], errors="coerce")
            if numbers.notna().sum() == out[col].notna().sum():
                out[col] = numbers.astype("float64")
    out = out[sorted(out.columns)]
    # Rows ordered by their cells' text, column by column (a total order: equal keys are equal rows).
    text = [tuple(map(str, row)) for row in out.itertuples(index=False, name=None)]
    order = sorted(range(len(out)), key=text.__getitem__)
    return out.iloc[order].reset_index(drop=True)


#: What was computed once from an object the module never modifies (the clean book and its tables).
_KEPT: dict[tuple[str, int], tuple[Any, Any]] = {}


def once(what: Callable[[Any], Any], of: Any) -> Any:
    """``what(of)``, computed once per object (kept with it, so its id stays its own)."""
    key = (what.__name__, id(of))
    kept = _KEPT.get(key)
    if kept is None or kept[0] is not of:
        kept = _KEPT[key] = (of, what(of))
    return kept[1]


def tables(book: Any, skip: set[str]) -> dict[str, pd.DataFrame]:
    out = {name: frame for name, frame in book.sheets().items() if name not in skip and name != "FX"}
    out["clients"] = book.clients
    out["recognised MRR"] = book.mrr
    out["scheduled MRR"] = book.scheduled_mrr
    return out


def metrics(book: Any) -> dict[str, Any]:
    return portfolio_summary(book).as_dict()


def load(spec: Spec, folder: Path) -> Any:
    try:
        path = write(spec, folder)
    except Incompatible:
        assume(False)
        raise
    return load_book(path, today=TODAY)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return load(spec_of(CLEAN), tmp_path_factory.mktemp("clean"))


def apply(changes: list[Change], seed: int) -> Spec:
    spec = spec_of(CLEAN)
    rng = random.Random(seed)
    order = sorted(range(len(changes)), key=lambda k: (changes[k].stage, SAME.index(changes[k])))
    try:
        for k in order:
            changes[k].apply(spec, rng)
    except Incompatible:
        assume(False)
    return spec


def assert_said_in_every_language(book: Any) -> None:
    """Every assumption the reader made is a catalogue sentence: a pt-BR report prints it in Portuguese."""
    for a in book.assumptions:
        assert a.message is not None, f"an assumption without a catalogue sentence (data/messages.py): {a.text}"
        assert a.line("pt-BR") != a.line("en") or a.kind == "other", a.text


def assert_same(book: Any, clean: Any, skip: set[str]) -> None:
    assert_said_in_every_language(book)
    mine, theirs = tables(book, skip), tables(clean, skip)
    assert set(mine) == set(theirs)
    for name, frame in theirs.items():
        pd.testing.assert_frame_equal(canonical(mine[name]), once(canonical, frame), obj=name, check_like=True)
    assert book.last_month == clean.last_month
    got, want = metrics(book), once(metrics, clean)
    for key, value in want.items():
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(got[key]), key
        elif isinstance(value, float):
            assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key
        else:
            assert got[key] == value, key


def compatible(changes: list[Change]) -> bool:
    needs = {c.needs for c in changes} - {""}
    return len(needs) <= 1


# --- accepted -----------------------------------------------------------------------------------


def test_the_harness_has_at_least_forty_changes_that_must_not_change_anything():
    assert len(SAME) >= 40
    assert len({c.name for c in SAME}) == len(SAME)


@pytest.mark.parametrize("change", SAME, ids=lambda c: c.name)
def test_one_change_keeps_every_table_and_number(change, clean, tmp_path):
    spec = apply([change], 0)
    book = load(spec, tmp_path)
    assert_same(book, clean, spec.recut)


@settings(
    max_examples=40,
    deadline=None,
    phases=NO_SHRINK,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    changes=st.lists(st.sampled_from(SAME), min_size=2, max_size=4, unique_by=lambda c: c.group).filter(compatible),
    seed=st.integers(0, 2**16),
)
def test_composed_changes_keep_every_table_and_number(changes, seed, clean, tmp_path_factory):
    spec = apply(changes, seed)
    book = load(spec, tmp_path_factory.mktemp("case"))
    assert_same(book, clean, spec.recut)


# --- refused ------------------------------------------------------------------------------------


Breaker = Callable[[Spec], tuple[str, int, str]]


def _real(spec: Spec, table: str, avoid: Callable[[list[Any]], bool] | None = None) -> int:
    """The index of a data row of ``table`` holding a client's data (not blank, total or subtotal)."""
    cid = spec.columns(table).get("client_id")
    for k, row in enumerate(spec.data(table)):
        label = row[cid] if cid is not None and cid < len(row) else None
        if isinstance(label, str) and label.strip() and not label.rstrip().endswith(("Total", "Geral")):
            if avoid is None or not avoid(row):
                return k + 1 if len(spec.data(table)) > 2 else k  # not the first row: a row in the middle
    raise AssertionError(table)


def _set(
    table: str, column: str, value: Any, avoid: Callable[[Spec], Callable[[list[Any]], bool]] | None = None
) -> Breaker:
    def breaker(spec: Spec) -> tuple[str, int, str]:
        k = _real(spec, table, avoid(spec) if avoid else None)
        spec.data(table)[k][spec.columns(table)[column]] = value
        return table, k, column

    return breaker


def _ambiguous(spec: Spec) -> tuple[str, int, str]:
    if spec.fmt == "csv":  # a CSV folder's other amounts decide what '1.234' means (docs/data.md)
        raise Incompatible("csv")
    return _set("Goals", "target", "1.234")(spec)


def _not_usd(spec: Spec) -> Callable[[list[Any]], bool]:
    j = spec.columns("MRR").get("currency")
    return lambda row: j is not None and j < len(row) and row[j] == "USD"


def _usd_invoice(spec: Spec) -> tuple[str, int, str]:
    rows = spec.rows("Invoices")
    h = spec.header.get("Invoices", 0)
    k = _real(spec, "Invoices")
    for n, row in enumerate(rows):
        row.append("Moeda" if n == h else ("USD" if n == h + 1 + k else None))
    return "Invoices", k, "amount"


def _duplicate(spec: Spec) -> tuple[str, int, str]:
    k = _real(spec, "Usage")
    data = spec.data("Usage")
    rows = spec.rows("Usage")
    rows.insert(spec.header.get("Usage", 0) + 2 + k, list(data[k]))
    return "Usage", k + 1, "month"


def _period_end_before_start(spec: Spec) -> tuple[str, int, str]:
    k = _real(spec, "Invoices")
    spec.data("Invoices")[k][spec.columns("Invoices")["period_end"]] = "2001-01-01"
    return "Invoices", k, "period_end"


def _mixed_order(spec: Spec) -> tuple[str, int, str]:
    j = spec.columns("NPS")["date"]
    data = spec.data("NPS")
    k = _real(spec, "NPS")
    data[k][j] = "13/01/2026"
    data[k + 1][j] = "01/13/2026"
    return "NPS", k, "date"


REFUSED: dict[str, Breaker] = {
    "an amount in US$ without an FX sheet": _set("MRR", "mrr", "US$ 1.200,00", _not_usd),
    "an amount in euros": _set("MRR", "mrr", "€ 100,00", _not_usd),
    "an invoice line in USD by its currency column": _usd_invoice,
    "a negative MRR": _set("MRR", "mrr", "-5"),
    "text in an amount": _set("MRR", "mrr", "abc"),
    "an Excel error in an amount": _set("MRR", "mrr", "#DIV/0!"),
    "a blank amount": _set("MRR", "mrr", None),
    "an ambiguous amount 1.234 in a workbook without evidence": _ambiguous,
    "a month 2026-13": _set("MRR", "month", "2026-13"),
    "an NPS score 11": _set("NPS", "score", "11"),
    "an NPS date that is no date": _set("NPS", "date", "ontem"),
    "an unknown client in NPS": _set("NPS", "client_id", "ZZZ9"),
    "an id of only a non-breaking space": _set("NPS", "client_id", "\u00a0"),
    "a repeated usage month": _duplicate,
    "a service period ending before it starts": _period_end_before_start,
    "a renewal outcome 'talvez'": _set("Renewals", "outcome", "talvez"),
    "an opportunity won 'talvez'": _set("Opportunities", "won", "talvez"),
    "active users 'muitos'": _set("Usage", "active_users", "muitos"),
    "a CSAT of 9": _set("Tickets", "csat", "9"),
    "a milestone owned by 'ninguém'": _set("Milestones", "owner_side", "ninguém"),
    "a report language 'klingon'": _set("Clients", "locale", "klingon"),
    "a gross margin of 150": _set("Clients", "gross_margin", "150"),
    "a 12-hour clock at 13 PM": _set("Tickets", "resolved_at", "05/04/2026 13:55 PM"),
    "a day/month order mixed in one column": _mixed_order,
}


def assert_refused(spec: Spec, breaker: Breaker, folder: Path) -> None:
    try:
        table, k, column = breaker(spec)
        path = write(spec, folder)
    except Incompatible:
        assume(False)
        raise
    with pytest.raises(DataContractError) as info:
        load_book(path, today=TODAY)
    where = (spec.source(table), spec.number(table, k), column)
    found = [(p.sheet, p.row, p.column) for p in info.value.problems]
    assert where in found, (where, [str(p) for p in info.value.problems][:5])


def test_the_harness_has_at_least_twenty_refusals():
    assert len(REFUSED) >= 20


@pytest.mark.parametrize("name", list(REFUSED))
def test_one_broken_cell_is_refused_with_sheet_row_and_column(name, tmp_path):
    assert_refused(spec_of(CLEAN), REFUSED[name], tmp_path)


@settings(max_examples=25, deadline=None, phases=NO_SHRINK, derandomize=True)
@given(
    name=st.sampled_from(list(REFUSED)),
    changes=st.lists(st.sampled_from(SAME), min_size=1, max_size=3, unique_by=lambda c: c.group).filter(compatible),
    seed=st.integers(0, 2**16),
)
def test_a_broken_cell_is_refused_whatever_else_changed(name, changes, seed, tmp_path_factory):
    assert_refused(apply(changes, seed), REFUSED[name], tmp_path_factory.mktemp("case"))
