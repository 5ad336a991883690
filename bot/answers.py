"""The platform-neutral reply to a policy question, and how it is composed from retrieved clauses.

Front ends render an :class:`Answer`; they never build policy text themselves.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from bot.corpus.labels import is_heading_text
from bot.corpus.model import Clause, Document
from bot.retrieval.index import Hit, Result, split_sentences
from bot.retrieval.vocabulary import tokens


@dataclass(frozen=True)
class Citation:
    document: str  # the policy's own title, e.g. "Social Media Policy"
    clause: str  # the policy's own id, e.g. "6.xi", or its place, "Risk assessments, item 2"
    quote: str  # verbatim policy text (a contiguous span of the clause)
    section: str = ""  # headings above it, e.g. "Responsibilities when using social media"
    source: str = ""  # the policy's file, relative to the corpus folder: "visits/outings.docx"
    numbered: bool = True  # the id is the policy's own number (cited with "§")
    trimmed_before: bool = False  # the quote starts after the clause's first sentence
    trimmed_after: bool = False  # the quote stops before the clause's last sentence
    items: tuple[str, ...] = ()  # list items the quote introduces, each verbatim ("a) Expose …")
    # For a quote that is one item of a list: the sentence that introduces the list, verbatim
    # from the clause above ("If a pupil is absent …, the school office will:"), the item's own
    # printed label ("a)") and whether items before it are left out. An item alone ("send a
    # text message to the parents by 9.30am;") does not say who must do it, or when.
    lead_in: str = ""
    marker: str = ""
    items_skipped: bool = False

    @property
    def item_prefix(self) -> str:
        """What goes before a list item's quote under its lead-in: "… c) " when items before
        it are left out, "a) " for the first; "" for a quote that is no list item."""
        if not self.lead_in:
            return ""
        return ("… " if self.items_skipped else "") + (f"{self.marker} " if self.marker else "")

    @property
    def label(self) -> str:
        """ "Staff Code of Conduct §4.2(b)" for a numbered clause; "Educational Visits Policy —
        Risk assessments, item 2" for one the policy does not number (its place, no "§")."""
        if self.numbered:
            return f"{self.document} §{self.clause}"
        return f"{self.document} — {self.clause}"


@dataclass(frozen=True)
class Answer:
    question: str
    answered: bool
    text: str  # readable plain text of the whole answer (what the console prints)
    citations: list[Citation] = field(default_factory=list)  # best first; [0] is the quote
    suggested_command: str | None = None  # "/report-concern" or "/declare-relationship"
    suggestion: str | None = None  # one sentence explaining why that command
    review_warning: str | None = None  # set when a cited document is past its review date
    ask_instead: str | None = None  # who to ask when the policy does not cover it

    @property
    def best(self) -> Citation | None:
        return self.citations[0] if self.citations else None

    @property
    def see_also(self) -> list[Citation]:
        return self.citations[1:]

    def to_json(self) -> dict[str, Any]:
        """The `policybot ask --json` object."""
        return {
            "question": self.question,
            "answered": self.answered,
            "text": self.text,
            "citations": [
                {"document": c.document, "clause": c.clause, "quote": c.quote, "source": c.source}
                for c in self.citations
            ],
        }

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------------------------------------
# Composition: retrieved clauses → Answer. Only verbatim clause text ever becomes a quote.
# ---------------------------------------------------------------------------------------------


DECLARE = "/declare-relationship"
REPORT = "/report-concern"

# Stems that show the question is about something the policy says must be reported or declared.
FAMILY_STEMS = {"famili", "relat", "relationship"}
CONCERN_STEMS = {
    "cyberbulli", "bulli", "troll", "indec", "radicalis", "extremist", "terror", "groom",
    "harass", "abus", "pornographi", "exploit", "threaten", "intimid", "worri", "concern",
    "report", "unsuit", "safeguard",
}  # fmt: skip
_DEFAULT_ASK = "your line manager or a member of the leadership team"
QUOTE_WHOLE_CHARS = 450
MAX_ITEMS = 12  # list items shown under the sentence that introduces them


def _family_of(clause_id: str) -> str:
    parts = clause_id.split(".")
    return ".".join(parts[:2])


def trim_quote(clause: Clause, question_terms: set[str]) -> tuple[str, bool, bool, tuple[str, ...]]:
    """The sentences of the clause that matter, as (quote, trimmed_before, trimmed_after, items).

    The quote is always a contiguous span of one paragraph of the clause, so it is verbatim
    policy text however the policy was laid out. A paragraph under the length limit is quoted
    whole; a longer one is cut to its best sentence (by question terms) and the next. When the
    quote introduces a list ("… statements which:"), the list items follow as `items`.
    """
    paragraphs = [p for p in clause.full_text.split("\n") if p.strip()]
    candidates = [
        (pi, si, s, len(question_terms & set(tokens(s))))
        for pi, p in enumerate(paragraphs)
        for si, s in enumerate(split_sentences(p))
    ]
    if not candidates:
        return clause.full_text, False, False, ()
    pi, si, _, _ = max(candidates, key=lambda c: (c[3], -c[0], -c[1]))
    # An item of a list ("b) Cause (an individual) to be shunned or avoided;") says nothing
    # alone: quote the sentence that introduces the list, and the list.
    lead = next((j for j in range(pi - 1, -1, -1) if paragraphs[j].rstrip().endswith(":")), None)
    if lead is not None and pi - lead <= MAX_ITEMS:
        pi, si = lead, len(split_sentences(paragraphs[lead])) - 1
    para = paragraphs[pi]
    sentences = split_sentences(para)
    if len(para) <= QUOTE_WHOLE_CHARS or len(sentences) <= 2:
        quote, before, after = para, pi > 0, pi < len(paragraphs) - 1
    else:
        scores = [len(question_terms & set(tokens(s))) for s in sentences]
        start, end = si, si + 1
        if end < len(sentences) and (scores[end] > 0 or len(sentences[si]) < 120):
            end += 1
        if start > 0 and sentences[start - 1].endswith(":"):  # keep a list's lead-in
            start -= 1
        quote = _span(para, sentences[start], sentences[end - 1])
        before = pi > 0 or start > 0
        after = pi < len(paragraphs) - 1 or end < len(sentences)
    items: tuple[str, ...] = ()
    if quote.rstrip().endswith(":"):
        items = tuple(paragraphs[pi + 1 : pi + 1 + MAX_ITEMS])
        after = pi + 1 + len(items) < len(paragraphs)
    return quote, before, after, items


def _span(text: str, first: str, last: str) -> str:
    i = text.find(first)
    j = text.find(last, i)
    if i < 0 or j < 0:
        return first
    return text[i : j + len(last)]


_STAFF_CONTACT = re.compile(
    r"member of staff,?\s+(?:please\s+)?(?:speak|talk)\s+(?:with|to)\s+(.*)", re.I
)


def ask_instead(documents: Sequence[Document]) -> str:
    """Who staff should ask when no policy covers a question: the person the handbook's
    policies name most often in their "if you are a member of staff, speak with …" contacts
    (the first named on a tie), so one policy's contact line does not speak for all of them."""
    named = Counter(
        m.group(1).rstrip(". ")
        for d in documents
        for c in d.contacts
        if (m := _STAFF_CONTACT.search(c))
    )
    if not named:
        return _DEFAULT_ASK
    return named.most_common(1)[0][0]


def suggest_command(question_terms: set[str], best: Clause | None) -> tuple[str | None, str | None]:
    best_text = best.full_text.lower() if best else ""
    if question_terms & FAMILY_STEMS or "family relationship" in best_text:
        return DECLARE, (
            "Tell the headteacher about a family relationship with a pupil with "
            f"{DECLARE}: it is sent privately and recorded."
        )
    if question_terms & CONCERN_STEMS:
        return REPORT, (f"To report a concern to the headteacher privately, use {REPORT}.")
    return None, None


def compose(
    question: str,
    result: Result,
    documents: Sequence[Document],
    *,
    answered: bool,
    today: dt.date | None = None,
    see_also: int = 2,
) -> Answer:
    q_terms = set(result.query_terms)
    if not answered or not result.hits:
        who = ask_instead(documents)
        text = f"The school's policies don't cover this. Please ask {who}."
        return Answer(question=question, answered=False, text=text, ask_instead=who)

    best_hit = result.hits[0]
    chosen: list[Hit] = [best_hit]
    for h in result.hits[1:]:
        if len(chosen) > see_also:
            break
        if any(
            _family_of(h.unit.clause.id) == _family_of(c.unit.clause.id)
            and h.unit.doc == c.unit.doc
            for c in chosen
        ):
            continue
        if h.bm25 <= 0 and h.dense < 0.3:  # matches nothing the question asked
            continue
        chosen.append(h)

    citations = []
    for h in chosen:
        quote, before, after, items = trim_quote(h.unit.clause, q_terms)
        clause, doc = h.unit.clause, documents[h.unit.doc]
        lead_in, skipped = _lead_in(doc, clause)
        citations.append(
            Citation(
                document=doc.title,
                clause=clause.id,
                quote=quote,
                section=" › ".join(clause.path) or clause.section_title,
                source=doc.source,
                numbered=clause.numbered,
                trimmed_before=before,
                trimmed_after=after,
                items=items,
                lead_in=lead_in,
                marker=clause.marker if lead_in else "",
                items_skipped=skipped,
            )
        )
    command, suggestion = suggest_command(q_terms, best_hit.unit.clause)
    overdue = [
        d
        for d in {documents[h.unit.doc].title: documents[h.unit.doc] for h in chosen}.values()
        if d.overdue(today)
    ]
    warning = None
    if overdue:
        warning = " ".join(
            f"The {d.title} was due for review {d.review_when}; it may have changed, so check "
            "with the headteacher if in doubt."
            for d in overdue
        )
    answer = Answer(
        question=question,
        answered=True,
        text="",
        citations=citations,
        suggested_command=command,
        suggestion=suggestion,
        review_warning=warning,
    )
    return replace(answer, text=render_text(answer))


LEAD_IN_CHARS = 300


def _lead_in(doc: Document, clause: Clause) -> tuple[str, bool]:
    """(The sentence introducing the list a clause is an item of, whether items come before
    it), or ("", False) for a clause that is no list item or whose parent says more than a
    lead-in: the last sentence of the parent's own text, verbatim."""
    if not clause.parent:
        return "", False
    try:
        parent = doc.clause(clause.parent)
    except KeyError:
        return "", False
    sentences = split_sentences(parent.text.strip())
    if not sentences or len(sentences[-1]) > LEAD_IN_CHARS or is_heading_text(sentences[-1]):
        return "", False  # no lead-in, or only a title above the items
    skipped = bool(parent.children) and parent.children[0] != clause.id
    return sentences[-1], skipped


def quote_line(c: Citation) -> str:
    """A citation's quote as one line of plain text, with the lead-in of a list item."""
    quote = ("…" if c.trimmed_before else "") + c.quote + ("…" if c.trimmed_after else "")
    return f"{c.lead_in} {c.item_prefix}{quote}" if c.lead_in else quote


def render_text(answer: Answer) -> str:
    """Readable plain text (console, and the fallback text of chat messages)."""
    if not answer.answered or not answer.best:
        return answer.text
    best = answer.best
    lines = [
        f"“{quote_line(best)}”",
        *(f"   {item}" for item in best.items),
        # an unnumbered clause's id is already its place under the headings
        f"— {best.label}" + (f" ({best.section})" if best.section and best.numbered else ""),
    ]
    if answer.see_also:
        lines.append("See also: " + "; ".join(c.label for c in answer.see_also))
    if answer.suggestion:
        lines.append(answer.suggestion)
    if answer.review_warning:
        lines.append(f"Note: {answer.review_warning}")
    return "\n".join(lines)
