"""Text lines → Document: the plain-text reader and the clause builder in one call.

Kept for callers that hold a policy's text rather than its file (tests, tools).
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.corpus.build import build
from bot.corpus.dates import parse_review_date
from bot.corpus.labels import strip_markup
from bot.corpus.model import Document
from bot.corpus.text import read_lines

__all__ = ["parse_lines", "parse_review_date", "strip_markup"]


def parse_lines(lines: Iterable[str], source: str) -> Document:
    return build(read_lines(list(lines)), source)
