"""Questions about a policy itself ("When is this policy due for review?", "Who approved the
complaints policy?") or about the handbook ("Which policies do you have?"): answered from the
document-control table the school wrote at the top of each policy, quoted as written, never from
a clause. A policy is named by its title's own words ("the complaints policy" is the Complaints
Procedure), because staff rarely say a title exactly.

Such an answer cites no clause, so it is not `answered` in the sense of the JSON contract ("a
policy clause answers this"); its text carries the facts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from bot.answers import Answer
from bot.corpus.model import Document
from bot.retrieval.vocabulary import tokens

_POLICY = r"(?:this|the|our|that|your|school's|schools)\s+(?:[\w-]+\s+){0,3}?(?:policy|document|code|guidance|procedures?|handbook)(?:\s+of\s+[\w-]+)?"
# The policy is the subject or object of a document-control verb or state.
_ABOUT = re.compile(
    rf"\b(?:when|how often|how long ago)\b[^?]{{0,30}}?\b{_POLICY}\s+(?:be\s+|been\s+|get\s+)?"
    r"(?:reviewed|approved|ratified|adopted|written|updated|signed|revised|checked|due)\b"
    rf"|\bwho\s+(?:approved|wrote|signed|ratified|reviewed|reviews|adopted|authored|owns)\s+{_POLICY}"
    rf"|\b(?:is|was)\s+{_POLICY}\s+(?:still\s+)?(?:up to date|out of date|current|valid|in force|"
    r"overdue|statutory|published|approved)"
    rf"|\b(?:next\s+)?review\s+date\s+(?:of|for)\s+{_POLICY}"
    rf"|\b{_POLICY}\s+(?:is\s+)?(?:due|overdue)\s+(?:for\s+)?(?:a\s+)?review"
    rf"|\bwhen\s+(?:is|was|does)\s+{_POLICY}\s+(?:due|next|last|from|dated)\b"
    rf"|\b(?:has|have)\s+{_POLICY}\s+(?:ever\s+)?been\s+(?:approved|reviewed|updated|ratified|"
    r"signed|adopted)\b",
    re.I,
)
# Which rows of the table answer which kind of question (matched on the row's own label).
_TOPICS: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    (
        re.compile(r"approv|ratif|adopt|sign", re.I),
        re.compile(r"approv|adopt|sign|recorded", re.I),
    ),
    (re.compile(r"wr[io]te|written|author|owns", re.I), re.compile(r"written|author|owner", re.I)),
    (
        re.compile(r"review|due|overdue|revised|checked", re.I),
        re.compile(
            r"^(?:date of )?(?:next |last )?review(?:ed)?(?: date| frequency| cycle| by)?$", re.I
        ),
    ),
    (re.compile(r"statutory|published", re.I), re.compile(r"status|publish", re.I)),
]
_GENERAL = re.compile(
    r"approv|adopted|last reviewed|next review|review date|review frequency|status", re.I
)
# "Which policies do you have?", "List the policies", "How many policies are there?",
# "Which policies are overdue for review?": the handbook as a whole.
_LISTING = re.compile(
    r"\b(?:which|what) (?:school )?(?:policies|documents)\b(?! (?:say|cover|mention|apply))"
    r"|\blist (?:of |all )?(?:the |your |our )?(?:school'?s? )?policies\b"
    r"|\bhow many policies\b|\b(?:all )?(?:the )?policies (?:do you|does the school) (?:have|know)\b",
    re.I,
)
_OVERDUE = re.compile(r"\b(?:overdue|out of date|past (?:their|its) review (?:date)?)\b", re.I)
_ACRONYM = re.compile(r"\b[A-Z]{2,}\b")  # "IT", "SEND": words of a title even when short
# Words of a title that name no particular policy.
_GENERIC = frozenset(
    tokens("policy policies procedure procedures code guidance statement school schools staff")
)


def is_about_a_policy(question: str) -> bool:
    return bool(_ABOUT.search(question) or _LISTING.search(question))


def facts_answer(
    question: str, documents: Sequence[Document], today: dt.date | None = None
) -> Answer | None:
    """The document-control rows that answer a question about a policy itself, or None when
    the question is not about a policy document (or no policy has such a table)."""
    if _LISTING.search(question) and not _ABOUT.search(question):
        return _handbook_answer(question, documents, today)
    if not is_about_a_policy(question):
        return None
    named = _named(question, documents)
    docs = [d for d in (named or documents) if d.control or d.approval_date or d.next_review]
    if not docs:
        return None
    if not named and len(documents) > 1:  # "when is the policy due for review?", a handbook
        return _handbook_answer(question, docs, today)
    blocks = []
    for d in docs:
        rows = _rows_for(question, d)
        lines = "\n".join(f"• {k}: {v}" for k, v in rows)
        blocks.append(f"From the {d.title}'s document control:\n{lines}")
    overdue = [d for d in docs if d.overdue(today)]
    warning = " ".join(
        f"The {d.title} was due for review {d.review_when} and that date has passed: ask the "
        "headteacher whether a newer version is in force."
        for d in overdue
    )
    text = "\n\n".join(blocks) + (f"\nNote: {warning}" if warning else "")
    # the warning is part of the text: front ends show an unanswered reply's text as it is
    return Answer(question=question, answered=False, text=text)


def _handbook_answer(question: str, documents: Sequence[Document], today: dt.date | None) -> Answer:
    """One line per policy, title first, with its next review as written (overdue ones only,
    when that is what was asked)."""
    docs = sorted(documents, key=lambda d: d.title.casefold())
    listing = bool(_LISTING.search(question))
    if _OVERDUE.search(question):
        docs = [d for d in docs if d.overdue(today)]
        if not docs:
            return Answer(
                question=question, answered=False, text="No policy is past its review date."
            )
    lines = []
    for d in docs:
        late = " — past its review date" if d.overdue(today) else ""
        if listing:
            review = f"next review {d.next_review}" if d.next_review else "no review date found"
            lines.append(f"• {d.title} ({review}{late})")
        else:  # "who approved the policy?" naming none: each policy's answer on one line
            rows = "; ".join(f"{k}: {v}" for k, v in _rows_for(question, d))
            lines.append(f"• {d.title}: {rows or 'no document control found'}{late}")
    head = (
        f"The handbook has {len(docs)} {'policy' if len(docs) == 1 else 'policies'}:"
        if len(docs) == len(documents)
        else f"{len(docs)} of the {len(documents)} policies:"
    )
    return Answer(question=question, answered=False, text=head + "\n" + "\n".join(lines))


def _named(question: str, documents: Sequence[Document]) -> list[Document]:
    """The documents the question names: by whole title, else by the words of the title that
    name the policy (all of them, or at least two: "the child protection policy" names the
    Safeguarding and Child Protection Policy), the best-named first. [] when none is named."""
    q = " ".join(question.lower().split())
    exact = [d for d in documents if d.title and " ".join(d.title.lower().split()) in q]
    if exact:
        return exact
    asked = set(tokens(question)) | set(_ACRONYM.findall(question))
    scored = []
    for d in documents:
        acronyms = set(_ACRONYM.findall(d.title))
        own = (set(tokens(d.title)) - _GENERIC) | acronyms
        hit = len(own & asked) + len(acronyms & asked)  # an acronym names a policy on its own
        if own and (hit == len(own) or hit >= 2):
            scored.append((hit / len(own), hit, d))
    if not scored:
        return []
    top = max((s[0], s[1]) for s in scored)
    return [d for share, hit, d in scored if (share, hit) == top]


def _rows_for(question: str, doc: Document) -> list[tuple[str, str]]:
    """The control rows that answer the question, as written; when the table has none of that
    kind, the dates the parser read from the policy's text (approval, next review)."""
    control = dict(doc.control)
    keys = " ".join(control).lower()
    if doc.approval_date and not re.search(r"approv|adopt", keys):
        control["Date approved"] = doc.approval_date
    if doc.next_review and "review" not in keys:
        control["Next review"] = doc.next_review
    wanted = [rows for asked, rows in _TOPICS if asked.search(question)]

    def label(k: str) -> str:  # "next_review", "review-date" read as "next review", "review date"
        return " ".join(re.sub(r"[_-]", " ", k).split())

    picked = [(k, v) for k, v in control.items() if any(w.search(label(k)) for w in wanted)]
    if not picked:
        picked = [(k, v) for k, v in control.items() if _GENERAL.search(label(k))]
    return picked or list(control.items())
