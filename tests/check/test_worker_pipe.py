"""A worker's reply reaches the parent in one write (where the pipe has room): the parent,
woken when the pipe becomes readable, reads the reply whole, and a reply written as its
length and then its bytes left it waiting on the (niced) worker for the second write."""

from __future__ import annotations

import os
import socket
import threading
from multiprocessing.connection import Connection, Pipe

from monitor.check.worker import _send_whole


def _reply(size: int) -> tuple[bool, dict[str, str]]:
    return True, {"text": "第一条" * (size // 9)}  # about `size` bytes of UTF-8


def test_a_reply_of_forty_kilobytes_is_one_write_the_parent_reads_whole() -> None:
    # a SEQPACKET socket keeps write boundaries: each read returns exactly one write
    worker_end, parent_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    with worker_end, parent_end:
        conn = Connection(os.dup(worker_end.fileno()))
        reply = _reply(40_000)
        _send_whole(conn, reply)
        first_write = parent_end.recv(1 << 20)
        conn.close()
    # the whole message in the first write: length, then the pickled reply, as recv reads it
    length = int.from_bytes(first_write[:4], "big")
    assert length == len(first_write) - 4 > 40_000
    receiver, sender = Pipe(duplex=False)
    sender.send_bytes(first_write[4:])
    assert receiver.recv() == reply


def test_a_reply_bigger_than_the_pipe_is_written_in_full_as_the_parent_drains_it() -> None:
    receiver, sender = Pipe(duplex=False)  # a pipe holds 64 KiB
    reply = _reply(1_000_000)
    writer = threading.Thread(target=_send_whole, args=(sender, reply))
    writer.start()
    assert receiver.recv() == reply
    writer.join(5)
    assert not writer.is_alive()
