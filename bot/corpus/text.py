"""Plain text (and text recovered from PDFs) → blocks.

School policies arrive as exported text with real-world damage, so this reader is forgiving:

- the first line is the title; the metadata block and contents table before the first section
  are metadata, never clauses (rows carry a tab; contents rows end in a page number);
- "1. Section" lines are numbered headings; a short line standing alone between blank lines, with
  no closing punctuation, is an unnumbered heading;
- lines hard-wrapped inside a paragraph are joined back into it; a line that starts in lower
  case continues the paragraph before (a page break split it);
- `**bold**` markup is removed; "- " and "•" bullets mark list items.

A .txt file is first put back into paragraphs (`plain_paragraphs`), as a person reading it sees
them, whatever made the file:

- Word's "Save as Plain Text" writes a tab after a list number or bullet ("1.1<tab>", "o<tab>",
  "§<tab>" for a Wingdings square): that tab is spacing, not a table cell;
- a file with one paragraph per line (no wrap) keeps each line a paragraph; a hard-wrapped file
  (Notepad, text copied from a PDF) joins a line to the one before when that line was full (the
  next word would not have fitted), when it starts in lower case, or when it is indented under a
  list item; a word hyphenated at a line end is rejoined;
- page furniture copied from a PDF goes: "Page 3 of 8" lines, lines that carry a page number
  among other parts, the running header repeated next to them, contents lines with dot leaders;
- a heading underlined with ===== or ----- is a heading; "Section 3: Roles" and "Appendix 1"
  lines are numbered headings;
- blank form lines and signature blocks ("Signed: ______ Chair of Governors") are not text;
- an e-mail pasted into the file loses its headers, covering note and sign-off.
"""

from __future__ import annotations

import re

from bot.corpus.blocks import Block, Read
from bot.corpus.dates import (
    is_control_label,
    leading_date,
    meta_field,
    meta_in,
    meta_line,
    meta_pairs,
    split_label,
)
from bot.corpus.hyphens import join_hyphenated  # the PDF reader's rule too
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
# "Section 3: Roles and responsibilities", "SECTION 1 - PURPOSE", "Appendix 2 – Forms"
WORD_SECTION_RE = re.compile(
    r"^(?:section|part|appendix|annex|annexe|schedule)\s+(?:\d{1,2}|[A-Z]|[IVX]{1,4})\b"
    r"(?:\s*[:.\-–—]\s*|\s+|$)(?P<title>.{0,100})$",
    re.IGNORECASE,
)
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
        if (word_sec := WORD_SECTION_RE.match(line)) and "\t" not in original:
            rest = word_sec["title"]
            numbered_heading = not rest or is_heading_text(rest[:1].upper() + rest[1:])
        standalone = (
            prev_blank
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
                joins=joins,
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


# --- a .txt file as it reaches the shared drive → one line per paragraph ---------------------

# "1.1<tab>At Meadowbank…", "o<tab>physical…": Word's plain-text export of a numbered or bulleted
# paragraph. Wingdings and Courier bullets come out as "§", "Ø", "ü", "v" and "o".
_TAB_LABEL_RE = re.compile(
    r"^(?P<lead>[ \t]*)(?P<label>\d{1,2}(?:\.\d{1,2})*[.)]?|\(?[A-Za-z][.)]|\(?[ivx]{1,4}[.)]"
    r"|[-*•●▪◦–·○■□➢✓§ØüvoŸ])\t+(?=\S)"
)
_WORD_BULLET_RE = re.compile(r"^(?P<lead>[ \t]*)(?:[§ØüŸ][ \t]+|o(?:\t|[ ]{2,}))(?=\S)")
_GLYPHS = set("-*•●▪◦–·○■□➢✓§ØüvoŸ")
_PAGE_PART_RE = re.compile(
    r"^(?:page\s+\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?|\d{1,3}\s+of\s+\d{1,3}|[-–—]\s*\d{1,3}\s*[-–—])$",
    re.IGNORECASE,
)
_PARTS_RE = re.compile(r"\s{2,}|\t|\s+[|·•]\s+|\s+[-–—]\s+")
_LEADER_RE = re.compile(r"(?:\.{4,}|…{2,}|(?:\. ){3,})\s*\d{1,3}\s*$")
_DIGITS_RE = re.compile(r"\d+")
_RULE_RE = re.compile(r"^\s*([=\-~*_#])\1{2,}\s*$")
_BLANKS_RE = re.compile(r"_{4,}|\.{8,}")
_MAIL_HEADER_RE = re.compile(
    r"^(?:from|sent|to|cc|bcc|date|subject|importance|attachments?)\s*:", re.IGNORECASE
)
_SUBJECT_RE = re.compile(r"^subject\s*:\s*(?:(?:re|fw|fwd)\s*:\s*)*(?P<s>.*)$", re.IGNORECASE)
_SIGN_OFF_RE = re.compile(
    r"^(?:(?:kind|best|warm|many)\s+(?:regards|wishes|thanks)|regards|thanks|thank\s+you"
    r"|yours\s+(?:sincerely|faithfully)|best)\s*[,.!]?$|^sent\s+from\s+my\s+\w+",
    re.IGNORECASE,
)
_GREETING_RE = re.compile(r"^(?:dear|hi|hello|good\s+(?:morning|afternoon))\b", re.IGNORECASE)
_UNWRAPPED = 10**6
_SIGNED_RE = re.compile(
    r"^(?P<key>(?:signed|signature)(?:\s+(?:by|of|on\s+behalf\s+of)\b[^:]{0,40})?)\s*:\s*"
    r"(?P<value>\S.{0,100})$",
    re.IGNORECASE,
)
_FORWARDED_RE = re.compile(r"^[-\s]*(?:forwarded message|original message)[-\s]*$", re.I)
_HYPHEN_END_RE = re.compile(r"[A-Za-z]-$")
_WORD_RE = re.compile(r"[A-Za-z]+")


def _unlabel_tab(line: str) -> str:
    """ "1.1<tab>Text" → "1.1 Text"; "o<tab>Text" or "§ Text" → "• Text"."""
    m = _TAB_LABEL_RE.match(line)
    if m and "\t" not in line[m.end() :]:
        label = "•" if m["label"] in _GLYPHS else m["label"]
        return f"{m['lead']}{label} {line[m.end() :]}"
    m = _WORD_BULLET_RE.match(line)
    if m:
        return f"{m['lead']}• {line[m.end() :]}"
    return line


def _unlabel_lists(lines: list[str]) -> list[str]:
    """Word's tab after each number or bullet taken out, except in a table: a run of tabbed
    lines where some row does not start with a label ("Year<tab>Minutes" / "1<tab>10 minutes")."""
    out = list(lines)
    run: list[int] = []
    for i, ln in enumerate([*lines, ""]):
        if "\t" in ln.strip():
            run.append(i)
            continue
        table = any(  # (a control block's "Approved by:<tab>…" rows are no table)
            not _TAB_LABEL_RE.match(lines[k])
            and not is_control_label(lines[k].strip().split("\t")[0])
            for k in run
        )
        for k in run:  # (a numbered paragraph beside a table is still a paragraph)
            if not table or len(lines[k].split()) > 8:
                out[k] = _unlabel_tab(lines[k])
        run = []
        if i < len(lines):
            out[i] = _unlabel_tab(ln)  # "§ Text", "o  Text": a bullet with no tab
    return out


def _is_page_line(s: str) -> bool:
    """ "Page 3 of 8", "- 4 -", "Greenhill Primary School    Lockdown Procedure    Page 2"."""
    if PAGE_FOOTER_RE.match(s):
        return True
    parts = [p.strip() for p in _PARTS_RE.split(s) if p.strip()]
    return len(parts) > 1 and any(_PAGE_PART_RE.match(p) for p in (parts[0], parts[-1]))


def _unmail(lines: list[str]) -> list[str]:
    """An e-mail pasted into the file: the policy without the mail headers, covering note and
    sign-off."""
    filled = [i for i, ln in enumerate(lines) if ln.strip()]
    while filled and _FORWARDED_RE.match(lines[filled[0]].strip()):
        filled.pop(0)  # "---------- Forwarded message ---------" above the headers
    if not filled or not re.match(r"^from\s*:", lines[filled[0]].strip(), re.IGNORECASE):
        return lines
    head = filled[0]
    end = head
    subject = ""
    while end < len(lines) and _MAIL_HEADER_RE.match(lines[end].strip()):
        if m := _SUBJECT_RE.match(lines[end].strip()):
            subject = m["s"]
        end += 1
    if not subject:
        return lines
    body = lines[end:]
    core = re.split(r"\s+[-–—:]\s+|:\s+", subject, maxsplit=1)[0].strip().lower()
    start = next(
        (
            i
            for i, ln in enumerate(body)
            if core and len(core.split()) >= 2 and ln.strip().lower() == core
        ),
        0,
    )
    if not start:  # no line repeats the subject: the covering note ends with the sender's name
        filled = [i for i, ln in enumerate(body) if ln.strip()][:15]
        if filled and _GREETING_RE.match(body[filled[0]].strip()):
            start = filled[0] + 1
            for i in filled[1:-1]:
                s = body[i].strip()
                short = len(s.split()) <= 3 and not s.endswith((".", ":", ";", "!", "?"))
                if _SIGN_OFF_RE.match(s) or (short and not body[i - 1].strip()):
                    # "Thanks" / "Karen": the block that ends at the next blank line
                    start = next((k for k in range(i, len(body)) if not body[k].strip()), i + 1)
                    break
    body = body[start:]
    tail = [i for i, ln in enumerate(body) if ln.strip()][-8:]
    stop = next((i for i in tail if _SIGN_OFF_RE.match(body[i].strip())), len(body))
    return body[:stop]


def _furniture(lines: list[str]) -> tuple[set[int], dict[str, str]]:
    """Lines of page furniture copied from a PDF, and the dates they give."""
    page = {i for i, ln in enumerate(lines) if ln.strip() and _is_page_line(ln.strip())}
    dates: dict[str, str] = {}
    for i in page:
        for name, value in meta_in(lines[i].strip()):
            dates.setdefault(name, value)
    if not page:
        return page, dates
    filled = [i for i, ln in enumerate(lines) if ln.strip()]
    counts: dict[str, int] = {}
    for i in filled:
        key = _DIGITS_RE.sub("#", lines[i].strip())
        counts[key] = counts.get(key, 0) + 1
    headers: set[str] = set()
    for n, i in enumerate(filled):
        if i not in page:
            continue
        for j in (n - 1, n + 1):  # the running header printed beside the page number
            if 0 <= j < len(filled) and filled[j] not in page:
                s = lines[filled[j]].strip()
                key = _DIGITS_RE.sub("#", s)
                if counts[key] >= 2 and not starts_item(s):
                    headers.add(key)
    out = set(page)
    for n, i in enumerate(filled):
        if n >= 3 and _DIGITS_RE.sub("#", lines[i].strip()) in headers:
            out.add(i)  # (the first lines may be the title the header repeats)
        for name, value in meta_in(lines[i].strip()) if i in out and i not in page else ():
            dates.setdefault(name, value)
    return out, dates


def _is_form_line(s: str) -> bool:
    """ "Signed: ________ Chair of Governors   Date: ______": a line left blank to fill in."""
    if not _BLANKS_RE.search(s) or _LEADER_RE.search(s):
        return False
    return len(_BLANKS_RE.sub(" ", s).split()) <= 8


def _is_table_row(original: str) -> bool:
    """Cells split by tabs; a paragraph indented with a tab is not a row."""
    body = original.strip(" ")
    return "\t" in body.lstrip("\t") or (body.startswith("\t") and body.count("\t") > 1)


def _row_like(s: str, original: str) -> bool:
    """A line that is never part of a paragraph: a table row or a labelled detail."""
    pair = KEY_VALUE_RE.match(s)
    return (
        _is_table_row(original)
        or bool(pair and is_control_label(pair["key"]))
        or _is_dates(s)
        or bool(SCHOOL_NAME_RE.match(s))
    )


def plain_paragraphs(raw_lines: list[str]) -> tuple[list[str], dict[str, str]]:
    """A text file's lines → one line per paragraph with blank lines between paragraphs (table
    rows and labelled details stay on their own lines), and dates from running headers."""
    lines = [
        ln.replace("\r", "").replace("\ufeff", "").replace("\u00a0", " ").rstrip(" ")
        for ln in raw_lines
    ]
    lines = _unlabel_lists(lines)
    lines = _unmail(lines)
    furniture, dates = _furniture(lines)
    kept: list[tuple[str, bool]] = []  # (line, underlined heading)
    for i, ln in enumerate(lines):
        s = ln.strip()
        if i in furniture or (s and (_LEADER_RE.search(s) or _is_form_line(s))):
            continue
        if s and _RULE_RE.match(s):
            above = kept[-1][0].strip() if kept else ""
            alone = len(kept) < 2 or not kept[-2][0].strip()
            if above and alone and not kept[-1][1] and is_heading_text(above):
                kept[-1] = (kept[-1][0], True)  # the line above is underlined: a heading
            else:
                kept.append(("", False))  # a rule between parts
            continue
        kept.append((ln, False))
    prose = [ln.rstrip() for ln, _ in kept if ln.strip() and not _is_table_row(ln)]
    width = max((len(ln) for ln in prose), default=0)
    long = [ln for ln in prose if len(ln) >= 60]
    if sum(not ln.endswith((".", "!", "?", ":", ";")) for ln in long) < 0.3 * len(long):
        width = _UNWRAPPED  # most lines end a sentence: one paragraph per line, never wrapped
    own_text = " ".join(prose).lower()
    own = {w.lower() for w in _WORD_RE.findall(own_text)}

    out: list[str] = []
    para: list[str] = []  # the paragraph being gathered, as [text, last physical line]
    indent = item_col = 0
    row = False  # the last line written was a row or a labelled detail

    def flush() -> None:
        if para:
            if out and out[-1]:
                out.append("")
            out.append(para[0])
            para.clear()

    for ln, underlined in kept:
        s = ln.strip()
        if not s:
            flush()
            if out and out[-1]:
                out.append("")
            row = False
            continue
        if underlined:
            flush()
            row = False
            out.extend(["", s, ""] if out and out[-1] else [s, ""])
            continue
        signed = _SIGNED_RE.match(s)  # "Signed: J Patel (Chair of Governors)": a detail
        if signed or _row_like(clean(s), ln):
            flush()
            if out and out[-1] and not row:
                out.append("")  # (a paragraph before it ends there)
            if signed:
                out.append(f"{signed['key'].strip()}\t{signed['value'].strip()}")
            else:
                out.append(ln.strip(" ") if _is_table_row(ln) else s)
            row = True
            continue
        row = False
        lead = len(ln) - len(ln.lstrip())
        if para and _continues(para[0], para[1], ln, lead, indent, item_col, width):
            if _HYPHEN_END_RE.search(para[0]) and s[:1].islower():
                para[0] = join_hyphenated(para[0], s, own, own_text)
            else:
                para[0] = f"{para[0]} {s}"
            para[1] = ln
            continue
        flush()
        para.extend([s, ln])
        indent = lead
        item = starts_item(s)
        item_col = lead + len(s.split()[0]) + 1 if item else 0
    flush()
    return out, dates


def _continues(
    para: str, prev: str, line: str, lead: int, indent: int, item_col: int, width: int
) -> bool:
    """Whether `line` goes on with paragraph `para`, whose last physical line is `prev`."""
    s, p = line.strip(), prev.strip()
    heading = (WORD_SECTION_RE.match(s) or SECTION_RE.match(clean(s))) and is_heading_text(s)
    if starts_item(s) or heading:
        return False
    if s[:1].islower():
        return not p.endswith((":", ";"))
    if item_col and lead >= item_col - 1 and lead > indent:
        return True  # under a list item's hanging indent
    full = len(prev.rstrip()) + 1 + len(s.split()[0]) > width  # the next word did not fit
    if p.endswith((".", "!", "?", ":", ";")):
        # a new paragraph or heading after the last sentence, unless that sentence filled the line
        return full and not (is_heading_text(s, 8) and len(s) < width / 2)
    if full or width >= _UNWRAPPED:
        return full
    # A hard-wrapped file (text copied from a PDF breaks lines short of the width too): a line
    # ending mid-sentence goes on, unless it was a heading or a list item of its own.
    return not (para == p and is_heading_text(p, 8)) and not item_col
