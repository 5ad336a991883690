"""Words split across two lines with a hyphen ("safe-" / "guarding"): the rule the PDF reader
and the plain-text reader share, in a module of its own so neither reader imports the other."""

from __future__ import annotations

import re

HYPHEN_END = re.compile(r"([A-Za-z]+)-$")
LEAD_WORD = re.compile(r"^([a-z]+)")


def _known(word: str, own: set[str]) -> bool:
    if word.lower() in own:
        return True
    from bot.retrieval.vocabulary import english_words, stem

    return stem(word.lower()) in english_words() and len(word) > 3


def join_hyphenated(first: str, second: str, own: set[str], own_text: str) -> str:
    """Two lines where the first ends "safe-" and the second starts "guarding": one line."""
    m, n = HYPHEN_END.search(first), LEAD_WORD.match(second)
    if not m or not n:
        return f"{first} {second}"
    a, b = m[1], n[1]
    hyphenated = f"{a}-{b}".lower()
    if hyphenated in own_text:
        return first + second  # the document writes it with a hyphen elsewhere
    if _known(a + b, own) or not _known(b, own):
        # "safe-guarding" is "safeguarding"; "heat-ers" splits a word ("ers" is none)
        return first[:-1] + second
    return first + second  # "well-being": two words joined by a real hyphen
