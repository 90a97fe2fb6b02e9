"""The 2022-06-20 snapshot with the consultation notice's draft replaced by another file: the
same notice page, its one attachment now `attachment/0/98/98865/9886501<suffix>` served with
the given bytes and media type (what a bureau that attaches .ofd, .rtf or a wrong file does).
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

from monitor.check.cycle import CycleReport, run_check
from monitor.config import Config, FetchConfig, ParseConfig, SourceConfig
from monitor.fetch.replay import serve_in_thread
from state.store import Store
from tests.conftest import snapshot_time

NOTICE = "xxgk/xxgkml/qt/tzgg/content/post_9886501.html"
DRAFT = "attachment/0/98/98865/9886501"
DRAFT_DOCX = f"{DRAFT}.docx"


def notice_with_attachment(
    site: Path, tmp_path: Path, *, suffix: str, data: bytes, content_type: str
) -> Path:
    """A copy of the first snapshot whose notice attaches `data` as `9886501<suffix>`."""
    snap = tmp_path / f"snap{suffix.replace('.', '-')}"
    shutil.copytree(site / "2022-06-20", snap)
    (snap / DRAFT_DOCX).unlink()
    (snap / f"{DRAFT}{suffix}").write_bytes(data)
    page = snap / NOTICE
    html = page.read_text("utf-8").replace(".docx", suffix)  # the link, its file name (alt)
    page.write_text(html, "utf-8")
    manifest = json.loads((snap / "manifest.json").read_text("utf-8"))
    for entry in manifest["entries"]:
        if entry["file"] == DRAFT_DOCX:
            entry.update(
                url=f"/{DRAFT}{suffix}", file=f"{DRAFT}{suffix}", content_type=content_type
            )
    (snap / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    return snap


def check_notices(
    snapshot: Path, store: Store, *, parse: ParseConfig | None = None
) -> tuple[CycleReport, list[str]]:
    """One check of the 通知公告 list (keyword 专精特新) on a replay of `snapshot` (with the
    `[parse]` budget given); the report and the paths the server was asked for."""
    server = serve_in_thread(snapshot)
    try:
        source = SourceConfig(
            name="tzgg",
            kind="html-list",
            url=server.url + "/xxgk/xxgkml/qt/tzgg/index.html",
            keywords=("专精特新",),
            max_pages=1,
        )
        config = Config(
            fetch=FetchConfig(allow_hosts=("127.0.0.1",), timeout=5.0, retries=1, backoff=0.01),
            sources=(source,),
            parse=parse or ParseConfig(),
        )
        # "now" is the snapshot's day: the notice was news then (not a first-sight baseline)
        report = asyncio.run(run_check(config, store, now=snapshot_time("2022-06-20")))
        return report, list(server.requests)
    finally:
        server.close()
