"""ZIP packages (DOCX, OFD) opened under a budget: member count and inflated size are checked
from the central directory before any member is read.

The declared sizes are what bounds memory: `zipfile` never returns more than a member's
declared `file_size` (it stops there and fails the CRC check), so a member that inflates
past its declaration cannot get past `read()` either.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from parsers.errors import ExtractionError, LimitExceededError

# What reading a damaged, encrypted or exotic ZIP member can raise: all mean "unreadable".
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    NotImplementedError,  # a compression method zipfile lacks
    RuntimeError,  # an encrypted member
    ValueError,
    OSError,
    EOFError,
)

MAX_MEMBERS = 5_000  # a 300-page OFD has about 1,000; a DOCX a few dozen
MAX_INFLATED_BYTES = 256 * 1024 * 1024  # all members together
MAX_MEMBER_BYTES = 64 * 1024 * 1024  # one member (its XML is parsed whole)


def open_zip(data: bytes, what: str) -> zipfile.ZipFile:
    """The ZIP in `data`, checked against the limits above (`what` names it in errors)."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except ZIP_ERRORS as exc:
        raise ExtractionError(f"not a readable {what} file: {exc}") from exc
    check_budget(package, what)
    return package


def check_budget(package: zipfile.ZipFile, what: str) -> None:
    """Raise LimitExceededError when the package has too many or too large members."""
    members = package.infolist()
    if len(members) > MAX_MEMBERS:
        raise LimitExceededError(
            f"{what} has {len(members):,} members (limit {MAX_MEMBERS:,}): not read"
        )
    total = 0
    for member in members:
        if member.file_size > MAX_MEMBER_BYTES:
            raise LimitExceededError(
                f"{what} member {member.filename!r} inflates to {member.file_size:,} bytes "
                f"(limit {MAX_MEMBER_BYTES:,}): not read"
            )
        total += member.file_size
    if total > MAX_INFLATED_BYTES:
        raise LimitExceededError(
            f"{what} inflates to {total:,} bytes (limit {MAX_INFLATED_BYTES:,}): not read"
        )


def read_member(package: zipfile.ZipFile, name: str, what: str) -> bytes:
    """One member's bytes; ExtractionError when it is missing or damaged."""
    try:
        return package.read(name)
    except KeyError as exc:
        raise ExtractionError(f"{what}: no member {name!r}") from exc
    except ZIP_ERRORS as exc:
        raise ExtractionError(f"{what}: member {name!r} is unreadable: {exc}") from exc
