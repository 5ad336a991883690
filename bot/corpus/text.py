"""Plain text (and text recovered from PDFs) → blocks.

School policies arrive as exported text with real-world damage, so this reader is forgiving:

- the first line is the title; the metadata block and contents table before the first section
  are metadata, never clauses (rows carry a tab; contents rows end in a page number);
- "1. Section" lines are numbered headings; a short line standing alone between blank lines, with
  no closing punctuation, is an unnumbered heading;
- lines hard-wrapped inside a paragraph are joined back into it; a line that starts in lower
  case continues the paragraph before (a page break split it);
- `**bold**` markup is removed; "- " and "•" bullets mark list items.
"""

from __future__ import annotations

import re

from bot.corpus.blocks import Block, Read
from bot.corpus.dates import is_control_label, meta_line, meta_pairs, split_label
from bot.corpus.labels import (
    BULLET_RE,
    DECIMAL_RE,
    LETTER_RE,
    NUMBERED_ITEM_RE,
    PAGE_FOOTER_RE,
    PAREN_ROMAN_RE,
    ROMAN_RE,
    SECTION_RE,
    UPPER_RE,
    clean,
    is_heading_text,
)

SCHOOL_NAME_RE = re.compile(
    r"^[A-Z][\w'’ &-]{2,80}\b(?:school|academy|college|federation)$", re.IGNORECASE
)
KEY_VALUE_RE = re.compile(r"^(?P<key>[A-Z][\w ,'’()/-]{1,50}):\s+(?P<value>\S.{0,100})$")
_LABELS = (DECIMAL_RE, LETTER_RE, NUMBERED_ITEM_RE, ROMAN_RE, PAREN_ROMAN_RE, UPPER_RE)


def starts_item(line: str) -> bool:
    s = line.strip()
    return bool(BULLET_RE.match(s)) or any(r.match(clean(s)) for r in _LABELS)


def _next_line(raw: list[str], i: int) -> str:
    return next((ln for ln in raw[i + 1 :] if ln.strip()), "")


def _is_dates(line: str) -> bool:
    return meta_line(line) is not None or meta_pairs(line)[1]


def _is_row(line: str) -> bool:
    s = clean(line)
    return "\t" in line or bool(KEY_VALUE_RE.match(s)) or split_label(s) is not None


def read_lines(lines: list[str]) -> Read:
    raw = [ln.replace("\r", "").replace("\u00a0", " ") for ln in lines]
    read = Read()
    in_body = in_contents = in_questions = False
    title_line = ""
    numbered_sections = False
    prev_blank = True
    for i, original in enumerate(raw):
        if not original.strip():
            prev_blank = True
            continue
        line = clean(original)
        if not line or PAGE_FOOTER_RE.match(line):
            continue
        next_blank = i + 1 >= len(raw) or not raw[i + 1].strip()
        sec = SECTION_RE.match(line) if "\t" not in original else None
        numbered_heading = bool(sec and is_heading_text(sec["title"]))
        standalone = (
            prev_blank
            and next_blank
            and "\t" not in original
            and not starts_item(original)
            and is_heading_text(line, 8)
        )
        was_blank, prev_blank = prev_blank, False
        if not title_line and not in_body and not (numbered_heading or starts_item(original)):
            if SCHOOL_NAME_RE.match(line):  # "KINGSWAY PRIMARY SCHOOL" above the title
                if not line.isupper():  # a name in capitals is left for the body to spell
                    read.meta.setdefault("school", line)
                continue
            title_line = line
            read.titles.append(line)
            continue
        dec = DECIMAL_RE.match(line)
        sub_heading = bool(
            dec
            and prev_blank
            and next_blank
            and "\t" not in original
            and is_heading_text(dec["rest"], 8)
        )
        if not starts_item(original) and "\t" not in original and _is_dates(line):
            # "Adopted October 2019   Review date October 2020": about the policy (the builder
            # reads it), never a heading or a row of cells
            read.blocks.append(Block("para", line))
            continue
        if numbered_heading or sub_heading or (standalone and not in_contents and in_body):
            if sub_heading and dec:
                level = dec["num"].count(".") + 1
            elif numbered_heading:
                level, numbered_sections = 1, True
            else:  # in a policy with numbered sections, a plain heading is a sub-heading
                level = 2 if numbered_sections else 1
            read.blocks.append(Block("heading", line, level=level))
            in_body, in_contents, in_questions = True, False, False
            continue
        if not in_body:
            low = line.lower()
            if low.rstrip(":") in {"contents", "table of contents"}:
                in_contents = True
                continue
            if "\t" in original:
                cells = tuple(c.strip() for c in original.strip().split("\t"))
                if not in_contents:
                    read.blocks.append(Block("row", cells=cells))
                continue
            if "questions about" in low:
                in_questions = True
                continue
            if in_questions and BULLET_RE.match(original.strip()):
                read.contacts.append(line)
                continue
            if in_contents or in_questions:
                continue
            if SCHOOL_NAME_RE.match(line):
                read.meta.setdefault("school", line)
                continue
            pair = KEY_VALUE_RE.match(line)
            if pair and is_control_label(pair["key"]) and not starts_item(original):
                # "Approved by: Full Governing Body": the policy's details, not a rule
                read.blocks.append(Block("row", cells=(pair["key"], pair["value"])))
                continue
            if pair_cells := split_label(line):  # a control-table row that lost its cell break
                read.blocks.append(Block("row", cells=pair_cells))
                continue
            if standalone and not _is_row(_next_line(raw, i)):
                read.blocks.append(Block("heading", line, level=1))  # the first section
                in_body = True
                continue
            if standalone:
                continue  # a row of the control table whose value we cannot tell apart

            if line.startswith("#"):
                read.titles.insert(0, line.lstrip("#").strip())
                continue
            # Body text before any heading: a policy without sections.
            in_body = True
        joins = (
            not was_blank
            and not starts_item(original)
            and bool(read.blocks)
            and (read.blocks[-1].kind == "para")
        )
        read.blocks.append(
            Block(
                "para",
                original.strip(),
                bullet=bool(BULLET_RE.match(original.strip())),
                joins=joins,
            )
        )
    return read


def read_text(text: str) -> Read:
    return read_lines(text.splitlines())
