"""The 新旧条文对照表: the comparison table Chinese legislatures and law firms publish with a
revision, as a DOCX (`changes export ID --format table-docx`, and the email attachment of
`[notifications] attach_table`).

Three columns, 修改前 | 修改后 | 说明, one row per changed clause in document order. Inside the
cells deletions are struck through (修改前) and insertions underlined (修改后); a renumbered
clause shows its old label struck and its new one underlined; 说明 holds the change's summary
(a reviewer's wording wins). Suppressed changes are left out. With `full=True` every clause of
the new version has a row, unchanged ones plain and without 说明, a removed clause where it
stood.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from monitor.review.export import (
    ExportSource,
    cjk_font,
    cjk_runs,
    client_view,
    format_run,
    intro_lines,
    set_style_fonts,
)
from notifications.grouping import ref_label
from parsers.align import display_text
from parsers.model import Clause, ClauseRef, PolicyDocument
from parsers.records import ChangeSetRecord, StoredChange
from parsers.summary import label_text

HEADER = ("修改前", "修改后", "说明")
WIDTHS_CM = (6.6, 6.6, 3.6)  # the text width of python-docx's page (A4/Letter, 2.5 cm margins)
_Runs = list[tuple[int, str]]  # (op, text): -1 struck, 0 plain, 1 underlined


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """One row of the table: the runs of each side and the explanation."""

    old: tuple[tuple[int, str], ...]
    new: tuple[tuple[int, str], ...]
    note: str


def table_filename(cs: ChangeSetRecord) -> str:
    """`<title>-新旧条文对照表.docx` (the title cut to keep the header line short)."""
    title = cs.document_title.strip()
    return f"{title[:40]}-新旧条文对照表.docx"


def change_row(stored: StoredChange) -> Row:
    """The row of one change: labels and redline runs on each side, the summary."""
    change = stored.change
    old_label = ref_label(change.old) if change.old else ""
    new_label = ref_label(change.new) if change.new else ""
    relabelled = bool(change.old and change.new and old_label != new_label)
    old: _Runs = [(-1 if relabelled or not change.new else 0, old_label)] if change.old else []
    new: _Runs = [(1 if relabelled or not change.old else 0, new_label)] if change.new else []
    ops = change.redline
    if change.old is not None and change.new is None:
        old.append((-1, change.old_text))
    elif change.old is None and change.new is not None:
        new.append((1, change.new_text))
    elif ops:
        old.extend((op, text) for op, text in ops if op <= 0)
        new.extend((op, text) for op, text in ops if op >= 0)
    else:
        old.append((0, change.old_text))
        new.append((0, change.new_text))
    return Row(old=_merged(old), new=_merged(new), note=stored.summary)


def _merged(runs: _Runs) -> tuple[tuple[int, str], ...]:
    out: _Runs = []
    for op, text in runs:
        if not text:
            continue
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        else:
            out.append((op, text))
    return tuple(out)


def plain_row(clause: Clause) -> Row:
    """An unchanged clause, the same on both sides."""
    text = label_text(clause) + display_text(clause)
    return Row(old=((0, text),), new=((0, text),), note="")


def table_rows(source: ExportSource, *, full: bool = False) -> list[Row]:
    """The rows: the changed clauses in document order, or (`full`) every clause."""
    changes = sorted(client_view(source.change_set).changes, key=lambda s: s.position)
    if not full or source.new is None:
        return [change_row(s) for s in changes]
    new_doc = source.new.document
    old_doc = source.old.document if source.old else None
    by_new = {s.change.new.path: s for s in changes if s.change.new is not None}
    removed = [s for s in changes if s.change.new is None]
    after = _removed_after(removed, old_doc, new_doc, changes)
    rows: list[Row] = [change_row(s) for s in after.get(None, [])]
    for clause in new_doc.walk():
        stored = by_new.get(clause.path)
        rows.append(change_row(stored) if stored else plain_row(clause))
        rows.extend(change_row(s) for s in after.get(clause.path, []))
    return rows


def _removed_after(
    removed: list[StoredChange],
    old_doc: PolicyDocument | None,
    new_doc: PolicyDocument,
    changes: list[StoredChange],
) -> dict[tuple[str, ...] | None, list[StoredChange]]:
    """Where each removed clause goes: after the new counterpart of the clause before it."""
    if old_doc is None:
        return {None: removed}
    counterpart = {s.change.old.path: s.change.new for s in changes if s.change.old is not None}
    new_paths = {c.path for c in new_doc.walk()}
    order = [c.path for c in old_doc.walk()]
    out: dict[tuple[str, ...] | None, list[StoredChange]] = {}
    for stored in removed:
        assert stored.change.old is not None
        anchor: tuple[str, ...] | None = None
        at = order.index(stored.change.old.path) if stored.change.old.path in order else 0
        for path in reversed(order[:at]):
            ref: ClauseRef | None = counterpart.get(path)
            if path in counterpart:
                if ref is not None:
                    anchor = ref.path
                    break
                continue  # removed too: look further back
            if path in new_paths:
                anchor = path
                break
        out.setdefault(anchor, []).append(stored)
    return out


def export_table_docx(source: ExportSource, *, full: bool = False) -> bytes:
    """The 新旧条文对照表 as DOCX bytes."""
    from docx import Document

    cs = client_view(source.change_set)
    doc = Document()
    set_style_fonts(doc)
    title = f"《{cs.document_title}》新旧条文对照表"
    doc.core_properties.title = title
    cjk_runs(doc.add_heading(title, level=1))
    for line in intro_lines(source, old="修改前", new="修改后"):
        cjk_runs(doc.add_paragraph(line))
    rows = table_rows(source, full=full)
    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    _header(table)
    for row in rows:
        cells = table.add_row().cells
        _fill(cells[0], row.old)
        _fill(cells[1], row.new)
        _fill(cells[2], ((0, row.note),) if row.note else ())
    _widths(table)
    if not rows:
        cjk_runs(doc.add_paragraph("条款无变化。"))
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _header(table: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    cells = table.rows[0].cells
    for cell, name in zip(cells, HEADER, strict=True):
        run = cell.paragraphs[0].add_run(name)
        run.bold = True
        cjk_font(run)
    # repeat the header row on every page
    props = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    props.append(repeat)


def _fill(cell: Any, runs: tuple[tuple[int, str], ...]) -> None:
    paragraph = cell.paragraphs[0]
    for op, text in runs:
        format_run(paragraph.add_run(text), op)


def _widths(table: Any) -> None:
    from docx.shared import Cm

    for row in table.rows:
        for cell, width in zip(row.cells, WIDTHS_CM, strict=True):
            cell.width = Cm(width)
