"""Subscribers from a CSV file (pure): every row validated, errors numbered like a spreadsheet.

Columns (header row required): `name,email[,company][,topics][,keywords][,cadence]`; topics
and keywords are separated by `;`, `；`, `、` or `|`. Row 1 is the header, data starts at row 2.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from notifications.message import valid_email
from parsers.records import Cadence, Subscriber, Subscription

Person = tuple[Subscriber, tuple[Subscription, ...]]
COLUMNS = ("name", "email", "company", "topics", "keywords", "cadence")
_SPLIT_RE = re.compile(r"[;；、|]")


@dataclass(frozen=True, slots=True, kw_only=True)
class CsvImport:
    """The people a file describes, or the numbered errors that stop the import."""

    people: tuple[Person, ...] = ()
    errors: tuple[str, ...] = ()


def split_terms(value: str) -> tuple[str, ...]:
    """`企业融资; 人才` -> ("企业融资", "人才")."""
    return tuple(t.strip() for t in _SPLIT_RE.split(value) if t.strip())


def _row(number: int, row: dict[str, str], seen: set[str]) -> tuple[Person | None, list[str]]:
    errors = []
    name = (row.get("name") or "").strip()
    email = (row.get("email") or "").strip()
    cadence = (row.get("cadence") or "immediate").strip().lower() or "immediate"
    if not name:
        errors.append(f"row {number}: name is empty")
    if not valid_email(email):
        errors.append(f"row {number}: invalid email {email!r}")
    elif email.lower() in seen:
        errors.append(f"row {number}: duplicate email {email!r}")
    if cadence not in {c.value for c in Cadence}:
        errors.append(f"row {number}: cadence must be immediate, daily or weekly, not {cadence!r}")
    if errors:
        return None, errors
    seen.add(email.lower())
    subscriber = Subscriber(
        name=name, email=email, company=(row.get("company") or "").strip() or None
    )
    subscription = Subscription(
        topics=split_terms(row.get("topics") or ""),
        keywords=split_terms(row.get("keywords") or ""),
        cadence=Cadence(cadence),
    )
    return (subscriber, (subscription,)), []


def parse_csv(text: str) -> CsvImport:
    """Validate every row; `errors` lists each problem with its row number."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("name", "email") if c not in header]
    unknown = [h for h in header if h not in COLUMNS]
    if missing or unknown:
        problem = f"missing {', '.join(missing)}" if missing else f"unknown {', '.join(unknown)}"
        return CsvImport(errors=(f"row 1: bad header ({problem}; columns: {', '.join(COLUMNS)})",))
    reader.fieldnames = header
    people: list[Person] = []
    errors: list[str] = []
    seen: set[str] = set()
    for number, row in enumerate(reader, start=2):
        person, problems = _row(number, row, seen)
        errors.extend(problems)
        if person is not None:
            people.append(person)
    if not people and not errors:
        errors.append("the file has no subscriber rows")
    return CsvImport(people=tuple(people), errors=tuple(errors))
