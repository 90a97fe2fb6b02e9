"""Decoding and normalisation."""

from __future__ import annotations

import codecs

import pytest

from parsers.errors import ExtractionError
from parsers.text import decode, normalise

CHINESE = "深圳市工业和信息化局关于印发《办法》的通知"


def test_charset_order() -> None:
    data = CHINESE.encode("gb18030")
    assert decode(data, charset="gb2312") == (CHINESE, "gb18030")
    assert decode(codecs.BOM_UTF8 + CHINESE.encode(), charset=None) == (CHINESE, "utf-8-sig")
    page = f'<meta charset="GBK"><p>{CHINESE}</p>'.encode("gb18030")
    assert decode(page, html=True)[1] == "gb18030"
    assert decode(CHINESE.encode(), charset="no-such-charset") == (CHINESE, "utf-8")


def test_detection_without_any_declaration() -> None:
    text = CHINESE * 20
    decoded, encoding = decode(text.encode("gb18030"))
    assert decoded == text
    assert encoding in {"gb18030", "gbk", "gb2312"}


def test_empty_is_an_error() -> None:
    with pytest.raises(ExtractionError):
        decode(b"")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "(一)强化资金奖励。对企业,予以奖励;(责任单位:市局)",
            "（一）强化资金奖励。对企业，予以奖励；（责任单位：市局）",
        ),
        ("05\u00a0推动数字化", "05推动数字化"),
        ("\u3000\u3000第一条\u3000为促进发展", "第一条为促进发展"),
        ("营收１，０００万元，增长２０％", "营收1，000万元，增长20%"),
        ("访问 http://gxj.sz.gov.cn 于10:30", "访问http://gxj.sz.gov.cn于10:30"),
        ("1,000万元", "1,000万元"),
        ("正文\n浏览次数：87\n【字体：大 中 小】\n分享到：微信\n上一篇:解读\n打印", "正文"),
        ("  \n\n行一\n\n\n行二  ", "行一\n行二"),
        ("傳統字體保留", "傳統字體保留"),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected
