"""The parser's version, stored with every version's clause tree (bump it when trees change)."""

from __future__ import annotations

PARSER_VERSION = "3"
