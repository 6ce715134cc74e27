"""A recalculated workbook as values: what to share with someone who has no cs-reports.

Plain LibreOffice (without cs-reports' Basic library) recalculates a workbook's formulas
when it opens it, whatever values are cached, and shows ``#NAME?`` for every CS_
function. Cached values cannot be relied on, so ``cs-reports recalc --values`` writes a
copy where every formula cell holds its computed value and nothing else:

* each cell's ``<f>`` is removed; a text result (``t="str"``) becomes an inline string;
  an error stays an error value (``t="e"``) and a CS_ error its one-line text;
* the calculation chain, the Tables' calculated-column formulas and the cells'
  dynamic-array markers go (there is nothing left to calculate or to spill);
* formats, Tables, names, validations and the other sheets' content are untouched.

The copy opens with the same numbers in Excel, LibreOffice and any xlsx reader, and
computes nothing: it is a snapshot, not a workbook to keep typing into.
"""

from __future__ import annotations

from lxml import etree

from cs_reports.excel.dynamic import sheet_parts

__all__ = ["freeze_values"]

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS = {"m": _MAIN}
_CALC_CHAIN = "xl/calcChain.xml"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def _tostring(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _freeze_sheet(data: bytes) -> tuple[bytes, int]:
    """The sheet with every formula replaced by its cached value; returns it and the formulas removed."""
    root = etree.fromstring(data, _PARSER)
    removed = 0
    for cell in root.iterfind("m:sheetData/m:row/m:c", _NS):
        formula = cell.find("m:f", _NS)
        if formula is None:
            continue
        cell.remove(formula)
        removed += 1
        cell.attrib.pop("cm", None)
        if cell.get("t") == "str":  # a formula's text result: as an inline string
            value = cell.find("m:v", _NS)
            text = value.text if value is not None else ""
            if value is not None:
                cell.remove(value)
            cell.set("t", "inlineStr")
            etree.SubElement(etree.SubElement(cell, f"{{{_MAIN}}}is"), f"{{{_MAIN}}}t").text = text or ""
    return _tostring(root), removed


def freeze_values(parts: dict[str, bytes]) -> int:
    """Replace every formula of the workbook ``parts`` by its cached value (in place); returns how many.

    >>> import io
    >>> from openpyxl import Workbook
    >>> from cs_reports.excel.dynamic import read_parts
    >>> wb = Workbook(); wb.active["A1"] = 2; wb.active["A2"] = "=A1*2"
    >>> saved = io.BytesIO(); wb.save(saved); parts = read_parts(saved)
    >>> freeze_values(parts), b"<f>" in parts["xl/worksheets/sheet1.xml"]
    (1, False)
    """
    removed = 0
    for part in sheet_parts(parts).values():
        if part in parts and b"<f" in parts[part]:
            parts[part], count = _freeze_sheet(parts[part])
            removed += count
    for name in [n for n in parts if n.startswith("xl/tables/") and n.endswith(".xml")]:
        if b"calculatedColumnFormula" in parts[name]:
            root = etree.fromstring(parts[name], _PARSER)
            for formula in root.iterfind("m:tableColumns/m:tableColumn/m:calculatedColumnFormula", _NS):
                formula.getparent().remove(formula)
            parts[name] = _tostring(root)
    if _CALC_CHAIN in parts:
        del parts[_CALC_CHAIN]
        for name, needle in (("[Content_Types].xml", b"calcChain"), ("xl/_rels/workbook.xml.rels", b"calcChain")):
            root = etree.fromstring(parts[name], _PARSER)
            for element in list(root):
                if needle in etree.tostring(element):
                    root.remove(element)
            parts[name] = _tostring(root)
    return removed
