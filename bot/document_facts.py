"""Questions about a policy itself ("When is this policy due for review?", "Who approved the
social media policy?"): answered from the document-control table the school wrote at the top of
the policy, quoted as written, never from a clause.

Such an answer cites no clause, so it is not `answered` in the sense of the JSON contract ("a
policy clause answers this"); its text carries the facts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from bot.answers import Answer
from bot.corpus.model import Document

_POLICY = r"(?:this|the|our|that|your|school's|schools)\s+(?:[\w-]+\s+){0,3}?(?:policy|document|code|guidance|procedures?|handbook)"
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
    (re.compile(r"approv|ratif|adopt|sign", re.I), re.compile(r"approv|sign|recorded", re.I)),
    (re.compile(r"wr[io]te|written|author|owns", re.I), re.compile(r"written|author|owner", re.I)),
    (
        re.compile(r"review|due|overdue|revised|checked", re.I),
        re.compile(
            r"^(?:date of )?(?:next |last )?review(?:ed)?(?: date| frequency| cycle| by)?$", re.I
        ),
    ),
    (re.compile(r"statutory|published", re.I), re.compile(r"status|publish", re.I)),
]
_GENERAL = re.compile(r"approval date|last reviewed|next review|review frequency|status", re.I)


def is_about_a_policy(question: str) -> bool:
    return bool(_ABOUT.search(question))


def facts_answer(
    question: str, documents: Sequence[Document], today: dt.date | None = None
) -> Answer | None:
    """The document-control rows that answer a question about a policy itself, or None when
    the question is not about a policy document (or no policy has such a table)."""
    if not is_about_a_policy(question):
        return None
    docs = [d for d in _named(question, documents) if d.control]
    if not docs:
        return None
    blocks = []
    for d in docs:
        rows = _rows_for(question, d.control)
        lines = "\n".join(f"• {k}: {v}" for k, v in rows)
        blocks.append(f"From the {d.title}'s document control:\n{lines}")
    overdue = [d for d in docs if d.overdue(today)]
    warning = " ".join(
        f"The {d.title} was due for review in {d.next_review} and that date has passed: ask the "
        "headteacher whether a newer version is in force."
        for d in overdue
    )
    text = "\n\n".join(blocks) + (f"\nNote: {warning}" if warning else "")
    # the warning is part of the text: front ends show an unanswered reply's text as it is
    return Answer(question=question, answered=False, text=text)


def _named(question: str, documents: Sequence[Document]) -> list[Document]:
    """The documents the question names by title; with none named, all of them (a school with
    one policy, or a question about 'the policy' in general)."""
    q = " ".join(question.lower().split())
    named = [d for d in documents if d.title and " ".join(d.title.lower().split()) in q]
    return named or list(documents)


def _rows_for(question: str, control: dict[str, str]) -> list[tuple[str, str]]:
    wanted = [rows for asked, rows in _TOPICS if asked.search(question)]
    picked = [(k, v) for k, v in control.items() if any(w.search(k) for w in wanted)]
    if not picked:
        picked = [(k, v) for k, v in control.items() if _GENERAL.search(k)]
    return picked or list(control.items())
