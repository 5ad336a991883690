"""Turn a policy's text lines into a Document with the policy's own clause ids.

School policies arrive as exported text with real-world damage, so the parser is deliberately
forgiving:

- the metadata block and the contents table before the first section are read as metadata, never
  as clauses (contents rows carry a tab and a page number);
- a line that starts in lower case continues the previous clause (a page break split it);
- an unnumbered paragraph after a clause belongs to that clause;
- `**bold**` markup is removed; a leading "- " bullet marker is an export artefact;
- roman-numbered clauses ("vi."), lettered sub-items ("a." or "a)") and short roman sub-headings
  followed by lettered items ("i. Cyberbullying" then "a. …") become "9.i.a";
- decimal ids ("3.2 Staff must…") are kept as written.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable

from bot.corpus.model import Clause, Document

ROMAN = r"(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3})"
SECTION_RE = re.compile(r"^(?P<num>\d{1,2})\.?\s+(?P<title>[A-Z][^\t]{0,100})$")
DECIMAL_RE = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2})+)\.?\s+(?P<rest>\S.*)$")
NUMBERED_ITEM_RE = re.compile(r"^(?P<num>\d{1,2})[.)]\s+(?P<rest>\S.*)$")
ROMAN_RE = re.compile(rf"^(?P<num>{ROMAN})\.\s+(?P<rest>\S.*)$")
LETTER_RE = re.compile(r"^(?P<marker>\(?(?P<letter>[a-z])[.)])\s+(?P<rest>\S.*)$")
BULLET_RE = re.compile(r"^(?:[-*•●▪◦–]\s+)")
BOLD_RE = re.compile(r"(\*\*|__)(?P<t>.+?)\1")
PAGE_FOOTER_RE = re.compile(r"^(?:page\s+)?\d{1,3}(?:\s+of\s+\d{1,3})?$", re.I)
SCHOOL_RE = re.compile(
    r"\b((?:[A-Z][\w'’-]+ )(?:(?:[A-Z][\w'’-]+|and|of|the|&) ){0,6}(?:School|Academy|College))\b"
)
MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})

META_KEYS = {
    "policy title": "title",
    "title": "title",
    "approval date": "approval_date",
    "date approved": "approval_date",
    "review frequency": "review_frequency",
    "date of next review": "next_review",
    "next review": "next_review",
    "next review date": "next_review",
    "review date": "next_review",
    "school": "school",
}


def strip_markup(text: str) -> str:
    return BOLD_RE.sub(lambda m: m.group("t"), text)


def _clean(line: str) -> str:
    line = line.replace("\u00a0", " ").rstrip()
    return strip_markup(BULLET_RE.sub("", line.strip()))


def _is_heading_text(text: str, max_words: int = 12) -> bool:
    return (
        len(text.split()) <= max_words
        and not text.rstrip().endswith((".", ",", ";", ":"))
        and text[:1].isupper()
    )


def parse_review_date(value: str) -> dt.date | None:
    """'September 2026' → 2026-09-30; also 30/09/2026, 2026-09-30, 09/2026."""
    v = value.strip().lower().replace(",", " ")
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", v)
    if m:
        return _safe_date(int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2,4})", v)
    if m:
        year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
        return _safe_date(year, int(m[2]), int(m[1]))
    m = re.fullmatch(r"(\d{1,2})/(\d{4})", v)
    if m:
        return _month_end(int(m[2]), int(m[1]))
    m = re.fullmatch(r"(?:(\d{1,2})(?:st|nd|rd|th)?\s+)?([a-z]+)\s+(\d{4})", v)
    if m and m[2] in MONTHS:
        if m[1]:
            return _safe_date(int(m[3]), MONTHS[m[2]], int(m[1]))
        return _month_end(int(m[3]), MONTHS[m[2]])
    return None


def _safe_date(y: int, mth: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, mth, d)
    except ValueError:
        return None


def _month_end(y: int, mth: int) -> dt.date | None:
    if not 1 <= mth <= 12:
        return None
    return dt.date(y, mth, calendar.monthrange(y, mth)[1])


class _Builder:
    def __init__(self, wrapped: bool) -> None:
        self.wrapped = wrapped  # PDF text: every visual line is wrapped, join with spaces
        self.clauses: list[Clause] = []
        self.by_id: dict[str, Clause] = {}
        self.section = ""
        self.section_title = ""
        self.current: Clause | None = None  # where continuation text goes
        self.parent: Clause | None = None  # holder of lettered sub-items
        self.last_letter = ""
        self.paragraph_index = 0  # fallback numbering for un-numbered paragraphs
        self.auto = False  # the current clause was numbered by us, not by the policy

    def start_section(self, num: str, title: str) -> None:
        self.section, self.section_title = num, title.strip()
        self.current = self.parent = None
        self.last_letter = ""
        self.paragraph_index = 0
        self.auto = False

    def add(
        self, clause_id: str, text: str, heading: str = "", parent: Clause | None = None
    ) -> Clause:
        base, n = clause_id, 2
        while clause_id in self.by_id:  # a repeated id in a damaged export keeps both clauses
            clause_id, n = f"{base}-{n}", n + 1
        clause = Clause(
            id=clause_id,
            section=self.section,
            section_title=self.section_title,
            text=text,
            heading=heading,
            parent=parent.id if parent else None,
        )
        if parent is not None:
            parent.children.append(clause.id)
        self.clauses.append(clause)
        self.by_id[clause.id] = clause
        self.current = clause
        return clause

    def numbered(self, clause_id: str, text: str, heading: str = "") -> Clause:
        self.auto = False
        self.parent = None
        self.last_letter = ""
        return self.add(clause_id, text, heading)

    def continue_text(self, text: str, new_paragraph: bool) -> None:
        if self.current is None or (self.auto and new_paragraph and not self.wrapped):
            # A policy without its own numbering (common in Word files): each paragraph of a
            # section becomes a clause "section.n".
            self.paragraph_index += 1
            prefix = f"{self.section}." if self.section else ""
            self.add(f"{prefix}{self.paragraph_index}", text)
            self.auto = True
            return
        sep = "\n" if new_paragraph and not self.wrapped else " "
        if self.current.text:
            self.current.text += sep + text
        else:
            self.current.text = text

    def finish(self) -> list[Clause]:
        for c in self.clauses:
            c.text = c.text.strip()
        for c in self.clauses:
            parts = [c.text] if c.text else []
            parts += [f"{self.by_id[k].marker} {self.by_id[k].text}".strip() for k in c.children]
            c.full_text = "\n".join(parts)
        return self.clauses


def _next_content(lines: list[str], i: int) -> str:
    for j in range(i + 1, len(lines)):
        if lines[j].strip():
            return _clean(lines[j])
    return ""


def parse_lines(lines: Iterable[str], source: str, *, wrapped: bool = False) -> Document:
    raw = [ln.replace("\r", "") for ln in lines]
    meta: dict[str, str] = {}
    control: dict[str, str] = {}
    contacts: list[str] = []
    first_line = ""
    b = _Builder(wrapped)
    in_body = False
    in_contents = False
    in_questions = False
    i = -1
    for i, original in enumerate(raw):
        if not original.strip():
            continue
        line = _clean(original)
        if not line or PAGE_FOOTER_RE.match(line):
            continue
        sec = SECTION_RE.match(line) if "\t" not in original else None
        if sec and _is_heading_text(sec["title"]) and not (in_contents and "\t" in original):
            b.start_section(sec["num"], sec["title"])
            in_body, in_contents, in_questions = True, False, False
            continue
        if not in_body:
            # Metadata, contact lines and the contents table: never clauses.
            first_line = first_line or line
            low = line.lower()
            if low.rstrip(":") in {"contents", "table of contents"}:
                in_contents = True
                continue
            if "\t" in original:
                key, _, value = (p.strip() for p in original.strip().partition("\t"))
                field = META_KEYS.get(_clean(key).lower())
                value = value.split("\t")[0].strip()
                if field and value and field not in meta:
                    meta[field] = value
                if value and not in_contents and _clean(key):
                    control.setdefault(_clean(key), _clean(value))
                continue
            if "questions about" in low:
                in_questions = True
                continue
            if in_questions and BULLET_RE.match(original.strip()):
                contacts.append(line)
            elif line.startswith("#"):
                meta.setdefault("title", line.lstrip("#").strip())
            continue

        dec = DECIMAL_RE.match(line)
        letter = LETTER_RE.match(line)
        roman = ROMAN_RE.match(line)
        expected = chr(ord(b.last_letter) + 1) if b.last_letter else "a"
        if (
            letter
            and (letter["letter"] == expected or letter["letter"] == "a")
            and (letter["letter"] == "a" or b.parent is not None)
            and not (roman and letter["letter"] != expected)
        ):
            holder = b.parent or b.current
            if holder is None:
                b.add(f"{b.section}.{letter['letter']}", letter["rest"])
            else:
                b.parent = holder
                item = b.add(
                    f"{holder.id}.{letter['letter']}", letter["rest"], holder.heading, holder
                )
                item.marker = letter["marker"]
            b.last_letter = letter["letter"]
        elif roman:
            rest = roman["rest"]
            next_line = _next_content(raw, i)
            next_letter = LETTER_RE.match(next_line)
            is_heading = _is_heading_text(rest, 5) and bool(
                next_letter and next_letter["letter"] == "a"
            )
            clause = b.numbered(
                f"{b.section}.{roman['num']}",
                "" if is_heading else rest,
                rest if is_heading else "",
            )
            if is_heading:
                b.parent = clause
        elif dec:
            b.numbered(dec["num"], dec["rest"])
        elif item := NUMBERED_ITEM_RE.match(line):
            b.numbered(f"{b.section}.{item['num']}" if b.section else item["num"], item["rest"])
        else:
            starts_lower = line[:1].islower()
            b.continue_text(line, new_paragraph=not starts_lower)

    clauses = b.finish()
    title = meta.get("title") or first_line or source
    body_text = "\n".join(c.text for c in clauses)
    school = meta.get("school", "")
    if not school:
        m = SCHOOL_RE.search(body_text)
        school = m.group(1) if m else ""
    next_review = meta.get("next_review", "")
    return Document(
        title=strip_markup(title).strip(),
        source=source,
        clauses=[c for c in clauses if c.text or c.children],
        school=school,
        approval_date=meta.get("approval_date", ""),
        review_frequency=meta.get("review_frequency", ""),
        next_review=next_review,
        next_review_date=parse_review_date(next_review) if next_review else None,
        contacts=contacts,
        control=control,
    )
