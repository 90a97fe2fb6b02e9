"""The comparison keys' shortcuts give what the plain definitions give (#18, worker pass)."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.align import _own, canonical, flatten, folded, full_text
from parsers.diff import diff_documents
from parsers.fields import _AMOUNT, _amount, _matches, find_amounts
from parsers.model import Clause

# Characters where folding is or is not character by character: CJK, ASCII, full-width forms
# (NFKC), punctuation, Traditional characters (OpenCC), a capital sigma (lowered by context),
# a combining accent and a Hangul vowel (they compose with the character before them), %.
_ALPHABET = (
    "条例规定第一二三十万元年月日於後著臺裡aZ09ＡＢ１２，。、；：（）《》“” \n%ΣΑσ\u0301\u1161가Éé"
)


def _gb2312() -> list[str]:
    chars = [chr(c) for c in range(0x80)]
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def test_gb2312_characters_never_compose_with_the_one_before() -> None:
    """What `folded` relies on to call a GB 2312 text local: joining two NFKC texts of it
    gives an NFKC text (no character of it is a non-starter, the second character of a
    canonical composition, or a Hangul vowel or final that composes with a syllable)."""
    seconds = set()
    for code in range(0x110000):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(chr(int(parts[1], 16)))
    repertoire = _gb2312()
    assert len(repertoire) > 7000
    for char in repertoire:
        assert unicodedata.combining(char) == 0, hex(ord(char))
        assert char not in seconds, hex(ord(char))
        assert not 0x1160 <= ord(char) <= 0x11FF, hex(ord(char))


def test_the_full_stop_joining_a_heading_to_its_text_is_dropped() -> None:
    assert canonical("。") == ""
    assert folded("。") == ("", True)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=12), st.text(alphabet=_ALPHABET, max_size=12))
def test_two_local_texts_fold_joined_as_they_fold_apart(a: str, b: str) -> None:
    key_a, local_a = folded(a)
    key_b, local_b = folded(b)
    assert key_a == canonical(a)
    if local_a and local_b:
        assert canonical(f"{a}。{b}") == key_a + key_b
        assert folded(a + b) == (key_a + key_b, True)


def test_texts_that_do_not_fold_alone_are_not_local() -> None:
    # the sigma lowers as a final letter alone and as a medial one before another letter
    assert canonical("ΑΣ") + canonical("Α") != canonical("ΑΣΑ")
    assert not folded("ΑΣ")[1]
    assert not folded("e\u0301")[1]  # composes under NFKC
    assert not folded("於是")[1]  # OpenCC converts it
    assert not folded("ＡＢ")[1]  # full-width: NFKC
    assert folded("第一条 规定。") == ("第一条规定", True)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.none(), st.text(alphabet=_ALPHABET, max_size=8)),
    st.text(alphabet=_ALPHABET, max_size=16),
)
def test_a_clause_key_is_the_canonical_full_text(heading: str | None, text: str) -> None:
    clause = Clause(
        kind="article", label="一", number=1, level=1, path=("一",), heading=heading, text=text
    )
    own, key = _own(clause)
    assert own == full_text(clause)
    assert key == canonical(own)
    assert flatten([clause])[0].content == canonical(full_text(clause))


def test_a_diff_leaves_no_folded_key_behind() -> None:
    from parsers.model import PolicyDocument, Status

    clauses = tuple(
        Clause(
            kind="measure",
            label=str(i),
            number=i,
            level=1,
            path=(str(i),),
            heading=f"标题{i}",
            text=f"第{i}项内容，给予{i}万元奖励",
        )
        for i in range(1, 6)
    )
    old = PolicyDocument(title="t", status=Status.FINAL, clauses=clauses)
    new = PolicyDocument(title="t", status=Status.FINAL, clauses=clauses[:4])
    assert diff_documents(old, new).changes
    assert folded.cache_info().currsize == 0
    assert folded.cache_info().maxsize is not None  # bounded between diffs too


@settings(max_examples=500, deadline=None)
@given(
    st.text(
        alphabet="0123456789１٣.. 万亿千百元美港人次家个项倍%平方米亩台件年月日天底起度a",
        max_size=30,
    )
)
def test_find_amounts_finds_what_one_finditer_finds(text: str) -> None:
    """The digit-to-digit scan yields the very matches of one `finditer` over the text."""
    spans = [(m.span(), m.groups()) for m in _matches(text)]
    assert spans == [(m.span(), m.groups()) for m in _AMOUNT.finditer(text)]
    by_finditer = (_amount(text, m) for m in _AMOUNT.finditer(text))
    assert find_amounts(text) == tuple(a for a in by_finditer if a is not None)


def test_find_amounts_on_a_clause() -> None:
    text = "对2023年新认定的企业给予50万元奖励，3.5亿美元以内，1.2.3万元，A10人，2024年"
    assert [(a.text, a.value, a.unit) for a in find_amounts(text)] == [
        ("50万元", 500000.0, "元"),
        ("3.5亿美元", 350000000.0, "美元"),
        ("3万元", 30000.0, "元"),
    ]
    assert [m.group(0) for m in _matches(text)] == [m.group(0) for m in _AMOUNT.finditer(text)]
