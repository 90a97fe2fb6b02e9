"""The systemd unit and `contrib/install.sh` work as documented (#16, break 14): the install,
staged into a folder, gives every path the unit names with the modes docs/operations.md
states, and the service's throw-away user can read its config (and not the secrets).

Before, the documented `/etc/policywatch` was 0750 root: under `DynamicUser=yes` the daemon
could not read its own config.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.config import load_config

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "contrib" / "policywatch.service"
INSTALL = ROOT / "contrib" / "install.sh"
OPERATIONS = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def _unit() -> dict[str, list[str]]:
    """`Key=value` lines of the unit (a key may repeat)."""
    found: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def _paths() -> dict[str, str]:
    unit = _unit()
    env = dict(v.split("=", 1) for v in unit["Environment"])
    return {
        "program": unit["ExecStart"][0].split()[0],
        "config": env["POLICYWATCH_CONFIG"],
        "secrets": unit["EnvironmentFile"][0],
        "state": unit["ReadWritePaths"][0],
    }


def test_the_unit_the_docs_and_the_config_template_name_the_same_paths() -> None:
    paths = _paths()
    assert paths == {
        "program": "/opt/policywatch/venv/bin/policywatch",
        "config": "/etc/policywatch/policywatch.toml",
        "secrets": "/etc/policywatch/env",
        "state": "/var/lib/policywatch",
    }
    assert _unit()["StateDirectory"] == ["policywatch"]  # systemd makes /var/lib/policywatch
    assert _unit()["ExecStartPre"][0].split()[0] == paths["program"]
    for path in paths.values():
        assert f"`{path}" in OPERATIONS, path
    config = load_config(ROOT / "contrib" / "policywatch.toml")
    assert config.database.path == Path(paths["state"]) / "policywatch.db"
    assert config.outbox.dir.parent == Path(paths["state"])
    assert "/etc/policywatch` (mode 0755" in OPERATIONS


@pytest.fixture
def staged() -> Iterator[Path]:
    """`contrib/install.sh` with DESTDIR: a folder anyone may enter, as `/` is."""
    folder = Path(tempfile.mkdtemp(prefix="pw-install-", dir="/tmp"))
    try:
        folder.chmod(0o755)
        subprocess.run(
            ["sh", str(INSTALL)],
            env={**os.environ, "DESTDIR": str(folder)},
            check=True,
            capture_output=True,
        )
        yield folder
    finally:
        shutil.rmtree(folder)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_install_gives_the_documented_modes(staged: Path) -> None:
    etc = staged / "etc" / "policywatch"
    assert _mode(etc) == 0o755
    assert _mode(etc / "policywatch.toml") == 0o644
    assert _mode(etc / "env") == 0o600 and (etc / "env").read_bytes() == b""
    unit = staged / "etc" / "systemd" / "system" / "policywatch.service"
    assert unit.read_bytes() == UNIT.read_bytes() and _mode(unit) == 0o644
    docs = staged / "opt" / "policywatch" / "docs"
    assert _unit()["Documentation"] == ["file:///opt/policywatch/docs/operations.md"]
    assert (docs / "operations.md").is_file() and (docs / "security.md").is_file()


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs root and setpriv"
)
def test_the_service_user_reads_its_config_and_not_the_secrets(staged: Path) -> None:
    etc = staged / "etc" / "policywatch"
    (etc / "env").write_text("POLICYWATCH_WEB_SECRET=s3cret\n")
    config = subprocess.run([*NOBODY, "cat", str(etc / "policywatch.toml")], capture_output=True)
    assert config.returncode == 0, config.stderr
    assert b'path = "/var/lib/policywatch/policywatch.db"' in config.stdout
    secrets = subprocess.run([*NOBODY, "cat", str(etc / "env")], capture_output=True)
    assert secrets.returncode != 0 and b"s3cret" not in secrets.stdout


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_systemd_accepts_the_unit_with_its_paths_in_the_staged_folder(staged: Path) -> None:
    program = staged / "opt" / "policywatch" / "venv" / "bin" / "policywatch"
    program.parent.mkdir(parents=True)
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    text = UNIT.read_text(encoding="utf-8")
    for top in ("/opt/policywatch", "/etc/policywatch"):
        text = text.replace(top, f"{staged}{top}")
    rendered = staged / "policywatch.service"
    rendered.write_text(text, encoding="utf-8")
    verify = subprocess.run(
        ["systemd-analyze", "verify", str(rendered)], capture_output=True, text=True, timeout=60
    )
    assert verify.returncode == 0, verify.stderr
    security = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", str(rendered)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    level = float(security.stdout.rsplit("exposure level for", 1)[1].split(":")[1].split()[0])
    assert level <= 2.0, security.stdout[-500:]  # "OK"; the hardening has not slipped
