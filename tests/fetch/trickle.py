"""A slow-loris HTTP server on 127.0.0.1 for deadline tests: it answers every request one byte
at a time, every `interval` seconds (headers or body), until the client hangs up."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n"


class TrickleServer:
    """`slow="headers"`: the status line and headers crawl; `slow="body"`: they come at once,
    then the body crawls. `.url` is its base URL; `.requests` counts the requests it took."""

    def __init__(self, *, slow: str = "body", interval: float = 0.3) -> None:
        self.slow = slow
        self.interval = interval
        self.requests = 0
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="trickle")

    def __enter__(self) -> TrickleServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._closed.set()
        self._thread.join(5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _addr = self._sock.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)  # the request (small, in one segment on loopback)
            self.requests += 1
            stream = HEADERS + b"x" * 100000
            if self.slow == "body":
                conn.sendall(HEADERS)
                stream = stream[len(HEADERS) :]
            for i in range(len(stream)):
                if self._closed.is_set():
                    return
                try:
                    conn.sendall(stream[i : i + 1])
                except OSError:
                    return  # the client gave up
                time.sleep(self.interval)
