"""Build ``default.pptx``, the built-in slide master of the QBR deck, reproducibly.

Run ``python report_templates/deck/build_default.py`` after changing this file and commit
both. The template starts from python-pptx's blank presentation and rewrites its master,
theme and seven layouts; the layouts are what a company template must provide too (see
docs/decks.md; ``Score`` and ``Commercial`` only for the internal deck):

==========  ==========================================================
layout      placeholders (by name)
==========  ==========================================================
Cover       title, subtitle, details, company, logo
KPIs        title, adoption, active_users, goals, nps, tickets, csat
Chart       title, chart, caption
Table       title, table, caption
Bullets     title, body
Score       title, score (one KPI card), table, caption
Commercial  title, mrr, ltv, cac, gross_margin (KPI cards), chart, caption
==========  ==========================================================

Colours come from the theme (accent1 = primary, accent2 = accent), so a deck restyled in
PowerPoint's Design tab changes them all; the fonts are Arial (Liberation Sans on Linux,
metric-compatible), present wherever the deck is opened.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree
from pptx import Presentation
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml import parse_xml
from pptx.oxml.ns import nsdecls, qn
from pptx.util import Inches

HERE = Path(__file__).resolve().parent
OUT = HERE / "default.pptx"
PRIMARY, ACCENT, INK, MUTED, CARD = "1F4E79", "2E8B57", "1A202C", "5A6472", "F1F4F8"
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
TITLE_BOX = (Inches(0.5), Inches(0.35), Inches(12.33), Inches(0.9))
CONTENT_BOX = (Inches(0.5), Inches(1.4), Inches(12.33), Inches(4.85))
CAPTION_BOX = (Inches(0.5), Inches(6.35), Inches(12.33), Inches(0.6))


def _level(n: int, size: int, *, color: str = "", bold: bool = False, align: str = "l", bullet: bool = False) -> str:
    fill = f"<a:solidFill><a:{color}/></a:solidFill>" if color else ""
    bu = "" if bullet else "<a:buNone/>"
    indent = ' marL="285750" indent="-285750"' if bullet else ' marL="0" indent="0"'
    return (
        f'<a:lvl{n}pPr algn="{align}"{indent}>{bu}<a:defRPr sz="{size * 100}" b="{int(bold)}">{fill}</a:defRPr>'
        f"</a:lvl{n}pPr>"
    )


def _placeholder(
    id_: int,
    name: str,
    box: tuple[int, int, int, int],
    prompt: str,
    *,
    ph: str,
    levels: str = "",
    anchor: str = "t",
    fill: str = "",
    autofit: bool = True,
) -> etree._Element:
    """A layout placeholder ``<p:sp>``: ``ph`` is its ``<p:ph>`` attributes (type, idx)."""
    x, y, w, h = box
    fill_xml = f'<a:solidFill><a:srgbClr val="{fill}"/></a:solidFill>' if fill else ""
    fit = "<a:normAutofit/>" if autofit else ""
    return parse_xml(
        f'<p:sp {nsdecls("p", "a")}><p:nvSpPr><p:cNvPr id="{id_}" name="{escape(name)}"/>'
        '<p:cNvSpPr><a:spLocks noGrp="1"/></p:cNvSpPr>'
        f"<p:nvPr><p:ph {ph}/></p:nvPr></p:nvSpPr>"
        f'<p:spPr><a:xfrm><a:off x="{x}" y="{y}"/><a:ext cx="{w}" cy="{h}"/></a:xfrm>{fill_xml}</p:spPr>'
        f'<p:txBody><a:bodyPr anchor="{anchor}" lIns="137160" rIns="137160">{fit}</a:bodyPr>'
        f"<a:lstStyle>{levels}</a:lstStyle>"
        f'<a:p><a:r><a:rPr lang="en-US"/><a:t>{escape(prompt)}</a:t></a:r></a:p></p:txBody></p:sp>'
    )


def _rectangle(id_: int, name: str, box: tuple[int, int, int, int], scheme: str) -> etree._Element:
    """A decorative filled rectangle in a theme colour (not a placeholder)."""
    x, y, w, h = box
    return parse_xml(
        f'<p:sp {nsdecls("p", "a")}><p:nvSpPr><p:cNvPr id="{id_}" name="{name}"/><p:cNvSpPr/><p:nvPr/>'
        f'</p:nvSpPr><p:spPr><a:xfrm><a:off x="{x}" y="{y}"/><a:ext cx="{w}" cy="{h}"/></a:xfrm>'
        f'<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:solidFill><a:schemeClr val="{scheme}"/></a:solidFill>'
        "<a:ln><a:noFill/></a:ln></p:spPr></p:sp>"
    )


def _title(id_: int = 2) -> etree._Element:
    return _placeholder(
        id_,
        "title",
        TITLE_BOX,
        "Slide title",
        ph='type="title"',
        levels=_level(1, 28, color='schemeClr val="tx2"', bold=True),
        anchor="b",
    )


def _caption(id_: int) -> etree._Element:
    return _placeholder(
        id_,
        "caption",
        CAPTION_BOX,
        "Caption: what the numbers mean",
        ph='type="body" idx="11"',
        levels=_level(1, 12, color=f'srgbClr val="{MUTED}"'),
    )


def _reset_layout(layout, name: str, shapes: list[etree._Element], *, show_master: bool = True) -> None:  # type: ignore[no-untyped-def]
    layout._element.cSld.set("name", name)
    if not show_master:
        layout._element.set("showMasterSp", "0")
    tree = layout._element.cSld.spTree
    for sp in list(tree)[2:]:  # keep nvGrpSpPr and grpSpPr
        tree.remove(sp)
    for sp in shapes:
        tree.append(sp)


def _theme(master) -> None:  # type: ignore[no-untyped-def]
    """Arial fonts and the brand colours in the master's theme."""
    part = master.part.part_related_by(RT.THEME)
    root = etree.fromstring(part.blob)
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    scheme = root.find(f".//{{{a}}}clrScheme")
    for tag, value in (("dk2", PRIMARY), ("accent1", PRIMARY), ("accent2", ACCENT), ("accent3", "E0A100")):
        slot = scheme.find(f"{{{a}}}{tag}")
        for child in list(slot):
            slot.remove(child)
        etree.SubElement(slot, f"{{{a}}}srgbClr", val=value)
    for font in ("majorFont", "minorFont"):
        root.find(f".//{{{a}}}{font}/{{{a}}}latin").set("typeface", "Arial")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _master(master) -> None:  # type: ignore[no-untyped-def]
    """16:9 positions, a brand bar on top, sober text styles."""
    for shape in master.placeholders:
        kind = shape.placeholder_format.type
        name = str(kind).split(".")[-1].split(" ")[0]
        if name == "TITLE":
            shape.left, shape.top, shape.width, shape.height = TITLE_BOX
        elif name == "BODY":
            shape.left, shape.top, shape.width, shape.height = CONTENT_BOX
        elif name == "SLIDE_NUMBER":
            shape.left, shape.top, shape.width, shape.height = Inches(11.83), Inches(7.0), Inches(1.0), Inches(0.35)
        else:  # date and footer: out of the way, empty
            shape.left, shape.top, shape.width, shape.height = Inches(0.5), Inches(7.0), Inches(3.0), Inches(0.35)
    tree = master._element.cSld.spTree
    tree.insert(2, _rectangle(90, "Brand bar", (0, 0, WIDTH, Inches(0.12)), "accent1"))
    styles = master._element.find(qn("p:txStyles"))
    title_lvl = styles.find(qn("p:titleStyle")).find(qn("a:lvl1pPr"))
    title_lvl.set("algn", "l")
    title_lvl.find(qn("a:defRPr")).set("sz", "2800")
    body = styles.find(qn("p:bodyStyle"))
    for n, size in zip(range(1, 10), (1800, 1600, 1400, 1400, 1400, 1400, 1400, 1400, 1400), strict=True):
        lvl = body.find(qn(f"a:lvl{n}pPr"))
        if lvl is not None:
            lvl.find(qn("a:defRPr")).set("sz", str(size))


def build() -> bytes:
    """The default template as bytes (deterministic: fixed ids, names and core properties)."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    master = prs.slide_master
    _theme(master)
    _master(master)
    layouts = list(master.slide_layouts)
    for extra in layouts[7:]:
        master.slide_layouts.remove(extra)
    cover, kpis, chart, table, bullets, score, commercial = layouts[:7]
    block = Inches(4.3)
    _reset_layout(
        cover,
        "Cover",
        [
            _rectangle(2, "Brand block", (0, 0, block, HEIGHT), "accent1"),
            _placeholder(
                3,
                "company",
                (Inches(0.4), Inches(0.6), block - Inches(0.8), Inches(1.2)),
                "Company",
                ph='type="body" idx="13"',
                levels=_level(1, 20, color='schemeClr val="bg1"', bold=True),
            ),
            _placeholder(
                4,
                "title",
                (block + Inches(0.5), Inches(2.0), Inches(8.2), Inches(1.7)),
                "Client name",
                ph='type="ctrTitle"',
                levels=_level(1, 40, color='schemeClr val="tx2"', bold=True),
                anchor="b",
            ),
            _placeholder(
                5,
                "subtitle",
                (block + Inches(0.5), Inches(3.8), Inches(8.2), Inches(0.8)),
                "Quarter",
                ph='type="subTitle" idx="1"',
                levels=_level(1, 24, color='schemeClr val="accent1"'),
            ),
            _placeholder(
                6,
                "details",
                (block + Inches(0.5), Inches(4.7), Inches(8.2), Inches(1.6)),
                "CSM, plan, date",
                ph='type="body" idx="12"',
                levels=_level(1, 14, color=f'srgbClr val="{MUTED}"'),
            ),
            _placeholder(
                7,
                "logo",
                (Inches(0.4), Inches(5.9), block - Inches(0.8), Inches(1.0)),
                "Logo",
                ph='type="pic" idx="14"',
                autofit=False,
            ),
        ],
        show_master=False,
    )
    card_w, card_h, gap = Inches(3.95), Inches(2.3), Inches(0.24)
    kpi_levels = (
        _level(1, 34, color='schemeClr val="accent1"', bold=True, align="ctr")
        + _level(2, 14, color=f'srgbClr val="{INK}"', align="ctr")
        + _level(3, 11, color=f'srgbClr val="{MUTED}"', align="ctr")
    )
    cards = []
    for i, key in enumerate(("adoption", "active_users", "goals", "nps", "tickets", "csat")):
        x = Inches(0.5) + (i % 3) * (card_w + gap)
        y = Inches(1.5) + (i // 3) * (card_h + gap)
        cards.append(
            _placeholder(
                3 + i,
                key,
                (x, y, card_w, card_h),
                f"KPI: {key}",
                ph=f'type="body" idx="{20 + i}"',
                levels=kpi_levels,
                anchor="ctr",
                fill=CARD,
            )
        )
    _reset_layout(kpis, "KPIs", [_title(), *cards])
    _reset_layout(
        chart,
        "Chart",
        [_title(), _placeholder(3, "chart", CONTENT_BOX, "Chart", ph='type="chart" idx="10"'), _caption(4)],
    )
    _reset_layout(
        table,
        "Table",
        [_title(), _placeholder(3, "table", CONTENT_BOX, "Table", ph='type="tbl" idx="10"'), _caption(4)],
    )
    _reset_layout(
        bullets,
        "Bullets",
        [
            _title(),
            _placeholder(
                3,
                "body",
                (Inches(0.5), Inches(1.4), Inches(12.33), Inches(5.5)),
                "Points",
                ph='type="body" idx="1"',
                levels=_level(1, 20, bullet=True) + _level(2, 14, color=f'srgbClr val="{MUTED}"'),
            ),
        ],
    )
    _reset_layout(
        score,
        "Score",
        [
            _title(),
            _placeholder(
                3,
                "score",
                (Inches(0.5), Inches(1.5), card_w, card_h),
                "KPI: score",
                ph='type="body" idx="20"',
                levels=kpi_levels,
                anchor="ctr",
                fill=CARD,
            ),
            _placeholder(
                4,
                "table",
                (Inches(0.5) + card_w + gap, Inches(1.5), Inches(12.33) - card_w - gap, Inches(4.7)),
                "Table",
                ph='type="tbl" idx="10"',
            ),
            _caption(5),
        ],
    )
    small_w, small_h = (Inches(12.33) - 3 * gap) // 4, Inches(1.75)
    small_levels = (
        _level(1, 24, color='schemeClr val="accent1"', bold=True, align="ctr")
        + _level(2, 12, color=f'srgbClr val="{INK}"', align="ctr")
        + _level(3, 10, color=f'srgbClr val="{MUTED}"', align="ctr")
    )
    figures = [
        _placeholder(
            3 + i,
            key,
            (Inches(0.5) + i * (small_w + gap), Inches(1.4), small_w, small_h),
            f"KPI: {key}",
            ph=f'type="body" idx="{20 + i}"',
            levels=small_levels,
            anchor="ctr",
            fill=CARD,
        )
        for i, key in enumerate(("mrr", "ltv", "cac", "gross_margin"))
    ]
    _reset_layout(
        commercial,
        "Commercial",
        [
            _title(),
            *figures,
            _placeholder(
                7, "chart", (Inches(0.5), Inches(3.35), Inches(12.33), Inches(2.9)), "Chart", ph='type="chart" idx="10"'
            ),
            _caption(8),
        ],
    )
    _ = prs.notes_master  # shipped, so a deck does not build one for its speaker notes each time
    props = prs.core_properties
    props.title, props.author, props.last_modified_by = "cs-reports QBR deck", "cs-reports", "cs-reports"
    props.revision = 1
    from datetime import datetime

    props.created = props.modified = datetime(2026, 1, 1)
    buffer = io.BytesIO()
    prs.save(buffer)
    return _normalise_zip(buffer.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    """The same bytes on every run: fixed member timestamps, in name order."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        names = source.namelist()
        first = ["[Content_Types].xml"] if "[Content_Types].xml" in names else []
        for name in first + sorted(n for n in names if n not in first):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(name))
    return out.getvalue()


if __name__ == "__main__":
    OUT.write_bytes(build())
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)", file=sys.stderr)
