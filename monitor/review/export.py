"""Client deliverables of one stored change set: JSON, CSV, an HTML redline page, a DOCX redline.

`load_export(store, id)` gathers the change set and its two versions; each `export_<format>`
turns that into bytes. Suppressed changes are left out and reviewer summaries win everywhere.
The JSON is `changes show --json`'s shape plus title, kind and document-level changes
(`monitor.json_shapes.change_set_detail_json`).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from monitor.local_time import SHANGHAI
from parsers.model import (
    OCR_CAUTION,
    AmountChange,
    ClauseRef,
    DocumentDiff,
)
from parsers.records import ChangeSetRecord, StoredChange, VersionRecord

if TYPE_CHECKING:
    from state.store import Store

# CSV header: number, kind, old clause, new clause, summary, amounts, units added, units removed,
# what the old and new clauses are (章, 条, 项…), and the other clauses of a split or merge.
CSV_HEADER = (
    "序号",
    "类型",
    "原条款",
    "新条款",
    "摘要",
    "金额变化",
    "新增责任单位",
    "删除责任单位",
    "原条款层级",
    "新条款层级",
    "拆分或合并的其他条款",
)
# Clause kinds as the CSV names them.
_KIND_NAMES = {
    "part": "编",
    "chapter": "章",
    "division": "节",
    "article": "条",
    "section": "部分",
    "measure": "项",
    "item": "目",
    "subitem": "子目",
    "point": "点",
}
CJK_FONT = "宋体"  # SimSun: present wherever Word reads Chinese
LATIN_FONT = "Times New Roman"
_DELETED_RGB = (0xC0, 0x00, 0x00)
_INSERTED_RGB = (0x00, 0x80, 0x00)


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportSource:
    """A change set with the versions it compares (None for a new document or status event)."""

    change_set: ChangeSetRecord
    old: VersionRecord | None = None
    new: VersionRecord | None = None


def load_export(store: Store, change_set_id: int) -> ExportSource:
    """The change set and its versions (NotFoundError when there is no such change set)."""
    cs = store.get_change_set(change_set_id)
    old = store.get_version(cs.from_version_id) if cs.from_version_id is not None else None
    new = store.get_version(cs.to_version_id) if cs.to_version_id is not None else None
    return ExportSource(change_set=cs, old=old, new=new)


# --- JSON ------------------------------------------------------------------------------------


def client_view(cs: ChangeSetRecord) -> ChangeSetRecord:
    """The change set as clients see it: suppressed changes dropped, reviewers' summaries in."""
    visible = tuple(
        dataclasses.replace(
            s, change=dataclasses.replace(s.change, summary=s.summary), summary_override=None
        )
        for s in cs.visible_changes
    )
    diff = DocumentDiff(
        document_changes=cs.diff.document_changes, changes=tuple(s.change for s in visible)
    )
    return dataclasses.replace(cs, changes=visible, diff=diff)


def export_json(source: ExportSource) -> bytes:
    """The `changes show --json` shape of the visible changes, plus title and document changes."""
    from monitor.json_shapes import change_set_detail_json

    data = change_set_detail_json(client_view(source.change_set))
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


# --- CSV -------------------------------------------------------------------------------------


def ref_text(ref: ClauseRef | None) -> str:
    """A clause as the CSV names it: `三/九 激发创新活力`, or empty when absent."""
    if ref is None:
        return ""
    path = "/".join(ref.path)
    return f"{path} {ref.heading}" if ref.heading else path


def amounts_text(amounts: tuple[AmountChange, ...]) -> str:
    """`30万元→50万元`, several joined with `；`; a missing side reads （无）."""
    pairs = (
        f"{a.old.text if a.old else '（无）'}→{a.new.text if a.new else '（无）'}" for a in amounts
    )
    return "；".join(pairs)


def csv_row(number: int, stored: StoredChange) -> tuple[str, ...]:
    """One CSV row of a change, in `CSV_HEADER` order."""
    change = stored.change
    return (
        str(number),
        "、".join(k.label_zh for k in change.kinds),
        ref_text(change.old),
        ref_text(change.new),
        stored.summary,
        amounts_text(change.amounts),
        "、".join(change.units_added),
        "、".join(change.units_removed),
        _KIND_NAMES.get(change.old.kind, change.old.kind) if change.old else "",
        _KIND_NAMES.get(change.new.kind, change.new.kind) if change.new else "",
        "；".join(ref_text(p) for p in change.parts),
    )


def export_csv(source: ExportSource) -> bytes:
    """One row per visible change, UTF-8 with a BOM so that Excel reads the Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for number, stored in enumerate(client_view(source.change_set).changes, 1):
        writer.writerow(csv_row(number, stored))
    return buffer.getvalue().encode("utf-8-sig")


# --- HTML ------------------------------------------------------------------------------------


def deliverable_title(cs: ChangeSetRecord) -> str:
    """`<document title>：修订对照` (revision comparison)."""
    return f"{cs.document_title}：修订对照"


def export_html(source: ExportSource) -> bytes:
    """The differ's self-contained side-by-side redline page, UTF-8."""
    from parsers.render_html import render_diff_html

    page = render_diff_html(
        client_view(source.change_set).diff,
        old=source.old.document if source.old else None,
        new=source.new.document if source.new else None,
        title=deliverable_title(source.change_set),
    )
    return page.encode("utf-8")


# --- DOCX ------------------------------------------------------------------------------------


def export_docx(source: ExportSource) -> bytes:
    """A Word redline: title, document-level changes, then per change a heading and redline."""
    from docx import Document

    cs = client_view(source.change_set)
    doc = Document()
    set_style_fonts(doc)
    doc.core_properties.title = deliverable_title(cs)
    cjk_runs(doc.add_heading(deliverable_title(cs), level=0))
    for line in intro_lines(source):
        cjk_runs(doc.add_paragraph(line))
    if cs.diff.document_changes:
        cjk_runs(doc.add_heading("文件信息变化", level=1))
        for doc_change in cs.diff.document_changes:
            cjk_runs(doc.add_paragraph(doc_change.summary, style="List Bullet"))
    cjk_runs(doc.add_heading("条款变化", level=1))
    if not cs.changes:
        cjk_runs(doc.add_paragraph("条款无变化。"))
    for number, stored in enumerate(cs.changes, 1):
        _add_change(doc, number, stored)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def intro_lines(source: ExportSource, *, old: str = "原版本", new: str = "新版本") -> list[str]:
    """The lines under a Word deliverable's title: when, the two versions' pages, the legend."""
    cs = source.change_set
    local = cs.detected_at.astimezone(SHANGHAI)
    lines = [f"检测时间：{local:%Y-%m-%d %H:%M}（北京时间）"]
    if source.old is not None:
        lines.append(f"{old}：{source.old.url}")
    if source.new is not None:
        lines.append(f"{new}：{source.new.url}")
    if any(v is not None and v.document.ocr for v in (source.old, source.new)):
        lines.append(f"注意：{OCR_CAUTION}。")
    lines.append("说明：删除内容以红色删除线标示，新增内容以绿色下划线标示。")
    return lines


def _add_change(doc: Any, number: int, stored: StoredChange) -> None:
    change = stored.change
    cjk_runs(doc.add_heading(f"{number}. {stored.summary}", level=2))
    kinds = "、".join(k.label_zh for k in change.kinds)
    where = "；".join(
        f"{side}：{ref_text(ref)}"
        for side, ref in (("原条款", change.old), ("新条款", change.new))
        if ref is not None
    )
    cjk_runs(doc.add_paragraph(f"类型：{kinds}；{where}"))
    paragraph = doc.add_paragraph()
    for op, text in _redline_ops(stored):
        format_run(paragraph.add_run(text), op)


def _redline_ops(stored: StoredChange) -> tuple[tuple[int, str], ...]:
    """The redline; a whole added clause is one insertion, a removed one one deletion."""
    change = stored.change
    if change.redline:
        return change.redline
    if change.old is None:
        return ((1, change.new_text),)
    if change.new is None:
        return ((-1, change.old_text),)
    return ((0, change.new_text),)


def format_run(run: Any, op: int) -> None:
    """A run in the Chinese font; struck in red (op < 0) or underlined in green (op > 0)."""
    from docx.shared import RGBColor

    cjk_font(run)
    if op < 0:
        run.font.strike = True
        run.font.color.rgb = RGBColor(*_DELETED_RGB)
    elif op > 0:
        run.font.underline = True
        run.font.color.rgb = RGBColor(*_INSERTED_RGB)


def cjk_runs(paragraph: Any) -> None:
    """Every run of a paragraph in the Chinese font."""
    for run in paragraph.runs:
        cjk_font(run)


def cjk_font(run: Any) -> None:
    """Word picks the East Asian font from `w:rFonts/@w:eastAsia`, not from `font.name`."""
    run.font.name = LATIN_FONT
    _east_asian(run._element.get_or_add_rPr())


def _east_asian(rpr: Any) -> None:
    from docx.oxml.ns import qn

    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), CJK_FONT)
    # a theme font would win over the explicit ones (heading styles use them)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)


def set_style_fonts(doc: Any) -> None:
    """The styles policywatch uses, in Times New Roman and 宋体."""
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "List Bullet"):
        style = doc.styles[name]
        style.font.name = LATIN_FONT
        _east_asian(style.element.get_or_add_rPr())


# --- registry --------------------------------------------------------------------------------

FORMATS: dict[str, Callable[[ExportSource], bytes]] = {
    "json": export_json,
    "csv": export_csv,
    "html": export_html,
    "docx": export_docx,
}
