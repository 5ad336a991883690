"""What a parsed policy is: a document with metadata and clauses that keep the policy's own ids."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field


@dataclass
class Clause:
    id: str  # the policy's own id: "6.viii", "9.i.b", "6.xxv.a", "2.vi"
    section: str  # section number, "6"
    section_title: str  # "Responsibilities when using social media"
    text: str  # verbatim text of this clause (markup removed), sub-items not included
    heading: str = ""  # sub-section title for grouped items: "Cyberbullying" for 9.i.a
    children: list[str] = field(default_factory=list)  # ids of lettered sub-items
    parent: str | None = None  # "6.xxv" for "6.xxv.a"
    full_text: str = ""  # text plus its sub-items, verbatim, one per line
    marker: str = ""  # a sub-item's label as printed: "a)" or "b."
    # Headings above this clause, below the document title, outermost first:
    # ("Before the visit", "Risk assessments"). Context for retrieval, never quoted as an answer.
    path: tuple[str, ...] = ()
    # True when the id is the document's own number ("4.2(b)", cited "§4.2(b)"); False when it
    # names the clause by its place ("Risk assessments, item 2"), cited without "§".
    numbered: bool = True
    # A table row's column headers, one for each of its cells as quoted ("Area", "Staff phones"):
    # the row's text is its cells' own text separated by tabs, so `text.split("\t")[i]` is the
    # cell under `columns[i]`. Context, like `path`: never quoted as the answer. Empty for a
    # clause that is no table row, or a row of a table without a header.
    columns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.full_text:
            self.full_text = self.text


@dataclass
class Document:
    title: str
    source: str  # file name inside the corpus folder
    clauses: list[Clause]
    school: str = ""
    approval_date: str = ""
    review_frequency: str = ""
    next_review: str = ""  # as written: "September 2026"
    next_review_date: dt.date | None = None  # last day of that month, when it could be read
    contacts: list[str] = field(default_factory=list)
    # The document-control table as written ("Approved by" → "Elizabeth Dunstan (Chair of
    # Governors)"), in order: what staff are told when they ask about the policy itself.
    control: dict[str, str] = field(default_factory=dict)
    # What the IT admin should know about how this file was read ("no review date found",
    # "12 paragraphs cited by section", "duplicate title: renamed"): shown by `policybot corpus`.
    warnings: list[str] = field(default_factory=list)

    def clause(self, clause_id: str) -> Clause:
        for c in self.clauses:
            if c.id == clause_id:
                return c
        raise KeyError(clause_id)

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.clauses]

    @property
    def review_when(self) -> str:
        """ "in September 2026", or "on 01/09/2025" for a date with its day: how a sentence
        says when the review was due."""
        has_day = bool(
            re.search(
                r"\d{1,2}\D+\d{1,2}\D+\d{2,4}|^\s*\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]",
                self.next_review,
            )
        )
        return f"{'on' if has_day else 'in'} {self.next_review}"

    def overdue(self, today: dt.date | None = None) -> bool:
        today = today or dt.date.today()
        return self.next_review_date is not None and today > self.next_review_date
