"""The platform-neutral reply to a policy question, and how it is composed from retrieved clauses.

Front ends render an :class:`Answer`; they never build policy text themselves.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Citation:
    document: str  # the policy's own title, e.g. "Social Media Policy"
    clause: str  # the policy's own id, e.g. "6.xi"
    quote: str  # verbatim policy text (a contiguous span of the clause)
    section: str = ""  # section title, e.g. "Responsibilities when using social media"
    trimmed_before: bool = False  # the quote starts after the clause's first sentence
    trimmed_after: bool = False  # the quote stops before the clause's last sentence

    @property
    def label(self) -> str:
        return f"{self.document} §{self.clause}"


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

    def to_json(self) -> dict:
        """The `policybot ask --json` object."""
        return {
            "question": self.question,
            "answered": self.answered,
            "text": self.text,
            "citations": [
                {"document": c.document, "clause": c.clause, "quote": c.quote}
                for c in self.citations
            ],
        }

    def to_dict(self) -> dict:
        return asdict(self)
