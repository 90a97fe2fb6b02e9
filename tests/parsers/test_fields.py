"""Fields: amounts, units, dates and document fields from text."""

from __future__ import annotations

import datetime as dt

import pytest

import parsers
from parsers.fields import find_amounts, find_dates, split_units
from parsers.model import Status


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("最高给予30万元奖励", [("30万元", 300000.0, "元")]),
        ("年产值达3亿以上", [("3亿", 3e8, "元")]),
        ("年产值达2亿元以上", [("2亿元", 2e8, "元")]),
        ("按50%比例收取", [("50%", 50.0, "%")]),
        ("每年培训100人以上", [("100人", 100.0, "人")]),
        ("每年举办2次以上", [("2次", 2.0, "次")]),
        ("补贴1.5万元", [("1.5万元", 15000.0, "元")]),
        ("自2023年1月1日起，运用5G技术", []),
        ("“20+8”产业集群，全国500强", []),
    ],
)
def test_amounts(text: str, expected: list[tuple[str, float, str]]) -> None:
    assert [(a.text, a.value, a.unit) for a in find_amounts(text)] == expected


@pytest.mark.parametrize(
    ("text", "clean", "units"),
    [
        (
            "予以奖励。（责任单位：市工业和信息化局、市中小企业服务局）",
            "予以奖励。",
            ("市工业和信息化局", "市中小企业服务局"),
        ),
        ("贴息补助（责任单位：市国资委，各区政府）", "贴息补助", ("市国资委", "各区政府")),
        (
            "服务。［责任单位：市局，各区政府（含大鹏新区管委会、深汕特别合作区管委会，下同）］",
            "服务。",
            ("市局", "各区政府"),
        ),
        ("没有责任单位说明。", "没有责任单位说明。", ()),
    ],
)
def test_units(text: str, clean: str, units: tuple[str, ...]) -> None:
    assert split_units(text) == (clean, units)


def test_dates() -> None:
    assert find_dates("在2022年7月20日前，自2023年1月起，2022-12-30") == (
        "2022年7月20日",
        "2023年1月",
        "2022-12-30",
    )


def test_document_fields_of_a_consultation_notice() -> None:
    text = (
        "关于公开征求《深圳市某某办法（征求意见稿）》意见的通告\n"
        "有关单位和社会各界人士可在2022年7月20日前，通过以下方式反馈意见：\n"
        "特此通告。\n深圳市工业和信息化局\n2022年6月20日"
    )
    fields = parsers.document_fields(text, None)
    assert fields.status is Status.DRAFT
    assert fields.comment_deadline == dt.date(2022, 7, 20)
    assert fields.issuer == "深圳市工业和信息化局"
    assert fields.published == dt.date(2022, 6, 20)
    assert fields.title == "关于公开征求《深圳市某某办法（征求意见稿）》意见的通告"


def test_document_fields_of_a_final() -> None:
    text = "深工信规[2022]9号\n各有关单位：\n现予印发，请认真贯彻执行。\n一、总则\n本措施自2023年1月1日起施行，有效期五年。"
    fields = parsers.document_fields(text, "某某措施")
    assert fields.status is Status.FINAL
    assert fields.doc_number == "深工信规〔2022〕9号"
    assert fields.effective == "自2023年1月1日起施行，有效期五年"


def test_unknown_status() -> None:
    assert parsers.document_fields("一、总则\n二、附则", None).status is Status.UNKNOWN
