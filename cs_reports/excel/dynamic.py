"""Excel 365 dynamic arrays (spilled formulas) in an .xlsx, read and written at the XML level.

A spilled formula is stored as an array formula whose anchor cell carries ``cm="N"``, an
index into ``xl/metadata.xml`` whose entry says *dynamic array* (``XLDAPR`` with
``fDynamic="1"``); the array's ``ref`` is the size of the last result. Excel 2019 and
older, LibreOffice and openpyxl ignore the metadata and see a legacy ``{=...}`` array
of that fixed size. The markup written here is the one XlsxWriter writes for
``write_dynamic_array_formula`` (ECMA-376 Part 1, 18.9 and [MS-XLSX] 2.6.x).

* :func:`mark_dynamic` makes array formulas spill (the template writes every multi-cell
  block this way);
* :func:`find_spills` lists the spilled formulas of a workbook (by their markers);
  :func:`find_arrays` lists every array formula, marked or not (openpyxl and LibreOffice
  7.4 drop the markers when they save: recalc then recognises a spill by what it calls);
* :func:`rewrite_spills` sets a spilled formula's text and size, clearing the cached
  values the old size leaves behind (what :mod:`cs_reports.excel.recalc` uses to spill
  headlessly, since LibreOffice 7.4 cannot).

All functions take and return the archive as ``{part name: bytes}`` (see :func:`read_parts`).
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from lxml import etree

from cs_reports._a1 import column_index, column_letter

__all__ = [
    "Spill",
    "cell_range",
    "find_arrays",
    "find_spills",
    "grows_with",
    "mark_dynamic",
    "read_parts",
    "resolve_spill_refs",
    "restore_formulas",
    "rewrite_spills",
    "sheet_parts",
    "write_parts",
]

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_XDA = "http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray"
_NS = {"m": _MAIN, "xda": _XDA}
_METADATA_PART = "xl/metadata.xml"
_METADATA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"
_METADATA_REL = f"{_REL}/sheetMetadata"
_DYNAMIC_EXT = "{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}"

#: One cell-metadata entry (index 1) that says "dynamic array": what Excel 365 and XlsxWriter write.
METADATA_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<metadata xmlns="{_MAIN}" xmlns:xda="{_XDA}">'
    '<metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" pasteAll="1" '
    'pasteValues="1" merge="1" splitFirst="1" rowColShift="1" clearFormats="1" clearComments="1" assign="1" '
    'coerce="1" cellMeta="1"/></metadataTypes>'
    f'<futureMetadata name="XLDAPR" count="1"><bk><extLst><ext uri="{_DYNAMIC_EXT}">'
    '<xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk></futureMetadata>'
    '<cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata></metadata>'
).encode()

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=False)
_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


@dataclass(frozen=True)
class Spill:
    """A spilled formula: its sheet, anchor cell, formula text (no ``=``) and current size."""

    sheet: str
    cell: str
    formula: str
    rows: int
    cols: int

    @property
    def ref(self) -> str:
        """The spill range, ``A1:H14``."""
        return cell_range(self.cell, self.rows, self.cols)


def _split(cell: str) -> tuple[int, int]:
    """``"B12"`` -> ``(12, 2)``."""
    found = _CELL.match(cell.upper())
    if not found:
        raise ValueError(f"not a cell reference: {cell!r}")
    return int(found.group(2)), column_index(found.group(1)) + 1


def cell_range(anchor: str, rows: int, cols: int) -> str:
    """The range of ``rows`` x ``cols`` cells from ``anchor``.

    >>> cell_range("A1", 14, 8), cell_range("C11", 1, 1)
    ('A1:H14', 'C11')
    """
    row, col = _split(anchor)
    if rows == 1 and cols == 1:
        return anchor
    return f"{anchor}:{column_letter(col + cols - 2)}{row + rows - 1}"


def _size(ref: str) -> tuple[int, int]:
    first, _, last = ref.partition(":")
    (r1, c1), (r2, c2) = _split(first), _split(last or first)
    return r2 - r1 + 1, c2 - c1 + 1


def read_parts(path: str | os.PathLike[str] | IO[bytes]) -> dict[str, bytes]:
    """Every part of an .xlsx (a path or a binary file object), in archive order."""
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def write_parts(target: Path | IO[bytes], parts: Mapping[str, bytes]) -> None:
    """Write ``parts`` as an .xlsx to a path or a binary file object (``[Content_Types].xml`` first)."""
    order = sorted(parts, key=lambda name: name != "[Content_Types].xml")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in order:
            archive.writestr(name, parts[name])


def _xml(data: bytes) -> etree._Element:
    return etree.fromstring(data, _PARSER)


def _bytes(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def sheet_parts(parts: Mapping[str, bytes]) -> dict[str, str]:
    """Sheet name -> part name, in workbook order."""
    book = _xml(parts["xl/workbook.xml"])
    rels = _xml(parts["xl/_rels/workbook.xml.rels"])
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    out = {}
    for sheet in book.iterfind("m:sheets/m:sheet", _NS):
        target = targets.get(sheet.get(f"{{{_REL}}}id"), "")
        out[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
    return out


def _dynamic_indexes(parts: Mapping[str, bytes]) -> set[str]:
    """The ``cm`` values (1-based, as text) that mean *dynamic array* in this workbook."""
    if _METADATA_PART not in parts:
        return set()
    root = _xml(parts[_METADATA_PART])
    types = [t.get("name") for t in root.iterfind("m:metadataTypes/m:metadataType", _NS)]
    future = root.find("m:futureMetadata[@name='XLDAPR']", _NS)
    dynamic = set()
    if future is not None:
        for i, bk in enumerate(future.iterfind("m:bk", _NS)):
            props = bk.find(".//xda:dynamicArrayProperties", _NS)
            if props is not None and props.get("fDynamic") in ("1", "true"):
                dynamic.add(i)
    found = set()
    for i, bk in enumerate(root.iterfind("m:cellMetadata/m:bk", _NS), start=1):
        rc = bk.find("m:rc", _NS)
        if rc is None:
            continue
        kind = int(rc.get("t", "0")) - 1
        if 0 <= kind < len(types) and types[kind] == "XLDAPR" and int(rc.get("v", "-1")) in dynamic:
            found.add(str(i))
    return found


def find_spills(parts: Mapping[str, bytes]) -> list[Spill]:
    """Every spilled (dynamic-array) formula of the workbook, sheet by sheet."""
    dynamic = _dynamic_indexes(parts)
    if not dynamic:
        return []
    out = []
    for sheet, part in sheet_parts(parts).items():
        if part not in parts or b' cm="' not in parts[part]:
            continue
        for c in _xml(parts[part]).iterfind("m:sheetData/m:row/m:c", _NS):
            f = c.find("m:f", _NS)
            if c.get("cm") in dynamic and f is not None and f.get("t") == "array":
                rows, cols = _size(f.get("ref") or c.get("r", "A1"))
                out.append(Spill(sheet, c.get("r", ""), f.text or "", rows, cols))
    return out


def find_arrays(parts: Mapping[str, bytes]) -> list[Spill]:
    """Every array formula of the workbook (dynamic or legacy ``{=...}``), sheet by sheet."""
    out = []
    for sheet, part in sheet_parts(parts).items():
        if part not in parts or b't="array"' not in parts[part]:
            continue
        for c in _xml(parts[part]).iterfind("m:sheetData/m:row/m:c", _NS):
            f = c.find("m:f", _NS)
            if f is not None and f.get("t") == "array":
                rows, cols = _size(f.get("ref") or c.get("r", "A1"))
                out.append(Spill(sheet, c.get("r", ""), f.text or "", rows, cols))
    return out


def grows_with(parts: Mapping[str, bytes]) -> set[str]:
    """Lower-cased names whose size follows the data: the Tables, and the defined names that refer to one.

    A formula over ``tClients[client_id]`` (or over a name defined as an ``OFFSET`` as tall as
    it) is what Excel 365 spills as tall as the Table.
    """
    tables = set()
    for name, data in parts.items():
        if name.startswith("xl/tables/") and name.endswith(".xml"):
            shown = _xml(data).get("displayName")
            if shown:
                tables.add(shown.lower())
    found = set(tables)
    book = _xml(parts["xl/workbook.xml"])
    names = {(d.get("name") or "").lower(): d.text or "" for d in book.iterfind("m:definedNames/m:definedName", _NS)}
    changed = True
    while changed:  # a name defined over another such name grows too
        changed = False
        for name, text in names.items():
            if name not in found and refers_to(text, found):
                found.add(name)
                changed = True
    return found


_WORD = re.compile(r"(?<![A-Za-z0-9_.!'$])([A-Za-z_][A-Za-z0-9_.]*)")


def refers_to(formula: str, names: set[str]) -> bool:
    """Whether ``formula`` mentions one of ``names`` (lower case) outside its text literals.

    >>> refers_to('SUMIFS(tMRR[mrr],tMRR[client_id],cs_accounts_ids)', {"tmrr"})
    True
    >>> refers_to('"tMRR"&A1', {"tmrr"})
    False
    """
    code = re.sub(r'"(?:[^"]|"")*"', '""', formula)
    return any(word.lower() in names for word in _WORD.findall(code))


def _add_metadata(parts: dict[str, bytes]) -> str:
    """Add the dynamic-array metadata part (once); returns the ``cm`` value that means *dynamic*."""
    found = _dynamic_indexes(parts)
    if found:
        return min(found, key=int)
    if _METADATA_PART in parts:  # another kind of metadata (rich values): not merged here
        raise ValueError("the workbook already has cell metadata of another kind")
    parts[_METADATA_PART] = METADATA_XML
    types = _xml(parts["[Content_Types].xml"])
    etree.SubElement(types, f"{{{_CT}}}Override", PartName="/" + _METADATA_PART, ContentType=_METADATA_TYPE)
    parts["[Content_Types].xml"] = _bytes(types)
    rels = _xml(parts["xl/_rels/workbook.xml.rels"])
    ids = {r.get("Id") for r in rels}
    new_id = next(f"rId{i}" for i in range(1, len(ids) + 2) if f"rId{i}" not in ids)
    etree.SubElement(rels, f"{{{_PKG_REL}}}Relationship", Id=new_id, Type=_METADATA_REL, Target="metadata.xml")
    parts["xl/_rels/workbook.xml.rels"] = _bytes(rels)
    return "1"


def mark_dynamic(parts: dict[str, bytes], cells: Iterable[tuple[str, str]] | None = None) -> list[Spill]:
    """Make array formulas spill: ``cells`` as ``(sheet, "A1")`` anchors, or every array formula.

    Changes ``parts`` in place and returns the spills marked.
    """
    wanted = None if cells is None else {(s, c.upper()) for s, c in cells}
    sheets = sheet_parts(parts)
    marked: list[Spill] = []
    cm = None
    for sheet, part in sheets.items():
        if part not in parts or b't="array"' not in parts[part]:
            continue
        root = _xml(parts[part])
        changed = False
        for c in root.iterfind("m:sheetData/m:row/m:c", _NS):
            f = c.find("m:f", _NS)
            if f is None or f.get("t") != "array" or (wanted is not None and (sheet, c.get("r")) not in wanted):
                continue
            cm = cm or _add_metadata(parts)
            c.set("cm", cm)
            rows, cols = _size(f.get("ref") or c.get("r", "A1"))
            marked.append(Spill(sheet, c.get("r", ""), f.text or "", rows, cols))
            changed = True
        if changed:
            parts[part] = _bytes(root)
    if wanted is not None:
        missing = wanted - {(s.sheet, s.cell) for s in marked}
        if missing:
            raise ValueError(f"no array formula at {sorted(missing)}")
    return marked


def _cells_of(ref: str) -> set[tuple[int, int]]:
    first, _, last = ref.partition(":")
    (r1, c1), (r2, c2) = _split(first), _split(last or first)
    return {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}


def _has_content(c: etree._Element) -> bool:
    return any(child.tag in (f"{{{_MAIN}}}v", f"{{{_MAIN}}}f", f"{{{_MAIN}}}is") for child in c)


def rewrite_spills(
    parts: dict[str, bytes], changes: Mapping[tuple[str, str], tuple[str, int, int]]
) -> list[tuple[str, str, str]]:
    """Give spilled formulas a new text and size: ``{(sheet, anchor): (formula, rows, cols)}``.

    Cached values the old size leaves outside the new one are cleared (their style is
    kept). A spill never overwrites: when a cell of the new range holds a value or a
    formula of its own, that spill keeps its old size and comes back in the returned
    list as ``(sheet, anchor, blocking cell)`` (Excel shows ``#SPILL!`` there).
    Changes ``parts`` in place.
    """
    sheets = sheet_parts(parts)
    blocked: list[tuple[str, str, str]] = []
    by_sheet: dict[str, dict[str, tuple[str, int, int]]] = {}
    for (sheet, cell), change in changes.items():
        by_sheet.setdefault(sheet, {})[cell] = change
    for sheet, wanted in by_sheet.items():
        root = _xml(parts[sheets[sheet]])
        cells = {c.get("r"): c for c in root.iterfind("m:sheetData/m:row/m:c", _NS)}
        by_pos = {_split(r): e for r, e in cells.items() if r}
        # Every cell some spill of this sheet covers now: those are the spills' own.
        owned: set[tuple[int, int]] = set()
        for c in cells.values():
            f = c.find("m:f", _NS)
            if f is not None and f.get("t") == "array":
                owned |= _cells_of(f.get("ref") or c.get("r", "A1"))
        for anchor, (formula, rows, cols) in wanted.items():
            c = cells.get(anchor)
            f = None if c is None else c.find("m:f", _NS)
            if c is None or f is None:
                raise ValueError(f"{sheet}!{anchor} has no formula to spill")
            f.set("t", "array")  # a one-cell result may have been written as a plain formula
            old = _cells_of(f.get("ref") or anchor)
            new_ref = cell_range(anchor, rows, cols)
            new = _cells_of(new_ref)
            in_way = sorted(p for p in new - owned if p in by_pos and _has_content(by_pos[p]))
            if in_way:
                r, col = in_way[0]
                blocked.append((sheet, anchor, f"{column_letter(col - 1)}{r}"))
                new_ref, new = f.get("ref") or anchor, old
            f.text = formula
            f.set("ref", new_ref)
            for pos in old - new:
                stale = by_pos.get(pos)
                if stale is not None:
                    for child in list(stale):
                        stale.remove(child)
                    stale.attrib.pop("t", None)
            owned = (owned - old) | new
        parts[sheets[sheet]] = _bytes(root)
    return blocked


_ANCHOR_REF = re.compile(r"_xlfn\.ANCHORARRAY\(((?:'(?:[^']|'')+'|[A-Za-z0-9_.]+)!)?\$?([A-Z]{1,3})\$?(\d+)\)")


def _absolute(ref: str) -> str:
    """``A1:H14`` -> ``$A$1:$H$14`` (a spill's range stays put wherever the formula is).

    >>> _absolute("A1:H14"), _absolute("C11")
    ('$A$1:$H$14', '$C$11:$C$11')
    """
    first, _, last = ref.partition(":")
    return ":".join(f"${column_letter(c - 1)}${r}" for r, c in (_split(first), _split(last or first)))


def _sheet_name(prefix: str | None, own: str) -> str:
    if not prefix:
        return own
    name = prefix[:-1]
    return name[1:-1].replace("''", "'") if name.startswith("'") else name


def resolve_spill_refs(parts: dict[str, bytes], spills: Mapping[tuple[str, str], Spill]) -> dict[tuple[str, str], str]:
    """Replace Excel 365's spill references (``A1#``, stored ``_xlfn.ANCHORARRAY(A1)``) by the spill's range.

    For engines without spill references (LibreOffice 7.4). Only ordinary formulas and
    array formulas are rewritten (shared formulas are left as they are). Returns
    ``{(sheet, cell): original formula}`` so that :func:`restore_formulas` can put them back.
    Changes ``parts`` in place.
    """
    originals: dict[tuple[str, str], str] = {}

    for sheet, part in sheet_parts(parts).items():
        if part not in parts or b"_xlfn.ANCHORARRAY(" not in parts[part]:
            continue

        def to_range(found: re.Match[str], own: str = sheet) -> str:
            target = _sheet_name(found.group(1), own)
            anchor = f"{found.group(2)}{found.group(3)}"
            spill = spills.get((target, anchor))
            if spill is None:
                return found.group(0)  # not a spill we know: left for the engine to report
            return f"{found.group(1) or ''}{_absolute(spill.ref)}"

        root = _xml(parts[part])
        changed = False
        for c in root.iterfind("m:sheetData/m:row/m:c", _NS):
            f = c.find("m:f", _NS)
            if f is None or not f.text or "_xlfn.ANCHORARRAY(" not in f.text or f.get("t") == "shared":
                continue
            originals[(sheet, c.get("r", ""))] = f.text
            f.text = _ANCHOR_REF.sub(to_range, f.text)
            changed = True
        if changed:
            parts[part] = _bytes(root)
    return originals


def restore_formulas(parts: dict[str, bytes], originals: Mapping[tuple[str, str], str]) -> None:
    """Put formula texts back by ``(sheet, cell)`` (after :func:`resolve_spill_refs`). Changes ``parts``."""
    by_sheet: dict[str, dict[str, str]] = {}
    for (sheet, cell), text in originals.items():
        by_sheet.setdefault(sheet, {})[cell] = text
    sheets = sheet_parts(parts)
    for sheet, cells in by_sheet.items():
        root = _xml(parts[sheets[sheet]])
        for c in root.iterfind("m:sheetData/m:row/m:c", _NS):
            f = c.find("m:f", _NS)
            if f is not None and c.get("r") in cells:
                f.text = cells[c.get("r", "")]
        parts[sheets[sheet]] = _bytes(root)
