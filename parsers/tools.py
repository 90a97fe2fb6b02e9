"""The one place the parsers run local programs (LibreOffice, pdftoppm, Tesseract), each under a
budget: wall time (the whole process group is killed), CPU time and address space (rlimits set
in the child), output file size. No network, no clock reading beyond the timeout.

    run(argv, budget=..., cwd=...) -> bytes (stdout)
    raises ToolError (missing, failed, killed) or LimitExceededError (time or memory budget)
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from parsers.errors import LimitExceededError, ToolError

_GIB = 1024 * 1024 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class Budget:
    """Limits for one external step: a LibreOffice conversion, or one OCRed page."""

    seconds: float = 120.0  # wall time per conversion / per OCRed page
    memory_bytes: int = 2 * _GIB  # address space of each child process
    ocr_pages: int = 60  # at most this many pages are OCRed per PDF
    document_seconds: float = 900.0  # wall time for all the OCR of one document

    def within(self, spent: float) -> Budget:
        """This budget for the next step, `spent` seconds of the document's already used;
        LimitExceededError when nothing is left."""
        left = self.document_seconds - spent
        if left <= 0:
            raise LimitExceededError(
                f"reading the document took longer than {self.document_seconds:g} s: stopped"
            )
        return replace(self, seconds=min(self.seconds, left))


DEFAULT_BUDGET = Budget()

# How programs report an address-space limit (RLIMIT_AS) in their last words.
_OUT_OF_MEMORY = ("memory", "bad_alloc", "failed to map segment", "mmap")
_OUTPUT_FILE_BYTES = _GIB  # a converter writing more than this is stopped (RLIMIT_FSIZE)
_HINTS = {
    "soffice": "install LibreOffice (Debian: apt-get install libreoffice-writer-nogui)",
    "pdftoppm": "install poppler (Debian: apt-get install poppler-utils)",
    "tesseract": "install Tesseract (Debian: apt-get install tesseract-ocr tesseract-ocr-chi-sim)",
}


def find(program: str) -> str:
    """The path of `program` on PATH; ToolError naming the package when it is missing."""
    path = shutil.which(program)
    if path is None:
        hint = _HINTS.get(program, f"install {program}")
        raise ToolError(f"{program} is not installed: {hint}")
    return path


def run(argv: list[str], *, budget: Budget, cwd: Path, env: dict[str, str] | None = None) -> bytes:
    """Run a program in `cwd` under `budget`; its stdout, or ToolError / LimitExceededError."""
    name = Path(argv[0]).name
    try:
        child = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, killed whole on timeout
            preexec_fn=_limits(budget),  # only setrlimit runs in the forked child
        )
    except OSError as exc:
        raise ToolError(f"{name} could not be started: {exc}") from exc
    try:
        out: bytes
        err: bytes
        out, err = child.communicate(timeout=budget.seconds)
    except subprocess.TimeoutExpired:
        _kill(child)
        raise LimitExceededError(f"{name} took longer than {budget.seconds:g} s: stopped") from None
    if child.returncode != 0:
        raise _failure(name, child.returncode, err, budget)
    return out


def _limits(budget: Budget) -> Callable[[], None]:
    cpu = int(budget.seconds) + 1
    memory = budget.memory_bytes

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        resource.setrlimit(resource.RLIMIT_FSIZE, (_OUTPUT_FILE_BYTES, _OUTPUT_FILE_BYTES))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _kill(child: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    child.communicate()


def _failure(name: str, code: int, err: bytes, budget: Budget) -> Exception:
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        return LimitExceededError(f"{name} passed its CPU budget ({budget.seconds:g} s): stopped")
    lines = [x.strip() for x in err.decode("utf-8", "replace").splitlines() if x.strip()]
    last = " / ".join(lines[-3:])[-300:]  # the last words, where programs say what failed
    if any(sign in last.lower() for sign in _OUT_OF_MEMORY):
        return LimitExceededError(
            f"{name} passed its memory budget ({budget.memory_bytes:,} bytes): {last}"
        )
    return ToolError(f"{name} failed (exit {code}): {last}")
