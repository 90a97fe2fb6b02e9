"""Fetching: the polite, allowlisted HTTP client (`client`) and the replay server (`replay`)."""

from __future__ import annotations
