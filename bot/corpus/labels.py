"""Typed clause numbers as printed in policies: "4.", "4.2", "4.2.1", "vi.", "a)", "(a)", "(ii)", "A.".

Word's automatic numbers are computed by docx.py and written in front of the paragraph, so the
same patterns read every format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ROMAN = r"(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3})"
SECTION_RE = re.compile(
    r"^(?P<num>\d{1,2}|[IVX]{2,5}(?=\.)|[A-Z](?=\.))(?:\.\s*|\s+)(?P<title>[A-Z][^\t]{0,100})$"
)
# "2.20 General rules", and "2.20General rules" as Word's exports glue a number to its heading
# (the tab after an automatic number lost): a capital then a small letter right after the number.
DECIMAL_RE = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2})+)(?:\.?\s+|(?=[A-Z][a-z]))(?P<rest>\S.*)$")
_GLUED_RE = re.compile(r"^(\d{1,2}(?:\.\d{1,2})+)(?=[A-Z][a-z])")
NUMBERED_ITEM_RE = re.compile(r"^(?P<num>\d{1,2})[.)]\s+(?P<rest>\S.*)$")
ROMAN_RE = re.compile(rf"^(?P<num>{ROMAN})[.)]\s+(?P<rest>\S.*)$")  # "iv." or "iv)"
PAREN_ROMAN_RE = re.compile(rf"^\((?P<num>{ROMAN})\)\s+(?P<rest>\S.*)$")
LETTER_RE = re.compile(r"^(?P<marker>\(?(?P<letter>[a-z])[.)])\s+(?P<rest>\S.*)$")
# "A." / "(B)" or an upper-case roman numeral "IV." (Word's upperLetter / upperRoman lists)
UPPER_RE = re.compile(
    r"^\(?(?P<letter>[A-Z]|(?=[IVX]{2})X{0,3}(?:IX|IV|V?I{0,3}))[.)]\s+(?P<rest>\S.*)$"
)
# Bullet glyphs, including the Symbol/Wingdings private-use characters PDF exports of Word lists
# carry (U+F0B7 is Word's round bullet in the Symbol font).
BULLET_RE = re.compile(r"^(?:[-*•●▪◦–·○■□➢✓]\s+|[\uf0b7\uf0a7\uf076\uf0d8\uf0fc\uf0a8]\s*)")
BOLD_RE = re.compile(r"(\*\*|__)(?P<t>.+?)\1")
# Page numbers as word processors print them: "7", "Page 7", "7 of 12", "- 7 -", "7 | P a g e".
PAGE_FOOTER_RE = re.compile(
    r"^(?:page\s+)?[-–—]?\s*\d{1,3}(?:\s+(?:of|/)\s+\d{1,3})?\s*[-–—]?"
    r"(?:\s*\|\s*p\s?a\s?g\s?e)?$",
    re.I,
)
NUMBER_PREFIX_RE = re.compile(
    rf"^(?P<num>\d{{1,2}}(?:\.\d{{1,2}})*\.?|[A-Z]\.|[IVX]{{2,5}}\.|{ROMAN}\.|\(?[a-z]\)|\({ROMAN}\))\s+"
)


@dataclass(frozen=True)
class Labels:
    """Which typed numbering schemes a paragraph's start matches ("i." is a letter and a roman
    numeral: the clause builder decides by what came before). The one list of the schemes an
    item can be numbered in, for the plain-text reader and the clause builder alike."""

    dec: re.Match[str] | None
    letter: re.Match[str] | None
    roman: re.Match[str] | None
    paren_roman: re.Match[str] | None
    item: re.Match[str] | None
    upper: re.Match[str] | None

    @classmethod
    def of(cls, line: str) -> Labels:
        return cls(
            DECIMAL_RE.match(line),
            LETTER_RE.match(line),
            ROMAN_RE.match(line),
            PAREN_ROMAN_RE.match(line),
            NUMBERED_ITEM_RE.match(line),
            UPPER_RE.match(line),
        )

    @property
    def numbered(self) -> bool:
        """Whether the line starts with a typed number in any scheme."""
        schemes = (self.dec, self.letter, self.roman, self.paren_roman, self.item, self.upper)
        return any(m is not None for m in schemes)


# A line of a form to fill in ("Signed: ________  Date: ___", "☐ Yes ☐ No"): blanks, not rules.
_BLANK_RE = re.compile(r"_{4,}|\.{10,}|…{4,}")
_TICK_BOXES = "☐☑☒□"


def is_form_line(text: str) -> bool:
    """A line that is a form's fields: a short label before fill-in blanks, or two or more tick
    boxes. A rule that mentions a form is a sentence, not blanks."""
    if sum(text.count(c) for c in _TICK_BOXES) >= 2:
        return True
    if not _BLANK_RE.search(text):
        return False
    words = [w for w in _BLANK_RE.sub(" ", text).split() if any(ch.isalnum() for ch in w)]
    return len(words) <= 12


# Column labels of a version-history / amendments table: the document's history, not its rules.
_HISTORY_WORDS = {
    "version", "ver", "no", "number", "date", "dates", "changes", "change", "amendment",
    "amendments", "amended", "author", "by", "description", "details", "summary", "comments",
    "reason", "reviewed", "approved", "section", "page", "of", "made", "and", "revision",
    "name", "notes", "status", "who",
}  # fmt: skip
_HISTORY_KEYS = {"version", "ver", "changes", "change", "amendment", "amendments", "revision"}
_WORDS = re.compile(r"[a-z]+")


def is_history_header(cells: list[str]) -> bool:
    """ "Version | Date | Changes": the header row of a version-history table."""
    words = _WORDS.findall(" ".join(cells).lower())
    return (
        len(cells) >= 2
        and all(c and not any(ch.isdigit() for ch in c) for c in cells)
        and bool(words)
        and len(words) <= 10
        and set(words) <= _HISTORY_WORDS
        and bool(set(words) & _HISTORY_KEYS)
        and bool(set(words) & {"date", "dates"})
    )


def strip_markup(text: str) -> str:
    return BOLD_RE.sub(lambda m: m.group("t"), text)


_INVISIBLE = str.maketrans({"\u00ad": None, "\u200b": None, "\ufeff": None, "\u00a0": " "})


def clean(line: str) -> str:
    """Visible text: soft hyphens and zero-width marks gone, a leading bullet and bold removed,
    a number glued to its words ("2.20General rules") parted from them."""
    line = _GLUED_RE.sub(r"\1 ", line.translate(_INVISIBLE).strip())
    return strip_markup(BULLET_RE.sub("", line))


def is_heading_text(text: str, max_words: int = 12) -> bool:
    return (
        len(text.split()) <= max_words
        and not text.rstrip().endswith((".", ",", ";", ":"))
        and text[:1].isupper()
    )


# "Section 3: Roles and responsibilities", "PART 2 - PROCEDURES", "Appendix 1 – Forms"
WORD_NUMBER_RE = re.compile(
    r"^(?P<word>section|part|appendix|annexe?|schedule)\s+(?P<num>\d{1,2}|[A-Z]|[IVX]{1,4})\b"
    r"\s*[:.\-–—]?\s*",
    re.IGNORECASE,
)


def split_number(heading: str) -> tuple[str, str]:
    """ "4.2 Risk assessment" → ("4.2", "Risk assessment"); "Risk assessment" → ("", …);
    "Section 3: Roles" → ("3", "Roles"); "Appendix 1: Forms" → ("Appendix 1", "Forms")."""
    if w := WORD_NUMBER_RE.match(heading.strip()):
        rest = heading.strip()[w.end() :].strip() or heading.strip()
        if w["word"].lower() in {"section", "part"}:
            return w["num"], rest
        return f"{w['word'].capitalize()} {w['num']}", rest
    m = NUMBER_PREFIX_RE.match(heading.strip())
    if not m or len(heading.strip()) == len(m.group(0).strip()):
        return "", heading.strip()
    num = m["num"].strip("().")
    return num, heading.strip()[m.end() :].strip()
