"""Golden tests over the seed article and final A as plain text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import parsers
from parsers.model import Amount, PolicyDocument, Status, document_to_json

SEED = "texts/seed-article.txt"
FINAL = "texts/zjtx-final-a.txt"


@pytest.fixture(scope="module")
def seed(fixtures: Path) -> PolicyDocument:
    return parsers.parse_path(fixtures / SEED)


@pytest.fixture(scope="module")
def final(fixtures: Path) -> PolicyDocument:
    return parsers.parse_path(fixtures / FINAL)


def _measures(doc: PolicyDocument) -> list[str]:
    return [m.label for s in doc.clauses for m in s.children]


def test_seed_has_nine_sections_and_32_measures(seed: PolicyDocument) -> None:
    assert [s.label for s in seed.clauses] == list("一二三四五六七八九")
    assert [s.number for s in seed.clauses] == list(range(1, 10))
    assert {s.kind for s in seed.clauses} == {"section"}
    measures = [m for s in seed.clauses for m in s.children]
    assert len(measures) == 32
    assert [m.number for m in measures] == list(range(1, 33))
    assert all(m.heading and m.responsible_units and m.kind == "measure" for m in measures)
    assert all(not m.children for m in measures)


def test_seed_headings_paths_and_units(seed: PolicyDocument) -> None:
    first = seed.clauses[0]
    assert first.heading == "加大财税支持力度"
    assert first.text == ""
    assert first.path == ("一",) and first.level == 1
    nine = seed.clauses[2].children[1]
    assert nine.path == ("三", "九") and nine.level == 2
    assert nine.label == "九" and nine.number == 9
    assert nine.heading == "激发创新活力"
    assert nine.text.startswith("鼓励我市中小企业积极参加")
    assert "责任单位" not in nine.text
    assert nine.responsible_units == ("市工业和信息化局", "市中小企业服务局")
    assert Amount(text="30万元", value=300000.0, unit="元") in nine.amounts
    three = seed.clauses[1].children[0]
    assert three.responsible_units == ("市地方金融监管局", "市中小企业服务局", "各区政府")


def test_seed_furniture_is_not_a_clause(seed: PolicyDocument) -> None:
    texts = "\n".join(c.text for c in seed.walk())
    for word in ("上一篇", "下一篇", "图片", "政府项目申报", "由《若干措施》提出的32项措施"):
        assert word not in texts
    assert "政府项目申报" in seed.preamble
    assert "上一篇" not in seed.preamble + seed.closing
    assert seed.closing.startswith("由《若干措施》提出的32项措施")


def test_seed_document_fields(seed: PolicyDocument) -> None:
    assert seed.title == "深圳市关于促进专精特新企业高质量发展的若干措施（征求意见稿）"
    assert seed.status is Status.DRAFT
    assert seed.doc_number is None
    assert seed.parser_version == parsers.PARSER_VERSION


def test_final_a_has_the_same_shape(final: PolicyDocument, seed: PolicyDocument) -> None:
    assert len(final.clauses) == 9
    assert _measures(final) == _measures(seed)
    assert final.status is Status.FINAL
    assert final.doc_number == "深工信规〔2022〕9号"
    assert final.issuer == "深圳市工业和信息化局"
    assert final.published == dt.date(2022, 12, 28)
    assert final.effective == "自2023年1月1日起施行，有效期五年"
    assert final.closing == "本措施自2023年1月1日起施行，有效期五年。"
    assert final.preamble.startswith("深工信规〔2022〕9号\n各有关单位：")
    last = final.clauses[-1].children[-1]
    assert "施行" not in last.text


def test_json_shape(seed: PolicyDocument) -> None:
    data = document_to_json(seed)
    for key in ("title", "status", "doc_number", "issuer", "published", "comment_deadline"):
        assert key in data
    clause = data["clauses"][2]["children"][1]
    assert clause["path"] == ["三", "九"]
    assert {"text": "30万元", "value": 300000.0, "unit": "元"} in clause["amounts"]


def test_parse_text_equals_parse_of_bytes(fixtures: Path) -> None:
    raw = (fixtures / SEED).read_bytes()
    assert parsers.parse_text(raw.decode()).clauses == parsers.parse(raw, "text/plain").clauses
