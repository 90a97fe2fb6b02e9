"""The message model says when a policy's text came from OCR (either version): the email parts,
every chat dialect and a digest merging several change sets of the policy carry the caution;
a text not OCRed carries none. (End to end, from a scanned PDF: tests/web/test_ocr_warning.py.)"""

from __future__ import annotations

import dataclasses

import pytest

from notifications.chat.bots import DingTalkRobot, FeishuBot, WeComBot
from notifications.chat.markdown import chat_message
from notifications.digest import digest_policies
from notifications.render import Branding, EmailView, policy_view, render_email
from parsers.model import OCR_CAUTION
from tests.notifications.test_render import DOC, FINANCE, TALENT, context

SCANNED = dataclasses.replace(DOC, ocr=True, extractor="pdf+ocr")
DIALECTS = {bot.kind: bot.dialect for bot in (WeComBot, DingTalkRobot, FeishuBot)}


def _view(*policies: object) -> EmailView:
    return EmailView(
        name="张三",
        heading="监测到您关注的政策有以下变化：",
        policies=policies,  # type: ignore[arg-type]
        unsubscribe_url="https://pw.example.com/unsubscribe/t",
        digest=False,
        branding=Branding(),
    )


@pytest.mark.parametrize("side", ["old", "new"])
def test_either_version_read_by_ocr_puts_the_caution_in_every_rendering(side: str) -> None:
    plain = context(FINANCE)
    ctx = (
        dataclasses.replace(plain, old=SCANNED)
        if side == "old"
        else dataclasses.replace(plain, new=SCANNED)
    )
    policy = policy_view(ctx, (FINANCE,))
    assert policy.ocr
    email = render_email("【政策变更】若干措施：1处条款变化", _view(policy))
    assert f"【注意】{OCR_CAUTION}。" in email.text
    assert f"注意：{OCR_CAUTION}。</p>" in email.html
    for name, dialect in DIALECTS.items():
        message = chat_message(_view(policy), "若干措施", dialect)
        assert f"**注意：{OCR_CAUTION}。**" in message.parts[0], name


def test_a_text_not_read_by_ocr_has_no_caution() -> None:
    policy = policy_view(context(FINANCE), (FINANCE,))
    assert not policy.ocr
    email = render_email("【政策变更】若干措施：1处条款变化", _view(policy))
    assert OCR_CAUTION not in email.text and OCR_CAUTION not in email.html
    assert OCR_CAUTION not in chat_message(_view(policy), "若干措施", DIALECTS["wecom"]).parts[0]


def test_a_digest_merging_change_sets_keeps_the_caution_of_any_of_them() -> None:
    first = context(FINANCE)
    later = dataclasses.replace(context(TALENT, id=8), new=SCANNED)  # the correction was a scan
    [merged] = digest_policies([(first, None), (later, None)])
    assert merged.ocr
    [plain] = digest_policies([(first, None), (context(TALENT, id=8), None)])
    assert not plain.ocr
