"""The check pipeline: one cycle (`cycle`) checks each source's items (`items`), reads them
(`reader`, inline or in a worker process), links versions (`lineage`) and stores them
(`versions`); each stage returns what it did (`outcome`)."""

from __future__ import annotations
