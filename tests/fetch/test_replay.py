"""The replay server: manifest entries, validators, 304s, 404s, switching, admin URL."""

from __future__ import annotations

import http.client
import json
from pathlib import Path

from monitor.fetch.replay import ReplayServer


def _get(
    server: ReplayServer, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def test_serves_manifest_entries_with_their_content_types(replay: ReplayServer, site: Path) -> None:
    status, headers, body = _get(replay, "/attachment/0/98/98865/9886501.docx")
    assert status == 200
    assert headers["content-type"].startswith("application/vnd.openxmlformats")
    assert body == (site / "2022-06-20/attachment/0/98/98865/9886501.docx").read_bytes()
    status, headers, _ = _get(replay, "/xxgk/xxgkml/zcfgjzcjd/gygh/202002/t20200209_19005892.htm")
    assert headers["content-type"] == "text/html"  # no charset: deliberate in the manifest


def test_unknown_paths_are_404(replay: ReplayServer) -> None:
    assert _get(replay, "/nope.html")[0] == 404
    assert _get(replay, "/gkmlpt/api/all/3115?page=2&sid=755035")[0] == 404


def test_etag_and_last_modified_give_304(replay: ReplayServer) -> None:
    path = "/xxgk/xxgkml/qt/tzgg/index.html"
    status, headers, _ = _get(replay, path)
    assert status == 200 and headers["etag"] and headers["last-modified"]
    assert _get(replay, path, {"If-None-Match": headers["etag"]})[0] == 304
    assert _get(replay, path, {"If-Modified-Since": headers["last-modified"]})[0] == 304
    assert _get(replay, path, {"If-None-Match": '"other"'})[0] == 200


def test_absolute_links_to_the_recorded_host_point_at_the_replay(replay: ReplayServer) -> None:
    replay.switch(replay.snapshot.folder.parent / "2022-12-30")
    _, _, body = _get(replay, "/postmeta/i/61057.json")
    urls = [a["url"] for a in json.loads(body)["articles"]]
    assert all(u.startswith(replay.url + "/") for u in urls)


def test_switch_moves_the_site_through_time(replay: ReplayServer) -> None:
    path = "/xxgk/xxgkml/zcfgjzcjd/gygh/content/post_10358920.html"
    assert _get(replay, path)[0] == 404
    status, _, body = _get(replay, "/__replay/switch?snapshot=2022-12-30")
    assert status == 200, body
    assert _get(replay, path)[0] == 200
    assert _get(replay, "/__replay/switch?snapshot=../etc")[0] == 404


def test_validators_change_when_the_content_changes(replay: ReplayServer, site: Path) -> None:
    path = "/xxgk/xxgkml/zcfgjzcjd/gygh/content/post_10358920.html"
    replay.switch(site / "2022-12-30")
    _, first, _ = _get(replay, path)
    replay.switch(site / "2023-03-01")
    status, second, _ = _get(replay, path, {"If-None-Match": first["etag"]})
    assert status == 200 and second["etag"] != first["etag"]


def _snapshots(root: Path) -> Path:
    """`root/snapshots/{a,b}` with manifests; `root/secret.txt` and a manifest above them."""
    outside = root / "secret.txt"
    outside.write_text("not for the replay\n")
    (root / "manifest.json").write_text(json.dumps({"host": "", "entries": []}))
    for name in ("a", "b"):
        folder = root / "snapshots" / name
        folder.mkdir(parents=True)
        (folder / "page.html").write_text(f"<p>{name}</p>")
        (folder / "link.html").symlink_to(outside)
        entries = [
            {"url": "/page.html", "file": "page.html", "content_type": "text/html"},
            {"url": "/abs", "file": str(outside), "content_type": "text/plain"},
            {"url": "/up", "file": "../../secret.txt", "content_type": "text/plain"},
            {"url": "/link", "file": "link.html", "content_type": "text/plain"},
        ]
        (folder / "manifest.json").write_text(json.dumps({"host": "", "entries": entries}))
    return root / "snapshots"


def test_only_files_inside_the_snapshot_are_served(tmp_path: Path) -> None:
    """#16, break 11: a manifest entry naming /etc/passwd (or ../, or a link out) is not served."""
    with ReplayServer(_snapshots(tmp_path) / "a").start() as server:
        assert _get(server, "/page.html")[2] == b"<p>a</p>"
        for path in ("/abs", "/up", "/link"):
            status, _headers, body = _get(server, path)
            assert (status, b"not for the replay" in body) == (404, False), path


def test_switch_stays_among_the_sibling_snapshots(tmp_path: Path) -> None:
    with ReplayServer(_snapshots(tmp_path) / "a").start() as server:
        for name in ("..", ".", "../snapshots/b", "/etc", "a/..", "%2e%2e"):
            assert _get(server, f"/__replay/switch?snapshot={name}")[0] == 404, name
        assert _get(server, "/page.html")[2] == b"<p>a</p>"  # still the first snapshot
        assert _get(server, "/__replay/switch?snapshot=b")[0] == 200
        assert _get(server, "/page.html")[2] == b"<p>b</p>"
