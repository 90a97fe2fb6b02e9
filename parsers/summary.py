"""Deterministic one-line Chinese summaries of changes, built from the typed fields (no LLM).

`（九）激发创新活力：最高由30万元提高至50万元`, `新增措施（十三）支持标准化建设`,
`（二十四）加强知识产权管理：由第三部分移至第六部分；序号由（十三）调整为（二十四）`.

A modified clause says each of its edits (`parsers.edits`) as amendment decisions do:
`将“A”修改为“B”`, `在“X”后增加“Y”`, `删去“Z”`, `增加一款，作为第二款：“…”`, the same
substitution once with its count (`将“帐”修改为“账”（共9处）`), references that only follow the
renumbering as `引用的条文序号相应调整`; figures, responsible units and dates keep their own
phrases; a clause rewritten beyond a few edits says `内容修改（共7处）` and gives the first ones.
Every quotation is a contiguous passage of the clause it names (a long one is cut, with `…`).
Splits and merges: `第十七条拆分为第二十四条、第二十五条`, `将第十七条、第十九条合并为第十七条`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from parsers.align import full_text
from parsers.edits import NO_COHESION, Cohesion, QuotedEdit, quote_edits
from parsers.model import AmountChange, ChangeKind, Clause, ClauseRef, Edit, EditOp
from parsers.redline import DELETE, EQUAL, Span

_DIGITS = "零一二三四五六七八九"
_SNIPPET = 24  # characters of clause text quoted at most
_MAX_EDITS = 4  # more wording edits than this: "内容修改（共N处）" and the first ones
_FIRST_EDITS = 2
# Words before a figure that carry no meaning in a summary ("给予", "达", "按"...).
_TRAILING_VERBS_RE = re.compile(r"(?:给予|达到|达|按照|按|为|的|以|每人每次)+$")
_LEADING_PREPS_RE = re.compile(r"^(?:对于|对|在|按照|按|将|其|给予)+")
_CONTEXT_RE = re.compile(r"[\u4e00-\u9fff]{1,8}$")
_STATUS_NAMES = {
    "draft": "征求意见稿",
    "final": "正式稿",
    "unknown": "未知",
    "expired": "已失效",
    "abolished": "已废止",
}
_FIELD_NAMES = {"title": "标题", "status": "状态", "doc_number": "文号", "effective": "施行期限"}
_ITEM_KINDS = frozenset({"measure", "item", "subitem", "point"})
_NOUNS = {"measure": "措施", "article": "", "chapter": "", "item": "事项", "subitem": "事项"}


@dataclass(slots=True, kw_only=True)  # not frozen: one per change, built cheaply
class ChangeFacts:
    """What a summary is built from: the clauses on both sides and the typed detail."""

    kinds: tuple[ChangeKind, ...]
    old: Clause | None
    new: Clause | None
    old_parent: Clause | None
    new_parent: Clause | None
    amounts: tuple[AmountChange, ...] = ()
    units_added: tuple[str, ...] = ()
    units_removed: tuple[str, ...] = ()
    dates_changed: tuple[tuple[str | None, str | None], ...] = ()
    redline: tuple[tuple[int, str], ...] = ()
    parts: tuple[ClauseRef, ...] = ()
    passages_to: tuple[ClauseRef, ...] = ()  # see `ClauseChange`
    passages_from: tuple[ClauseRef, ...] = ()
    old_text: str = ""  # the display texts the spans index
    new_text: str = ""
    spans: tuple[Span, ...] = ()
    renumbering: Mapping[int, int] = field(default_factory=dict)  # old -> new article number
    cohesion: Cohesion = NO_COHESION  # the document's, for quotations at word edges


def chinese_numeral(number: int) -> str:
    """1 -> 一, 10 -> 十, 24 -> 二十四, 105 -> 一百零五 (below 10,000)."""
    if number < 10:
        return _DIGITS[number]
    if number < 20:
        return "十" + (_DIGITS[number % 10] if number % 10 else "")
    if number < 100:
        return _DIGITS[number // 10] + "十" + (_DIGITS[number % 10] if number % 10 else "")
    if number < 1000:
        rest = number % 100
        tail = "" if not rest else ("零" + _DIGITS[rest] if rest < 10 else _tens(rest))
        return _DIGITS[number // 100] + "百" + tail
    rest = number % 1000
    tail = "" if not rest else ("零" if rest < 100 else "") + chinese_numeral(rest)
    return _DIGITS[number // 1000] + "千" + tail


def _tens(number: int) -> str:
    return _DIGITS[number // 10] + "十" + (_DIGITS[number % 10] if number % 10 else "")


def label_text(clause: Clause) -> str:
    """The label as a reader writes it: （九）, 第十条, 第三章, 一、 or 3."""
    label = clause.label
    if clause.kind == "article":
        return f"第{label}条"
    if clause.kind == "chapter":
        return f"第{label}章"
    if clause.kind in ("part", "section") or (clause.level == 1 and clause.children):
        return f"第{_chinese(clause)}部分"
    if label.isdigit() and clause.level > 2:
        return f"{label}."
    return f"（{label}）"


def _chinese(clause: Clause) -> str:
    if clause.number is not None and 0 <= clause.number < 10000:
        return chinese_numeral(clause.number)
    return clause.label


def clause_name(clause: Clause) -> str:
    """Label and heading: `（九）激发创新活力`, or the label alone when there is no heading."""
    return label_text(clause) + (clause.heading or "")


def summarize_change(facts: ChangeFacts) -> str:
    """One line in Chinese saying what happened to one clause."""
    return describe_change(facts)[0]


def describe_change(facts: ChangeFacts) -> tuple[str, tuple[Edit, ...]]:
    """The summary of one clause change and the edits it is built from."""
    if ChangeKind.ADDED in facts.kinds and facts.new is not None:
        return _whole("新增", facts.new, facts.new_parent), ()
    if ChangeKind.REMOVED in facts.kinds and facts.old is not None:
        return _whole("删除", facts.old, facts.old_parent), ()
    clause = facts.new or facts.old
    assert clause is not None
    edits: tuple[QuotedEdit, ...] = ()
    if ChangeKind.MODIFIED in facts.kinds and facts.spans:
        edits = quote_edits(
            facts.old_text, facts.new_text, facts.spans, facts.renumbering, facts.cohesion
        )
    parts = _detail_parts(facts, edits)
    section = (facts.old and facts.old.children) or (facts.new and facts.new.children)
    name = label_text(clause) if section else clause_name(clause)
    parent = facts.new_parent if facts.new else facts.old_parent
    if parent is not None and parent.kind == "article" and clause.kind in _ITEM_KINDS:
        name = f"{label_text(parent)}第{clause.label}项"  # 第十条第三项, as laws cite it
    return f"{name}：{'；'.join(parts)}", tuple(q.edit for q in edits)


def _whole(verb: str, clause: Clause, parent: Clause | None) -> str:
    noun = _NOUNS.get(clause.kind, "")
    name = clause_name(clause)
    if parent is not None and parent.kind == "article" and clause.kind in _ITEM_KINDS:
        noun, name = "", f"{label_text(parent)}第{clause.label}项"
        return f"{verb}{name}“{_quote(full_text(clause))}”"
    if not clause.heading:
        name += f"“{_quote(clause.text)}”" if clause.text else ""
    return f"{verb}{noun}{name}"


def _detail_parts(facts: ChangeFacts, edits: tuple[QuotedEdit, ...]) -> list[str]:
    parts: list[str] = []
    if facts.parts and facts.old and facts.new:
        parts.append(_flow_part(facts))
    if facts.passages_to and facts.old:
        parts.append(f"{label_text(facts.old)}的部分内容移入{_ref_list(facts.passages_to)}")
    if facts.passages_from and facts.new:
        parts.append(f"{_ref_list(facts.passages_from)}的部分内容并入{label_text(facts.new)}")
    if ChangeKind.MODIFIED in facts.kinds:
        parts.extend(_modified_parts(facts, edits))
    if ChangeKind.MOVED in facts.kinds:
        parts.append(f"由{_parent_name(facts.old_parent)}移至{_parent_name(facts.new_parent)}")
    if ChangeKind.RENUMBERED in facts.kinds and facts.old and facts.new:
        parts.append(f"序号由{label_text(facts.old)}调整为{label_text(facts.new)}")
    return parts


def _modified_parts(facts: ChangeFacts, edits: tuple[QuotedEdit, ...]) -> list[str]:
    old, new = facts.old, facts.new
    parts: list[str] = []
    wording = [q for q in edits if q.role == "wording"]
    if old and new and (old.children or new.children) and old.heading != new.heading:
        parts.append(f"标题由“{_nested(old.heading or '')}”调整为“{_nested(new.heading or '')}”")
        if not old.text and not new.text:
            wording = []  # the title is all the text: said once
    phrases = _unique_phrases(edit_phrase(q) for q in wording)
    heavy = len(phrases) > _MAX_EDITS
    if not heavy:  # in a rewritten clause the figures and dates are in the rewritten text
        context = _context_before(facts.redline)
        parts.extend(
            _unique_phrases(
                _amount_part(a, context.get(a.old.text if a.old else "", ""))
                for a in facts.amounts
                if not _inside_wording(a, wording)
            )
        )
        dates = [d for d in facts.dates_changed if not _date_in_wording(d, wording)]
        parts.extend(_unique_phrases(_pair_part("日期", b, a) for b, a in dates))
    if facts.units_added:
        parts.append("新增责任单位：" + "、".join(facts.units_added))
    if facts.units_removed:
        parts.append("删除责任单位：" + "、".join(facts.units_removed))
    if heavy:
        count = sum(q.edit.count for q in wording)
        phrases = [f"内容修改（共{count}处），其中：" + "，".join(phrases[:_FIRST_EDITS])]
    parts.extend(phrases)
    if any(q.role == "xref" for q in edits):
        parts.append("引用的条文序号相应调整")
    if not parts:
        parts.append("内容修改")
    return parts


def _unique_phrases(phrases: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(phrases))


def _inside_wording(change: AmountChange, wording: list[QuotedEdit]) -> bool:
    """True when a changed figure is part of a wording edit (said there, not twice)."""
    old = change.old.text if change.old else None
    new = change.new.text if change.new else None
    return any(
        (old is not None and old in q.edit.old) or (new is not None and new in q.edit.new)
        for q in wording
    )


def _date_in_wording(change: tuple[str | None, str | None], wording: list[QuotedEdit]) -> bool:
    before, after = change
    return any(
        (before is not None and before in q.edit.old) or (after is not None and after in q.edit.new)
        for q in wording
    )


def edit_phrase(quoted: QuotedEdit) -> str:
    """One edit as an amendment decision says it."""
    edit = quoted.edit
    times = f"（共{edit.count}处）" if edit.count > 1 else ""
    if edit.op is EditOp.REPLACE:
        if quoted.paragraph and "\n" not in edit.old + edit.new and quoted.whole_text:
            return f"全文修改为：“{_quote(edit.new)}”"
        if quoted.paragraph:
            ordinal = chinese_numeral(quoted.paragraph)
            return f"将第{ordinal}款修改为：“{_quote(edit.new)}”"
        return f"将“{_quote(edit.old)}”修改为“{_quote(edit.new)}”{times}"
    if edit.op is EditOp.INSERT:
        if quoted.paragraph:
            ordinal = chinese_numeral(quoted.paragraph)
            return f"增加一款，作为第{ordinal}款：“{_quote(edit.new)}”"
        if edit.after:
            return f"在“{_nested(edit.after)}”后增加“{_quote(edit.new)}”{times}"
        if quoted.start:
            return f"在开头增加“{_quote(edit.new)}”{times}"
        return f"增加“{_quote(edit.new)}”{times}"
    if quoted.paragraph:
        return f"删去第{chinese_numeral(quoted.paragraph)}款：“{_quote(edit.old)}”"
    if edit.after:
        return f"删去“{_nested(edit.after)}”后的“{_quote(edit.old)}”{times}"
    return f"删去“{_quote(edit.old)}”{times}"


def _quote(text: str) -> str:
    """A quotation of at most `_SNIPPET` characters of one paragraph (cut with `…`), its own
    quotation marks made single (`_nested`)."""
    line = text.strip().split("\n")[0]
    cut = line != text.strip()
    if len(line) > _SNIPPET:
        return _nested(line[: _SNIPPET - 1]) + "…"
    return _nested(line) + ("…" if cut else "")


_NESTED = str.maketrans({"“": "‘", "”": "’"})


def _nested(text: str) -> str:
    """A passage quoted inside “…”, its own “…” written ‘…’ as Chinese texts nest quotations
    (`在“‘一网通办’系统，”后增加…`, not `在“”系统，”后增加…`, whose quotation ends at once)."""
    return text.translate(_NESTED)


def _flow_part(facts: ChangeFacts) -> str:
    assert facts.old is not None and facts.new is not None
    if ChangeKind.SPLIT in facts.kinds:
        parts = sorted(
            [(facts.new.number or 0, label_text(facts.new))]
            + [(p.number or 0, ref_label(p)) for p in facts.parts]
        )
        news = "、".join(label for _, label in parts)
        return f"{label_text(facts.old)}拆分为{news}"
    members = sorted(
        [(facts.old.number or 0, label_text(facts.old))]
        + [(p.number or 0, ref_label(p)) for p in facts.parts]
    )
    olds = "、".join(label for _, label in members)
    return f"将{olds}合并为{label_text(facts.new)}"


def _ref_list(refs: tuple[ClauseRef, ...]) -> str:
    return "、".join(ref_label(r) for r in sorted(refs, key=lambda r: r.number or 0))


def ref_label(ref: ClauseRef) -> str:
    """The label of a referenced clause as a reader writes it (see `label_text`)."""
    clause = Clause(
        kind=ref.kind,
        label=ref.label,
        number=ref.number,
        level=len(ref.path),
        path=ref.path,
        heading=ref.heading,
        text="",
    )
    return label_text(clause)


def _amount_part(change: AmountChange, context: str) -> str:
    old, new = change.old, change.new
    if old is None and new is not None:
        return f"新增{context}{new.text}"
    if new is None and old is not None:
        return f"删去{context}{old.text}"
    assert old is not None and new is not None
    comparable = old.unit == new.unit or not old.unit or not new.unit
    if comparable and new.value > old.value:
        return f"{context}由{old.text}提高至{new.text}"
    if comparable and new.value < old.value:
        return f"{context}由{old.text}降低至{new.text}"
    return f"{context}由{old.text}调整为{new.text}"


def _context_before(ops: tuple[tuple[int, str], ...]) -> dict[str, str]:
    """For each deleted figure, the words just before it (`最高给予30万元` -> `最高`)."""
    out: dict[str, str] = {}
    for k, (op, text) in enumerate(ops):
        if op == DELETE and k > 0 and ops[k - 1][0] == EQUAL:
            match = _CONTEXT_RE.search(ops[k - 1][1])
            words = _TRAILING_VERBS_RE.sub("", match.group(0)) if match else ""
            words = _LEADING_PREPS_RE.sub("", words)
            out[text.strip()] = words
    return out


def _pair_part(what: str, before: str | None, after: str | None) -> str:
    if before is None:
        return f"新增{what}{after}"
    if after is None:
        return f"删去{what}{before}"
    return f"{what}由{before}调整为{after}"


def _snippet(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _SNIPPET else text[: _SNIPPET - 1] + "…"


def _parent_name(parent: Clause | None) -> str:
    if parent is None:
        return "正文"
    return label_text(parent)


def summarize_document_change(field: str, old: str | None, new: str | None) -> str:
    """One line for a document-level change: `状态由征求意见稿调整为正式稿`."""
    name = _FIELD_NAMES.get(field, field)
    if field == "status":
        old = _STATUS_NAMES.get(old or "", old)
        new = _STATUS_NAMES.get(new or "", new)
    if old is None:
        return f"新增{name}：{new}"
    if new is None:
        return f"删除{name}：{old}"
    return f"{name}由“{old}”调整为“{new}”"
