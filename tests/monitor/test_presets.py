"""The presets of `policywatch init`: every one loads and validates as written, each Shenzhen
bureau's sources are on that bureau's host over http://, what could not be confirmed is said in
the file, and each bureau's sources read the replica's page shapes where the bureau shares the
platform's templates: its list pages (the NFCMS `div.ListconC` layout, or the markup public
scrapers describe for that bureau: fgw's `div.zyzp`, commerce's `span.lb_title`, zxqyj's
`div.nei_listCont`), the postmeta and gkmlpt JSON, the article and the consultation notice with
its draft attached. Served by the replay server under the bureau's host, one check of the
preset's sources reads the notice's draft and the final as one policy (the final its latest
version: a site first watched after its final), and never follows the sidebar's links."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from monitor.check.cycle import run_check
from monitor.cli import cli
from monitor.cli.presets import ALL, BUREAUS, PRESETS, UNCONFIRMED, Bureau, Watch
from monitor.config import config_from_dict, load_config
from monitor.fetch.replay import serve_in_thread
from monitor.hosts import HostPolicy
from parsers.model import Status
from state.store import Store

SNAPSHOT = Path(__file__).resolve().parents[1] / "fixtures" / "site" / "2022-12-30"
FINAL = SNAPSHOT / "xxgk/xxgkml/zcfgjzcjd/gygh/content/post_10358920.html"
NOTICE = SNAPSHOT / "xxgk/xxgkml/qt/tzgg/content/post_9886501.html"
DRAFT = SNAPSHOT / "attachment/0/98/98865/9886501.docx"
GKMLPT_INDEX = SNAPSHOT / "gkmlpt/index.html"
GKMLPT_FINAL = SNAPSHOT / "gkmlpt/content/10/10358/post_10358920.html"
POST_JSON = SNAPSHOT / "postmeta/p/10/10358/10358920.json"
FINAL_TITLE = "深圳市工业和信息化局关于印发《深圳市关于促进专精特新企业高质量发展的若干措施》的通知"
NOTICE_TITLE = (
    "关于公开征求《深圳市关于促进专精特新企业高质量发展的若干措施（征求意见稿）》意见的通告"
)
OTHER_TITLE = "关于2022年度工业设计发展扶持计划拟资助项目的公示"  # no policy: not fetched
DECOY = "/zt/hot/content/post_1.html"  # a sidebar link whose title has a keyword
HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SID = "755035"  # the replica's gkmlpt site id (read from /gkmlpt/index by the source)


def _by_name(name: str) -> Bureau:
    return next(b for b in BUREAUS if b.preset == name)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_loads_and_validates(tmp_path: Path, preset: str) -> None:
    path = tmp_path / "policywatch.toml"
    path.write_text(PRESETS[preset], encoding="utf-8")
    config = load_config(path)  # kinds, URLs against allow_hosts, selectors, durations
    assert config.sources and all(s.enabled for s in config.sources)
    policy = HostPolicy(config.fetch.allow_hosts)
    for source in config.sources:
        parts = urlsplit(source.url)
        assert parts.scheme == "http"  # the platform's HTTPS fails for OpenSSL clients
        assert policy.allows_name(parts.hostname or "")
        if source.kind != "page":  # a bureau's lists hold far more than policies
            assert source.keywords, source.name
        assert "<" not in source.url  # an id still to find is only in commented sources


@pytest.mark.parametrize("bureau", BUREAUS, ids=[b.preset for b in BUREAUS])
def test_a_bureau_preset_watches_its_own_host_and_says_what_is_unconfirmed(bureau: Bureau) -> None:
    text = PRESETS[bureau.preset]
    config = config_from_dict(tomllib.loads(text))
    assert [s.name for s in config.sources] == [w.name for w in bureau.watches]
    assert {urlsplit(s.url).hostname for s in config.sources} == {bureau.host}
    assert all(s.name.startswith(bureau.preset.split("-")[0] + "-") for s in config.sources)
    unconfirmed = [w for w in bureau.watches if not w.confirmed]
    assert (UNCONFIRMED.capitalize() in text) == bool(bureau.unconfirmed)
    for watch in unconfirmed:
        line = next(x for x in text.splitlines() if x.startswith(f'name = "{watch.name}"'))
        assert line.endswith(f"({UNCONFIRMED})")


@pytest.mark.parametrize("bureau", BUREAUS, ids=[b.preset for b in BUREAUS])
def test_the_commented_sources_are_valid_once_their_id_is_filled_in(bureau: Bureau) -> None:
    text = PRESETS[bureau.preset].replace("<category>", "3120").replace("<column>", "61057")
    lines = text.splitlines()
    for n, line in enumerate(lines):
        if line == "# [[source]]":  # uncomment the table: lines up to the next blank one
            end = lines.index("", n)
            lines[n:end] = [x.removeprefix("# ") for x in lines[n:end]]
    config = config_from_dict(tomllib.loads("\n".join(lines)))
    names = [w.name for w in (*bureau.watches, *bureau.templates)]
    assert [s.name for s in config.sources] == names


def test_sz_all_is_every_bureau_in_one_file() -> None:
    config = config_from_dict(tomllib.loads(PRESETS[ALL]))
    assert [s.name for s in config.sources] == [w.name for b in BUREAUS for w in b.watches]
    for bureau in BUREAUS:
        assert f"# --- {bureau.name} ({bureau.host}) ---" in PRESETS[ALL]


def test_init_lists_the_presets_and_writes_the_one_chosen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    listed = runner.invoke(cli, ["init", "--list-presets"])
    assert listed.exit_code == 0, listed.output
    for bureau in BUREAUS:
        assert bureau.preset in listed.output and bureau.host in listed.output
    assert not (tmp_path / "policywatch.toml").exists()  # listing writes nothing
    helped = runner.invoke(cli, ["init", "--help"])
    assert all(name in helped.output for name in PRESETS)
    written = runner.invoke(cli, ["init", "--preset", "zxqyj-sz"])
    assert written.exit_code == 0, written.output
    assert load_config(tmp_path / "policywatch.toml").source_names == ("zxqyj-tzgg", "zxqyj-zcfg")


# --- the replica's page shapes under each bureau's host ---------------------------------------


# The list markup public scrapers of these bureaus describe (the others: the platform's own).
LAYOUTS = {"fgw": "div.zyzp", "commerce": "span.lb_title", "zxqyj": "div.nei_listCont"}


def _layout(watch: Watch) -> str:
    """The markup of the bureau's column lists, whatever the preset's selectors say."""
    return LAYOUTS.get(watch.name.split("-")[0], "div.ListconC")


def _item(layout: str, href: str, title: str, day: str) -> str:
    if layout == "div.zyzp":
        return (
            f'<li><a href="{href}" target="_blank"><span>{title}</span><span>{day}</span></a></li>'
        )
    if layout == "span.lb_title":
        return (
            f'<li><span class="lb_title"><a href="{href}" title="{title}">{title}</a></span>'
            f'<span class="lb_date">{day}</span></li>'
        )
    if layout == "div.nei_listCont":
        return f'<li><a href="{href}" title="{title}">{title}</a><span>{day}</span></li>'
    return f'<div class="ListconC"><span>{day}</span><a href="{href}" title="{title}">{title}</a></div>'


def _list_page(watch: Watch) -> str:
    """A column list in the layout its selectors name, with a nav bar and a sidebar of links
    that are not the column's items."""
    layout = _layout(watch)
    items = "".join(
        _item(layout, href, title, day)
        for href, title, day in (
            ("./content/post_10358920.html", FINAL_TITLE, "2022-12-30"),
            ("./content/post_9886501.html", NOTICE_TITLE, "2022-06-20"),
            ("./content/post_9879012.html", OTHER_TITLE, "2022-06-17"),
        )
    )
    wrapped = {
        "div.zyzp": f'<div class="zyzp"><ul>{items}</ul></div>',
        "span.lb_title": f'<div class="lb_list"><ul>{items}</ul></div>',
        "div.nei_listCont": f'<div class="nei_listCont"><ul>{items}</ul></div>',
    }.get(layout, f'<div class="zx_ml_list">{items}</div>')
    sidebar = f'<div class="hot"><h3>热点</h3><a href="{DECOY}">关于印发《某专项资金管理办法》的通知</a></div>'
    nav = '<div class="nav"><a href="/">首页</a><a href="/xxgk/">信息公开</a></div>'
    return f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>列表</title></head><body>{nav}{sidebar}{wrapped}</body></html>'


def _snapshot(bureau: Bureau, folder: Path) -> Path:
    """The replica's renditions of the draft and the final at the bureau's paths and host."""
    folder.mkdir()
    entries: dict[str, dict[str, str]] = {}

    def add(url: str, body: bytes, content_type: str) -> None:
        name = f"f{len(entries)}"
        (folder / name).write_bytes(body.replace(b"gxj.sz.gov.cn", bureau.host.encode()))
        entries[url] = {"url": url, "file": name, "content_type": content_type}

    add("/attachment/0/98/98865/9886501.docx", DRAFT.read_bytes(), DOCX)
    final = {"id": 10358920, "title": FINAL_TITLE, "date": 1672365600}
    for watch in bureau.watches:
        column = watch.path.rsplit("/", 1)[0]
        if watch.kind == "html-list":
            add(watch.path, _list_page(watch).encode(), HTML)
            add(f"{column}/content/post_10358920.html", FINAL.read_bytes(), HTML)
            add(f"{column}/content/post_9886501.html", NOTICE.read_bytes(), HTML)
        elif watch.kind == "gkmlpt":
            add("/gkmlpt/index", GKMLPT_INDEX.read_bytes(), HTML)
            url = f"http://{bureau.host}/gkmlpt/content/10/10358/post_10358920.html"
            page = {"classify": {"post_count": 1}, "articles": [{**final, "url": url}]}
            add(f"{watch.path}?page=1&sid={SID}", json.dumps(page).encode(), JSON)
            add(urlsplit(url).path, GKMLPT_FINAL.read_bytes(), HTML)
        else:
            url = f"http://{bureau.host}/xxgk/xxgkml/zcfgjzcjd/gygh/content/post_10358920.html"
            add(watch.path, json.dumps({"articles": [{**final, "url": url}]}).encode(), JSON)
            add("/postmeta/p/10/10358/10358920.json", POST_JSON.read_bytes(), JSON)
    manifest = {"host": f"http://{bureau.host}", "entries": list(entries.values())}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    return folder


@pytest.mark.parametrize("bureau", BUREAUS, ids=[b.preset for b in BUREAUS])
def test_a_bureau_presets_sources_read_the_platforms_page_shapes(
    bureau: Bureau, tmp_path: Path, store: Store
) -> None:
    path = tmp_path / "policywatch.toml"
    path.write_text(PRESETS[bureau.preset], encoding="utf-8")
    config = load_config(path)
    server = serve_in_thread(_snapshot(bureau, tmp_path / "site"))
    try:
        here = [
            dataclasses.replace(s, url=server.url + urlsplit(s.url).path) for s in config.sources
        ]
        fetch = dataclasses.replace(
            config.fetch, allow_hosts=("127.0.0.1",), timeout=5.0, retries=1, backoff=0.01
        )
        report = asyncio.run(
            run_check(dataclasses.replace(config, fetch=fetch, sources=tuple(here)), store)
        )
        requests = list(server.requests)
    finally:
        server.close()
    assert not report.failed, [r.error for r in report.reports]
    for watch in bureau.watches:
        column = watch.path.rsplit("/", 1)[0]
        if watch.kind == "html-list":
            assert f"{column}/content/post_10358920.html" in requests, watch.name
            assert f"{column}/content/post_9886501.html" in requests, watch.name
            assert f"{column}/content/post_9879012.html" not in requests  # not a policy's title
        elif watch.kind == "gkmlpt":
            assert "/gkmlpt/content/10/10358/post_10358920.html" in requests
    assert DECOY not in requests  # the sidebar is not the column
    if any(w.kind == "html-list" for w in bureau.watches):
        assert "/attachment/0/98/98865/9886501.docx" in requests  # the notice's draft, read
    [doc] = store.list_documents()  # the draft and its final: one policy
    latest = store.latest_version(doc.id)
    assert latest is not None and latest.document.status is Status.FINAL  # the draft is history
    assert len(latest.document.walk()) >= 40


def test_the_readme_presents_every_bureau_preset() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    presets = readme[readme.index("\n## Presets\n") : readme.index("\n## Configuration reference")]
    for bureau in BUREAUS:
        assert f"| `{bureau.preset}` | {bureau.name} | {bureau.host} |" in presets
    assert UNCONFIRMED in presets and f"`{ALL}`" in presets
