"""A policy's own title, never a generic section heading.

Staff see the title in every citation ("Educational Visits Policy — Risk assessments"), so a
heading such as "Policy statement" or "Introduction" that many policies share cannot be one: it
would make two documents indistinguishable. When nothing better is found, the file name is used.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from bot.corpus.labels import clean, split_number

GENERIC = {
    "policy",
    "policy statement",
    "statement",
    "introduction",
    "intro",
    "definitions",
    "procedure",
    "procedures",
    "purpose",
    "aims",
    "aim",
    "scope",
    "overview",
    "background",
    "contents",
    "table of contents",
    "rationale",
    "document control",
    "version control",
    "summary",
    "key contacts",
    "contacts",
}
_SPACE = re.compile(r"\s+")


# What editors leave in a file's title property: "Microsoft Word - policy.docx", "Document1".
_JUNK = re.compile(
    r"^(?:microsoft word\b|document\s*\d*$|untitled|template\b)|\.(?:docx?|pdf|odt)$"
)


def is_generic(title: str) -> bool:
    t = _SPACE.sub(" ", split_number(title)[1].lower()).strip(" :.-")
    return not t or t in GENERIC or len(t) > 120 or bool(_JUNK.search(t))


def tidy(title: str) -> str:
    return _SPACE.sub(" ", clean(title.replace("\t", " "))).strip()


def from_file_name(source: str) -> str:
    """ "policies/educational-visits_policy.docx" → "Educational Visits Policy"."""
    stem = PurePosixPath(source).stem
    words = re.split(r"[-_\s]+", stem)
    return " ".join(w[:1].upper() + w[1:] for w in words if w) or source


def choose_title(candidates: list[str], source: str) -> str:
    for c in candidates:
        t = tidy(c or "")
        if t and not is_generic(t):
            return t
    return from_file_name(source)
