"""An article's own DOCX attachments are read too: the same policy in a file adds no version,
a file that is no policy is only noted; `attachments = false` reads pages only."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import docx

from monitor.check.cycle import run_check
from monitor.config import Config, FetchConfig, SourceConfig
from monitor.fetch.replay import serve_in_thread
from parsers.records import ChangeSetKind
from state.store import Store
from tests.conftest import snapshot_time

ARTICLE = "xxgk/xxgkml/zcfgjzcjd/gygh/content/post_10358920.html"
TEXTS = Path(__file__).resolve().parents[1] / "fixtures" / "texts"


def _docx(path: Path, paragraphs: list[str]) -> None:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.save(str(path))


def _snapshot(site: Path, tmp_path: Path) -> Path:
    """2022-12-30 with two attachments on the final's article page: the policy itself as DOCX,
    and an explanatory note with no numbered clauses."""
    snap = tmp_path / "snap"
    shutil.copytree(site / "2022-12-30", snap)
    final = (TEXTS / "zjtx-final-a.txt").read_text(encoding="utf-8").splitlines()
    _docx(snap / "final.docx", [line for line in final if line.strip()])
    _docx(snap / "note.docx", ["关于若干措施的说明", "本说明介绍措施的起草背景，供参考。"])
    page = snap / ARTICLE
    links = (
        '<p><a class="nfw-cms-attachment" href="/attachment/final.docx"'
        ' alt="深圳市关于促进专精特新企业高质量发展的若干措施.docx">附件1</a></p>'
        '<p><a class="nfw-cms-attachment" href="/attachment/note.docx"'
        ' alt="关于若干措施的说明.docx">附件2</a></p>'
    )
    html = page.read_text(encoding="utf-8").replace("</div></div>", links + "</div></div>", 1)
    page.write_text(html, encoding="utf-8")
    manifest = json.loads((snap / "manifest.json").read_text(encoding="utf-8"))
    docx_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    for name in ("final.docx", "note.docx"):
        manifest["entries"].append(
            {"url": f"/attachment/{name}", "file": name, "content_type": docx_type}
        )
    (snap / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    return snap


def _check(snapshot: Path, store: Store, *, attachments: bool) -> list[str]:
    server = serve_in_thread(snapshot)
    try:
        source = SourceConfig(
            name="gygh",
            kind="html-list",
            url=server.url + "/xxgk/xxgkml/zcfgjzcjd/gygh/index.html",
            keywords=("若干措施",),
            attachments=attachments,
        )
        config = Config(
            fetch=FetchConfig(allow_hosts=("127.0.0.1",), timeout=3.0, retries=1, backoff=0.01),
            sources=(source,),
        )
        report = asyncio.run(run_check(config, store, now=snapshot_time("2022-12-30")))
        assert not report.failed, report.reports
        return server.requests
    finally:
        server.close()


def test_an_articles_attachments_are_read_and_the_same_policy_adds_nothing(
    site: Path, store: Store, tmp_path: Path
) -> None:
    requests = _check(_snapshot(site, tmp_path), store, attachments=True)
    assert "/attachment/final.docx" in requests and "/attachment/note.docx" in requests
    [doc] = store.list_documents()
    assert doc.version_count == 1  # the DOCX says what the page says: one version
    assert [cs.kind for cs in store.list_change_sets()] == [ChangeSetKind.NEW_DOCUMENT]
    renditions = {r.key for r in store.renditions_of(doc.id)}
    assert any(key.endswith("/attachment/final.docx") for key in renditions)


def test_attachments_off_reads_pages_only(site: Path, store: Store, tmp_path: Path) -> None:
    requests = _check(_snapshot(site, tmp_path), store, attachments=False)
    assert not any(path.startswith("/attachment/") for path in requests)
    assert len(store.list_documents()) == 1
