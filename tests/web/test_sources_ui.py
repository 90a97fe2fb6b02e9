"""Sources in the review UI: add, edit, enable/disable (administrators, validated as the config
file's tables are), config-defined sources read-only, and how the two kinds combine."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from monitor.catalog import catalog, effective_sources
from monitor.config import Config, FetchConfig, SourceConfig
from monitor.web.app import create_app
from state.store import Store, open_store
from tests.web.conftest import NOW, Seeded, csrf_of, login

Client = tuple[TestClient, str]
FORM = {
    "name": "sz-kjj",
    "kind": "html-list",
    "url": "https://stic.sz.gov.cn/xxgk/tzgg/index.html",
    "keywords": "专精特新\n若干措施",
    "every": "1h",
    "baseline_recent": "30d",
    "max_pages": "2",
    "max_items": "20",
    "attachments": "1",
    "enabled": "1",
}
FILE_SOURCE = SourceConfig(name="gxj-tzgg", kind="html-list", url="https://gxj.sz.gov.cn/list.html")


@pytest.fixture
def web_config() -> Config:
    """A config file defining one source (the seeded database has a row of that name)."""
    return Config(fetch=FetchConfig(allow_hosts=("*.gov.cn",)), sources=(FILE_SOURCE,))


@pytest.fixture
def app_client(seeded: Seeded, db_path: Path, web_config: Config) -> Iterator[TestClient]:
    app = create_app(web_config, lambda: open_store(db_path, migrate=False), clock=lambda: NOW)
    with TestClient(app, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def alice(app_client: TestClient) -> Client:
    return app_client, login(app_client, "alice")


def _add(client: TestClient, token: str, **changes: str) -> object:
    return client.post("/sources/new", data={"csrf": token, **FORM, **changes})


def test_an_admin_adds_a_source_stored_whole_and_checked_like_the_files(
    alice: Client, store: Store, web_config: Config
) -> None:
    client, token = alice
    response = client.post("/sources/new", data={"csrf": token, **FORM})
    assert response.status_code == 200 and "已添加来源 sz-kjj" in response.text
    record = store.get_source("sz-kjj")
    assert record.origin == "ui"
    table = json.loads(record.settings or "{}")
    assert table["keywords"] == ["专精特新", "若干措施"] and table["every"] == "1h"
    found = {s.name: s for s in effective_sources(web_config, store)}
    assert found["sz-kjj"].max_pages == 2 and found["sz-kjj"].baseline_recent.days == 30
    assert list(found) == ["gxj-tzgg", "sz-kjj"]  # the file's first
    page = client.get(f"/sources/{record.id}").text
    assert "在界面中添加" in page and "每 1 小时" in page and "专精特新、若干措施" in page
    assert "尚未完成首次检查" in page
    assert [r.action for r in store.reviews()][:1] == ["source_add"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"url": "https://example.com/list.html"}, "allow_hosts"),
        ({"url": "ftp://gxj.sz.gov.cn/"}, "must be an http:// or https:// URL"),
        ({"kind": "rss"}, "unknown kind &#39;rss&#39;"),
        ({"every": "10s"}, "checks run at most every minute"),
        ({"every": "soon"}, "bad duration"),
        ({"cron": "every day"}, "bad crontab expression"),
        ({"max_pages": "lots"}, "expected a whole number"),
        ({"name": ""}, "a source needs a name"),
        ({"name": "gxj-tzgg"}, "配置文件中已有名为 gxj-tzgg 的来源"),
    ],
)
def test_a_bad_source_is_refused_with_the_reason_and_nothing_stored(
    alice: Client, store: Store, changes: dict[str, str], message: str
) -> None:
    client, token = alice
    before = len(store.list_sources())
    response = client.post("/sources/new", data={"csrf": token, **FORM, **changes})
    assert response.status_code == 400 and message in response.text
    assert len(store.list_sources()) == before
    assert 'value="' + (changes.get("url") or FORM["url"]) + '"' in response.text  # kept


def test_edit_and_disable_a_ui_source_but_never_a_file_one(
    alice: Client, store: Store, web_config: Config, seeded: Seeded
) -> None:
    client, token = alice
    client.post("/sources/new", data={"csrf": token, **FORM})
    record = store.get_source("sz-kjj")
    form = {**FORM, "csrf": token, "every": "2h", "keywords": "人才"}
    assert "已更新" in client.post(f"/sources/{record.id}/edit", data=form).text
    client.post(f"/sources/{record.id}/enabled", data={"csrf": token, "enabled": "0"})
    edited = {s.name: s for s in effective_sources(web_config, store)}["sz-kjj"]
    assert (edited.every.total_seconds(), edited.keywords, edited.enabled) == (
        7200,
        ("人才",),
        False,
    )
    file_id = seeded.source_id  # gxj-tzgg: the config file defines it
    assert client.get(f"/sources/{file_id}/edit").status_code == 409
    assert client.post(f"/sources/{file_id}/edit", data=form).status_code == 409
    assert client.post(f"/sources/{file_id}/enabled", data={"csrf": token}).status_code == 409
    page = client.get(f"/sources/{file_id}").text
    assert "此来源在配置文件中定义" in page and "修改设置" not in page
    assert client.get("/sources/9999").status_code == 404


def test_reviewers_see_sources_but_cannot_change_them(
    app_client: TestClient, store: Store, seeded: Seeded
) -> None:
    token = login(app_client, "bob")
    assert app_client.get("/sources").status_code == 200
    assert app_client.get("/sources/new").status_code == 403
    assert app_client.post("/sources/new", data={"csrf": token, **FORM}).status_code == 403
    assert (
        app_client.post(f"/sources/{seeded.source_id}/check", data={"csrf": token}).status_code
        == 403
    )
    assert store.ui_sources() == []


def test_check_now_is_offered_only_with_a_runner(alice: Client, seeded: Seeded) -> None:
    client, token = alice
    page = client.get(f"/sources/{seeded.source_id}").text
    assert "立即检查" not in page  # this app was built without one
    assert (
        client.post(f"/sources/{seeded.source_id}/check", data={"csrf": token}).status_code == 409
    )


def test_the_file_takes_over_a_ui_source_of_the_same_name(store: Store) -> None:
    ui = store.add_ui_source(
        name="shared", kind="page", url="https://a.gov.cn/p.html", settings="{}", now=NOW
    )
    file_source = SourceConfig(name="shared", kind="page", url="https://b.gov.cn/q.html")
    config = dataclasses.replace(Config(), sources=(file_source,))
    [entry] = [e for e in catalog(config, store) if e.name == "shared"]
    assert entry.origin == "config" and entry.source == file_source
    from monitor.catalog import sync_records

    record = sync_records(store, config, [file_source])["shared"]
    assert (record.id, record.origin, record.url, record.settings) == (
        ui.id,
        "config",
        "https://b.gov.cn/q.html",
        None,
    )  # the same row (its history kept), now the file's


def test_a_ui_source_that_no_longer_validates_is_listed_not_checked(store: Store) -> None:
    table = {"name": "gone", "kind": "page", "url": "https://c.gov.cn/x.html"}
    store.add_ui_source(
        name="gone", kind="page", url=table["url"], settings=json.dumps(table), now=NOW
    )
    narrow = Config(fetch=FetchConfig(allow_hosts=("gxj.sz.gov.cn",)))
    [entry] = [e for e in catalog(narrow, store) if e.name == "gone"]
    assert entry.source is None and entry.problem and "allow_hosts" in entry.problem
    assert "gone" not in {s.name for s in effective_sources(narrow, store)}


def test_the_form_page_renders(alice: Client) -> None:
    client, _ = alice
    page = client.get("/sources/new")
    assert page.status_code == 200 and csrf_of(page.text)
    assert '<option value="gkmlpt">' in page.text
