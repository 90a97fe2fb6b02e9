"""Text read by OCR is said to be so, everywhere it is shown: a consultation notice whose draft
is only a scanned PDF is checked through the replay server (Tesseract reads it), and its change
set page, document page and archived text, the email and the chat message each carry
本文本由OCR识别，可能有误，请以原文为准, and so do the client deliverables (the report page,
the Word redline); `policywatch parse` prints it. A text that was not
OCRed never carries it. The change set page and the email are rendered in Chromium and saved
as `ocr-warning.png` and `email-ocr.png` under `tests/artifacts/screenshots/`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.applications import Starlette
from starlette.testclient import TestClient

from monitor.cli import cli
from monitor.config import ChannelConfig, Config, NotificationsConfig, OutboxConfig
from monitor.review import actions, sending
from monitor.review.export import export_docx, export_html, load_export
from monitor.web.app import create_app
from monitor.web.auth import hash_password
from parsers.docx import docx_text
from parsers.model import OCR_CAUTION
from parsers.records import ChangeSetKind, Role, Subscriber, Subscription
from state.store import Store, open_store
from tests.browser import CHROMIUM, LAUNCH_ARGS, SCREENSHOTS, needs_chromium, serve
from tests.check.notice_snapshot import DRAFT_DOCX, check_notices, notice_with_attachment
from tests.notifications.chat_servers import Platforms, platforms
from tests.scanned import scanned_pdf
from tests.web.conftest import Seeded, csrf_of

__all__ = ["platforms"]  # the fixture, imported for pytest

SITE = Path(__file__).resolve().parents[1] / "fixtures" / "site"
NOW = dt.datetime(2022, 6, 21, 2, 0, tzinfo=dt.UTC)
PASSWORD = "carol-admin-pw"
CAUTION = f"{OCR_CAUTION}。"


@dataclass(frozen=True, slots=True, kw_only=True)
class Scanned:
    """The database a check of the scanned draft left, and what it stored."""

    db: Path
    document_id: int
    version_id: int
    change_set_id: int


@pytest.fixture(scope="module")
def _scanned_db(tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    """Check the notice once per module (OCR takes seconds); tests get a copy of the file."""
    folder = tmp_path_factory.mktemp("ocr")
    paragraphs = docx_text((SITE / "2022-06-20" / DRAFT_DOCX).read_bytes()).split("\n")
    snapshot = notice_with_attachment(
        SITE,
        folder,
        suffix=".pdf",
        data=scanned_pdf(paragraphs[:6]),
        content_type="application/pdf",
    )
    db = folder / "policywatch.db"
    store = open_store(db)
    try:
        report, _ = check_notices(snapshot, store)
        assert not report.failed, report.reports
        [doc] = store.list_documents()
        [version] = store.versions_of(doc.id)
        [cs] = store.list_change_sets()
        store.add_user(
            name="carol", role=Role.ADMIN, password_hash=hash_password(PASSWORD), now=NOW
        )
        store.add_subscriber(
            Subscriber(name="张三", email="zhang@example.com", company="某科技公司"),
            [Subscription()],
            now=NOW,
            channels=["email", "acme-wecom"],
        )
    finally:
        store.close()
    return Scanned(db=db, document_id=doc.id, version_id=version.id, change_set_id=cs.id)


@pytest.fixture
def scanned(_scanned_db: Scanned, tmp_path: Path) -> Scanned:
    """This test's copy of the checked database."""
    db = tmp_path / "ocr.db"
    shutil.copyfile(_scanned_db.db, db)
    return dataclasses.replace(_scanned_db, db=db)


@pytest.fixture
def ocr_store(scanned: Scanned) -> Iterator[Store]:
    store = open_store(scanned.db, migrate=False)
    try:
        yield store
    finally:
        store.close()


def _app(scanned: Scanned, config: Config | None = None) -> Starlette:
    config = config or Config(notifications=NotificationsConfig(base_url="http://127.0.0.1:8000"))
    return create_app(config, lambda: open_store(scanned.db, migrate=False), clock=lambda: NOW)


def test_the_check_stores_the_scanned_draft_as_read_by_ocr(
    scanned: Scanned, ocr_store: Store
) -> None:
    version = ocr_store.get_version(scanned.version_id)
    assert version.document.ocr and version.document.extractor == "ocr"
    assert [c.heading for c in version.document.walk()][:3] == [
        "加大财税支持力度",
        "强化资金奖励",
        "加强减税降费服务",
    ]
    cs = ocr_store.get_change_set(scanned.change_set_id)
    assert cs.kind is ChangeSetKind.NEW_DOCUMENT


def test_the_review_pages_warn_that_the_text_came_from_ocr(scanned: Scanned) -> None:
    with TestClient(_app(scanned), base_url="http://testserver") as client:
        page = client.get("/login")
        client.post(
            "/login",
            data={"csrf": csrf_of(page.text), "name": "carol", "password": PASSWORD, "next": "/"},
        )
        change_set = client.get(f"/change-sets/{scanned.change_set_id}").text
        document = client.get(f"/documents/{scanned.document_id}").text
        archived = client.get(f"/versions/{scanned.version_id}").text
    for html in (change_set, document, archived):
        assert f'<p class="ocr-warning" role="alert"><strong>注意：</strong>{CAUTION}' in html
        assert "第 1 版的文本由OCR识别" in html
    assert '<span class="badge warn">OCR识别</span>' in change_set
    assert '<span class="badge warn">OCR识别</span>' in document


def test_a_text_not_read_by_ocr_carries_no_warning(
    seeded: Seeded, admin: tuple[TestClient, str]
) -> None:
    client, _ = admin
    pages = {
        f"/change-sets/{seeded.change_set_id}": "文件版本时间线",
        f"/documents/{seeded.document_id}": "版本时间线",
        f"/versions/{seeded.final_version_id}": "返回时间线",
    }
    for url, shown in pages.items():
        html = client.get(url).text
        assert shown in html  # the page itself rendered
        assert OCR_CAUTION not in html and "OCR识别" not in html


def _sending_config(tmp_path: Path, platforms: Platforms) -> Config:
    return Config(
        outbox=OutboxConfig(dir=tmp_path / "outbox"),
        channels=(ChannelConfig(name="acme-wecom", kind="wecom", url=platforms.url("wecom")),),
    )


def _sent_email(folder: Path) -> EmailMessage:
    [path] = sorted(folder.glob("*.eml"))
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _part(message: EmailMessage, kind: str) -> str:
    part = message.get_body((kind,))
    assert part is not None
    return str(part.get_content())


def test_the_email_and_the_chat_message_carry_the_caution(
    scanned: Scanned, ocr_store: Store, tmp_path: Path, platforms: Platforms
) -> None:
    config = _sending_config(tmp_path, platforms)
    assert (
        actions.approve_change_set(
            ocr_store, scanned.change_set_id, actor="carol", now=NOW, config=config
        )
        == 2
    )
    report = sending.send_due(config, ocr_store, now=NOW)
    assert report.ok, report.errors
    message = _sent_email(tmp_path / "outbox")
    assert "【新政策征求意见】" in str(message["Subject"])
    text, html = _part(message, "plain"), _part(message, "html")
    assert f"【注意】{CAUTION}" in text
    assert f"注意：{CAUTION}</p>" in html
    assert text.index("意见反馈截止日期：2022年7月20日") < text.index(CAUTION)  # beside the policy
    [posted] = platforms.of("wecom")
    assert f"**注意：{CAUTION}**" in posted.text


def test_the_client_deliverables_carry_the_caution(scanned: Scanned, ocr_store: Store) -> None:
    import docx

    source = load_export(ocr_store, scanned.change_set_id)
    page = export_html(source).decode("utf-8")  # also what `/report/<token>` serves
    assert f'<p class="ocr" role="alert">注意：{CAUTION}</p>' in page
    word = docx.Document(io.BytesIO(export_docx(source)))
    assert f"注意：{CAUTION}" in [paragraph.text for paragraph in word.paragraphs]


def test_policywatch_parse_says_the_text_came_from_ocr(tmp_path: Path) -> None:
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(
        scanned_pdf(
            [
                "深圳市关于促进企业发展的若干措施",
                "一、加大财税支持力度",
                "（一）强化资金奖励。对经认定的企业予以奖励。",
            ]
        )
    )
    runner = CliRunner()
    tree = runner.invoke(cli, ["--config", str(tmp_path / "none.toml"), "parse", str(scan)])
    assert tree.exit_code == 0, tree.output
    assert f"was read by OCR (ocr): {CAUTION}" in tree.stdout
    as_json = runner.invoke(
        cli, ["--config", str(tmp_path / "none.toml"), "parse", "--json", str(scan)]
    )
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout)["ocr"] is True  # stdout stays JSON
    assert CAUTION in as_json.stderr


@needs_chromium
def test_the_warning_as_a_reviewer_and_a_client_see_it(
    scanned: Scanned, ocr_store: Store, tmp_path: Path, platforms: Platforms
) -> None:
    from playwright.sync_api import expect, sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with serve(_app(scanned)) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            context = browser.new_context(
                locale="zh-CN", viewport={"width": 1280, "height": 900}, base_url=base
            )
            page = context.new_page()
            page.goto(f"/change-sets/{scanned.change_set_id}")
            page.get_by_label("用户名").fill("carol")
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.wait_for_url(f"**/change-sets/{scanned.change_set_id}")
            warning = page.locator("p.ocr-warning")
            expect(warning).to_be_visible()
            expect(warning).to_contain_text(CAUTION)
            assert (
                warning.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 244, 229)"
            )
            page.screenshot(
                path=str(SCREENSHOTS / "ocr-warning.png"),
                clip={"x": 0, "y": 0, "width": 1280, "height": 560},
            )

            config = _sending_config(tmp_path, platforms)  # approved: the email a client gets
            actions.approve_change_set(
                ocr_store, scanned.change_set_id, actor="carol", now=NOW, config=config
            )
            sending.send_due(config, ocr_store, now=NOW)
            html = _part(_sent_email(tmp_path / "outbox"), "html")

            mail = browser.new_page(viewport={"width": 760, "height": 700}, locale="zh-CN")
            mail.route("**/*", lambda route: route.abort())  # a mail client loads nothing
            mail.set_content(html)
            caution = mail.get_by_text(f"注意：{CAUTION}")
            expect(caution).to_be_visible()
            mail.screenshot(
                path=str(SCREENSHOTS / "email-ocr.png"),
                clip={"x": 0, "y": 0, "width": 760, "height": 560},
            )
        finally:
            browser.close()
