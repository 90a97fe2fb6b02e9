"""The side-by-side HTML redline page: escaped, self-contained, no scripts."""

from __future__ import annotations

from parsers.model import ChangeKind, ClauseChange, ClauseRef, DocumentChange, DocumentDiff
from parsers.render_html import render_changes_table, render_diff_html


def _ref(label: str) -> ClauseRef:
    return ClauseRef(path=("一", label), label=label, number=1, heading="<b>标题</b>")


def test_page_escapes_everything_and_has_no_script() -> None:
    diff = DocumentDiff(
        document_changes=(
            DocumentChange(
                field="title", old="A", new="<script>x</script>", summary="标题<script>"
            ),
        ),
        changes=(
            ClauseChange(
                kinds=(ChangeKind.MODIFIED,),
                old=_ref("一"),
                new=_ref("一"),
                summary="（一）<img src=x onerror=alert(1)>",
                redline=((0, "给予<i>"), (-1, "30万元"), (1, "50万元"), (0, "</i>奖励")),
            ),
            ClauseChange(
                kinds=(ChangeKind.ADDED,),
                old=None,
                new=_ref("二"),
                summary="新增",
                new_text="<script>",
            ),
        ),
    )
    page = render_diff_html(diff)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower() and "<img" not in page and "<i>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<del>30万元</del>" in page and "<ins>50万元</ins>" in page
    assert "（已删除）" not in page and "（无）" in page
    assert "标题&lt;script&gt;" in page


def test_empty_table() -> None:
    assert "条款无变化" in render_changes_table(())
