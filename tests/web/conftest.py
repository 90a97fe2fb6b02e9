"""Fixtures of the review UI tests: a store holding the draft → final A change set, staff
accounts, subscribers, and a logged-in `TestClient`."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

import parsers
from monitor.config import Config, NotificationsConfig
from monitor.web.app import create_app
from monitor.web.auth import hash_password
from parsers.diff import diff_documents
from parsers.model import ChangeKind, ClauseChange, ClauseRef, DocumentDiff, PolicyDocument
from parsers.records import ChangeSetKind, Fetched, Role, Subscriber, Subscription
from state.store import Store, open_store

NOW = dt.datetime(2022, 12, 30, 2, 0, tzinfo=dt.UTC)
PASSWORDS = {"alice": "alice-admin-pw", "bob": "bob-reviewer-pw"}
SCRIPT = "<script>document.title='PWNED'</script>"
FIXTURES = Path(__file__).parents[1] / "fixtures"
DRAFT_URL = "https://gxj.sz.gov.cn/xxgk/xxgkml/qt/tzgg/content/post_1.html"
FINAL_URL = "https://gxj.sz.gov.cn/xxgk/xxgkml/zcfgj/gfxwj/content/post_2.html"


@dataclass(frozen=True, slots=True, kw_only=True)
class Seeded:
    """Ids of what `seed` stored."""

    document_id: int
    draft_version_id: int
    final_version_id: int
    change_set_id: int  # draft -> final A
    script_change_set_id: int  # a hand-made change whose clause holds a <script> payload
    source_id: int


def _fetched(url: str, text: str, at: dt.datetime) -> Fetched:
    raw = text.encode()
    return Fetched(
        url=url,
        fetched_at=at,
        http_status=200,
        media_type="text/plain",
        content=raw,
        content_hash=hashlib.sha256(raw).hexdigest(),
    )


def _version(store: Store, doc_id: int, url: str, doc: PolicyDocument, at: dt.datetime) -> int:
    text = "\n".join(c.text for c in doc.walk())
    return store.add_version(
        document_id=doc_id,
        rendition_id=None,
        fetched=_fetched(url, text, at),
        text=text,
        document=doc,
        tree_hash=hashlib.sha256(text.encode()).hexdigest(),
        parser_version=parsers.PARSER_VERSION,
    )


def _script_diff() -> DocumentDiff:
    ref = ClauseRef(path=("一", "一"), label="一", number=1, heading=SCRIPT)
    change = ClauseChange(
        kinds=(ChangeKind.MODIFIED,),
        old=ref,
        new=ref,
        summary=f"摘要 {SCRIPT}",
        redline=((0, "条款"), (-1, SCRIPT), (1, "<b>加粗</b>" + SCRIPT)),
        old_text=f"条款{SCRIPT}",
        new_text=f"条款<b>加粗</b>{SCRIPT}",
    )
    return DocumentDiff(changes=(change,))


def seed(store: Store) -> Seeded:
    """Draft and final A of the 专精特新 measures, their change set, and a <script> change set."""
    draft = parsers.parse_path(FIXTURES / "texts" / "seed-article.txt")
    final = parsers.parse_path(FIXTURES / "texts" / "zjtx-final-a.txt")
    source = store.sync_source(name="gxj-tzgg", kind="html-list", url="https://gxj.sz.gov.cn/")
    doc_id = store.add_document(
        title=draft.title or "草案", norm_title="专精特新", status=draft.status, url=None, now=NOW
    )
    v1 = _version(store, doc_id, DRAFT_URL, draft, NOW - dt.timedelta(days=190))
    v2 = _version(store, doc_id, FINAL_URL, final, NOW)
    cs = store.add_change_set(
        document_id=doc_id,
        from_version_id=v1,
        to_version_id=v2,
        source_id=source.id,
        kind=ChangeSetKind.CHANGED,
        diff=diff_documents(draft, final),
        detected_at=NOW,
    )
    evil = store.add_change_set(
        document_id=doc_id,
        from_version_id=v1,
        to_version_id=v2,
        source_id=source.id,
        kind=ChangeSetKind.CHANGED,
        diff=_script_diff(),
        detected_at=NOW - dt.timedelta(hours=1),
    )
    return Seeded(
        document_id=doc_id,
        draft_version_id=v1,
        final_version_id=v2,
        change_set_id=cs,
        script_change_set_id=evil,
        source_id=source.id,
    )


def add_people(store: Store) -> None:
    """Two staff accounts and two subscribers (everything; 企业融资 only)."""
    store.add_user(
        name="alice", role=Role.ADMIN, password_hash=hash_password(PASSWORDS["alice"]), now=NOW
    )
    store.add_user(
        name="bob", role=Role.REVIEWER, password_hash=hash_password(PASSWORDS["bob"]), now=NOW
    )
    store.add_subscriber(
        Subscriber(name="张三", email="zhang@example.com"), [Subscription()], now=NOW
    )
    store.add_subscriber(
        Subscriber(name="李四", email="li@example.com", company="某咨询"),
        [Subscription(topics=("企业融资",))],
        now=NOW,
    )


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seeded]:
    """Parse, diff, hash and store once per session; tests get a copy of the file."""
    path = tmp_path_factory.mktemp("web-template") / "policywatch.db"
    template = open_store(path)
    try:
        ids = seed(template)
        add_people(template)
    finally:
        template.close()
    return path, ids


@pytest.fixture
def seeded(_template_db: tuple[Path, Seeded], db_path: Path) -> Seeded:
    """The test's database: change sets, staff and subscribers (a copy of the template)."""
    shutil.copyfile(_template_db[0], db_path)
    return _template_db[1]


@pytest.fixture
def store(seeded: Seeded, db_path: Path) -> Iterator[Store]:
    """The seeded store of this test."""
    s = open_store(db_path, migrate=False)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def web_config(tmp_path: Path) -> Config:
    """A config whose outbox folder is in the test's folder."""
    return Config(notifications=NotificationsConfig(base_url="http://127.0.0.1:8000"))


@pytest.fixture
def app_factory(db_path: Path, web_config: Config) -> Callable[[], object]:
    """Builds the app over the test database (a store per request)."""

    def make() -> object:
        return create_app(web_config, lambda: open_store(db_path, migrate=False), clock=lambda: NOW)

    return make


@pytest.fixture
def client(seeded: Seeded, app_factory: Callable[[], object]) -> Iterator[TestClient]:
    """An anonymous client (no session)."""
    with TestClient(app_factory(), base_url="http://testserver") as c:  # type: ignore[arg-type]
        yield c


def csrf_of(html: str) -> str:
    """The CSRF token in a page's first form."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def login(client: TestClient, name: str) -> str:
    """Log `name` in; returns the session's CSRF token."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"csrf": csrf_of(page.text), "name": name, "password": PASSWORDS[name], "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/").text)


@pytest.fixture
def admin(client: TestClient) -> tuple[TestClient, str]:
    """The client logged in as alice (admin), and her CSRF token."""
    return client, login(client, "alice")


@pytest.fixture
def reviewer(client: TestClient) -> tuple[TestClient, str]:
    """The client logged in as bob (reviewer), and his CSRF token."""
    return client, login(client, "bob")


def approve(client: TestClient, token: str, cs_id: int) -> TestClient:
    """Approve a change set as the UI does: the server asks to confirm the recipient count,
    the count it states is sent back. Returns the client (its last response followed)."""
    asked = client.post(f"/change-sets/{cs_id}/approve", data={"csrf": token})
    found = re.search(r'name="confirm" value="(\d+)"', asked.text)
    assert found, asked.text
    client.post(f"/change-sets/{cs_id}/approve", data={"csrf": token, "confirm": found.group(1)})
    return client
