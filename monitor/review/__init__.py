"""Review and sending: approve/reject and queueing (`actions`), mail composition (`compose`),
delivery channels (`channels`), sending what is due (`sending`), client deliverables (`export`)."""

from __future__ import annotations
