"""Feedback channels read from consultation notices: the replica's notice and the other ways
Shenzhen bureaus write "how to comment"."""

from __future__ import annotations

from pathlib import Path

import parsers
from parsers.feedback import find_feedback
from parsers.model import FeedbackChannel, document_from_json, document_to_json

SITE = Path(__file__).parents[1] / "fixtures" / "site"
NOTICE = SITE / "2022-06-20" / "xxgk/xxgkml/qt/tzgg/content/post_9886501.html"

JUSTICE_BUREAU = """\
为提高立法质量，现将《深圳市某某条例（征求意见稿）》全文公布，征求社会各界意见。
公众可以通过以下途径和方式提出意见：
1.登录深圳市人民政府门户网站（http://www.sz.gov.cn），在“政民互动—民意征集”栏目中提出意见。
2.通过电子邮件将意见发送至：sfjlf@sf.sz.gov.cn。
3.通过信函将意见寄至：深圳市福田区福中三路市民中心C区市司法局立法一处，邮政编码：518035，并在信封上注明“征求意见”字样。
4.通过传真发送至：0755-88123456。
意见反馈截止日期为2023年5月31日。
咨询电话：0755-88102553，咨询邮箱：xzc@gxj.sz.gov.cn。
"""


def test_the_replica_notice_gives_its_email_and_postal_address() -> None:
    notice = parsers.extract(NOTICE.read_bytes(), "text/html")
    assert find_feedback(notice.text) == (
        FeedbackChannel(
            kind="email",
            value="zjtx@gxj.sz.gov.cn",
            note="邮件标题请注明“规范性文件征求意见”字样",
        ),
        FeedbackChannel(
            kind="post",
            value="深圳市福田区福中三路市民中心C区深圳市工业和信息化局中小企业处",
            postcode="518035",
            note="请在信封上注明“规范性文件征求意见”字样",
        ),
    )


def test_platform_email_post_and_fax_in_the_order_written_enquiries_left_out() -> None:
    found = find_feedback(JUSTICE_BUREAU)
    assert [(f.kind, f.value) for f in found] == [
        ("online", "http://www.sz.gov.cn"),
        ("email", "sfjlf@sf.sz.gov.cn"),
        ("post", "深圳市福田区福中三路市民中心C区市司法局立法一处"),
        ("fax", "0755-88123456"),
    ]
    assert found[0].note == "政民互动—民意征集"  # the column to look for on the site
    assert found[2].postcode == "518035"
    assert "xzc@gxj.sz.gov.cn" not in {f.value for f in found}  # an enquiry address


def test_a_platform_without_a_url_and_an_address_without_a_scheme() -> None:
    text = (
        "请登录“深圳市人民政府门户网站—互动交流—民意征集”栏目提出意见。\n"
        "也可登录中国政府法制信息网（www.chinalaw.gov.cn）提出意见。"
    )
    assert [(f.kind, f.value) for f in find_feedback(text)] == [
        ("online", "深圳市人民政府门户网站—互动交流—民意征集"),
        ("online", "http://www.chinalaw.gov.cn"),
    ]


def test_text_without_channels_gives_none_and_the_field_round_trips_in_json() -> None:
    assert find_feedback("第一条 为了规范管理，制定本办法。\n第二条 本办法自发布之日起施行。") == ()
    doc = parsers.parse_text(
        "深圳市某办法（征求意见稿）\n请于2023年1月1日前将意见发送至abc@sz.gov.cn。\n"
        "第一条 为了规范管理，制定本办法。\n第二条 本办法自发布之日起施行。"
    )
    assert [f.value for f in doc.feedback] == ["abc@sz.gov.cn"]
    assert document_from_json(document_to_json(doc)) == doc
