"""A .txt file as it reaches the shared drive → one line per paragraph (`plain_paragraphs`), as a
person reading it sees them, whatever made the file:

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
- tables typed as text (grid, dashed "simple" and pipe tables: tables.py) become rows of cells,
  their header row marked, so no rule or pipe is ever quoted and no header is taken for a heading;
- an e-mail pasted into the file loses its headers, covering note and sign-off.
"""

from __future__ import annotations

import re

from bot.corpus.dates import (
    is_control_label,
    meta_in,
    meta_line,
    meta_pairs,
)
from bot.corpus.hyphens import join_hyphenated  # the PDF reader's rule too
from bot.corpus.labels import (
    BULLET_RE,
    DECIMAL_RE,
    PAGE_FOOTER_RE,
    SECTION_RE,
    Labels,
    clean,
    is_heading_text,
)
from bot.corpus.tables import find_tables

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


def starts_item(line: str) -> bool:
    s = line.strip()
    return bool(BULLET_RE.match(s)) or Labels.of(clean(s)).numbered


def is_dates(line: str) -> bool:
    return meta_line(line) is not None or meta_pairs(line)[1]


# A text table's rows reach `read_lines` as tab-separated lines, each led by one of these marks
# (private-use characters, taken out of the file's own text first): a header row, the first row
# of a table without a header, any other row.
HEAD_ROW, FIRST_ROW, TABLE_ROW = "\ue000", "\ue001", "\ue002"
ROW_MARKS = {HEAD_ROW: True, FIRST_ROW: False, TABLE_ROW: None}
# A short line `plain_paragraphs` found to be an entry of the list before it, or a line that
# starts a sentence: never a heading (see _list_entries).
LIST_ENTRY, NOT_HEADING = "\ue003", "\ue004"
_MARKS = {*ROW_MARKS, LIST_ENTRY, NOT_HEADING}


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
    """Word's tab after each number or bullet taken out, except in a table: the rows around a
    tabbed line that does not start with a label ("Year<tab>Minutes" / "1<tab>10 minutes"), as
    far as they have as many cells. A numbered paragraph beside the table is still a paragraph,
    and so is a long one inside it."""
    out = list(lines)
    run: list[int] = []
    for i, ln in enumerate([*lines, ""]):
        if "\t" in ln.strip():
            run.append(i)
            continue
        table = _table_rows(lines, run)
        for k in run:
            if k not in table or len(lines[k].split()) > 8:
                out[k] = _unlabel_tab(lines[k])
        run = []
        if i < len(lines):
            out[i] = _unlabel_tab(ln)  # "§ Text", "o  Text": a bullet with no tab
    return out


def _table_rows(lines: list[str], run: list[int]) -> set[int]:
    """Which of a run of tabbed lines are a table's rows (see _unlabel_lists), in one pass each
    way: a row that does not start with a label, and the rows next to it with as many cells."""

    def cells(k: int) -> int:
        return len(lines[k].strip().split("\t"))

    table = {
        k
        for k in run  # (a control block's "Approved by:<tab>…" rows are no table)
        if not _TAB_LABEL_RE.match(lines[k])
        and not is_control_label(lines[k].strip().split("\t")[0])
    }
    for order in (run, run[::-1]):
        prev: int | None = None
        for k in order:
            if (
                k not in table
                and prev is not None
                and abs(k - prev) == 1
                and cells(k) == cells(prev)
            ):
                table.add(k)
            prev = k if k in table else None
    return table


_NO_MARKS = str.maketrans(dict.fromkeys(_MARKS))


def _text_tables(lines: list[str]) -> list[str]:
    """Grid, dashed and pipe tables → one marked, tab-separated line per row, blank lines around
    the table; a one-column box (a note drawn round with a border) → its paragraphs."""
    tables = find_tables(lines)
    if not tables:
        return lines
    out: list[str] = []
    done = 0
    for t in tables:
        out += [*lines[done : t.start], ""]
        if max(len(r) for r in t.rows) < 2:
            for row in t.rows:
                out += [row[0], ""] if row and row[0] else []
        else:
            first = {True: HEAD_ROW, False: FIRST_ROW, None: TABLE_ROW}[t.header]
            for k, row in enumerate(t.rows):
                out.append((first if k == 0 else TABLE_ROW) + "\t".join(row))
        out.append("")
        done = t.end
    return out + lines[done:]


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
        or is_dates(s)
        or bool(SCHOOL_NAME_RE.match(s))
    )


def plain_paragraphs(raw_lines: list[str]) -> tuple[list[str], dict[str, str]]:
    """A text file's lines → one line per paragraph with blank lines between paragraphs (table
    rows and labelled details stay on their own lines), and dates from running headers."""
    lines = [
        ln.replace("\r", "").replace("\ufeff", "").replace("\u00a0", " ").rstrip(" ")
        for ln in raw_lines
    ]
    lines = _unlabel_lists(_text_tables([ln.translate(_NO_MARKS) for ln in lines]))
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
    blank = True  # a blank line (or the start of the file) came before this line
    apart: dict[int, bool] = {}  # paragraph (index in out) → a blank line came before it
    started = True  # whether the paragraph being gathered came after a blank line
    underlines: set[int] = set()

    def flush() -> None:
        if para:
            if out and out[-1]:
                out.append("")
            apart[len(out)] = started
            out.append(para[0])
            para.clear()

    for ln, underlined in kept:
        s = ln.strip()
        if not s:
            flush()
            if out and out[-1]:
                out.append("")
            row = False
            blank = True
            continue
        was_blank, blank = blank, False
        if underlined:
            flush()
            row = False
            out.extend(["", s, ""] if out and out[-1] else [s, ""])
            underlines.add(len(out) - 2)
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
        started = was_blank
        indent = lead
        item = starts_item(s)
        item_col = lead + len(s.split()[0]) + 1 if item else 0
    flush()
    return _list_entries(out, apart, underlines), dates


def _entry_like(s: str) -> bool:
    """A short line with no label that could be one entry of a list ("Sun hat", "Put on",
    "a water bottle;") or a heading: which one, the lines around it tell."""
    c = clean(s)
    return (
        0 < len(c.split()) <= 8
        and not c.endswith((".", ":", "!", "?"))
        and not starts_item(s)
        and not SECTION_RE.match(c)
        and not WORD_SECTION_RE.match(c)
        and not DECIMAL_RE.match(c)
        and not _row_like(c, s)
        and not _SIGNED_RE.match(c)
    )


def _list_entries(out: list[str], apart: dict[int, bool], underlined: set[int]) -> list[str]:
    """Short lines that are a list's entries, not headings, marked as such (see LIST_ENTRY).

    After a sentence that introduces a list ("Children bring:"), short unlabelled lines are its
    entries, however short ("Put on", "Hat"), for as long as they are laid out like the first
    one: a short line set apart by a blank line where the entries were not is a heading again.
    A short line followed by text that goes on in lower case is the start of a sentence, never
    a heading."""
    paras = [k for k, ln in enumerate(out) if ln]
    in_list = False
    entries_apart = False
    for n, k in enumerate(paras):
        s = out[k]
        nxt = out[paras[n + 1]] if n + 1 < len(paras) else ""
        if k in underlined or not _entry_like(s):
            in_list = s.rstrip().endswith(":") and k not in underlined
            entries_apart = apart.get(paras[n + 1], True) if in_list and nxt else False
            continue
        if in_list and (entries_apart or not apart.get(k, True)):
            out[k] = LIST_ENTRY + s
        elif clean(nxt)[:1].islower() and not starts_item(nxt):
            in_list = False
            out[k] = NOT_HEADING + s
        else:
            in_list = False
    return out


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
