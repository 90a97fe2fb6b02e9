"""policywatch parsers package."""

from __future__ import annotations
