"""`policywatch parse` through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import cli


def test_parse_json_of_the_seed(fixtures: Path) -> None:
    result = CliRunner().invoke(cli, ["parse", str(fixtures / "texts/seed-article.txt"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for key in ("title", "status", "doc_number", "issuer", "published", "comment_deadline"):
        assert key in data
    assert data["status"] == "draft"
    sections = data["clauses"]
    assert len(sections) == 9
    measures = [m for s in sections for m in s["children"]]
    assert len(measures) == 32
    assert all(m["heading"] and m["responsible_units"] for m in measures)
    nine = sections[2]["children"][1]
    assert set(nine) >= {"path", "label", "number", "heading", "text", "level", "amounts"}
    assert nine["path"] == ["三", "九"] and nine["number"] == 9
    assert {"text": "30万元", "value": 300000.0, "unit": "元"} in nine["amounts"]


def test_parse_human_tree(fixtures: Path) -> None:
    path = fixtures / "site/2022-12-30/postmeta/p/10/10358/10358920.json"
    result = CliRunner().invoke(cli, ["parse", str(path)])
    assert result.exit_code == 0, result.output
    assert "深工信规〔2022〕9号" in result.output
    assert "激发创新活力" in result.output


def test_parse_errors_are_one_line(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("只有说明，没有编号。", encoding="utf-8")
    result = CliRunner().invoke(cli, ["parse", str(empty)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and result.output.startswith("Error: ")
    result = CliRunner().invoke(cli, ["parse", str(tmp_path / "missing.txt")])
    assert result.exit_code == 2 and "no such file" in result.output  # a usage error
