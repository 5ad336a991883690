"""Word (.docx) policies → blocks, with Word's automatic numbering computed as staff see it.

Word does not store "4.2 (b)" in the text: the number comes from the numbering definitions
(word/numbering.xml). We replay them — per level numFmt, lvlText ("%1.%2", "(%3)"), start,
lvlRestart, and each list instance's startOverride — so a clause shown as "4.2 (b)" in Word is
cited as §4.2(b). Numbering may sit on the paragraph or be inherited from its style (numbered
headings). Headings come from the Heading styles, the title from the core properties, the Title
style or the first Heading 1; tables become rows (document-control tables).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from bot.corpus import limits
from bot.corpus.blocks import Block, Read
from bot.corpus.dates import (
    is_control_label,
    leading_date,
    meta_field,
    meta_in,
    meta_line,
    meta_pairs,
)
from bot.corpus.labels import is_form_line, is_history_header
from bot.corpus.titles import is_generic

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _attr(el: Any, name: str) -> str | None:
    return None if el is None else el.get(f"{W}{name}")


def _child(el: Any, *path: str) -> Any:
    for name in path:
        if el is None:
            return None
        el = el.find(f"{W}{name}")
    return el


def _roman(n: int) -> str:
    out = ""
    for value, digits in (
        (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
        (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    ):  # fmt: skip
        while n >= value:
            out, n = out + digits, n - value
    return out


def _letters(n: int) -> str:
    # Word repeats the letter after z: aa, bb…
    return chr(97 + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    if fmt == "lowerLetter":
        return _letters(n)
    if fmt == "upperLetter":
        return _letters(n).upper()
    if fmt == "lowerRoman":
        return _roman(n)
    if fmt == "upperRoman":
        return _roman(n).upper()
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str = ""
    start: int = 1
    restart: int | None = None  # lvlRestart: reset after this (1-based) level; 0 = never
    legal: bool = False  # isLgl: every level shown as a decimal ("1.1.1", not "I.a.i")


@dataclass
class Numbering:
    """Word's list definitions and the running counters, replayed in document order."""

    abstract: dict[str, dict[int, _Level]] = field(default_factory=dict)
    nums: dict[str, str] = field(default_factory=dict)  # numId → abstractNumId
    overrides: dict[str, dict[int, int]] = field(default_factory=dict)  # numId → ilvl → start
    counters: dict[str, dict[int, int]] = field(default_factory=dict)  # per abstractNum
    started: set[str] = field(default_factory=set)

    @classmethod
    def from_part(cls, root: Any, style_num: dict[str, str] | None = None) -> Numbering:
        """`style_num` maps a list style's name to its numId, for definitions that only link
        to a list style (w:numStyleLink), as Word's built-in multilevel lists do."""
        out = cls()
        if root is None:
            return out
        links: dict[str, str] = {}
        for an in root.findall(f"{W}abstractNum"):
            levels: dict[int, _Level] = {}
            for lvl in an.findall(f"{W}lvl"):
                restart = _attr(_child(lvl, "lvlRestart"), "val")
                legal = _child(lvl, "isLgl") is not None  # "legal" numbering: all decimal
                levels[int(_attr(lvl, "ilvl") or 0)] = _Level(
                    fmt=_attr(_child(lvl, "numFmt"), "val") or "decimal",
                    text=_attr(_child(lvl, "lvlText"), "val") or "",
                    start=int(_attr(_child(lvl, "start"), "val") or 1),
                    restart=int(restart) if restart is not None else None,
                    legal=legal,
                )
            abstract_id = _attr(an, "abstractNumId") or ""
            out.abstract[abstract_id] = levels
            link = _attr(_child(an, "numStyleLink"), "val")
            if link and not levels:
                links[abstract_id] = link
        for num in root.findall(f"{W}num"):
            num_id = _attr(num, "numId") or ""
            out.nums[num_id] = _attr(_child(num, "abstractNumId"), "val") or ""
            for ov in num.findall(f"{W}lvlOverride"):
                start = _attr(_child(ov, "startOverride"), "val")
                if start is not None:
                    out.overrides.setdefault(num_id, {})[int(_attr(ov, "ilvl") or 0)] = int(start)
        for abstract_id, style in links.items():  # follow the link to the style's own list
            target = out.nums.get((style_num or {}).get(style, ""), "")
            if target and out.abstract.get(target):
                out.abstract[abstract_id] = out.abstract[target]
        return out

    def label(self, num_id: str, ilvl: int) -> tuple[str, bool]:
        """The next number printed for a paragraph in list `num_id` at level `ilvl`, and whether
        it is a bullet. Calling it advances the counters, as Word does paragraph by paragraph."""
        abstract_id = self.nums.get(num_id)
        levels = self.abstract.get(abstract_id or "", {})
        if abstract_id is None or ilvl not in levels:
            return "", False
        level = levels[ilvl]
        if level.fmt == "bullet":
            return "", True
        if level.fmt == "none":
            return level.text.strip(), False
        # Instances of one list definition continue each other's numbering; an instance that
        # restarts (startOverride) counts on its own, as Word shows it.
        key = f"num:{num_id}" if num_id in self.overrides else abstract_id
        counters = self.counters.setdefault(key, {})
        if num_id not in self.started:  # a list instance that restarts its numbering
            self.started.add(num_id)
            for restart_level, start in self.overrides.get(num_id, {}).items():
                counters[restart_level] = start - 1
                for deeper in [k for k in counters if k > restart_level]:
                    del counters[deeper]
        counters[ilvl] = counters.get(ilvl, level.start - 1) + 1
        for deeper, lv in levels.items():
            if (
                deeper > ilvl
                and (lv.restart is None or lv.restart != 0)
                and (lv.restart is None or lv.restart - 1 >= ilvl)
            ):
                counters.pop(deeper, None)
        text = level.text
        for k in range(len(levels) - 1, -1, -1):
            token = f"%{k + 1}"
            if token in text:
                shown = levels.get(k, _Level())
                fmt = "decimal" if level.legal else shown.fmt
                text = text.replace(token, format_number(counters.get(k, shown.start), fmt))
        return text.strip(), False


def _list_styles(document: Any) -> dict[str, str]:
    """List styles' names (and ids) → the numId they carry."""
    out: dict[str, str] = {}
    for style in document.styles.element.findall(f"{W}style"):
        num_id = _attr(_child(style, "pPr", "numPr", "numId"), "val")
        if num_id:
            out[_attr(style, "styleId") or ""] = num_id
            name = _attr(_child(style, "name"), "val")
            if name:
                out[name] = num_id
    return out


def _num_pr(paragraph: Any) -> tuple[str, int] | None:
    """(numId, ilvl) from the paragraph, or inherited through its style chain."""
    p_pr = paragraph._p.pPr
    num_pr = p_pr.numPr if p_pr is not None else None
    ilvl: int | None = None
    num_id: str | None = None
    if num_pr is not None:
        if num_pr.numId is not None:
            num_id = str(num_pr.numId.val)
        if num_pr.ilvl is not None:
            ilvl = int(num_pr.ilvl.val)
    style = paragraph.style
    while num_id is None and style is not None:
        s_pr = style.element.pPr
        s_num = s_pr.numPr if s_pr is not None else None
        if s_num is not None:
            if s_num.numId is not None:
                num_id = str(s_num.numId.val)
            if ilvl is None and s_num.ilvl is not None:
                ilvl = int(s_num.ilvl.val)
        style = style.base_style
    if num_id is None or num_id == "0":
        return None
    return num_id, ilvl or 0


_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_HIDDEN = {f"{W}del", f"{W}moveFrom", f"{_MC}Fallback", f"{W}instrText", f"{W}delText"}


def visible_text(element: Any) -> str:
    """A paragraph's text as Word shows it: tracked insertions and fields' results included,
    tracked deletions, field codes and the duplicate fallback copy of a text box left out."""
    out: list[str] = []

    def walk(el: Any) -> None:
        for child in el.iterchildren():
            tag = child.tag
            if tag in _HIDDEN or tag == f"{W}pPr":
                continue
            if tag == f"{W}p":  # a paragraph inside a text box: its own line
                out.append(" ")
                walk(child)
                out.append(" ")
            elif tag == f"{W}t":
                out.append(child.text or "")
            elif tag in (f"{W}tab", f"{W}ptab"):
                out.append("\t")
            elif tag in (f"{W}br", f"{W}cr"):
                out.append(" ")
            elif tag == f"{W}noBreakHyphen":
                out.append("-")
            else:
                walk(child)

    walk(element)
    return "".join(out)


def _body_elements(parent: Any) -> Any:
    """Paragraphs and tables in reading order, including those inside content controls
    (w:sdt), which some templates wrap the whole policy in; a contents-page control is skipped."""
    for child in parent.iterchildren():
        if child.tag == f"{W}sdt":
            gallery = child.find(f".//{W}sdtPr/{W}docPartObj/{W}docPartGallery")
            if gallery is not None and "contents" in (_attr(gallery, "val") or "").lower():
                continue
            content = child.find(f"{W}sdtContent")
            if content is not None:
                yield from _body_elements(content)
        else:
            yield child


def _visible_runs(paragraph: Any) -> list[Any]:
    """The paragraph's runs that show text, including those inside hyperlinks, fields and
    content controls (python-docx's `runs` lists only the direct ones)."""
    from docx.text.run import Run

    runs = []
    for r in paragraph._p.iter(f"{W}r"):
        if any(a.tag in _HIDDEN for a in r.iterancestors()):
            continue
        if any(a.tag == f"{W}txbxContent" for a in r.iterancestors()):
            continue
        run = Run(r, paragraph)
        if run.text.strip():
            runs.append(run)
    return runs


def _bold_heading(paragraph: Any, text: str) -> bool:
    """A short paragraph set wholly in bold with no closing punctuation: a heading by eye
    (never "Review date: July 2026" with its label in bold)."""
    if len(text.split()) > 10 or text.endswith((".", ",", ";", ":", "?", "!")):
        return False
    if meta_line(text) or meta_pairs(text)[1]:
        return False
    runs = _visible_runs(paragraph)
    style_bold = bool(paragraph.style is not None and paragraph.style.font.bold)
    return bool(runs) and all(r.bold or (r.bold is None and style_bold) for r in runs)


def _outline_level(paragraph: Any) -> int:
    """A custom heading style ("Policy Heading") marks itself by its outline level, which Word
    uses for the navigation pane: 0 is a top heading, 9 (or none) body text."""
    elements = [paragraph._p]
    style = paragraph.style
    while style is not None:
        elements.append(style.element)
        style = style.base_style
    for el in elements:
        value = _attr(_child(el, "pPr", "outlineLvl"), "val")
        if value is not None and value.isdigit():
            return int(value) + 1 if int(value) < 9 else 0
    return 0


def _heading_level(style_name: str) -> int:
    low = style_name.lower()
    if low.startswith("heading"):
        digits = "".join(ch for ch in low if ch.isdigit())
        return int(digits or 1)
    return 0


_NUMBER_CELL = re.compile(r"^\(?(?:\d{1,2}(?:\.\d{1,2})*|[a-z]|[ivx]{1,5}|[A-Z])[.)]?$")


def _cell_text(cell: Any) -> str:
    return " ".join(" ".join(visible_text(p) for p in cell._tc.iter(f"{W}p")).split())


def _table_rows(table: Any, styles: _Styles) -> list[tuple[list[str], bool]]:
    """Each row's cells as written (a merged cell once) and whether the row is all bold."""
    Paragraph = _paragraph_type()  # python-docx's, with cached style lookups

    out = []
    for row in table.rows:
        cells: list[str] = []
        bold = True
        row_cells = row.cells
        limits.count("table cells", len(row_cells))
        for cell in row_cells:
            t = _cell_text(cell)
            if not cells or t != cells[-1]:  # merged cells repeat their text
                cells.append(t)
            for p in cell._tc.iter(f"{W}p"):
                para = Paragraph(p, table, styles)
                if visible_text(p).strip() and not _all_bold(para):
                    bold = False
        out.append((cells, bold))
    return out


def _table_blocks(rows: list[tuple[list[str], bool]]) -> list[Block]:
    """A Word table as the blocks a reader sees in it."""
    filled = [(c, b) for c, b in rows if any(c)]
    if not filled:
        return []
    if is_history_header(filled[0][0]):
        return []  # Version | Date | Changes: the document's history, never policy text
    numbered = [c for c, _ in filled if len(c) >= 2 and _NUMBER_CELL.match(c[0])]
    worded = [c for c in numbered if len(" ".join(c[1:]).split()) >= 3]
    if (
        len(numbered) >= max(2, (len(filled) + 1) // 2)
        and len(worded) * 2 >= len(numbered)  # sentences beside the numbers, not figures
        and all(len(c) <= 2 for c, _ in filled)  # a third column makes it a data table
    ):
        # A local-authority template whose body is a table: number cell | text cell.
        out = []
        for cells, bold in filled:
            num = cells[0] if _NUMBER_CELL.match(cells[0]) else ""
            text = " ".join(c for c in (cells[1:] if num else cells) if c)
            if not text:
                continue
            line = f"{num} {text}" if num else text
            short = len(text.split()) <= 10 and not text.endswith((".", ";", ":", ","))
            if short and (bold or re.fullmatch(r"\d{1,2}\.?", num)) and text[:1].isupper():
                level = num.rstrip(".").count(".") + 1 if num else 1
                out.append(Block("heading", line, level=level))
            elif num.isdigit():  # "3 | The governors will…": clause 3, as a reader cites it
                out.append(Block("para", f"{num}. {text}"))
            else:
                out.append(Block("para", line))
        return out
    first = filled[0][0]
    if (
        len(filled) == 2
        and len(first) == len(filled[1][0])
        and all(is_control_label(c) or meta_field(c) for c in first if c)
        and any(
            meta_field(k) in {"approval_date", "next_review"} and leading_date(v)
            for k, v in zip(first, filled[1][0], strict=True)
        )
    ):  # labels across the top, values below: "Date adopted | Review date" / "5 Feb 2025 | …"
        return [
            Block("row", cells=(k, v)) for k, v in zip(first, filled[1][0], strict=True) if k and v
        ]
    out = []
    for cells, _ in filled:
        if len(cells) >= 2:
            out.append(Block("row", cells=tuple(cells)))
        elif cells[0]:
            out.append(Block("para", cells[0]))
    return out


def _all_bold(paragraph: Any) -> bool:
    runs = _visible_runs(paragraph)
    style_bold = bool(paragraph.style is not None and paragraph.style.font.bold)
    return bool(runs) and all(r.bold or (r.bold is None and style_bold) for r in runs)


def _size(paragraph: Any, element: Any | None = None) -> float:
    """The largest font size (points) of a paragraph's text, from its runs or its style."""
    el = paragraph._p if element is None else element
    sizes = []
    for r in el.iter(f"{W}r"):
        if any(a.tag in _HIDDEN for a in r.iterancestors()):
            continue
        if element is None and any(a.tag == f"{W}txbxContent" for a in r.iterancestors()):
            continue
        if not "".join(t.text or "" for t in r.iter(f"{W}t")).strip():
            continue
        sz = _attr(_child(r, "rPr", "sz"), "val")
        if sz and sz.isdigit():
            sizes.append(int(sz) / 2)
    if sizes:
        return max(sizes)
    style = paragraph.style
    while style is not None:
        if style.font.size is not None:
            return float(style.font.size.pt)
        style = style.base_style
    return 0.0


def _with_styles(paragraph: Any) -> list[Any]:
    """The paragraph's own element, then its style's and each style it is based on: where a
    paragraph property may be set."""
    elements = [paragraph._p]
    style = paragraph.style
    while style is not None:
        elements.append(style.element)
        style = style.base_style
    return elements


def _breaks_before(paragraph: Any) -> bool:
    """A paragraph set to start on a new page (pageBreakBefore, on it or its style)."""
    for el in _with_styles(paragraph):
        flag = el.find(f"{W}pPr/{W}pageBreakBefore")
        if flag is not None:
            return _attr(flag, "val") not in ("0", "false", "off")
    return False


def _page_break(element: Any) -> bool:
    """A paragraph that ends its page: a manual page break, or a section break in its pPr."""
    if element.find(f"{W}pPr/{W}sectPr") is not None:
        return True
    return any(_attr(br, "type") == "page" for br in element.iter(f"{W}br"))


_LABELLED = re.compile(r"^(?P<key>[A-Z][\w ,'’()/-]{1,40}):\s*(?P<value>\S.{0,100})$")
_SCHOOLISH = re.compile(
    r"^[A-Z][\w'’ &.-]{2,80}\b(?:school|academy|college|federation|trust|nursery)$", re.I
)


def _front_lines(paragraph: Any) -> list[tuple[float, str]]:
    """(font size, text) of a front-page paragraph, a text box's paragraphs one by one."""
    boxes = [
        box
        for box in paragraph._p.iter(f"{W}txbxContent")
        if not any(a.tag in _HIDDEN for a in box.iterancestors())
    ]
    out = []
    for box in boxes:
        for p in box.iter(f"{W}p"):
            text = " ".join(visible_text(p).split())
            if text:
                out.append((_size(paragraph, p), text))
    if not boxes:
        text = " ".join(visible_text(paragraph._p).split())
        if text:
            out.append((_size(paragraph), text))
    return out


def _font_title(lines: list[tuple[float, str]], body: float) -> tuple[str, str]:
    """The largest text before the policy starts, as a reader takes the title (a school's name
    above it is not the title), and the school's name when the front page gives it."""
    school = next(
        (
            t
            for _, t in lines
            if _SCHOOLISH.match(t) and len(t.split()) <= 10 and "policy" not in t.lower()
        ),
        "",
    )
    sized = [(s, t) for s, t in lines if s > body and len(t.split()) <= 20]
    if any(t != school for _, t in sized):  # "Scheme of Delegation for the Trust" alone: a title
        sized = [(s, t) for s, t in sized if t != school]
    if not sized:
        return "", school
    biggest = max(s for s, _ in sized)
    title = " ".join(t for s, t in sized if s == biggest)
    return title, school


def _is_cover(blocks: list[Block], words: int) -> bool:
    """A first page that ends in a page break before any numbered clause, long sentence or
    section of the policy ("Introduction", "1. Purpose")."""
    return words <= 120 and not any(
        (b.kind == "para" and (len(b.text.split()) > 25 or re.match(r"\d{1,2}\.\d", b.text)))
        or (b.kind == "heading" and (is_generic(b.text) or b.text[:1].isdigit()))
        for b in blocks
    )


def read_docx(path: Path) -> Read:
    import docx  # python-docx, imported only when a Word policy is present
    from docx.table import Table

    document = docx.Document(str(path))
    styles = _Styles(document)
    Paragraph = _paragraph_type()  # python-docx's, with cached style lookups
    read = Read()
    core_title = (document.core_properties.title or "").strip()
    if core_title:
        read.titles.append(core_title)
    try:
        numbering_root = document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        numbering_root = None
    numbering = Numbering.from_part(numbering_root, _list_styles(document))
    first_h1 = True
    deepest = 0  # the deepest Heading style level so far: bold lines sit one below it
    body = document.element.body
    normal = document.styles["Normal"] if "Normal" in [s.name for s in document.styles] else None
    body_size = float(normal.font.size.pt) if normal is not None and normal.font.size else 11.0
    front: list[tuple[float, str]] = []  # the text before the policy starts, with font sizes
    in_front, front_words, cover_end, cover_pending = True, 0, -1, False
    styled = 1 if core_title else 0  # title candidates from the file's own title fields
    for child in _body_elements(body):
        if cover_pending:
            cover_end, cover_pending = len(read.blocks), False
        if child.tag == f"{W}tbl":
            read.blocks.extend(_table_blocks(_table_rows(Table(child, document), styles)))
            continue
        if child.tag != f"{W}p":
            continue
        limits.count("paragraphs")
        para = Paragraph(child, document, styles)
        raw_text = visible_text(child)
        text = " ".join(raw_text.replace("\t", " ").split())
        style = para.style.name if para.style is not None else ""
        low = style.lower()
        num = _num_pr(para)
        label, bullet = numbering.label(*num) if num else ("", False)
        if in_front and front and _breaks_before(para):  # "Contents" set to start a new page
            in_front = False
            if _is_cover(read.blocks, front_words):
                cover_end = len(read.blocks)
        if in_front:
            # a numbered paragraph or a Heading style starts the policy itself
            if label or _heading_level(low) or len(front) >= 15:
                in_front = False
            elif text:
                front += _front_lines(para)
                front_words += len(text.split())
        if in_front and _page_break(child):
            in_front = False
            cover_pending = _is_cover(read.blocks, front_words)
        if not text:
            continue
        if is_form_line(text):
            continue  # "Signed: ________   Date: ____" in a form: nothing to quote
        tabbed = tuple(c.strip() for c in raw_text.split("\t") if c.strip())
        if len(tabbed) >= 2 and meta_field(tabbed[0]):  # "Date of next review<TAB>July 2027"
            read.blocks.append(Block("row", cells=tabbed))
            continue
        if low.startswith("toc") or low == "contents heading":
            continue  # the contents page: never clauses
        if len(tabbed) >= 2 and re.fullmatch(r"\d{1,3}", tabbed[-1]) and _has_leader_tab(para):
            continue  # "2. Drug education<TAB>2": a contents line typed by hand, tab leader
        if low == "title":
            read.titles.insert(0 if not core_title else 1, text)
            styled += 1
            continue
        if low == "subtitle":
            continue
        level = _heading_level(low) or _outline_level(para)
        if level:
            if level == 1 and first_h1 and not label and not is_generic(text):
                read.titles.append(text)  # the first Heading 1 may name the policy
            first_h1 = first_h1 and level != 1
            deepest = max(deepest, level)
            read.blocks.append(Block("heading", f"{label} {text}" if label else text, level=level))
            continue
        if not bullet and _bold_heading(para, text):
            # Many school policies mark sub-headings by bold Normal text, not a Heading style.
            read.blocks.append(
                Block("heading", f"{label} {text}" if label else text, level=deepest + 1)
            )
            continue
        if low.startswith("list bullet"):
            bullet = True
        read.blocks.append(Block("para", f"{label} {text}" if label else text, bullet=bullet))
    if cover_pending:
        cover_end = len(read.blocks)
    title, school = _font_title(front, body_size)
    if title and not is_generic(title):  # after the title fields, before the first heading
        read.titles.insert(min(styled, len(read.titles)), title)
    if school:
        read.meta.setdefault("school", school)
    if cover_end > 0:
        # The cover page (logo, school name, title, dates) is about the policy, not in it: its
        # dates and tables stay for the builder to read as the policy's details.
        cover = []
        for b in read.blocks[:cover_end]:
            pair = _LABELLED.match(b.text) if b.kind != "row" else None
            if b.kind == "row" or meta_line(b.text) or meta_pairs(b.text)[1]:
                cover.append(b)
            elif pair and is_control_label(pair["key"]):  # "Approved by: Full Governing Body"
                cover.append(Block("row", cells=(pair["key"], pair["value"])))
        read.blocks = cover + read.blocks[cover_end:]
    _drop_title_heading(read)
    _furniture_dates(document, read)
    return read


def _has_leader_tab(paragraph: Any) -> bool:
    """A right tab stop with a dot (or other) leader: how a contents line is set."""
    for el in _with_styles(paragraph):
        for tab in el.iter(f"{W}tab"):
            if _attr(tab, "leader") not in (None, "none") and _attr(tab, "val") == "right":
                return True
    return False


def _furniture_dates(document: Any, read: Read) -> None:
    """Review dates printed only in the page header or footer are still the policy's dates."""
    for section in document.sections:
        for part in (section.header, section.footer):
            try:
                paragraphs = [p.text for p in part.paragraphs]
                paragraphs += [c.text for t in part.tables for r in t.rows for c in r.cells]
            except Exception:  # a damaged header part: the body has been read already
                continue
            for text in paragraphs:
                for name, value in meta_in(text):
                    read.fallback.setdefault(name, value)
                school = school_in(text)
                if school and part is section.header:
                    read.meta.setdefault("school", school)


_PART_SPLIT = re.compile(r"\s+[|·•–—-]\s+|\t+")


def school_in(text: str) -> str:
    """The school's name in a running header ("Kingsway Primary School – Lettings Policy")."""
    for part in _PART_SPLIT.split(text):
        part = part.strip()
        if _SCHOOLISH.match(part) and len(part.split()) <= 10:
            return part
    return ""


def _drop_title_heading(read: Read) -> None:
    """When the first Heading 1 is the title itself, it is not also a section."""
    if not read.titles:
        return
    title = read.titles[0]
    for i, b in enumerate(read.blocks):
        if b.kind == "heading":
            if b.text == title:
                del read.blocks[i]
            return


# --- styles, looked up once per document -------------------------------------------------------
class _Style:
    """A style as this reader uses it: name, element, font and the style it is based on.
    python-docx finds a style by scanning every style's XML on each ``paragraph.style`` and
    ``style.base_style`` (about 1 ms in a template with a few hundred styles), which made a
    file of 100,000 empty paragraphs take minutes; here each is looked up once, by id."""

    __slots__ = ("name", "element", "font", "base_style")

    def __init__(self, style: Any) -> None:
        self.name: str | None = style.name
        self.element: Any = style.element
        self.font: Any = getattr(style, "font", None)  # a numbering style has none
        self.base_style: _Style | None = None


class _Styles:
    """Every style of one document by id, with each base style resolved (a chain of bases
    that loops back on itself is cut where it closes, so walking it always ends)."""

    def __init__(self, document: Any) -> None:
        from docx.enum.style import WD_STYLE_TYPE

        self.by_id: dict[str, _Style] = {}
        paragraph_ids: set[str] = set()
        for style in document.styles:
            style_id = style.style_id
            if style_id and style_id not in self.by_id:  # python-docx takes the first too
                self.by_id[style_id] = _Style(style)
                if style.type == WD_STYLE_TYPE.PARAGRAPH:
                    paragraph_ids.add(style_id)
        self.paragraph_ids = paragraph_ids
        for style in self.by_id.values():
            based_on = style.element.basedOn_val
            style.base_style = self.by_id.get(based_on) if based_on else None
        for style in self.by_id.values():
            seen = {id(style)}
            link = style
            while link.base_style is not None:
                if id(link.base_style) in seen:
                    link.base_style = None
                    break
                seen.add(id(link.base_style))
                link = link.base_style
        default = document.styles.element.default_for(WD_STYLE_TYPE.PARAGRAPH)
        self.default = self.by_id.get(default.styleId) if default is not None else None

    def of(self, p: Any) -> _Style | None:
        """A paragraph's style, as python-docx resolves it (unknown or missing: the default)."""
        style_id = p.style
        if style_id is None or style_id not in self.paragraph_ids:
            return self.default
        return self.by_id[style_id]


@cache
def _paragraph_type() -> Any:
    """python-docx's Paragraph whose ``style`` comes from the document's ``_Styles``."""
    from docx.text.paragraph import Paragraph

    class StyledParagraph(Paragraph):
        def __init__(self, p: Any, parent: Any, styles: _Styles) -> None:
            super().__init__(p, parent)
            self._styles = styles

        @property  # type: ignore[misc]  # read-only: this reader never sets a style
        def style(self) -> Any:
            return self._styles.of(self._p)

    return StyledParagraph
