"""policywatch's tests: a regular package, so that `tests.…` names this folder in a worker
process too (fast-diff-match-patch 2.1.0 installs a top-level `tests` package of its own)."""
