"""Composing the reply from the ranked clauses and the decision (bot/outcomes.py).

Only verbatim clause text ever becomes a quote (bot/quoting.py). Besides what it quotes, a reply
that is not covered or that quotes two policies carries the next rules the ranking found, those
named under "See also" included (`Answer.candidates`), so a follow-up can offer them ("was it one
of these?", bot/learning/) without asking again; a plain answer pays for them only when asked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace

from bot.answers import ANSWERED, NOT_COVERED, TWO_POLICIES_LEAD, Answer, Citation, render_text
from bot.corpus.model import Clause, Document
from bot.outcomes import Judgement, unmentioned
from bot.quoting import Relevance, cite, lexical
from bot.retrieval.index import ClauseIndex, Hit, Result

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
SEE_ALSO = 2  # other rules named under an answer
CANDIDATES = 3  # rules a not-covered or two-policies reply carries beyond those it shows
ITEM_MARGIN = 0.05  # with the model: list items this close in score match alike


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


def not_covered_lead(words: Sequence[str], who: str) -> str:
    """ "The school's policies don't mention parking. Please ask …" when the question's own
    words tell the subject; "… don't cover this." otherwise."""
    if words:
        return f"The school's policies don't mention {' or '.join(words)}. Please ask {who}."
    return f"The school's policies don't cover this. Please ask {who}."


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


def relevance_for(result: Result, index: ClauseIndex | None) -> Relevance:
    """How pieces of a clause are judged for this question: with the index's idf and, when the
    model is on, each sentence's similarity."""
    terms = list(result.query_terms)
    if index is None:
        return lexical(terms)
    return Relevance(
        share=lambda text: index.word_share(terms, text),
        similarity=lambda text: index.similarity(result, text),
        margin=ITEM_MARGIN if result.dense_used else 0.0,
    )


def compose(
    question: str,
    result: Result,
    documents: Sequence[Document],
    *,
    judgement: Judgement,
    index: ClauseIndex | None = None,
    wants_list: bool = False,
    today: dt.date | None = None,
    kept: Sequence[Hit] = (),
    with_candidates: bool = False,
) -> Answer:
    """The reply for `judgement`. `kept`: rules that must stay in the reply under "See also"
    whatever else is shown (the rules a taught clause displaced: bot/learning/). With
    `with_candidates`, a plain answer also carries the next rules (for "was it one of these?"
    after *Not helpful*)."""
    relevance = relevance_for(result, index)

    def citation(h: Hit, nearest: bool = False) -> Citation:
        doc = documents[h.unit.doc]
        return cite(doc, h.unit.clause, relevance, wants_list=wants_list, nearest=nearest)

    quoted = list(judgement.quoted)
    if judgement.outcome == NOT_COVERED:
        who = ask_instead(documents)
        words = unmentioned(result.question or question, index.knows) if index else []
        answer = Answer(
            question=question,
            answered=False,
            outcome=NOT_COVERED,
            text="",
            lead=not_covered_lead(words, who),
            citations=[citation(h, nearest=judgement.nearest) for h in quoted],
            ask_instead=who,
            candidates=[citation(h) for h in _others(result, documents, quoted, CANDIDATES)],
        )
        return replace(answer, text=render_text(answer))

    kept = _unique(documents, quoted, kept)
    shown = quoted + kept + see_also_hits(result, documents, quoted + kept, SEE_ALSO - len(kept))
    command, suggestion = suggest_command(set(result.query_terms), quoted[0].unit.clause)
    overdue = [
        d
        for d in {documents[h.unit.doc].title: documents[h.unit.doc] for h in shown}.values()
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
        outcome=judgement.outcome,
        text="",
        lead="" if judgement.outcome == ANSWERED else TWO_POLICIES_LEAD,
        citations=[citation(h) for h in shown],
        suggested_command=command,
        suggestion=suggestion,
        review_warning=warning,
        candidates=[]
        if judgement.outcome == ANSWERED and not with_candidates
        else [citation(h) for h in _others(result, documents, quoted, CANDIDATES)],
    )
    return replace(answer, text=render_text(answer))


def see_also_hits(
    result: Result, documents: Sequence[Document], quoted: Sequence[Hit], n: int = SEE_ALSO
) -> list[Hit]:
    """The rules named under "See also" after `quoted`: the next ones that match something the
    question asked."""
    return _others(result, documents, quoted, n, keep=lambda h: h.bm25 > 0 or h.dense >= 0.3)


def _unique(documents: Sequence[Document], taken: Sequence[Hit], hits: Sequence[Hit]) -> list[Hit]:
    """`hits` without the rules `taken` holds already, each rule once."""
    seen = {rule_of(h, documents) for h in taken}
    out = []
    for h in hits:
        if rule_of(h, documents) not in seen:
            seen.add(rule_of(h, documents))
            out.append(h)
    return out


def _others(
    result: Result,
    documents: Sequence[Document],
    taken: Sequence[Hit],
    n: int,
    keep: Callable[[Hit], bool] = lambda h: True,
) -> list[Hit]:
    """The next `n` hits after `taken` that `keep` accepts, one per rule: a clause and its list
    items are one rule ("6.xxv" and "6.xxv.c"), so one is never "see also" beside the other."""
    seen = {rule_of(h, documents) for h in taken}
    out: list[Hit] = []
    for h in result.hits:
        if len(out) >= n:
            break
        rule = rule_of(h, documents)
        if rule in seen or not keep(h):
            continue
        seen.add(rule)
        out.append(h)
    return out


def rule_of(h: Hit, documents: Sequence[Document]) -> tuple[int, str]:
    """(The policy, the clause at the top of the hit's list): which rule a hit is part of."""
    doc, clause = documents[h.unit.doc], h.unit.clause
    while clause.parent:
        try:
            clause = doc.clause(clause.parent)
        except KeyError:
            break
    return h.unit.doc, clause.id
