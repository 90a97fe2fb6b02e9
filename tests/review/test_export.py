"""`changes export`: a real change set (draft → final) exported as JSON, CSV, HTML and DOCX."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.review.export import (
    CJK_FONT,
    CSV_HEADER,
    ExportSource,
    export_csv,
    export_docx,
    export_html,
    export_json,
    load_export,
)
from monitor.review.formats import FORMATS
from parsers import parse_path
from parsers.diff import diff_documents
from parsers.model import DocumentDiff, PolicyDocument
from parsers.records import ChangeSetKind, Fetched
from state.store import Store

TEXTS = Path(__file__).resolve().parents[1] / "fixtures" / "texts"
NOW = dt.datetime(2022, 12, 30, 8, 0, 0, 123456, tzinfo=dt.UTC)
INJECTED = "（十四）企业家培训翻倍<script>alert(1)</script>"
SUPPRESSED_SUMMARY = "（十二）优化创新生态：由50%降低至30%"
ISO_MICROS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")


@pytest.fixture(scope="module")
def documents() -> tuple[PolicyDocument, PolicyDocument, DocumentDiff]:
    """The draft, the final and their diff (17 clause changes)."""
    old = parse_path(TEXTS / "seed-article.txt")
    new = parse_path(TEXTS / "zjtx-final-a.txt")
    return old, new, diff_documents(old, new)


def _version(store: Store, document_id: int, doc: PolicyDocument, url: str) -> int:
    fetched = Fetched(
        url=url,
        fetched_at=NOW,
        http_status=200,
        media_type="text/plain",
        content=b"-",
        content_hash=url,
    )
    return store.add_version(
        document_id=document_id,
        rendition_id=None,
        fetched=fetched,
        text="",
        document=doc,
        tree_hash=url,
        parser_version="test",
    )


@pytest.fixture
def change_set_id(
    store: Store, documents: tuple[PolicyDocument, PolicyDocument, DocumentDiff]
) -> int:
    """A stored draft → final change set: 十二 suppressed, 十四's summary edited (with markup)."""
    old, new, diff = documents
    doc_id = store.add_document(
        title=old.title or "", norm_title="专精特新", status=old.status, url=None, now=NOW
    )
    v1 = _version(store, doc_id, old, "http://gxj.sz.gov.cn/draft.html")
    v2 = _version(store, doc_id, new, "http://gxj.sz.gov.cn/final.html")
    cs_id = store.add_change_set(
        document_id=doc_id,
        from_version_id=v1,
        to_version_id=v2,
        source_id=None,
        kind=ChangeSetKind.CHANGED,
        diff=diff,
        detected_at=NOW,
    )
    for stored in store.get_change_set(cs_id).changes:
        if stored.change.summary == SUPPRESSED_SUMMARY:
            store.update_change(stored.id, suppressed=True, suppress_reason="客户不关心")
        elif stored.change.summary.startswith("（十四）"):
            store.update_change(stored.id, summary_override=INJECTED)
    return cs_id


@pytest.fixture
def source(store: Store, change_set_id: int) -> ExportSource:
    """The stored change set, loaded for export."""
    return load_export(store, change_set_id)


def test_json_is_the_changes_show_shape(source: ExportSource, change_set_id: int) -> None:
    data = json.loads(export_json(source))
    assert {
        "id",
        "document",
        "from_version",
        "to_version",
        "detected_at",
        "state",
        "changes",
    } <= set(data)
    assert data["id"] == change_set_id and data["state"] == "pending"
    assert data["detected_at"] == "2022-12-30T08:00:00.123456+00:00"
    assert ISO_MICROS.match(data["detected_at"])
    assert len(data["changes"]) == 16
    summaries = [c["summary"] for c in data["changes"]]
    assert SUPPRESSED_SUMMARY not in summaries and INJECTED in summaries
    nine = data["changes"][0]
    assert {"kinds", "old", "new", "amounts", "redline", "units_added", "units_removed"} <= set(
        nine
    )
    assert nine["amounts"][0]["old"]["text"] == "30万元"
    assert [c["field"] for c in data["document_changes"]][:2] == ["status", "doc_number"]


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_has_one_row_per_visible_change(source: ExportSource) -> None:
    header, *rows = _csv_rows(export_csv(source))
    assert tuple(header) == CSV_HEADER
    assert len(rows) == 16 and [r[0] for r in rows] == [str(i) for i in range(1, 17)]
    assert all(len(r) == len(CSV_HEADER) for r in rows)
    by_summary = {r[4]: r for r in rows}
    assert SUPPRESSED_SUMMARY not in by_summary and INJECTED in by_summary
    nine = by_summary["（九）激发创新活力：最高由30万元提高至50万元"]
    assert nine[1:4] == ["修改", "三/九 激发创新活力", "三/九 激发创新活力"]
    assert nine[5] == "30万元→50万元"
    assert nine[8:] == ["项", "项", ""]  # what the clauses are; no split or merge
    units = next(r for r in rows if r[4].startswith("（二十六）开拓海外市场"))
    assert units[1] == "修改、调整序号" and units[6] == "市发展改革委"
    removed_unit = next(r for r in rows if r[4].startswith("（十五）"))
    assert removed_unit[7] == "市乡村振兴和协作交流局"
    added = next(r for r in rows if r[1] == "新增")
    assert added[2] == "" and added[3] == "三/十三 支持标准化建设"


def test_html_is_the_escaped_redline_page(source: ExportSource) -> None:
    page = export_html(source).decode("utf-8")
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<del>30万元</del>" in page and "<ins>50万元</ins>" in page
    assert SUPPRESSED_SUMMARY not in page
    assert "深圳市关于促进专精特新企业高质量发展的若干措施（征求意见稿）" in page


def _runs(data: bytes) -> list[Any]:
    from docx import Document

    doc = Document(io.BytesIO(data))
    return [run for paragraph in doc.paragraphs for run in paragraph.runs]


def test_docx_redline_strikes_deletions_and_underlines_insertions(source: ExportSource) -> None:
    from docx.oxml.ns import qn

    runs = _runs(export_docx(source))
    old = next(r for r in runs if r.text == "30万元")
    new = next(r for r in runs if r.text == "50万元")
    assert old.font.strike and not old.font.underline and str(old.font.color.rgb) == "C00000"
    assert new.font.underline and not new.font.strike and str(new.font.color.rgb) == "008000"
    for run in (old, new, runs[0]):
        assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == CJK_FONT
    text = "".join(r.text for r in runs)
    assert INJECTED in text and SUPPRESSED_SUMMARY not in text
    assert "状态由“征求意见稿”调整为“正式稿”" in text
    removed = next(r for r in runs if r.text.startswith("增强法治意识。"))
    added = next(r for r in runs if r.text.startswith("支持标准化建设。"))
    assert removed.font.strike and added.font.underline


def _config(tmp_path: Path, db_path: Path) -> str:
    config = tmp_path / "policywatch.toml"
    config.write_text(f'[database]\npath = "{db_path.as_posix()}"\n', encoding="utf-8")
    return str(config)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_command_writes_each_format(
    fmt: str, tmp_path: Path, db_path: Path, source: ExportSource, change_set_id: int
) -> None:
    out = tmp_path / f"export.{fmt}"
    args = ["--config", _config(tmp_path, db_path), "changes", "export", str(change_set_id)]
    result = CliRunner().invoke(cli, [*args, "--format", fmt, "--output", str(out)])
    assert result.exit_code == 0, result.output
    written, expected = out.read_bytes(), FORMATS[fmt](source)
    if fmt.endswith("docx"):  # a zip: its headers carry the time of writing
        written, expected = _document_xml(written), _document_xml(expected)
    assert written[:64] == expected[:64]


def _document_xml(data: bytes) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as docx:
        return docx.read("word/document.xml")


def test_command_prints_json_to_stdout(tmp_path: Path, db_path: Path, change_set_id: int) -> None:
    args = ["--config", _config(tmp_path, db_path), "changes", "export", str(change_set_id)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout_bytes)["id"] == change_set_id


def test_unknown_change_set_is_an_error(tmp_path: Path, db_path: Path, change_set_id: int) -> None:
    args = ["--config", _config(tmp_path, db_path), "changes", "export", "999"]
    result = CliRunner().invoke(cli, [*args, "--format", "csv"])
    assert result.exit_code == 1
    assert "no change set 999" in result.output


def test_command_offers_every_export_format() -> None:
    from monitor.cli.changes import EXPORT_FORMATS

    assert set(EXPORT_FORMATS) == set(FORMATS)


# --- 新旧条文对照表 -----------------------------------------------------------------------------


def _cells(data: bytes) -> list[list[Any]]:
    from docx import Document

    (table,) = Document(io.BytesIO(data)).tables
    return [list(row.cells) for row in table.rows]


def _cell_runs(cell: Any, *, struck: bool = False, underlined: bool = False) -> str:
    return "".join(
        r.text
        for p in cell.paragraphs
        for r in p.runs
        if (not struck or r.font.strike) and (not underlined or r.font.underline)
    )


def test_table_docx_one_row_per_visible_change_in_document_order(source: ExportSource) -> None:
    from monitor.review.table import export_table_docx

    rows = _cells(export_table_docx(source))
    assert [c.text for c in rows[0]] == ["修改前", "修改后", "说明"]
    body = rows[1:]
    assert len(body) == 16  # 17 changes, （十二） suppressed
    nine = body[0]
    assert nine[0].text.startswith("（九）激发创新活力")
    assert (
        _cell_runs(nine[0], struck=True) == "30万元"
        and _cell_runs(nine[1], underlined=True) == "50万元"
    )
    assert "30万元" not in nine[1].text and "50万元" not in nine[0].text
    assert nine[2].text == "（九）激发创新活力：最高由30万元提高至50万元"
    added = next(r for r in body if r[2].text == "新增措施（十三）支持标准化建设")
    assert added[0].text == "" and _cell_runs(added[1], underlined=True).startswith(
        "（十三）支持标准化建设"
    )
    removed = next(r for r in body if r[2].text == "删除措施（三十二）增强法治意识")
    assert removed[1].text == "" and _cell_runs(removed[0], struck=True).startswith(
        "（三十二）增强法治意识"
    )
    moved = next(r for r in body if r[1].text.startswith("（二十五）扩展国内市场"))
    assert (
        _cell_runs(moved[0], struck=True) == "（二十四）"
        and _cell_runs(moved[1], underlined=True) == "（二十五）"
    )
    assert any(INJECTED in r[2].text for r in body)  # the reviewer's summary wins


def test_table_docx_full_shows_unchanged_clauses_plain(source: ExportSource) -> None:
    from monitor.review.table import export_table_docx

    rows = _cells(export_table_docx(source, full=True))[1:]
    assert len(rows) > 40  # 9 sections and 32 measures, plus the removed one
    first = rows[0]
    assert first[0].text == first[1].text and first[2].text == ""
    after_nine = [r[1].text for r in rows].index(
        next(r[1].text for r in rows if r[1].text.startswith("（九）"))
    ) + 1
    assert rows[after_nine][1].text.startswith("（十）") and rows[after_nine][2].text == ""
    texts = [r[0].text for r in rows]
    removed_at = next(i for i, t in enumerate(texts) if t.startswith("（三十二）增强法治意识"))
    assert rows[removed_at - 1][1].text.startswith("（三十二）促进社会服务")  # where it stood
    plain = [r for r in rows if not r[2].text]
    assert plain and not any(_cell_runs(r[0], struck=True) for r in plain)


def test_table_docx_full_from_the_command(
    tmp_path: Path, db_path: Path, change_set_id: int
) -> None:
    out = tmp_path / "table.docx"
    args = ["--config", _config(tmp_path, db_path), "changes", "export", str(change_set_id)]
    result = CliRunner().invoke(
        cli, [*args, "--format", "table-docx", "--full", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert len(_cells(out.read_bytes())) > 40
    wrong = CliRunner().invoke(cli, [*args, "--format", "csv", "--full"])
    assert wrong.exit_code == 2 and "--full goes with --format table-docx" in wrong.output
