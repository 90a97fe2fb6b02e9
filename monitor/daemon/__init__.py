"""`policywatch run`: the service (`service`), its schedule (`schedule`), the single-daemon lock
(`lock`) and `policywatch status` (`health`)."""

from __future__ import annotations
