"""A round's policy shown to read, in pieces no chat platform refuses, nothing left out.

Every platform caps a message (Slack: 50 blocks and 3,000 characters a section; Teams: about
28 KB a card), and a policy can be longer than one message: the bundled Social Media Policy is
65 clauses and 27,000 characters. Front ends lay the clauses out their own way; these two
helpers are the rule they share: a clause longer than a piece is cut only between words, and
the pieces, read in order, are the clause exactly (``"".join(split_text(t, n)) == t``); clauses
are grouped into messages greedily, in document order, each message as full as its platform's
limit allows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def split_text(text: str, size: int) -> list[str]:
    """``text`` in pieces of at most ``size`` characters, cut after a space or line break
    where one falls in the second half of a piece (else mid-word, for a "word" longer than
    half a piece). Joined, the pieces are ``text`` exactly."""
    if size <= 0:
        raise ValueError("size must be positive")
    pieces: list[str] = []
    rest = text
    while len(rest) > size:
        window = rest[:size]
        cut = max(window.rfind(" "), window.rfind("\n"))
        end = cut + 1 if cut >= size // 2 else size
        pieces.append(rest[:end])
        rest = rest[end:]
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def pages(items: Sequence[T], cost: Callable[[T], int], budget: int) -> list[list[T]]:
    """``items`` in order, grouped greedily so each page's total ``cost`` stays within
    ``budget``. An item costing more than the budget on its own still gets a page of its own
    (callers split such items first, with :func:`split_text`)."""
    out: list[list[T]] = []
    page: list[T] = []
    used = 0
    for item in items:
        weight = cost(item)
        if page and used + weight > budget:
            out.append(page)
            page, used = [], 0
        page.append(item)
        used += weight
    if page:
        out.append(page)
    return out
