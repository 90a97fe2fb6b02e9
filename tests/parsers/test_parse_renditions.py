"""The renditions of one document parse to equal clause trees (HTML, gkmlpt, postmeta, DOCX)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import parsers
from parsers.formats import DOCX as DOCX_TYPE
from parsers.model import Attachment, Status

SITE = "site/2022-12-30"
FINAL_RENDITIONS = [
    "texts/zjtx-final-a.txt",
    f"{SITE}/xxgk/xxgkml/zcfgjzcjd/gygh/content/post_10358920.html",
    f"{SITE}/gkmlpt/content/10/10358/post_10358920.html",
    f"{SITE}/postmeta/p/10/10358/10358920.json",
]
DOCX = "site/2022-06-20/attachment/0/98/98865/9886501.docx"
NOTICE = "site/2022-06-20/xxgk/xxgkml/qt/tzgg/content/post_9886501.html"
LEGACY = "site/2022-06-20/xxgk/xxgkml/zcfgjzcjd/gygh/202002/t20200209_19005892.htm"
HOST = "http://gxj.sz.gov.cn"


def test_four_renditions_of_final_a_are_equal(fixtures: Path) -> None:
    docs = [parsers.parse_path(fixtures / name) for name in FINAL_RENDITIONS]
    assert len(docs[0].walk()) == 41
    for doc in docs[1:]:
        assert doc.clauses == docs[0].clauses
        assert doc.doc_number == "深工信规〔2022〕9号"
        assert doc.status is Status.FINAL
        assert doc.issuer == "深圳市工业和信息化局"
        assert doc.published == dt.date(2022, 12, 30)
        assert doc.title is not None and doc.title.startswith("深圳市工业和信息化局关于印发")


def test_page_furniture_stays_out(fixtures: Path) -> None:
    doc = parsers.parse_path(fixtures / FINAL_RENDITIONS[1])
    everything = "\n".join([doc.preamble, doc.closing, *(c.text for c in doc.walk())])
    for word in ("浏览次数", "分享到", "打印", "字体", "主办单位", "网站标识码", "当前位置"):
        assert word not in everything


def test_draft_docx_parses_to_the_seed_tree(fixtures: Path) -> None:
    seed = parsers.parse_path(fixtures / "texts/seed-article.txt")
    draft = parsers.parse_path(fixtures / DOCX)
    assert draft.clauses == seed.clauses
    assert draft.title == seed.title
    assert draft.status is Status.DRAFT


def test_consultation_notice(fixtures: Path) -> None:
    data = (fixtures / NOTICE).read_bytes()
    extracted = parsers.extract(data, "text/html; charset=utf-8", url=HOST + "/xxgk/x.html")
    assert extracted.is_notice
    assert extracted.published == dt.date(2022, 6, 20)
    assert extracted.attachments == (
        Attachment(
            url=HOST + "/attachment/0/98/98865/9886501.docx",
            name="深圳市关于促进专精特新企业高质量发展的若干措施（征求意见稿）.docx",
        ),
    )
    fields = parsers.document_fields(extracted.text, extracted.title)
    assert fields.comment_deadline == dt.date(2022, 7, 20)
    assert fields.status is Status.DRAFT
    assert fields.issuer == "深圳市工业和信息化局"


def test_final_page_is_not_a_notice(fixtures: Path) -> None:
    data = (fixtures / FINAL_RENDITIONS[1]).read_bytes()
    assert not parsers.extract(data, "text/html").is_notice


def test_legacy_gb2312_page_without_header_charset(fixtures: Path) -> None:
    data = (fixtures / LEGACY).read_bytes()
    extracted = parsers.extract(data, "text/html")
    assert extracted.encoding == "gb18030"
    assert extracted.title == "深圳市工业和信息化局关于印发《深圳市专精特新中小企业遴选办法》的通知"
    doc = parsers.parse(data, "text/html")
    assert [c.kind for c in doc.clauses] == ["article"] * 5
    assert doc.clauses[2].text.startswith("申报企业上年度营业收入应当在1000万元以上")
    assert doc.doc_number == "深工信规〔2020〕1号"
    assert doc.published == dt.date(2020, 2, 9)
    assert doc.effective == "自发布之日起施行，有效期三年"


def test_http_charset_wins_over_meta(fixtures: Path) -> None:
    page = '<html><head><meta charset="utf-8"></head><body><p>一、总则</p></body></html>'
    extracted = parsers.extract(page.encode("gb18030"), "text/html; charset=GB2312")
    assert extracted.encoding == "gb18030"
    assert extracted.text == "一、总则"


def test_gkmlpt_detail_attachments_and_metadata(fixtures: Path) -> None:
    page = (
        '<html><body><script>window._CONFIG = {"SID": "1", "DETAIL": {"title": "T", '
        '"date": 1672365600, "document_number": "深工信〔2023〕2号", "publisher": "某局", '
        '"content": "\\u003Cp\\u003E一、总则\\u003C/p\\u003E\\u003Cp\\u003E\\u003Ca '
        'href=\\u0022/attachment/0/1/1/2.pdf\\u0022\\u003E点击下载\\u003C/a\\u003E\\u003C/p\\u003E"'
        "}};</script></body></html>"
    )
    extracted = parsers.extract(page.encode(), "text/html", url=HOST + "/gkmlpt/content/1.html")
    assert extracted.published == dt.date(2022, 12, 30)
    assert extracted.doc_number == "深工信〔2023〕2号"
    assert extracted.attachments == (
        Attachment(url=HOST + "/attachment/0/1/1/2.pdf", name="点击下载"),
    )


def test_postmeta_attachment_list(fixtures: Path) -> None:
    post = '{"title": "T", "content": "<p>一、总则</p>", "attachment": [{"url": "/a/1.docx", "name": "附件.docx"}]}'
    extracted = parsers.extract(post.encode(), "application/json", url=HOST + "/p.json")
    assert extracted.attachments == (Attachment(url=HOST + "/a/1.docx", name="附件.docx"),)


@pytest.mark.parametrize(
    ("data", "media_type", "error"),
    [
        (b"", "text/plain", parsers.ExtractionError),
        (b"hello", "image/png", parsers.UnsupportedMediaTypeError),
        (b'{"articles": []}', "application/json", parsers.ExtractionError),
        (b"not a pdf", "application/pdf", parsers.ExtractionError),
        (b"not a zip", DOCX_TYPE, parsers.ExtractionError),
        ("只有一段说明文字，没有编号。".encode(), "text/plain", parsers.SuspiciousParseError),
    ],
    ids=["empty", "media-type", "json-list", "pdf-garbage", "docx-garbage", "no-clauses"],
)
def test_errors(data: bytes, media_type: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parsers.parse(data, media_type)
