"""policywatch notifications package."""

from __future__ import annotations
