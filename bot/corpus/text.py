"""Plain text (and text recovered from PDFs) → blocks.

School policies arrive as exported text with real-world damage, so this reader is forgiving:

- the first line is the title; the metadata block and contents table before the first section
  are metadata, never clauses (rows carry a tab; contents rows end in a page number);
- "1. Section" lines are numbered headings; a short line standing alone between blank lines, with
  no closing punctuation, is an unnumbered heading, unless the layout says it is an entry of the
  list before it or the start of a sentence (paragraphs.py marks those);
- lines hard-wrapped inside a paragraph are joined back into it; a line that starts in lower
  case continues the paragraph before (a page break split it);
- `**bold**` markup is removed; "- " and "•" bullets mark list items.

A .txt file is first put back into paragraphs by paragraphs.py, as a person reading it sees
them, whatever made it (Word's export, text copied from a PDF, Notepad, a pasted e-mail).
"""

from __future__ import annotations

import re

from bot.corpus.blocks import Block, Read
from bot.corpus.dates import (
    is_control_label,
    leading_date,
    meta_field,
    split_label,
)
from bot.corpus.labels import (
    BULLET_RE,
    DECIMAL_RE,
    PAGE_FOOTER_RE,
    SECTION_RE,
    clean,
    is_heading_text,
)
from bot.corpus.paragraphs import (
    KEY_VALUE_RE,
    LIST_ENTRY,
    NOT_HEADING,
    ROW_MARKS,
    SCHOOL_NAME_RE,
    WORD_SECTION_RE,
    is_dates,
    plain_paragraphs,
    starts_item,
)


def _next_line(raw: list[str], i: int) -> str:
    return next((ln for ln in raw[i + 1 :] if ln.strip()), "")


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
        if original[:1] in ROW_MARKS:  # a row of a text table
            head = ROW_MARKS[original[:1]]
            cells = tuple(c.strip() for c in original[1:].split("\t"))
            if in_body or not in_contents:
                read.blocks.append(Block("row", cells=cells, head=head))
            prev_blank = False
            continue
        entry = original[:1] == LIST_ENTRY
        never_heading = entry or original[:1] == NOT_HEADING
        if never_heading:
            original = original[1:]
        line = clean(original)
        if not line or PAGE_FOOTER_RE.match(line):
            continue
        next_blank = i + 1 >= len(raw) or not raw[i + 1].strip()
        sec = SECTION_RE.match(line) if "\t" not in original else None
        numbered_heading = bool(sec and is_heading_text(sec["title"]))
        if (word_sec := WORD_SECTION_RE.match(line)) and "\t" not in original:
            rest = word_sec["title"]
            numbered_heading = not rest or is_heading_text(rest[:1].upper() + rest[1:])
        standalone = (
            not never_heading
            and prev_blank
            and next_blank
            and "\t" not in original
            and not starts_item(original)
            and is_heading_text(line, 8)
        )
        was_blank, prev_blank = prev_blank, False
        pair = KEY_VALUE_RE.match(line)
        if not title_line and not in_body and pair and _names_policy(pair["key"]):
            # "Policy: Anti-Bullying Policy" at the top of a control block: the title
            read.meta.setdefault("title", pair["value"].strip())
            read.blocks.append(Block("row", cells=(pair["key"], pair["value"])))
            continue
        if not title_line and not in_body and pair and is_control_label(pair["key"]):
            read.blocks.append(Block("row", cells=(pair["key"], pair["value"])))
            continue  # "Approved by: …" above the title is a control row, not the title
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
        if not starts_item(original) and "\t" not in original and is_dates(line):
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
        if in_body and "\t" in original and not starts_item(original):
            read.blocks.append(Block("row", cells=tuple(c.strip() for c in original.split("\t"))))
            continue  # a table in the body: read row by row
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
                joins=joins and not entry,
                item=entry,
            )
        )
    _dated(read)
    return read


def _names_policy(key: str) -> bool:
    k = key.strip().lower()
    return k in {"policy", "document", "policy document"} or meta_field(key) == "title"


_BARE_DATE_KEYS = {"date", "dated", "issue date", "date issued", "date of issue", "policy date"}


def _dated(read: Read) -> None:
    """A control block that gives only "Date: 14 October 2024" (with "Review: …") dates the
    policy itself: the date it was approved and issued."""
    if "approval_date" in read.meta:
        return
    rows = [b.cells for b in read.blocks if b.kind == "row" and len(b.cells) >= 2]
    if any(meta_field(c[0]) == "approval_date" and leading_date(c[1]) for c in rows):
        return
    for cells in rows:
        if cells[0].strip().rstrip(":").lower() in _BARE_DATE_KEYS:
            date = leading_date(cells[1])
            if date:
                read.meta["approval_date"] = date
                return


def read_text(text: str) -> Read:
    lines, fallback = plain_paragraphs(text.splitlines())
    read = read_lines(lines)
    for name, value in fallback.items():
        read.fallback.setdefault(name, value)
    if read.titles and "title" not in read.meta and (spelled := _spelled(read.titles[0], text)):
        read.titles.insert(0, spelled)
    return read


def _spelled(title: str, text: str) -> str | None:
    """A title printed in capitals ("HOMEWORK POLICY"), as the policy itself writes it in running
    text ("…the Homework Policy…"); None when it never does."""
    if not title.isupper() or not title.split():
        return None
    words = r"\s+".join(re.escape(w) for w in title.split())
    for m in re.finditer(rf"(?<![\w-]){words}(?![\w-])", text, re.IGNORECASE):
        if not m.group(0).isupper():
            return " ".join(m.group(0).split())
    return None
