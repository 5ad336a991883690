"""The platform-neutral reply to a policy question: what staff are shown, and its plain text.

Front ends render an :class:`Answer`; they never build policy text themselves. An answer has one
of three outcomes, decided in the core (bot/outcomes.py) and only laid out by front ends:

- ``answered``: one rule, quoted (a list item with the sentence that introduces it);
- ``two_policies``: two policies speak to the question: the best rule of each, best first;
- ``not_covered``: the policies don't say; the reply names what they don't mention when the
  question's own words tell it, and who to ask. A nearest rule, when shown, is labelled as the
  nearest rule, which may not answer the question, never as the answer.

Replies that are not about a rule at all (a greeting, an empty question, a policy's own review
date from its document control) have the outcome ``other``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

ANSWERED = "answered"
TWO_POLICIES = "two_policies"
NOT_COVERED = "not_covered"
OTHER = "other"

TWO_POLICIES_LEAD = "Two policies speak to this."
NEAREST_INTRO = "The nearest rule, which may not answer your question:"


@dataclass(frozen=True)
class Item:
    """One item of a list, as the policy prints it."""

    label: str  # the printed label: "a)", "(ii)", "1."; "" for a bullet
    text: str  # verbatim, without the label
    clause: str = ""  # how staff name it: "5.2(d)", "2.20.6(1)", "Rewards, item 1, point 2"
    skipped_before: bool = False  # items before it (since the last one shown) are left out

    @property
    def line(self) -> str:
        """The item as shown: "… c) Lower (an individual's) standing …"."""
        return ("… " if self.skipped_before else "") + (
            f"{self.label} {self.text}" if self.label else self.text
        )


@dataclass(frozen=True)
class Citation:
    document: str  # the policy's own title, e.g. "Social Media Policy"
    # The policy's own id ("6.xi", "5.2(d)") or the place of an unnumbered clause ("Risk
    # assessments, item 2"); for one item of a list, that item as staff would name it.
    clause: str
    # Verbatim policy text: a contiguous span of one paragraph of the clause. When `items`
    # follow, it is the sentence that introduces them ("If a child tells you …, you should:").
    quote: str
    section: str = ""  # headings above it, e.g. "Responsibilities when using social media"
    source: str = ""  # the policy's file, relative to the corpus folder: "visits/outings.docx"
    numbered: bool = True  # the id is the policy's own number (cited with "§")
    trimmed_before: bool = False  # the quote starts after the clause's first sentence
    trimmed_after: bool = False  # more of the clause follows what is shown
    # The list items shown under the quote, each with its printed label: the one(s) that answer,
    # or the whole list when the question asks for it.
    items: tuple[Item, ...] = ()
    nearest: bool = False  # the nearest rule to a question the policies don't cover
    # the id of the policy's clause the quote is taken from, when `clause` names an item of
    # it that is no clause of its own ("2.vi" for "2.vi, point 1"); else `clause` itself
    source_clause: str = ""
    # For rows of a table: the table's column headers, verbatim and in the row's order, one line
    # shown between the lead-in and the rows (a row's cells alone do not say what they are).
    columns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.source_clause:
            object.__setattr__(self, "source_clause", self.clause)

    @property
    def label(self) -> str:
        """ "Staff Code of Conduct §4.2(b)" for a numbered clause; "Educational Visits Policy —
        Risk assessments, item 2" for one the policy does not number (its place, no "§")."""
        if self.numbered:
            return f"{self.document} §{self.clause}"
        return f"{self.document} — {self.clause}"

    @property
    def intro(self) -> str:
        """What goes above the quote: "" for an answer, the nearest-rule caveat otherwise."""
        return NEAREST_INTRO if self.nearest else ""

    @property
    def lines(self) -> list[str]:
        """The quote as shown, line by line: the rule (or the sentence introducing a list),
        then each item shown with its label; "…" where text is left out. Every front end shows
        these lines, and the JSON `quote` is them joined."""
        first = ("…" if self.trimmed_before else "") + self.quote
        if not self.items:
            return [first + ("…" if self.trimmed_after else "")]
        header = ["\t".join(self.columns)] if self.columns else []
        lines = [first, *header] + [item.line for item in self.items]
        if self.trimmed_after:
            lines[-1] += " …"
        return lines

    @property
    def shown(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class Answer:
    question: str
    answered: bool  # a rule is given as the answer: true for answered and two_policies
    text: str  # readable plain text of the whole answer (what the console prints)
    # What the reply shows, best first: the quoted rules (one when answered, the best of each
    # policy for two_policies, the nearest rule, if any, when not covered), then "see also".
    citations: list[Citation] = field(default_factory=list)
    suggested_command: str | None = None  # "/report-concern" or "/declare-relationship"
    suggestion: str | None = None  # one sentence explaining why that command
    review_warning: str | None = None  # set when a cited document is past its review date
    ask_instead: str | None = None  # who to ask when the policy does not cover it
    outcome: str = ""  # ANSWERED, TWO_POLICIES, NOT_COVERED or OTHER (default: from answered)
    # The sentence before any quote: "Two policies speak to this." or "The school's policies
    # don't mention parking. Please ask …"; "" for a plain answer.
    lead: str = ""
    # After a not-covered or two-policies reply, the rules the ranking put next, best first, not
    # quoted (a "See also" rule may be one): what "was it one of these?" offers (bot/learning/;
    # [] for a plain answer unless asked for).
    candidates: list[Citation] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.outcome:
            object.__setattr__(self, "outcome", ANSWERED if self.answered else OTHER)

    @property
    def quoted(self) -> list[Citation]:
        """The citations whose text the reply quotes (the rest are "see also")."""
        if self.outcome == ANSWERED:
            return self.citations[:1]
        if self.outcome == TWO_POLICIES:
            return self.citations[:2]
        return [c for c in self.citations if c.nearest]

    @property
    def best(self) -> Citation | None:
        return self.citations[0] if self.citations else None

    @property
    def see_also(self) -> list[Citation]:
        return self.citations[len(self.quoted) :] if self.answered else []

    def to_json(self) -> dict[str, Any]:
        """The `policybot ask --json` object: each citation carries exactly what is shown."""
        quoted = self.quoted
        return {
            "question": self.question,
            "answered": self.answered,
            "outcome": self.outcome,
            "text": self.text,
            "citations": [
                {
                    "document": c.document,
                    "clause": c.clause,
                    "quote": c.shown,
                    "source": c.source,
                    "items": [{"label": i.label, "text": i.text} for i in c.items],
                    **({"columns": list(c.columns)} if c.columns else {}),
                    "quoted": c in quoted,
                    "nearest": c.nearest,
                }
                for c in self.citations
            ],
        }

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def render_text(answer: Answer) -> str:
    """Readable plain text (console, and the fallback text of chat messages)."""
    lines = [answer.lead] if answer.lead else []
    for c in answer.quoted:
        if c.intro:
            lines.append(c.intro)
        quote = c.lines
        quote[0] = f"“{quote[0]}"
        quote[-1] = f"{quote[-1]}”"
        lines += [quote[0], *(f"   {line}" for line in quote[1:])]
        # an unnumbered clause's id is already its place under the headings
        lines.append(f"— {c.label}" + (f" ({c.section})" if c.section and c.numbered else ""))
    if answer.see_also:
        lines.append("See also: " + "; ".join(c.label for c in answer.see_also))
    if answer.suggestion:
        lines.append(answer.suggestion)
    if answer.review_warning:
        lines.append(f"Note: {answer.review_warning}")
    return "\n".join(lines) if lines else answer.text
