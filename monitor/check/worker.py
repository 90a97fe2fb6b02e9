"""Worker processes that read documents under a budget; `monitor.check.reader.Reader` is the
only way in.

A PDF of a few kilobytes can keep pypdf busy for minutes and a hostile file can ask for
gigabytes, so nothing a server sent is extracted, parsed or diffed in the process that runs
the schedule, the heartbeat and the review UI. Each worker is one process that:

- limits its address space (`RLIMIT_AS`: what it had at start plus `Limits.memory_bytes`), so
  an allocation past the budget is a `MemoryError` in that read, not the machine swapping;
- limits the CPU time of each call (`RLIMIT_CPU`, raised before every call by the budget:
  the soft limit's `SIGXCPU` becomes an exception inside the read, so the worker survives);
- is watched from this side by the wall clock (`Limits.wall_seconds`): a read stuck in C code
  (where the signal cannot interrupt it) gets the process killed, and the next read starts a
  new one.

A read that goes over a limit fails with `ReadLimitError` (one failed attempt), whatever
else the cycle or the daemon does. `WorkerPool` holds N such workers (one per core); a call takes
an idle one, so two reads never share a process and a worker killed mid-read fails only its
own read.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import multiprocessing
import os
import pickle
import resource
import signal
import struct
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.reduction import ForkingPickler
from types import FrameType
from typing import Any

from monitor.errors import ReadLimitError

logger = logging.getLogger(__name__)

MIB = 1024 * 1024
_PIPE_BUFFER = 60 * 1024  # a request this small is written at once into an empty pipe (64 KiB)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """What one read may cost (`[reader]`): CPU seconds, and memory beyond the worker's own."""

    cpu_seconds: float = 30.0
    memory_bytes: int | None = 1024 * MIB  # None: no memory limit
    wall: float | None = None  # the watchdog's limit; None: `3 * cpu_seconds + 10`
    # the worker's niceness above its parent's. Reading is throughput work, the parent
    # (fetching, storing, the web UI, sending) is on every cycle's critical path: on a busy
    # machine a worker woken by a request, at equal priority, took the core from the parent in
    # the middle of its next socket write (2.4 ms a write in a first check of 1,000 pages)
    niceness: int = 10

    @property
    def wall_seconds(self) -> float:
        """The watchdog's limit: a read this late is stuck (a busy machine gives a read less
        than a whole core, hence the margin over its CPU time)."""
        return self.wall if self.wall is not None else 3 * self.cpu_seconds + 10.0


# -- inside the worker process ------------------------------------------------------------------


class _OverCPUError(BaseException):
    """SIGXCPU: the read used up its CPU time (a BaseException, like KeyboardInterrupt, so
    that a parser's `except Exception` cannot swallow it and read on)."""


def _over_cpu(signum: int, frame: FrameType | None) -> None:
    raise _OverCPUError


def _serve(
    conn: Connection,
    parent_end: Connection,
    limits: Limits,
    warm_up: Callable[[], None] | None,
    sys_path: list[str],
) -> None:
    """The worker's main loop: calls until the pipe closes (or a `None` asks it to stop)."""
    # import what the caller can: Python 3.11's forkserver does not pass its sys.path on
    sys.path[:] = sys_path
    parent_end.close()  # else the pipe never reports the parent gone
    signal.set_wakeup_fd(-1)  # a forked child must not wake its parent's event loop
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which stops it
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # multiprocessing's exit handler, systemd
    signal.signal(signal.SIGXCPU, _over_cpu)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core files from a hostile document
    if limits.niceness:
        os.nice(limits.niceness)  # the programs a read runs (LibreOffice, OCR) inherit it
    if limits.memory_bytes is not None:
        _limit(resource.RLIMIT_AS, _address_space() + limits.memory_bytes)
    if warm_up is not None:
        warm_up()
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        func, args, path = request
        _follow_path(path)
        reply = _call(func, args, limits)
        try:
            _send_whole(conn, reply)
        except Exception as exc:  # an exception that does not pickle, say
            _send_whole(conn, (False, RuntimeError(f"{type(exc).__name__}: {exc}")))
        if isinstance(reply[1], _OutOfMemoryError):
            return  # the heap may be in pieces: the next read gets a fresh process


def _send_whole(conn: Connection, obj: object) -> None:
    """`conn.send(obj)` in one write where the pipe has room (a reply under 64 KiB).

    `Connection.send` writes a message over 16 KiB as two, its length and then its bytes.
    The parent, woken by the first (`add_reader`), reads the reply whole and so waited on
    this niced process to be scheduled again for the second: 1 ms a changed page on a quiet
    machine, tens of milliseconds when the cores are busy. The framing is
    `Connection.recv_bytes`'s (a 4-byte big-endian length; replies are far below 2 GiB).
    """
    payload = ForkingPickler.dumps(obj)
    message = memoryview(struct.pack("!i", len(payload)) + payload)
    fd = conn.fileno()
    while message:
        message = message[os.write(fd, message) :]


def _follow_path(path: str | None) -> None:
    """Look programs up (soffice, tesseract) on the caller's PATH, as the caller would: a worker
    started by a forkserver otherwise keeps the PATH of a process started long before."""
    if path is None:
        os.environ.pop("PATH", None)
    elif os.environ.get("PATH") != path:
        os.environ["PATH"] = path


class _OutOfMemoryError(ReadLimitError):
    """A read that went over the memory budget (its worker then retires)."""


def _call(func: Callable[..., Any], args: tuple[Any, ...], limits: Limits) -> tuple[bool, Any]:
    """(True, result) or (False, the exception); the CPU limit covers this call only."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _limit(resource.RLIMIT_CPU, int(usage.ru_utime + usage.ru_stime + limits.cpu_seconds) + 1)
    try:
        return True, func(*args)
    except _OverCPUError:
        return False, ReadLimitError(f"reading took more than {limits.cpu_seconds:g}s of CPU")
    except MemoryError:
        mib = (limits.memory_bytes or 0) // MIB
        return False, _OutOfMemoryError(f"reading needed more than {mib} MiB of memory")
    except Exception as exc:
        return False, _portable(exc)
    finally:
        _limit(resource.RLIMIT_CPU, resource.RLIM_INFINITY)


def _portable(exc: Exception) -> Exception:
    """`exc` if it survives the pipe, else the nearest class of its kind built from its message
    (an exception whose __init__ takes other arguments than its args does not unpickle)."""
    for kind in type(exc).__mro__:
        if not (isinstance(kind, type) and issubclass(kind, Exception)):
            continue
        candidate = exc if kind is type(exc) else _rebuilt(kind, exc)
        try:
            if candidate is not None and pickle.loads(pickle.dumps(candidate)) is not None:
                return candidate
        except Exception:  # try the next class up
            continue
    return RuntimeError(f"{type(exc).__name__}: {exc}")


def _rebuilt(kind: type[Exception], exc: Exception) -> Exception | None:
    try:
        return kind(f"{type(exc).__name__}: {exc}")
    except Exception:
        return None


def _limit(kind: int, soft: int) -> None:
    """Set a soft limit (never above the hard one, which an unprivileged process keeps)."""
    _old, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        soft = hard if soft == resource.RLIM_INFINITY else min(soft, hard)
    resource.setrlimit(kind, (soft, hard))


def _address_space() -> int:
    """This process's virtual memory size in bytes (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


# -- this side ------------------------------------------------------------------------------------


class Worker:
    """One worker process and the pipe to it; `call` runs a function there, within limits."""

    def __init__(
        self, context: BaseContext, limits: Limits, warm_up: Callable[[], None] | None
    ) -> None:
        self.limits = limits
        self._conn, child = context.Pipe()
        self.process = context.Process(  # type: ignore[attr-defined]
            target=_serve,
            args=(child, self._conn, limits, warm_up, list(sys.path)),
            name="policywatch-reader",
            daemon=True,
        )
        self.process.start()
        child.close()

    @property
    def alive(self) -> bool:
        """False once the process ended (killed, crashed, retired or stopped)."""
        return bool(self.process.is_alive())

    async def call(self, executor: ThreadPoolExecutor, func: Callable[..., Any], *args: Any) -> Any:
        """`func(*args)` in the worker; ReadLimitError past the budget or if the process dies.

        The request is written and the reply read on the event loop's own thread, woken by
        the pipe becoming readable (`add_reader`): a thread per round trip cost the process
        two thread hand-offs a read and, worse, made every SQLite call of the cycle wait for
        the GIL while that thread unpickled a reply. Only a request too big for the pipe's
        buffer is written from a thread of `executor` (the worker drains it as it comes).
        """
        loop = asyncio.get_running_loop()
        request = bytes(ForkingPickler.dumps((func, args, os.environ.get("PATH"))))
        if len(request) > _PIPE_BUFFER:
            await loop.run_in_executor(executor, self._conn.send_bytes, request)
        else:
            self._conn.send_bytes(request)
        reply: asyncio.Future[tuple[bool, Any]] = loop.create_future()
        fd = self._conn.fileno()
        loop.add_reader(fd, self._receive, reply)
        try:
            ok, value = await asyncio.wait_for(reply, timeout=self.limits.wall_seconds)
        except TimeoutError:
            self.kill()
            raise ReadLimitError(
                f"reading took longer than {self.limits.wall_seconds:g}s: worker stopped"
            ) from None
        except (EOFError, OSError):
            self.process.join(1.0)
            raise ReadLimitError(
                f"the reading worker died (exit code {self.process.exitcode})"
            ) from None
        except asyncio.CancelledError:  # the check's deadline, or the daemon stopping
            self.kill()
            raise
        finally:
            loop.remove_reader(fd)
        if not ok:
            if isinstance(value, _OutOfMemoryError):
                self.process.join(2.0)  # it retires after this reply
                self.kill()
            raise value
        return value

    def _receive(self, reply: asyncio.Future[tuple[bool, Any]]) -> None:
        """The pipe is readable: the reply (read whole: the worker is writing it now), or the
        end of the pipe when the process died."""
        if reply.done():
            return
        try:
            reply.set_result(self._conn.recv())
        except Exception as exc:  # EOFError/OSError: the process died; else as a thread would
            reply.set_exception(exc)

    def kill(self) -> None:
        """End the process now: a read in flight fails (its pipe thread sees the end of the
        pipe; the pipe itself is closed in `stop`, once nothing reads it)."""
        with contextlib.suppress(OSError, ValueError):
            self.process.kill()
            self.process.join(1.0)  # reaped: `alive` is False from now on

    def stop(self, timeout: float = 2.0) -> None:
        """Ask the process to finish, then kill it if it does not."""
        with contextlib.suppress(OSError, ValueError):
            self._conn.send(None)
        self.process.join(timeout)
        if self.process.is_alive():
            self.kill()
            self.process.join(1.0)
        self._conn.close()


# Idle workers between two pools of this process (the daemon's checks, a demo's cycles, a test
# suite): a small cycle then pays no process start. Keyed by what made them.
_SpareKey = tuple[Limits, Callable[[], None] | None]
_SPARES: dict[_SpareKey, list[Worker]] = {}
_SPARES_LOCK = threading.Lock()


class WorkerPool:
    """N workers (`size`); each call borrows an idle one, so two reads never share a process.
    A dead worker is replaced at its next use: one hostile document costs one read and one
    process start. Closing the pool keeps its live workers warm for the next one."""

    def __init__(
        self, *, size: int = 1, limits: Limits, warm_up: Callable[[], None] | None = None
    ) -> None:
        self.size = max(1, size)
        self.limits = limits
        self._warm_up = warm_up
        self._executor: ThreadPoolExecutor | None = None
        self._idle: asyncio.Queue[Worker] | None = None
        self._workers: list[Worker] = []
        self.started = 0  # processes this pool started (tests and benchmarks read it)

    def start(self) -> None:
        """Take warm workers (or start new ones) so their imports overlap the first fetches."""
        self._executor = ThreadPoolExecutor(self.size, thread_name_prefix="reader-pipe")
        self._idle = asyncio.Queue()
        for _ in range(self.size):
            worker = self._spare() or self._new()
            self._workers.append(worker)
            self._idle.put_nowait(worker)

    async def call(self, func: Callable[..., Any], *args: Any) -> Any:
        """`func(*args)` in an idle worker (waiting for one when all are busy)."""
        if self._idle is None or self._executor is None:
            raise RuntimeError("WorkerPool used before start()")
        worker = await self._idle.get()
        try:
            if not worker.alive:  # started off the loop: a first forkserver takes a moment
                loop = asyncio.get_running_loop()
                worker = await loop.run_in_executor(self._executor, self._replace, worker)
            return await worker.call(self._executor, func, *args)
        finally:
            self._idle.put_nowait(worker)

    def close(self) -> None:
        """Keep the live workers warm for the next pool of this process; stop the rest."""
        with _SPARES_LOCK:
            spares = _SPARES.setdefault(self._key(), [])
            for worker in self._workers:
                if worker.alive and len(spares) < self.size:
                    spares.append(worker)
                else:
                    worker.stop()
        self._workers.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)

    def _spare(self) -> Worker | None:
        with _SPARES_LOCK:
            spares = _SPARES.get(self._key(), [])
            while spares:
                worker = spares.pop()
                if worker.alive:
                    return worker
                worker.stop(timeout=0)
        return None

    def _key(self) -> _SpareKey:
        return self.limits, self._warm_up

    def _new(self) -> Worker:
        self.started += 1
        return Worker(_context(), self.limits, self._warm_up)

    def _replace(self, dead: Worker) -> Worker:
        logger.warning(
            "the reading worker ended (exit code %s): starting a new one", dead.process.exitcode
        )
        self._workers.remove(dead)
        dead.stop(timeout=0)
        worker = self._new()
        self._workers.append(worker)
        return worker


def _context() -> BaseContext:
    """fork while this process has one thread (cheap, and nothing another thread holds is
    copied half-way); else fork from a forkserver, a clean single-threaded process started
    once with the parsers imported (a worker replaced in the daemon, which has threads)."""
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["monitor.check.reader", "parsers.api", "parsers.diff"])
    return context
