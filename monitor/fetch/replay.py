"""A replay server: serves one recorded snapshot of a site (`manifest.json`) on 127.0.0.1.

Each snapshot folder holds `manifest.json` (`host` and `entries` of `{url, file,
content_type}`); anything not listed is a 404. Responses carry a strong ETag and a
Last-Modified date and answer conditional requests with 304. Absolute links to the recorded
host inside HTML/JSON bodies are rewritten to the server's own address, so that a monitor
pointed at the replay never leaves loopback.

The server can move through time while running: `ReplayServer.switch(snapshot_dir)` in
process, or `GET /__replay/switch?snapshot=NAME` (a sibling folder of the first snapshot; nothing else)
from another process. Tests can also inject faults per path (`set_fault`).
"""

from __future__ import annotations

import email.utils
import enum
import hashlib
import json
import logging
import re
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

logger = logging.getLogger(__name__)

ADMIN_PREFIX = "/__replay/"
_FOLDER_NAME = re.compile(r"[A-Za-z0-9._-]+")  # a snapshot named in `/__replay/switch`
_REWRITE_TYPES = ("text/", "application/json", "application/javascript")


class Fault(enum.StrEnum):
    """Misbehaviours a test can inject for one path."""

    ERROR_500 = "500"
    HANG = "hang"  # never answer (until the server closes): the client times out
    RESET = "reset"  # close the connection without a response
    TRUNCATE = "truncate"  # announce the full length, send half the body, close
    EMPTY = "empty"  # 200 with an empty body


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One servable resource of a snapshot."""

    body: bytes
    content_type: str
    etag: str
    last_modified: str
    mtime: float


class Snapshot:
    """A loaded snapshot: path -> Entry. Only files inside `folder` are served: an entry whose
    `file` is absolute, climbs out with `..` or is a link to elsewhere is skipped with a warning."""

    def __init__(self, folder: Path, base_url: str) -> None:
        self.folder = folder
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        host = str(manifest.get("host", "")).rstrip("/")
        stamp = _snapshot_time(folder)
        root = folder.resolve()
        self.entries: dict[str, Entry] = {}
        for item in manifest["entries"]:
            file = (root / str(item["file"])).resolve()
            if not file.is_relative_to(root):
                logger.warning(
                    "replay: %s: %r is outside the snapshot, skipped", folder, item["file"]
                )
                continue
            body = file.read_bytes()
            ctype = str(item["content_type"])
            if host and ctype.startswith(_REWRITE_TYPES):
                body = _rewrite(body, host, base_url)
            self.entries[item["url"]] = Entry(
                body=body,
                content_type=ctype,
                etag='"' + hashlib.sha1(body).hexdigest()[:20] + '"',
                last_modified=email.utils.formatdate(stamp, usegmt=True),
                mtime=stamp,
            )


def _rewrite(body: bytes, host: str, base_url: str) -> bytes:
    bare = host.split("://", 1)[-1].encode()
    for scheme in (b"http://", b"https://"):
        body = body.replace(scheme + bare, base_url.encode())
    return body


def _snapshot_time(folder: Path) -> float:
    """Folders named YYYY-MM-DD date their entries; others use the manifest's mtime."""
    try:
        return time.mktime(time.strptime(folder.name, "%Y-%m-%d")) + 36000
    except ValueError:
        return (folder / "manifest.json").stat().st_mtime


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("replay: %s", format % args)

    def send_response(self, code: int, message: str | None = None) -> None:
        self.server.replay.answered(self.path, code)
        super().send_response(code, message)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def _serve(self, *, head: bool) -> None:
        replay = self.server.replay
        replay.record(self.path)
        if self.path.startswith(ADMIN_PREFIX):
            self._admin()
            return
        fault = replay.faults.get(self.path) or replay.faults.get(urlsplit(self.path).path)
        if fault is not None and self._fault(fault):
            return
        entry = replay.snapshot.entries.get(self.path)
        if entry is None:
            self._plain(404, b"not found\n")
            return
        if self._not_modified(entry):
            self.send_response(304)
            self._validators(entry)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", entry.content_type)
        self.send_header("Content-Length", str(len(entry.body)))
        self._validators(entry)
        self.end_headers()
        if not head:
            self.wfile.write(entry.body)

    def _validators(self, entry: Entry) -> None:
        self.send_header("ETag", entry.etag)
        self.send_header("Last-Modified", entry.last_modified)

    def _not_modified(self, entry: Entry) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:  # RFC 9110 13.2.2: If-None-Match wins over If-Modified-Since
            return entry.etag in [t.strip().removeprefix("W/") for t in inm.split(",")] or (
                inm.strip() == "*"
            )
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                since = email.utils.parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError):
                return False
            return int(entry.mtime) <= since
        return False

    def _fault(self, fault: Fault) -> bool:
        if fault is Fault.ERROR_500:
            self._plain(500, b"internal error\n")
        elif fault is Fault.EMPTY:
            self._plain(200, b"", content_type="text/html; charset=utf-8")
        elif fault is Fault.HANG:
            self.server.replay.released.wait(30)
            self.close_connection = True
        elif fault is Fault.RESET:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
            self.close_connection = True
        elif fault is Fault.TRUNCATE:
            entry = self.server.replay.snapshot.entries.get(self.path)
            body = entry.body if entry else b"x" * 1000
            self.send_response(200)
            self.send_header("Content-Type", entry.content_type if entry else "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
        return True

    def _admin(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != ADMIN_PREFIX + "switch":
            self._plain(404, b"unknown admin URL\n")
            return
        name = parse_qs(parts.query).get("snapshot", [""])[0]
        target = self.server.replay.sibling(name)
        if target is None:
            self._plain(404, f"no snapshot {name!r}\n".encode())
            return
        self.server.replay.switch(target)
        self._plain(200, f"switched to {name}\n".encode())

    def _plain(self, status: int, body: bytes, *, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    replay: ReplayServer

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().server_bind()


class ReplayServer:
    """A running replay of one snapshot; `.url` is its base URL (no trailing slash)."""

    def __init__(self, snapshot_dir: str | Path, *, port: int = 0) -> None:
        self._httpd = _Server(("127.0.0.1", port), _Handler)
        self._httpd.replay = self
        self.port = int(self._httpd.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.faults: dict[str, Fault] = {}
        self.released = threading.Event()
        self.requests: list[str] = []  # paths asked for, in order
        self.responses: list[tuple[str, int]] = []  # (path, status) answered, in order
        self._lock = threading.Lock()
        self.snapshot = Snapshot(Path(snapshot_dir), self.url)
        self._root = Path(snapshot_dir).parent  # the snapshots `/__replay/switch` may choose
        self._thread: threading.Thread | None = None

    def sibling(self, name: str) -> Path | None:
        """The snapshot folder `name` beside the one first served (`/__replay/switch`), or None:
        a plain folder name holding a manifest, nothing above or outside the snapshots' folder."""
        if not _FOLDER_NAME.fullmatch(name) or name in (".", ".."):
            return None
        target = self._root / name
        if target.resolve().parent != self._root.resolve():  # e.g. a link to another folder
            return None
        return target if (target / "manifest.json").is_file() else None

    def switch(self, snapshot_dir: str | Path) -> None:
        """Serve another snapshot from now on."""
        self.snapshot = Snapshot(Path(snapshot_dir), self.url)
        logger.info("replay: now serving %s", snapshot_dir)

    def set_fault(self, path: str, fault: Fault | None) -> None:
        """Make `path` misbehave (None: behave again)."""
        if fault is None:
            self.faults.pop(path, None)
        else:
            self.faults[path] = fault

    def record(self, path: str) -> None:
        """Remember a requested path (tests inspect `requests`)."""
        with self._lock:
            self.requests.append(path)

    def answered(self, path: str, status: int) -> None:
        """Remember a response's status (tests inspect `responses`)."""
        with self._lock:
            self.responses.append((path, status))

    def serve_forever(self) -> None:
        """Serve until `close()` (blocking)."""
        self._httpd.serve_forever(poll_interval=0.2)

    def start(self) -> ReplayServer:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(target=self.serve_forever, daemon=True, name="replay")
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and release hanging requests."""
        self.released.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> ReplayServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve_in_thread(snapshot_dir: str | Path, *, port: int = 0) -> ReplayServer:
    """Start a replay server on 127.0.0.1 (a free port by default) in a background thread."""
    return ReplayServer(snapshot_dir, port=port).start()


def bundled_site() -> Path:
    """The folder of snapshots shipped with the package (`monitor/data/site`)."""
    return Path(__file__).resolve().parents[1] / "data" / "site"
