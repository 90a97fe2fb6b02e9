"""policywatch state package."""

from __future__ import annotations
