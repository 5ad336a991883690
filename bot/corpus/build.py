"""Blocks → a Document whose clause ids are the ones staff see on the page.

The convention (README "Clause ids"):

- a numbered clause keeps its number as printed: "4", "4.2", "4.2.1"; a sub-item printed "(b)" is
  "4.2(b)", one printed "b)", "b." or "ii." is appended with a dot ("9.i.b", "6.viii");
- an unnumbered paragraph, with the list it introduces, is cited by its place: the heading path
  joined with " — " (or the nearest heading's own number), then ", item N" when the section holds
  more than one such block;
- headings are context (Clause.path), never clauses;
- a table in the body hangs under the paragraph before it (or, straight under a heading, under
  an empty clause named by its place): each data row is a clause of its own, "4.2, row 3" or
  "Hire charges, row 1", whose text is its cells separated by tabs and whose `columns` are the
  header's cells over them (tables.py says why); the header row is context, never a clause and
  never a heading;
- an unnumbered paragraph after a numbered clause belongs to that clause, and a list belongs to
  the sentence that introduces it, so no quote is a list item without its lead-in.
"""

from __future__ import annotations

import re

from bot.corpus.blocks import Block, Read
from bot.corpus.dates import (
    META_LINE_RE,
    is_control_label,
    leading_date,
    meta_field,
    meta_line,
    meta_pairs,
    parse_date,
    review_due,
    sentence_dates,
)
from bot.corpus.labels import (
    BULLET_RE,
    LETTER_RE,
    PAGE_FOOTER_RE,
    Labels,
    clean,
    is_heading_text,
    split_number,
)
from bot.corpus.model import Clause, Document
from bot.corpus.tables import looks_like_header
from bot.corpus.titles import choose_title

SCHOOL_RE = re.compile(
    r"\b((?:[A-Z][\w'’-]+ )(?:(?:[A-Z][\w'’-]+|and|of|the|&) ){0,6}(?:School|Academy|College))\b"
)
_TEMP = "\x00"
CONTENTS = {"contents", "table of contents", "contents page"}
CONTENTS_LINE_RE = re.compile(r"(?:\.{4,}|…{2,}|\t)\s*\d{1,3}\s*$")
# A sentence may begin "At Kingsway Primary School…": the first word is not part of the name.
_LEADING_WORD = re.compile(r"^(?:At|In|The|All|Our|For|From|To|By|On|With|Every|Each) ")


class _Builder:
    def __init__(self) -> None:
        self.clauses: list[Clause] = []
        self.by_id: dict[str, Clause] = {}
        self.stack: list[tuple[int, str, str]] = []  # open headings: (level, number, title)
        self.section = ""
        self.section_title = ""
        self.current: Clause | None = None  # where continuation text goes
        self.parent: Clause | None = None  # holder of lettered sub-items
        self.letter_item: Clause | None = None  # last lettered sub-item, holder of "(ii)"
        self.decimal: Clause | None = None  # last "4.2" clause: holder of its "i." items
        self.last_letter = ""
        self.top_letters = False  # "a)", "b)" straight under a heading: clauses of their own
        self.unnumbered: dict[tuple[tuple[int, str, str], ...], list[Clause]] = {}
        self.temp = 0
        self.rows: dict[int, int] = {}  # rows so far under each table holder (by object id)
        self.table_heads: dict[int, str] = {}  # a table's first row (by object id) → its header

    # --- headings -------------------------------------------------------------------------
    def heading(self, level: int, text: str) -> None:
        num, title = split_number(text)
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, num, title))
        self.section = next((n for _, n, _ in reversed(self.stack) if n), "")
        self.section_title = self.stack[0][2]  # the top-level section; `heading` is the innermost
        self.current = self.parent = self.letter_item = self.decimal = None
        self.last_letter = ""
        self.top_letters = False

    def path(self) -> tuple[str, ...]:
        return tuple(t for _, _, t in self.stack)

    # --- clauses --------------------------------------------------------------------------
    def add(
        self,
        clause_id: str,
        text: str,
        heading: str = "",
        parent: Clause | None = None,
        numbered: bool = True,
    ) -> Clause:
        base, n = clause_id, 2
        while clause_id in self.by_id:  # a repeated id in a damaged export keeps both clauses
            clause_id, n = f"{base}-{n}", n + 1
        path = self.path()
        if heading and (not path or path[-1] != heading):
            path = (*path, heading)
        clause = Clause(
            id=clause_id,
            section=self.section,
            section_title=self.section_title,
            text=text,
            heading=heading or (self.stack[-1][2] if len(self.stack) > 1 else ""),
            parent=parent.id if parent else None,
            path=path,
            numbered=numbered,
        )
        if parent is not None:
            parent.children.append(clause.id)
        self.clauses.append(clause)
        self.by_id[clause.id] = clause
        self.current = clause
        return clause

    def numbered(self, clause_id: str, text: str, heading: str = "") -> Clause:
        self.parent = self.letter_item = None
        self.last_letter = ""
        self.top_letters = False
        return self.add(clause_id, text, heading)

    def block(self, text: str) -> Clause:
        """An unnumbered paragraph: its id is its place, given once the section is complete."""
        self.temp += 1
        self.parent = self.letter_item = None
        self.last_letter = ""
        self.top_letters = False
        clause = self.add(f"{_TEMP}{self.temp}{_TEMP}", text, numbered=False)
        self.unnumbered.setdefault(tuple(self.stack), []).append(clause)
        return clause

    def append(self, text: str, sep: str) -> None:
        assert self.current is not None
        self.current.text = f"{self.current.text}{sep}{text}" if self.current.text else text

    def prefix(self) -> str:
        return f"{self.section}." if self.section else ""

    # --- one table -----------------------------------------------------------------------
    def table(self, rows: list[Block]) -> None:
        """A table's rows (its header first when it has one): a clause per data row, under the
        paragraph that introduces the table."""
        cells = [tuple(clean(c) for c in r.cells) for r in rows]
        head = rows[0].head
        if head is None:
            head = looks_like_header(cells[0], cells[1:])
        header = cells[0] if head else ()
        data = [r for r in (cells[1:] if head else cells) if any(r)]
        if not data:
            return
        holder = self.current if self.current is not None else self.block("")
        first = True
        for row in data:
            pairs = [
                (header[k] if k < len(header) else "", cell) for k, cell in enumerate(row) if cell
            ]
            n = self.rows.get(id(holder), 0) + 1
            self.rows[id(holder)] = n
            clause = self.add(
                f"{holder.id}, row {n}",
                "\t".join(cell for _, cell in pairs),
                holder.heading,
                holder,
                numbered=holder.numbered,
            )
            clause.columns = tuple(h for h, _ in pairs) if header else ()
            if first and header:
                self.table_heads[id(clause)] = "\t".join(c for c in header if c)
            first = False
        # A paragraph after the table is a clause of its own (appended to the holder, it would
        # read as if it came before the table).
        self.current = self.parent = self.letter_item = None
        self.last_letter = ""
        self.top_letters = False

    # --- one paragraph --------------------------------------------------------------------
    def para(self, block: Block, next_text: str) -> None:
        original = block.text
        line = clean(original).replace("\t", " ")
        if not line or PAGE_FOOTER_RE.match(line):
            return
        bullet = block.bullet or bool(BULLET_RE.match(original.strip()))
        if self.current is not None and block.joins:
            self.append(line, " ")  # a page break or hard wrap split this paragraph
            return
        if block.item:  # numbered or bulleted by the markup: part of its lead-in paragraph
            if self.current is None:
                self.block(line)
            else:
                self.append(line, "\n")
            return
        m = Labels.of(line)
        dec = m.dec
        labelled = bool(m.letter or m.roman or m.paren_roman or m.item or m.upper)
        if self.current is not None and not (labelled or dec or bullet) and line[:1].islower():
            self.append(line, " ")  # a page break split this paragraph
            return
        intro = self._intro(self.current)
        if labelled and not dec and (self.current is None or intro is not None):
            if self.current is not None:  # an item of the list this paragraph introduces
                self.append(line, "\n")
            elif not self.section:
                self.block(line)
            else:
                self._numbered_line(line, m, next_text)
            return
        if labelled or dec:
            self._numbered_line(line, m, next_text)
            return
        if self.current is None or (intro is not None and not bullet):
            self.block(line)
        else:
            self.append(line, "\n")

    def _intro(self, clause: Clause | None) -> Clause | None:
        """The unnumbered lead-in paragraph `clause` is, or is an item of; None otherwise."""
        if clause is None:
            return None
        if not clause.numbered:
            return clause
        parent = self.by_id.get(clause.parent or "")
        return parent if parent is not None and not parent.numbered else None

    def _numbered_line(self, line: str, m: Labels, next_text: str) -> None:
        """A paragraph that starts with a typed (or computed) number: its clause id."""
        dec, letter, roman, paren_roman, item, upper = (
            m.dec,
            m.letter,
            m.roman,
            m.paren_roman,
            m.item,
            m.upper,
        )
        expected = chr(ord(self.last_letter) + 1) if self.last_letter else "a"
        if paren_roman and not (letter and letter["letter"] == expected) and self.letter_item:
            holder = self.letter_item
            sub = self.add(
                f"{holder.id}({paren_roman['num']})", paren_roman["rest"], holder.heading, holder
            )
            sub.marker = f"({paren_roman['num']})"
            self.current = sub
            return
        if (
            letter
            and (letter["letter"] == expected or letter["letter"] == "a")
            and (letter["letter"] == "a" or self.parent is not None or self.top_letters)
            and not (roman and letter["letter"] != expected)
            and not (paren_roman and letter["letter"] != expected)
        ):
            letter_holder = None if self.top_letters else self.parent or self.current
            marker = letter["marker"]
            if letter_holder is None:
                self.add(f"{self.prefix()}{letter['letter']}", letter["rest"])
                self.top_letters = True
            else:
                self.parent = letter_holder
                suffix = (
                    f"({letter['letter']})" if marker.startswith("(") else f".{letter['letter']}"
                )
                sub = self.add(
                    f"{letter_holder.id}{suffix}",
                    letter["rest"],
                    letter_holder.heading,
                    letter_holder,
                )
                sub.marker = marker
                self.letter_item = sub
            self.last_letter = letter["letter"]
        elif roman or paren_roman:
            r = roman or paren_roman
            assert r is not None
            rest = r["rest"]
            if self.decimal is not None:  # "i." under "4.2": an item of 4.2
                holder = self.decimal
                suffix = f"({r['num']})" if paren_roman and not roman else f".{r['num']}"
                sub = self.add(f"{holder.id}{suffix}", rest, holder.heading, holder)
                sub.marker = line[: len(line) - len(rest)].strip()
                return
            next_letter = LETTER_RE.match(next_text)
            is_heading = is_heading_text(rest, 5) and bool(
                next_letter and next_letter["letter"] == "a"
            )
            clause = self.numbered(
                f"{self.prefix()}{r['num']}", "" if is_heading else rest, rest if is_heading else ""
            )
            if is_heading:
                self.parent = clause
        elif dec:
            self.decimal = self.numbered(dec["num"], dec["rest"])
        elif item:
            if self.decimal is not None:
                holder = self.decimal
                sub = self.add(f"{holder.id}.{item['num']}", item["rest"], holder.heading, holder)
                sub.marker = line[: len(line) - len(item["rest"])].strip()
                return
            self.numbered(f"{self.prefix()}{item['num']}", item["rest"])
        elif upper:
            self.numbered(f"{self.prefix()}{upper['letter']}", upper["rest"])
        elif self.current is not None:  # a label out of sequence: never lose the line
            self.append(line, "\n")
        else:
            self.block(line)

    # --- the end ----------------------------------------------------------------------------
    def finish(self) -> list[Clause]:
        for stack, blocks in self.unnumbered.items():
            nearest = stack[-1] if stack else None
            base = nearest[1] if nearest and nearest[1] else " — ".join(t for _, _, t in stack)
            for n, clause in enumerate(blocks, 1):
                if len(blocks) == 1 and base:
                    new = base
                else:
                    new = f"{base}, item {n}" if base else f"item {n}"
                self._rename(clause.id, new)
        for c in self.clauses:
            c.text = c.text.strip()
        by_id = {c.id: c for c in self.clauses}
        for c in reversed(self.clauses):  # sub-items first: a parent quotes them whole
            parts = [c.text] if c.text else []
            for k in c.children:
                child = by_id[k]
                if id(child) in self.table_heads:  # a table is read under its header row
                    parts.append(self.table_heads[id(child)])
                parts.append(f"{child.marker} {child.full_text}".strip())
            c.full_text = "\n".join(parts)
        return self.clauses

    def _rename(self, old: str, new: str) -> None:
        taken = {c.id for c in self.clauses}
        base, n = new, 2
        while new in taken:
            new, n = f"{base}-{n}", n + 1
        for c in self.clauses:
            if c.id.startswith(old):
                c.id = new + c.id[len(old) :]
            if c.parent and c.parent.startswith(old):
                c.parent = new + c.parent[len(old) :]
            c.children = [new + k[len(old) :] if k.startswith(old) else k for k in c.children]


def build(read: Read, source: str) -> Document:
    """One file's blocks and metadata → its Document (title, dates, clauses)."""
    b = _Builder()
    meta = dict(read.meta)
    control = dict(read.control)
    paras = read.blocks
    in_contents = False
    said: dict[str, str] = {}  # dates the policy's own sentences give, used when no label does
    table: list[Block] = []  # the body table being gathered, row by row
    for i, block in enumerate(paras):
        in_body = bool(b.stack or b.current is not None or table)
        control_row = block.head is not True and _is_control_row(block)  # (a header is none)
        if block.kind == "row" and in_body and not in_contents and not control_row:
            # A table in the body (ratios, contacts) is policy text: a clause per row. A page
            # with no section headings has a body too, once a paragraph has started it.
            if table and block.head is not None:  # a new table starts
                b.table(table)
                table = []
            if any(clean(c) for c in block.cells):
                table.append(block)
            continue
        if table and block.kind != "row":
            b.table(table)
            table = []
        if block.kind == "heading":
            text = clean(block.text)
            in_contents = text.lower().rstrip(":") in CONTENTS
            if text and not in_contents:
                b.heading(block.level, text)
        elif in_contents or (block.kind == "para" and CONTENTS_LINE_RE.search(block.text)):
            continue  # a contents page lists headings and page numbers: never clauses
        elif block.kind == "row":
            _row(block, meta, control)
        else:
            text = clean(block.text)
            found = meta_line(text)
            if found:  # "Review date: September 2026" is about the policy, not a rule in it
                meta.setdefault(found[0], found[1])
                label = META_LINE_RE.match(text.strip())
                if label:
                    control.setdefault(label["key"].strip(), label["value"].strip())
                continue
            pairs, only_meta = meta_pairs(text)
            if only_meta:  # "Adopted October 2019   Review date October 2020"
                for name, value, key in pairs:
                    if name != "last_reviewed":
                        meta.setdefault(name, value)
                    control.setdefault(key[:1].upper() + key[1:], value)
                continue
            for name, value in sentence_dates(text):  # "This policy will be reviewed in …"
                said.setdefault(name, value)
            nxt = next(
                (clean(p.text) for p in paras[i + 1 :] if p.kind == "para" and p.text.strip()), ""
            )
            b.para(block, nxt)
    if table:
        b.table(table)
    for name, value in [*read.fallback.items(), *said.items()]:
        meta.setdefault(name, value)
    clauses = _numbered_headings([c for c in b.finish() if c.text or c.children])
    title = choose_title([meta.get("title", ""), *read.titles], source)
    body_text = "\n".join(c.text for c in clauses)
    school = meta.get("school", "")
    if not school:
        m = SCHOOL_RE.search(body_text)
        school = _LEADING_WORD.sub("", m.group(1)) if m else ""
    next_review = meta.get("next_review", "")
    warnings = list(read.warnings)
    review_date = parse_date(leading_date(next_review) or next_review) if next_review else None
    if not next_review:
        due = review_due(meta.get("approval_date", ""), meta.get("review_frequency", ""))
        if due is not None:  # "Approved October 2023, reviewed triennially": due October 2026
            review_date = due
            warnings.append(f"next review worked out from approval date and frequency: {due:%B %Y}")
        else:
            warnings.append("no review date found")
    elif review_date is None:
        warnings.append(f"review date {next_review!r} is not a date: overdue cannot be checked")
    by_place = sum(1 for c in clauses if not c.numbered)
    if by_place:  # no number of their own: cited by section, as "Risk assessments, item 2"
        warnings.append(f"{by_place} paragraphs cited by section")
    return Document(
        title=title,
        source=source,
        clauses=clauses,
        school=school,
        approval_date=meta.get("approval_date", ""),
        review_frequency=meta.get("review_frequency", ""),
        next_review=next_review,
        next_review_date=review_date,
        contacts=list(read.contacts),
        control=control,
        warnings=warnings,
    )


def _numbered_headings(clauses: list[Clause]) -> list[Clause]:
    """A numbered title with numbered clauses below it ("3.2 Lateness", then "3.2.1 The school
    gates open at 8.40am …") is a sub-heading, not a rule: it leaves the clause list and joins
    the heading path of the clauses it heads, so it is context for them and never an answer."""
    out: list[Clause] = []
    for i, c in enumerate(clauses):
        title = c.text.strip()
        heads = (
            c.numbered
            and not c.children
            and "\n" not in c.full_text
            and is_heading_text(title, 8)
            and i + 1 < len(clauses)
            and clauses[i + 1].id.startswith(c.id + ".")
        )
        if not heads:
            out.append(c)
            continue
        for d in clauses[i + 1 :]:  # the clauses it heads follow it, one after another
            if not d.id.startswith(c.id + "."):
                break
            if title not in d.path:
                d.path = (*d.path, title)
    return out


def _is_control_row(block: Block) -> bool:
    """A document-control row ("Approved by | Full Governing Body"), wherever the table is."""
    key = clean(block.cells[0]) if block.cells else ""
    return bool(key) and len(block.cells) <= 3 and is_control_label(key)


def _row(block: Block, meta: dict[str, str], control: dict[str, str]) -> None:
    cells = [clean(c) for c in block.cells]
    if len(cells) < 2 or not cells[0]:
        return
    key = cells[0].rstrip(":").strip()
    value = next((c for c in cells[1:] if c), "")
    pairs, only_meta = meta_pairs(f"{key}: {value}")
    if len(pairs) > 1 and only_meta:  # "Reviewed: September 2024    Next review: September 2025"
        for name, date, label in pairs:
            if name != "last_reviewed":
                meta.setdefault(name, date)
            control.setdefault(label[:1].upper() + label[1:], date)
        return
    field = meta_field(key)
    exact = meta_field(key, fuzzy=False)
    dated = field in {"approval_date", "next_review"}
    if field and value and field not in meta and (exact or not dated or leading_date(value)):
        meta[field] = value
    if value:
        control.setdefault(key, value)
