"""Quoting a clause: the sentences that answer, and from a list, the item(s) that answer.

A question answered by one item of a long list ("Staff must not:" and seven items) is shown the
sentence that introduces the list and that item, with its printed label, not the whole list: an
item alone ("send a text message to the parents by 9.30am;") does not say who must do it, and the
whole list buries the rule. The whole list is shown when the question asks for it ("what are the
steps …", "what goes in …": `QuestionIntent.asks_for_list`), when the question matches the
sentence introducing the list better than any item, or when many items match alike ("what must I
not do …"). Every piece is verbatim: the quote is a span of one paragraph, each item is printed
as the policy prints it, and "…" marks what is left out.

Lists come two ways: items the reader made clauses of their own (`Clause.children`, "5.2(d)"),
and lines inside one clause's text after a sentence ending in ":" (bullets, typed "1." steps).
An item is named as staff say it: its own id ("5.2(d)"), the clause and its printed number
("2.20.6(1)"), or, for a bullet, its place ("Rewards, item 1, point 2").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.answers import Citation, Item
from bot.corpus.labels import NUMBER_PREFIX_RE, is_heading_text
from bot.corpus.model import Clause, Document
from bot.retrieval.index import split_sentences
from bot.retrieval.vocabulary import tokens

QUOTE_WHOLE_CHARS = 450  # a paragraph up to this long is quoted whole
LEAD_IN_CHARS = 300  # a longer last sentence is a rule of its own, not a list's lead-in
MAX_ITEMS = 12  # list items shown when the whole list is
MAX_PICKED = 3  # more items than this matching alike: the question is about the list
SHARE_WEIGHT = 0.3  # weight of the question's word share beside the model's similarity


@dataclass(frozen=True)
class Relevance:
    """How well a piece of a clause's text answers the question: the sentence model's
    similarity when there is one, plus the share of the question's words the piece holds.
    `margin` is how close two items' scores must be to count as matching alike."""

    share: Callable[[str], float]
    similarity: Callable[[str], float | None] = lambda _text: None
    margin: float = 0.0

    def score(self, text: str) -> float:
        sim = self.similarity(text)
        share = self.share(text)
        return share if sim is None else sim + SHARE_WEIGHT * share


def lexical(question_terms: list[str]) -> Relevance:
    """Relevance by the question's words alone (no model)."""
    terms = set(question_terms)

    def share(text: str) -> float:
        return len(terms & set(tokens(text))) / len(terms) if terms else 0.0

    return Relevance(share)


@dataclass(frozen=True)
class _Entry:
    item: Item
    raw: str  # the item's text as the clause prints it (for its similarity)
    parent: int | None = None  # the entry it is a sub-item of, in a list of lists


@dataclass(frozen=True)
class _List:
    clause: Clause  # the clause holding the list
    own: str  # the clause's text up to the list: its last paragraph introduces the list
    entries: list[_Entry]
    after: bool  # the clause goes on after the list

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.own.split("\n") if p.strip()]


def cite(
    doc: Document,
    clause: Clause,
    relevance: Relevance,
    *,
    wants_list: bool = False,
    nearest: bool = False,
) -> Citation:
    """The citation of `clause` (of `doc`) for a question, pinpointed as the module says."""
    listed = _tree_list(doc, clause) or _paragraph_list(clause, relevance)
    if listed is None:
        return _plain(doc, clause, clause.full_text, relevance, nearest)
    lst, primary = listed
    if primary is None and _rule_before_list(lst, relevance):
        return _plain(doc, lst.clause, lst.own, relevance, nearest)
    picked, named = _pick(lst, relevance, primary, wants_list)
    items: list[Item] = []
    last = -1
    for i in picked:
        e = lst.entries[i]
        items.append(Item(e.item.label, e.item.text, e.item.clause, skipped_before=i > last + 1))
        last = i
    paragraphs = lst.paragraphs
    sentences = split_sentences(paragraphs[-1])
    return Citation(
        columns=_columns(doc, [lst.entries[i].item.clause for i in picked]),
        document=doc.title,
        clause=lst.entries[named].item.clause if named is not None else lst.clause.id,
        quote=sentences[-1],
        section=_section(lst.clause),
        source=doc.source,
        numbered=lst.clause.numbered,
        trimmed_before=len(paragraphs) > 1 or len(sentences) > 1,
        trimmed_after=last < len(lst.entries) - 1 or lst.after,
        items=tuple(items),
        nearest=nearest,
        source_clause=lst.clause.id,
    )


def _columns(doc: Document, item_clauses: list[str]) -> tuple[str, ...]:
    """The column headers of the table rows shown, when the items are rows of a table."""
    for clause_id in item_clauses:
        try:
            columns = doc.clause(clause_id).columns
        except KeyError:
            continue
        if columns:
            return columns
    return ()


def _section(clause: Clause) -> str:
    return " › ".join(clause.path) or clause.section_title


# ---- lists ----------------------------------------------------------------------------------


def _tree_list(doc: Document, clause: Clause) -> tuple[_List, int | None] | None:
    """The list `clause` heads or is an item of, when its items are clauses of their own and the
    clause at the top ends with a sentence that introduces them; with the entry of `clause`."""
    root = clause
    while root.parent:
        try:
            root = doc.clause(root.parent)
        except KeyError:
            break
    if not root.children:
        return None
    paragraphs = [p for p in root.text.split("\n") if p.strip()]
    sentences = split_sentences(paragraphs[-1]) if paragraphs else []
    if not sentences or len(sentences[-1]) > LEAD_IN_CHARS or is_heading_text(sentences[-1]):
        return None  # no lead-in, or only a title above the items: each item stands alone
    entries: list[_Entry] = []

    def walk(c: Clause, parent: int | None) -> None:
        for child_id in c.children:
            try:
                child = doc.clause(child_id)
            except KeyError:
                continue
            entries.append(_Entry(Item(child.marker, child.text, child.id), child.text, parent))
            walk(child, len(entries) - 1)

    walk(root, None)
    if not entries:
        return None
    lst = _List(root, root.text, entries, after=False)
    primary = next((i for i, e in enumerate(entries) if e.item.clause == clause.id), None)
    return lst, primary


def _paragraph_list(clause: Clause, relevance: Relevance) -> tuple[_List, int | None] | None:
    """A list written inside the clause's own text (lines after a sentence ending in ":"),
    when the sentence that best answers is one of its items or the sentence introducing it."""
    if clause.children:
        return None
    paragraphs = [p for p in clause.full_text.split("\n") if p.strip()]
    leads = [j for j, p in enumerate(paragraphs[:-1]) if p.rstrip().endswith(":")]
    if not leads:
        return None
    scores = [relevance.score(p) for p in paragraphs]
    best = max(range(len(paragraphs)), key=lambda j: (scores[j], -j))
    lead = max((j for j in leads if j <= best), default=None)
    if lead is None:
        return None  # the answer comes before any list
    end = next((j for j in leads if j > lead), len(paragraphs))  # a new lead-in, a new list
    entries: list[_Entry] = []
    for k, p in enumerate(paragraphs[lead + 1 : end], 1):
        m = NUMBER_PREFIX_RE.match(p)
        label = m.group(0).strip() if m and len(p) > m.end() else ""
        text = p[m.end() :] if label and m else p
        core = label.strip("().")
        if clause.numbered:
            name = f"{clause.id}({core})" if label else f"{clause.id}, point {k}"
        else:
            name = f"{clause.id}, point {core or k}"
        entries.append(_Entry(Item(label, text, name), p))
    if not entries:
        return None
    own = "\n".join(paragraphs[: lead + 1])
    lst = _List(clause, own, entries, after=end < len(paragraphs))
    return lst, (best - lead - 1 if best > lead else None)


def _rule_before_list(lst: _List, relevance: Relevance) -> bool:
    """Whether a sentence of the clause before its list answers better than the sentence that
    introduces the list and than any item ("When must concerns be recorded?" is answered by
    "All concerns must be recorded … on the same day", not by "The record should include:")."""
    sentences = [s for p in lst.paragraphs for s in split_sentences(p)]
    if len(sentences) < 2:
        return False
    scores = [relevance.score(s) for s in sentences]
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    items = max(relevance.score(e.raw) for e in lst.entries)
    return best != len(sentences) - 1 and scores[best] >= max(items, scores[-1])


def _pick(
    lst: _List, relevance: Relevance, primary: int | None, wants_list: bool
) -> tuple[list[int], int | None]:
    """(The entries to show, the one the citation is named after, or None for the list.)"""
    n = len(lst.entries)
    everything = list(range(min(n, MAX_ITEMS))), None
    if wants_list:
        return everything
    scores = [relevance.score(e.raw) for e in lst.entries]
    best = primary if primary is not None else max(range(n), key=lambda i: (scores[i], -i))
    lead = split_sentences(lst.paragraphs[-1])[-1]
    if primary is None and relevance.score(lead) > scores[best] + relevance.margin:
        return everything  # the question is about what the list as a whole is for
    alike = [i for i in range(n) if i != best and scores[i] >= scores[best] - relevance.margin]
    if len(alike) + 1 > max(MAX_PICKED, n // 2):
        return everything  # many items answer alike ("what must I not do …")
    chosen = {best, *alike}
    named = best if not alike else None
    for i in list(chosen):  # a sub-item comes with the item it belongs to
        parent = lst.entries[i].parent
        while parent is not None:
            chosen.add(parent)
            parent = lst.entries[parent].parent
    if primary is None:
        for i in sorted(chosen):  # a line ending in ":" introduces the lines after it
            if i > 0 and lst.entries[i - 1].raw.rstrip().endswith(":"):
                chosen.add(i - 1)
    return sorted(chosen), named


# ---- one rule, no list ----------------------------------------------------------------------


def _plain(
    doc: Document, clause: Clause, text: str, relevance: Relevance, nearest: bool
) -> Citation:
    quote, before, after = trim_quote(text, relevance)
    after = after or len(text) < len(clause.full_text)
    return Citation(
        document=doc.title,
        clause=clause.id,
        quote=quote,
        section=_section(clause),
        source=doc.source,
        numbered=clause.numbered,
        trimmed_before=before,
        trimmed_after=after,
        nearest=nearest,
    )


def trim_quote(text: str, relevance: Relevance) -> tuple[str, bool, bool]:
    """The sentences of a clause's text that matter, as (quote, trimmed_before, trimmed_after).

    The quote is always a contiguous span of one paragraph of the clause, so it is verbatim
    policy text however the policy was laid out. A paragraph under the length limit is quoted
    whole; a longer one is cut to its best sentence and the next. A quote never ends on a
    sentence that introduces a list it does not show."""
    paragraphs = [p for p in text.split("\n") if p.strip()]
    candidates = [
        (pi, si, relevance.score(s))
        for pi, p in enumerate(paragraphs)
        for si, s in enumerate(split_sentences(p))
    ]
    if not candidates:
        return text, False, False
    pi, si, _ = max(candidates, key=lambda c: (c[2], -c[0], -c[1]))
    para = paragraphs[pi]
    sentences = split_sentences(para)
    if (len(para) <= QUOTE_WHOLE_CHARS or len(sentences) <= 2) and (
        not para.rstrip().endswith(":") or len(sentences) < 2
    ):
        return para, pi > 0, pi < len(paragraphs) - 1
    start, end = si, si + 1
    if end < len(sentences) and (relevance.share(sentences[end]) > 0 or len(sentences[si]) < 120):
        end += 1
    if start > 0 and sentences[start - 1].endswith(":"):  # keep a list's lead-in
        start -= 1
    if end == len(sentences) and end - start > 1 and sentences[-1].endswith(":"):
        end -= 1  # not the sentence introducing a list that is not shown
    quote = _span(para, sentences[start], sentences[end - 1])
    return quote, pi > 0 or start > 0, pi < len(paragraphs) - 1 or end < len(sentences)


def _span(text: str, first: str, last: str) -> str:
    i = text.find(first)
    j = text.find(last, i)
    if i < 0 or j < 0:
        return first
    return text[i : j + len(last)]
