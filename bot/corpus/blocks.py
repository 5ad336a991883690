"""The shape every format is read into before clause ids are given: headings, paragraphs and
table rows in reading order, plus what the file says about itself.

Each reader (text, Markdown, HTML, Word, PDF) knows its own syntax; one builder (build.py) knows the
clause-id convention. Keeping the two apart means Word's automatic numbering, Markdown heading
levels and HTML lists all reach the builder as the labels and levels a reader of the page sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Block:
    kind: str  # "heading", "para" or "row" (a table row: cells as written)
    text: str = ""  # visible text; for paragraphs it may still start with its typed number
    level: int = 1  # heading level below the title (1 = top section)
    bullet: bool = False  # a bulleted list item (the bullet itself is not text)
    cells: tuple[str, ...] = ()
    joins: bool = False  # a continuation of the previous paragraph (a page break split it)
    # An item of a list the markup numbers or bullets (Markdown, HTML): it belongs to the
    # paragraph that introduces it and is never a clause of its own.
    item: bool = False
    # For a table row: True when it is a header row (a table starts with it), False when it
    # starts a table that has no header, None when the reader cannot tell (the builder guesses
    # from the first row's look, and a row that does not start a table continues the last one).
    head: bool | None = None


@dataclass
class Read:
    """A file as its reader found it."""

    blocks: list[Block] = field(default_factory=list)
    # Title candidates, best first (front matter, core property, Title style, first heading…).
    titles: list[str] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)  # "next_review" → "September 2026"
    # Dates found only in page headers/footers: used when the body does not give them.
    fallback: dict[str, str] = field(default_factory=dict)
    control: dict[str, str] = field(default_factory=dict)  # document-control rows as written
    contacts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
