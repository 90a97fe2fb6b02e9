"""Keeping a months-long daemon's native heap flat (glibc's malloc; a no-op elsewhere).

The daemon's Python heap stays flat (tracemalloc between the thirds of `bench/bench_soak.py`:
+0.2 MB), yet its RSS rose about 0.8 MB a minute: glibc gives each thread that allocates (the
reading pool's pipe threads unpickle every reading, each send run has its own thread and
SQLite connection) an arena of its own, up to 8 per core, and freed memory stays in them.
Two arenas and a trim after each heartbeat slow that to about 0.2 MB a minute (same soak, 5
minutes); what still grows with the database over 30 minutes is not found yet (#18).
"""

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
