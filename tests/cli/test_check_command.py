"""`policywatch check`, `documents`, `changes` over the replayed site; `replay` as a subprocess."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import cli
from monitor.fetch.replay import ReplayServer

CONFIG = """
[database]
path = "pw.db"

[fetch]
allow_hosts = ["*.gov.cn", "127.0.0.1"]
retries = 0

[[source]]
name = "tzgg"
kind = "html-list"
url = "{base}/xxgk/xxgkml/qt/tzgg/index.html"
keywords = ["专精特新"]

[[source]]
name = "gkmlpt"
kind = "gkmlpt"
url = "{base}/gkmlpt/api/all/3115"
keywords = ["专精特新"]
"""


def _invoke(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    return result.exit_code, result.output


def test_check_then_list_and_show(replay: ReplayServer, site: Path, tmp_path: Path) -> None:
    config = tmp_path / "policywatch.toml"
    config.write_text(CONFIG.format(base=replay.url), encoding="utf-8")
    for name in ("2022-06-20", "2022-12-30"):
        replay.switch(site / name)
        code, out = _invoke(config, "check")
        assert code == 0, out
        assert "sources checked 2" in out
    code, out = _invoke(config, "documents", "list", "--json")
    docs = json.loads(out)
    assert set(docs[0]) == {"id", "title", "status", "versions", "url"}
    zjtx = [d for d in docs if "专精特新企业高质量发展" in d["title"]]
    assert [d["versions"] for d in zjtx] == [2]
    code, out = _invoke(config, "changes", "list", "--json")
    sets = json.loads(out)
    assert all(
        set(s)
        == {"id", "document", "from_version", "to_version", "detected_at", "state", "changes"}
        for s in sets
    )
    changed = [s for s in sets if s["from_version"] is not None]
    assert len(changed) == 1 and len(changed[0]["changes"]) == 17
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", changed[0]["detected_at"])
    code, out = _invoke(config, "changes", "show", str(changed[0]["id"]), "--json")
    assert json.loads(out) == changed[0]
    code, out = _invoke(config, "documents", "show", str(zjtx[0]["id"]))
    assert code == 0 and "final_published" in out


def test_check_exits_1_when_a_source_fails(tmp_path: Path, replay: ReplayServer) -> None:
    config = tmp_path / "policywatch.toml"
    broken = CONFIG.format(base=replay.url).replace("/gkmlpt/api/all/3115", "/gkmlpt/api/all/9")
    config.write_text(broken, encoding="utf-8")
    code, out = _invoke(config, "check")
    assert code == 1
    assert "failed 1" in out


def test_replay_command_serves_and_switches(site: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from monitor.cli import main; main()",
            "replay",
            str(site / "2022-06-20"),
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        base = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert base, line
        with urllib.request.urlopen(base.group(0) + "/__replay/switch?snapshot=2022-12-30") as r:
            assert r.status == 200
        url = base.group(0) + "/postmeta/p/10/10358/10358920.json"
        with urllib.request.urlopen(url) as r:
            assert r.status == 200
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


FORK_PROBE = """
import gc, sqlite3, sys
import multiprocessing.process as process

seen = []
start = process.BaseProcess.start

def probe(self):
    connections = [o for o in gc.get_objects() if isinstance(o, sqlite3.Connection)]
    seen.append(("aiohttp" in sys.modules, len(connections)))
    start(self)

process.BaseProcess.start = probe
sys.argv = ["policywatch", "--config", sys.argv[1], "check"]
from monitor.cli import main
try:
    main()
except SystemExit:
    pass
print(seen)
"""


def test_check_forks_its_readers_before_the_http_client_and_the_store(tmp_path: Path) -> None:
    """The reading workers fork first: their imports run on another core while this process
    imports aiohttp and the rest (#18), and no SQLite connection is copied into them."""
    config = tmp_path / "policywatch.toml"
    config.write_text(
        f'[database]\npath = "{tmp_path / "pw.db"}"\n\n[fetch]\nallow_hosts = ["127.0.0.1"]\n'
        'retries = 0\n\n[[source]]\nname = "gone"\nkind = "page"\n'
        'url = "http://127.0.0.1:9/none.html"\n',
        encoding="utf-8",
    )
    out = subprocess.run(
        [sys.executable, "-c", FORK_PROBE, str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    forks = eval(out.stdout.strip().splitlines()[-1])  # noqa: S307 - our own probe's list
    assert forks, out.stderr
    assert all(fork == (False, 0) for fork in forks), forks
