"""Approval and review dates as policies write them, read the UK way (day first).

Dates are kept as written ("September 2026") for staff to read; the review deadline is also read
as a date (the last day of a month named without a day) so overdue policies can be flagged.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
MONTHS["sept"] = 9
TERM_END = {"spring": 4, "summer": 7, "autumn": 12}

# Labels schools use, normalised (lower case, no punctuation) → Document field.
META_KEYS = {
    "policy title": "title",
    "title": "title",
    "name of policy": "title",
    "policy name": "title",
    "title of policy": "title",
    "name of the policy": "title",
    "approval date": "approval_date",
    "date approved": "approval_date",
    "approved": "approval_date",
    "approved on": "approval_date",
    "date of approval": "approval_date",
    "adopted": "approval_date",
    "date adopted": "approval_date",
    "adoption date": "approval_date",
    "ratified": "approval_date",
    "date ratified": "approval_date",
    "review frequency": "review_frequency",
    "date of next review": "next_review",
    "next review": "next_review",
    "next review date": "next_review",
    "next review due": "next_review",
    "review date": "next_review",
    "review due": "next_review",
    "to be reviewed": "next_review",
    "review_date": "next_review",
    "next_review": "next_review",
    "next_review_date": "next_review",
    "school": "school",
}
_KEY_RE = re.compile(r"[^a-z_ ]")
# "Review date: September 2026", "Date of next review - 01/09/2025"
META_LINE_RE = re.compile(
    r"^(?P<key>[A-Za-z][A-Za-z _]{2,40}?)\s*(?::|\t| [-–] )\s*(?P<value>\S.{0,80})$"
)


def meta_field(key: str, fuzzy: bool = True) -> str | None:
    """The Document field a label names ("Date of next review:" → "next_review"), or None.
    With `fuzzy`, longer labels ("Approved by the Full Governing Body") name a date field too:
    the caller then checks that the value is a date."""
    k = " ".join(_KEY_RE.sub(" ", key.lower().replace("-", " ").replace("_", " ")).split())
    exact = META_KEYS.get(k) or META_KEYS.get(k.replace(" ", "_"))
    if exact or not fuzzy or len(k.split()) > 8:
        return exact
    if "last review" in k or "reviewed on" in k:
        return None
    if (
        "next review" in k
        or "review date" in k
        or "review due" in k
        or k.startswith("review ")
        or k == "review"
    ):
        return "next_review"
    if any(w in k for w in ("approv", "adopt", "ratif")):
        return "approval_date"
    return None


def is_date_value(value: str) -> bool:
    """A date as policies write one: "01/09/2025", "September 2026", "Autumn 2027"."""
    return parse_date(value) is not None


def meta_line(text: str) -> tuple[str, str] | None:
    """("next_review", "September 2026") for a line like "Review date: September 2026"."""
    m = META_LINE_RE.match(text.strip())
    if not m:
        return None
    name = meta_field(m["key"])
    if name is None or name in {"title", "school"}:
        return None
    value = m["value"].strip()
    if name == "review_frequency":
        return name, value
    date = leading_date(value)
    if date is None or len(meta_pairs(value)[0]) > 0:  # not a date, or several labels
        return None
    return name, date


def parse_date(value: str) -> dt.date | None:
    """A date as written, day first: 01/09/2025, 1 September 2025, 2025-09-01, September 2026
    (→ the month's last day), 09/2026, Autumn 2026 (→ the term's last month)."""
    v = " ".join(value.strip().lower().replace(",", " ").replace(".", "/").split())
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ].*)?", v)
    if m:
        return _safe_date(int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"(\d{1,2})[/-](\d{1,2})[/-](\d{2}|\d{4})", v)
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
    m = re.fullmatch(r"([a-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?\s+(\d{4})", v)
    if m and m[1] in MONTHS:
        return _safe_date(int(m[3]), MONTHS[m[1]], int(m[2]))
    m = re.fullmatch(r"(autumn|spring|summer)(?: term)?(?: [12])?\s+(\d{4})", v)
    if m:  # a school term: its last month
        return _month_end(int(m[2]), TERM_END[m[1]])
    m = re.fullmatch(r"([a-z]{3,9})[ /-](\d{2})", v)
    if m and m[1] in MONTHS:  # "Sep-25", as spreadsheets write a month
        return _month_end(2000 + int(m[2]), MONTHS[m[1]])
    m = re.fullmatch(r"(\d{1,2})/(\d{2})", v)
    if m:  # "09/26": month and year (a day and month alone is no date)
        return _month_end(2000 + int(m[2]), int(m[1]))
    m = re.fullmatch(r"(\d{4})[/-](\d{2}|\d{4})", v)
    if m and int(m[2][-2:]) == (int(m[1]) + 1) % 100:
        # "2025/26", "2025-2026": a school year, which ends in August
        return _month_end(int(m[1]) + 1, 8)
    m = re.fullmatch(r"(\d{4})", v)
    if m and 1990 <= int(m[1]) <= 2100:  # "Next review: 2026": by the end of that year
        return _month_end(int(m[1]), 12)
    return None


def leading_date(value: str) -> str | None:
    """The date a value starts with, as written: "September 2025" of "September 2025 (or
    sooner if the law changes)"; None when it does not start with one."""
    words = value.split()
    for end in range(min(len(words), 5), 0, -1):
        text = " ".join(words[:end]).rstrip(".,;:)|").strip()
        if parse_date(text) is not None:
            return text
    return None


# A date label inside a line that may hold several ("Adopted October 2019   Review date October
# 2020", "Last reviewed: March 2024. Next review: March 2025.") or a sentence ("This policy was
# approved by the governing body on 5 October 2023 and will be reviewed in October 2025.").
_BY = (
    r"(?:\s+by\s+(?:the\s+)?(?:full\s+|local\s+)?(?:governing\s+(?:body|board)|governors|"
    r"trust(?:\s+board)?|trustees|headteacher|board|committee|staff))?"
)
_DATE_LABEL = re.compile(
    r"(?<![\w-])(?P<key>"
    r"(?P<last>last\s+review(?:ed)?|date\s+(?:last\s+)?reviewed|(?:was\s+)?reviewed)"
    r"|(?P<freq>review\s+(?:cycle|frequency|period))"
    r"|(?P<next>date\s+of\s+(?:the\s+)?next\s+review|next\s+(?:scheduled\s+)?review"
    r"(?:\s+date|\s+due)?|(?:policy\s+)?review\s+(?:date|due)|(?:will\s+|to\s+)be\s+reviewed"
    r"|due\s+for\s+review|review)"
    r"|(?P<approved>(?:policy\s+)?(?:date\s+)?(?:approved|adopted|ratified)"
    + _BY
    + r"|approval\s+date)"
    r")(?:\s+(?:on|in|by|is|for\s+this\s+policy\s+is))?\s*(?:[:\-–—]\s*)?",
    re.IGNORECASE,
)


def meta_pairs(text: str) -> tuple[list[tuple[str, str, str]], bool]:
    """Every labelled date in a line, as (field, value, label), and whether the line holds
    nothing else (so it is about the policy, not a rule in it). Fields: approval_date,
    next_review, review_frequency and last_reviewed."""
    found: list[tuple[str, str, str]] = []
    labels = list(_DATE_LABEL.finditer(text))
    rest = text
    for i, m in enumerate(labels):
        stop = labels[i + 1].start() if i + 1 < len(labels) else len(text)
        after = text[m.end() : stop]
        key = m["key"].strip()
        if m["freq"]:
            every = after.strip(" .,;|·–—-")
            if every and len(every.split()) <= 4:
                found.append(("review_frequency", every, key))
                rest = rest.replace(text[m.start() : stop], " ", 1)
            continue
        date = leading_date(after)
        if date is None:
            continue
        field = "last_reviewed" if m["last"] else "next_review" if m["next"] else "approval_date"
        found.append((field, date, key))
        # the label and the date as written (its words may be spaced any way)
        written = re.match(r"\s*" + r"\s+".join(map(re.escape, date.split())), after)
        end = m.end() + (written.end() if written else 0)
        rest = rest.replace(text[m.start() : end], " ", 1)
    only_meta = bool(found) and not re.sub(r"[\s.,;:|·•()–—-]+", "", rest)
    return found, only_meta


_ABOUT_POLICY = re.compile(r"\bthis policy\b|\bnext (?:scheduled )?review\b", re.IGNORECASE)


def sentence_dates(text: str) -> list[tuple[str, str]]:
    """Dates a sentence of the policy gives about the policy itself ("This policy was approved
    by the governing body on 5 October 2023 and will be reviewed in October 2025."): only
    sentences that speak of this policy or its next review, so a rule's own dates ("risk
    assessments are reviewed in September") are never taken for the policy's."""
    if not _ABOUT_POLICY.search(text):
        return []
    pairs, _ = meta_pairs(text)
    return [(f, v) for f, v, _ in pairs if f in {"approval_date", "next_review"}]


parse_review_date = parse_date


def _safe_date(y: int, mth: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, mth, d)
    except ValueError:
        return None


def _month_end(y: int, mth: int) -> dt.date | None:
    if not 1 <= mth <= 12:
        return None
    return dt.date(y, mth, calendar.monthrange(y, mth)[1])


def split_label(line: str) -> tuple[str, str] | None:
    """("Date approved", "1 September 2025") from a control-table row whose cells lost their
    separator ("Date approved 1 September 2025", as PDF text extraction gives it)."""
    words = line.split()
    for k in range(1, min(6, len(words) - 1) + 1):
        key, value = " ".join(words[:k]), " ".join(words[k:])
        if any(ch.isdigit() for ch in key):
            return None
        name = meta_field(key, fuzzy=False)
        if name is None and is_date_value(value):  # "Policy adopted by governors 23 Jan 2025"
            name = meta_field(key)
        if name and (name in {"title", "school", "review_frequency"} or is_date_value(value)):
            return key, value
    return None


_PARTS = re.compile(r"\s+[|·•–—-]\s+|\s{2,}|\t")


def meta_in(text: str) -> list[tuple[str, str]]:
    """Dates in a running header or footer ("Fire Drill Policy · Review date: 01/03/2027 ·
    Page 2"): each part of the line read as a "Label: value" line."""
    out = []
    for part in _PARTS.split(text):
        words = part.split()
        # "Review date: 01/03/2027 Page 1 of 2": the longest run of words that reads as a date
        for end in range(min(len(words), 8), 0, -1):
            if found := meta_line(" ".join(words[:end])):
                out.append(found)
                break
        else:  # "Approved: Spring 2024 Review: Spring 2026" in one part
            pairs, _ = meta_pairs(part)
            out.extend((f, v) for f, v, _ in pairs if f != "last_reviewed")
    return out


_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_FREQUENCIES = {
    "annual": 1,
    "annually": 1,
    "yearly": 1,
    "biennial": 2,
    "biennially": 2,
    "triennial": 3,
    "triennially": 3,
}


def frequency_years(frequency: str) -> int | None:
    """ "Annually" → 1, "Triennial" → 3, "Every two years" → 2; None when not in years."""
    f = frequency.strip().lower()
    if f in _FREQUENCIES:
        return _FREQUENCIES[f]
    if f in {"every year", "each year"}:
        return 1
    m = re.search(r"(?:every\s+)?(\d|one|two|three|four|five)\s+years?", f)
    if m:
        return int(m[1]) if m[1].isdigit() else _WORD_NUMBERS[m[1]]
    return None


def review_due(approved: str, frequency: str) -> dt.date | None:
    """The next review worked out from the approval date and the review frequency."""
    start, years = parse_date(approved), frequency_years(frequency)
    if start is None or years is None:
        return None
    return _month_end(start.year + years, start.month)


# Labels of a document-control table ("Approved by", "Version", "Attendance lead"): facts about
# the policy, not rules in it.
_CONTROL_WORDS = re.compile(
    r"\b(approv|adopt|ratif|review|version|author(?!it)|written|owner|status|date|publish|"
    r"committee|signed|statutory|amend|policy title|title|lead|contact|responsib)",
    re.IGNORECASE,
)


def is_control_label(key: str) -> bool:
    return bool(_CONTROL_WORDS.search(key))
