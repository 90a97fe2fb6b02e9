"""The single-daemon lock: who may run `policywatch run` on a database, and is its holder alive.

The lock row lives in the database (`state.daemon`); this module decides liveness, which needs
the operating system: the holder's pid on this host, the boot it started in, its start time.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.config import Config
from monitor.errors import DaemonLockedError
from state.base import utcnow
from state.daemon import DaemonLock, LockHeldError

if TYPE_CHECKING:
    from state.store import Store

logger = logging.getLogger(__name__)

STALE_BEATS = 6  # a lock whose heartbeat is this many beats old may be taken over
_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def _boot_id() -> str:
    try:
        return _BOOT_ID.read_text().strip()
    except OSError:
        return "unknown-boot"


def new_lock(now: dt.datetime) -> DaemonLock:
    """The lock this process will hold: a fresh owner token tied to this boot, pid and host."""
    return DaemonLock(
        owner=f"{_boot_id()}/{uuid.uuid4().hex}",
        pid=os.getpid(),
        host=socket.gethostname(),
        started_at=now,
        heartbeat_at=now,
    )


def holder_alive(lock: DaemonLock) -> bool | None:
    """Is the lock's daemon alive? None when it runs on another host (only its heartbeat tells)."""
    if lock.host != socket.gethostname():
        return None
    if not lock.owner.startswith(_boot_id() + "/"):
        return False  # taken before the last reboot
    try:
        os.kill(lock.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    started = _process_start(lock.pid)
    # A reused pid: the process there started after the lock was taken, so it is not the daemon.
    return started is None or started <= lock.started_at + dt.timedelta(seconds=2)


def _process_start(pid: int) -> dt.datetime | None:
    """When a process started (Linux /proc), or None when that cannot be read."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(
            line for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime")
        )
    except (OSError, StopIteration):
        return None
    ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22: starttime, after comm
    seconds = int(boot.split()[1]) + ticks / os.sysconf("SC_CLK_TCK")
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def acquire_lock(store: Store, config: Config) -> DaemonLock:
    """Take the database's daemon lock, or raise DaemonLockedError naming the holder."""
    mine = new_lock(utcnow())
    try:
        stale = store.acquire_daemon_lock(
            mine, stale_after=config.daemon.heartbeat * STALE_BEATS, is_alive=holder_alive
        )
    except LockHeldError as exc:
        raise DaemonLockedError(str(exc)) from None
    if stale is not None:
        logger.warning(
            "took over the lock left by pid %s on %s (last heartbeat %s)",
            stale.pid,
            stale.host,
            stale.heartbeat_at.isoformat(),
        )
    return mine
