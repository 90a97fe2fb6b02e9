"""Lineage: which document a rendition belongs to, and whether two versions are one policy.

- A rendition is keyed by its post id (`post:<id>`) where the URL has one (`post_123.html`,
  `mpost_123.html`, `/postmeta/p/.../123.json`), else by its canonical URL (scheme folded to
  `http`, fragment dropped, `mpost_` folded to `post_`, `?jump=true` dropped).
- A draft and its final are linked by their *normalised* title (the consultation wrapper,
  the issuing notice wrapper and `（征求意见稿）` stripped) plus the similarity of their
  clause trees; never by exact title.
- `tree_hash` fingerprints a clause tree: two renditions with equal hashes say the same thing.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from urllib.parse import urlsplit, urlunsplit

from parsers.model import Clause, PolicyDocument
from parsers.titles import title_key

_POST_ID = re.compile(r"(?:^|/)m?post_(\d+)\.html?$")
_POSTMETA_POST = re.compile(r"/postmeta/p/\d+/\d+/(\d+)\.json$")
_MPOST = re.compile(r"/mpost_(\d+)")

_NOISE = re.compile(r"[\s\u3000《》“”\"'、，,。.（）()·:：]")

TITLE_SIMILARITY = 0.8  # normalised titles at least this similar may be one policy
TREE_SIMILARITY = 0.5  # ... and then their clause texts must be at least this similar


def rendition_key(url: str) -> str:
    """`post:<id>` when the URL names a post, else the canonical URL."""
    path = urlsplit(url).path
    for pattern in (_POST_ID, _POSTMETA_POST):
        found = pattern.search(path)
        if found:
            return f"post:{found.group(1)}"
    return canonical_url(url)


def canonical_url(url: str) -> str:
    """Fold the variants of one address: scheme, fragment, `mpost_`, `?jump=true`."""
    parts = urlsplit(url.strip())
    path = _MPOST.sub(r"/post_\1", parts.path or "/")
    query = "&".join(q for q in parts.query.split("&") if q and q != "jump=true")
    return urlunsplit(("http", parts.netloc.lower(), path, query, ""))


def norm_title(title: str | None) -> str:
    """The policy's own name: wrappers and draft markers stripped, punctuation dropped."""
    return title_key(title)


def titles_match(a: str, b: str) -> bool:
    """Two normalised titles that may name one policy (equal or nearly so)."""
    if not a or not b:
        return False
    return a == b or difflib.SequenceMatcher(None, a, b).ratio() >= TITLE_SIMILARITY


def _shingles(doc: PolicyDocument) -> set[str]:
    text = "".join(_NOISE.sub("", (c.heading or "") + c.text) for c in doc.walk())
    return {text[i : i + 3] for i in range(max(0, len(text) - 2))}


def tree_similarity(a: PolicyDocument, b: PolicyDocument) -> float:
    """Jaccard similarity of the character trigrams of two clause trees (0..1)."""
    left, right = _shingles(a), _shingles(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def same_policy(a_title: str, a: PolicyDocument, b_title: str, b: PolicyDocument) -> bool:
    """Normalised titles match and the clause trees are similar enough."""
    return titles_match(a_title, b_title) and tree_similarity(a, b) >= TREE_SIMILARITY


def _clause_json(clause: Clause) -> list[object]:
    return [
        clause.label,
        clause.heading,
        clause.text,
        [_clause_json(c) for c in clause.children],
    ]


def tree_hash(doc: PolicyDocument) -> str:
    """Fingerprint of the clause tree (labels, headings, texts), not of page furniture."""
    payload = json.dumps([_clause_json(c) for c in doc.clauses], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def clause_count(doc: PolicyDocument) -> int:
    """How many clauses the tree holds (for the collapse check)."""
    return len(doc.walk())
