"""Long clauses (beyond `LONG_TEXT` characters) take the cheap paths and stay right (#12):
the alignment compares them on a fixed sample of their character pairs, the quotations'
word edges count their pairs when asked."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.align import LONG_TEXT, bigrams, canonical, pairs_of, sampled
from parsers.diff import diff_clauses
from parsers.edits import Cohesion
from parsers.model import ChangeKind, Clause
from parsers.summary import chinese_numeral

# CJK, ASCII, an astral character, the last code points before and after the surrogates
_ALPHABET = "条例规定第一二三十万元年月日企业资金支持aZ09\U00020000\ud7ff\ue000"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=60))
def test_the_sample_is_the_pairs_whose_first_code_is_a_multiple_of_8(text: str) -> None:
    expected = {g for g in bigrams(text) if len(g) == 2 and ord(g[0]) < 0x10000}
    assert sampled(text) == {g for g in expected if ord(g[0]) % 8 == 0}


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=60), st.text(alphabet=_ALPHABET, max_size=60))
def test_two_texts_keep_the_same_sample_of_the_pairs_they_share(a: str, b: str) -> None:
    """The choice depends on the pair alone: what two samples share is the sample of what the
    two texts share (the estimate of their similarity is not biased by the sampling)."""
    assert sampled(a) & sampled(b) == sampled(a) & bigrams(b) == sampled(b) & bigrams(a)


def _vocab() -> list[str]:
    return [chr(c) for c in range(0x4E00, 0x4E00 + 1500)]


def _long_text(rng: random.Random, size: int) -> str:
    vocab = _vocab()
    out: list[str] = []
    while sum(map(len, out)) < size:
        out.append("".join(rng.choice(vocab) for _ in range(rng.randint(15, 40))) + "。")
    return "".join(out)


def _article(k: int, text: str) -> Clause:
    label = chinese_numeral(k)
    return Clause(
        kind="article", label=label, number=k, level=1, path=(label,), heading=None, text=text
    )


def test_only_texts_beyond_the_limit_are_sampled() -> None:
    rng = random.Random(1)
    short, long = _long_text(rng, LONG_TEXT - 100)[: LONG_TEXT - 1], _long_text(rng, 3000)
    assert pairs_of(short) == bigrams(short)
    assert pairs_of(long) == sampled(long) != bigrams(long)


def test_long_articles_reordered_and_edited_pair_with_their_successors() -> None:
    """Six articles of 3,000 characters, each edited in a few sentences, come back in another
    order among two new long ones: each pairs with its own successor (moved and modified), the
    new ones are added, whatever the sample leaves out."""
    rng = random.Random(7)
    texts = [_long_text(rng, 3000) for _ in range(6)]
    edited = []
    for text in texts:
        sentences = text.split("。")
        for i in rng.sample(range(len(sentences) - 1), 4):
            sentences[i] = sentences[i][:3] + "调整" + sentences[i][5:]
        edited.append("。".join(sentences))
    order = [3, 0, 5, 1, 4, 2]
    new_texts = [edited[i] for i in order] + [_long_text(rng, 3000) for _ in range(2)]
    assert all(len(canonical(t)) > LONG_TEXT for t in texts + new_texts)
    old = tuple(_article(k + 1, t) for k, t in enumerate(texts))
    new = tuple(_article(k + 1, t) for k, t in enumerate(new_texts))
    changes = diff_clauses(old, new)
    paired = {
        c.old.number: c.new.number for c in changes if c.old is not None and c.new is not None
    }
    assert paired == {old_k + 1: new_k + 1 for new_k, old_k in enumerate(order)}
    assert all(ChangeKind.MODIFIED in c.kinds for c in changes if c.old is not None)
    added = {c.new.number for c in changes if c.old is None and c.new is not None}
    assert added == {7, 8}


def test_long_texts_count_as_many_for_word_edges_as_short_ones() -> None:
    """Cohesion counts a long text's characters and pairs when asked, the others at once:
    every count is the number of texts holding the character or pair."""
    rng = random.Random(3)
    texts = [_long_text(rng, LONG_TEXT + 500) for _ in range(3)]
    texts += [t[:200] for t in texts] + ["一二三", "二三四"]
    cohesion = Cohesion(texts)
    probe = texts[0][:400] + "一二三四"
    for at in range(1, len(probe)):
        for key in (probe[at], probe[at - 1 : at + 1]):
            assert cohesion._count(key) == sum(key in t for t in texts)
