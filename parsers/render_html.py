"""A self-contained side-by-side redline page for a `DocumentDiff` (escaped, no scripts).

`render_diff_html(diff)` returns one HTML string with inline CSS: document-level changes first,
then one row per clause change (summary, old text with deletions struck, new text with
insertions marked). Reused by the notifications and review UI: every piece of text is escaped.
"""

from __future__ import annotations

from html import escape

from parsers.model import OCR_CAUTION, ClauseChange, ClauseRef, DocumentDiff, PolicyDocument
from parsers.redline import DELETE, EQUAL, INSERT

_CSS = """
body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:2em;color:#222}
h1{font-size:1.3em}table{border-collapse:collapse;width:100%;table-layout:fixed}
td,th{border:1px solid #ccc;padding:.5em;vertical-align:top;line-height:1.7}
th{background:#f4f4f4;text-align:left}.summary td{background:#fafafa;font-weight:bold}
del{background:#fdd;color:#900}ins{background:#dfd;color:#060;text-decoration:none}
.kinds{font-weight:normal;color:#666;font-size:.9em}.empty{color:#999}
.ocr{padding:.5em .8em;background:#fff4e5;border:1px solid #f0b36b;color:#8a4b00;font-weight:bold}
"""


def render_diff_html(
    diff: DocumentDiff,
    *,
    old: PolicyDocument | None = None,
    new: PolicyDocument | None = None,
    title: str = "政策修订对照",
) -> str:
    """The whole page as a string: a head with inline CSS and a two-column table."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        _heading(old, new),
        _ocr_caution(old, new),
        _document_changes(diff),
        render_changes_table(diff.changes),
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p)


def _heading(old: PolicyDocument | None, new: PolicyDocument | None) -> str:
    if old is None or new is None:
        return ""
    return (
        f"<p>原版本：{escape(old.title or '（无标题）')}<br>"
        f"新版本：{escape(new.title or '（无标题）')}</p>"
    )


def _ocr_caution(*documents: PolicyDocument | None) -> str:
    """The caution a text read by OCR carries (`PolicyDocument.ocr`), or nothing."""
    if not any(d is not None and d.ocr for d in documents):
        return ""
    return f'<p class="ocr" role="alert">注意：{escape(OCR_CAUTION)}。</p>'


def _document_changes(diff: DocumentDiff) -> str:
    if not diff.document_changes:
        return ""
    items = "".join(f"<li>{escape(c.summary)}</li>" for c in diff.document_changes)
    return f"<h2>文件信息变化</h2><ul>{items}</ul>"


def render_changes_table(changes: tuple[ClauseChange, ...]) -> str:
    """The side-by-side table alone (for embedding in other pages)."""
    if not changes:
        return '<p class="empty">条款无变化。</p>'
    rows = ["<table><tr><th>原文</th><th>修改后</th></tr>"]
    for change in changes:
        kinds = "、".join(k.label_zh for k in change.kinds)
        rows.append(
            f'<tr class="summary"><td colspan="2">{escape(change.summary)} '
            f'<span class="kinds">[{escape(kinds)}]</span></td></tr>'
        )
        rows.append(f"<tr><td>{_old_side(change)}</td><td>{_new_side(change)}</td></tr>")
    rows.append("</table>")
    return "\n".join(rows)


def _ref(ref: ClauseRef | None) -> str:
    if ref is None:
        return ""
    return escape("/".join(ref.path))


def _old_side(change: ClauseChange) -> str:
    if change.old is None:
        return '<span class="empty">（无）</span>'
    if change.redline:
        body = "".join(_op(op, text) for op, text in change.redline if op != INSERT)
    else:
        body = escape(change.old_text)
    return f"<small>{_ref(change.old)}</small><br>{body}"


def _new_side(change: ClauseChange) -> str:
    if change.new is None:
        return '<span class="empty">（已删除）</span>'
    if change.redline:
        body = "".join(_op(op, text) for op, text in change.redline if op != DELETE)
    else:
        body = escape(change.new_text)
    return f"<small>{_ref(change.new)}</small><br>{body}"


def _op(op: int, text: str) -> str:
    if op == EQUAL:
        return escape(text)
    tag = "del" if op == DELETE else "ins"
    return f"<{tag}>{escape(text)}</{tag}>"
