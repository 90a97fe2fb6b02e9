"""`policywatch diff`: JSON keys, the HTML page, the terminal report, URLs on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from tests.loopback import loopback

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DRAFT = FIXTURES / "texts" / "seed-article.txt"
FINAL = FIXTURES / "texts" / "zjtx-final-a.txt"
PAGE = "xxgk/xxgkml/zcfgjzcjd/gygh/content/post_10358920.html"
CHANGE_KEYS = {
    "kinds",
    "old",
    "new",
    "summary",
    "amounts",
    "units_added",
    "units_removed",
    "redline",
}
REF_KEYS = {"path", "label", "number", "heading"}


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, ["diff", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_json_has_the_documented_keys() -> None:
    data = json.loads(_run(str(DRAFT), str(FINAL), "--json"))
    assert {"old", "new", "changes"} <= set(data)
    assert data["old"]["status"] == "draft" and data["new"]["status"] == "final"
    assert len(data["changes"]) == 17
    for change in data["changes"]:
        assert set(change) >= CHANGE_KEYS
        for side in ("old", "new"):
            assert change[side] is None or set(change[side]) >= REF_KEYS
        for pair in change["amounts"]:
            assert set(pair) == {"old", "new"}
        assert all(len(op) == 2 and op[0] in (-1, 0, 1) for op in change["redline"])
    nine = next(c for c in data["changes"] if c["old"] and c["old"]["label"] == "九")
    assert nine["summary"] == "（九）激发创新活力：最高由30万元提高至50万元"
    assert nine["amounts"] == [
        {
            "old": {"text": "30万元", "value": 300000.0, "unit": "元"},
            "new": {"text": "50万元", "value": 500000.0, "unit": "元"},
        }
    ]


def _write(path: Path, amount: str) -> Path:
    path.write_text(
        f"一、总则\n（一）加强服务。提供<script>alert(1)</script>服务，给予{amount}补贴。\n"
        "（二）保障措施。落实责任。\n",
        encoding="utf-8",
    )
    return path


def test_html_page_is_written_escaped_without_scripts(tmp_path: Path) -> None:
    old, new = _write(tmp_path / "old.txt", "10万元"), _write(tmp_path / "new.txt", "20万元")
    out = tmp_path / "diff.html"
    _run(str(old), str(new), "--html", str(out))
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert" in page and "&lt;/script&gt;" in page
    assert "<del>10万元</del>" in page and "<ins>20万元</ins>" in page
    assert "由10万元提高至20万元" in page


def test_terminal_report_lists_summaries() -> None:
    output = _run(str(DRAFT), str(FINAL))
    assert "新增措施（十三）支持标准化建设" in output
    assert "删除措施（三十二）增强法治意识" in output
    assert "17 clause change(s)." in output


def test_a_piped_report_marks_deletions_and_insertions_in_the_text() -> None:
    """Out of a terminal the colours are gone: the redline says [-deleted-] and {+inserted+}."""
    output = _run(str(DRAFT), str(FINAL))
    lines = output.splitlines()
    nine = next(line for line in lines if line.startswith("    ") and "30万元" in line)
    assert "[-30万元-]{+50万元+}" in nine, nine
    assert "\x1b[" not in output  # no terminal escapes in a file
    # every paragraph of a clause stays indented under its summary line
    bodies = [line for line in lines if line and not line.startswith(("[", "•"))]
    assert bodies and all(line.startswith("    ") for line in bodies[:-1]), bodies[:5]


def test_unchanged_documents(tmp_path: Path) -> None:
    old = _write(tmp_path / "old.txt", "10万元")
    assert "No changes." in _run(str(old), str(old))


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["diff", str(tmp_path / "nope.txt"), str(DRAFT)])
    assert result.exit_code == 2
    assert "no such file" in result.output


class _Snapshots(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        date = self.path.strip("/").split("/")[0]
        body = (FIXTURES / "site" / date / PAGE).read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    with loopback(_Snapshots) as httpd:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"


def test_urls_on_loopback(server: str) -> None:
    data = json.loads(_run(f"{server}/2022-12-30/page", f"{server}/2023-03-01/page", "--json"))
    (change,) = data["changes"]
    assert change["kinds"] == ["modified"]
    assert [(a["old"]["text"], a["new"]["text"]) for a in change["amounts"]] == [("2万元", "3万元")]
