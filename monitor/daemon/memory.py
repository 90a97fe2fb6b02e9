"""Keeping a months-long daemon's native heap flat (glibc's malloc; a no-op elsewhere).

glibc gives each thread that allocates (the reading pool's pipe threads, the send thread) an
arena of its own, up to 8 per core, and freed memory stays in them: two arenas and a trim
after each heartbeat slowed the daemon's creep from about 0.8 to 0.2 MB a minute (5-minute
soak). What was left was not native: the check cycles froze the collector (see
`monitor.check.cycle._fewer_collections`), and each send run parsed every sent row's tree
(`state.outbox.draft_deliveries`) on a new connection (`monitor.daemon.worker_thread`) (#18)."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from typing import Any

logger = logging.getLogger(__name__)

M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)
ARENAS = 2


def _libc() -> Any | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


_LIBC = _libc()


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Cap the malloc arenas of this process (call before its threads start); True if done."""
    if _LIBC is None:
        return False
    return bool(_LIBC.mallopt(M_ARENA_MAX, arenas))


def trim() -> None:
    """Give the free memory of every arena back to the system (a few ms)."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)
