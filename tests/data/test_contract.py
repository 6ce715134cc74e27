"""docs/data.md documents every sheet, column and header alias of the contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from cs_reports.data.contract import SHEETS, find_sheet, normalise_header

DOC = (Path(__file__).resolve().parents[2] / "docs" / "data.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda s: s.name)
def test_every_sheet_column_and_alias_is_documented(sheet):
    assert f"## {sheet.name} (" in DOC
    section = DOC.split(f"## {sheet.name} (", 1)[1].split("\n## ", 1)[0]
    for col in sheet.columns:
        assert f"| `{col.name}` | {col.kind} |" in section, col.name
        for alias in col.aliases:
            assert f"`{alias}`" in section, (col.name, alias)


def test_aliases_never_collide_within_a_sheet():
    for sheet in SHEETS:
        seen: dict[str, str] = {}
        for col in sheet.columns:
            for alias in (col.name, *col.aliases):
                key = normalise_header(alias)
                assert seen.get(key, col.name) == col.name, (sheet.name, alias)
                seen[key] = col.name


@pytest.mark.parametrize(
    ("name", "sheet"),
    [
        ("Clientes", "Clients"),
        ("RECEITA", "MRR"),
        ("Renovações", "Renewals"),
        ("marcos do sucesso", "Milestones"),
        ("Modelo Saúde", "HealthModel"),
    ],
)
def test_pt_br_sheet_names(name, sheet):
    assert find_sheet(name).name == sheet
