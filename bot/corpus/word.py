"""Word (.docx) policies → blocks: the body read paragraph by paragraph as staff see it.

Headings come from the Heading styles (or a custom style's outline level, or a short paragraph
set in bold), the title from the core properties, the Title style, the first Heading 1 or the
largest text on the cover page; the cover page and the contents page are the policy's details,
never its clauses. What Word computes or draws is read by its own module: automatic numbering
(word_numbering.py), tables (word_tables.py), visible text (word_xml.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bot.corpus import limits
from bot.corpus.blocks import Block, Read
from bot.corpus.dates import (
    is_control_label,
    meta_field,
    meta_in,
    meta_line,
    meta_pairs,
)
from bot.corpus.labels import is_form_line
from bot.corpus.titles import is_generic
from bot.corpus.word_numbering import Numbering, list_styles, num_pr
from bot.corpus.word_styles import Styles, paragraph_type
from bot.corpus.word_tables import table_blocks, table_rows
from bot.corpus.word_xml import (
    HIDDEN,
    W,
    attr,
    body_elements,
    child_at,
    visible_runs,
    visible_text,
)


def _bold_heading(paragraph: Any, text: str) -> bool:
    """A short paragraph set wholly in bold with no closing punctuation: a heading by eye
    (never "Review date: July 2026" with its label in bold)."""
    if len(text.split()) > 10 or text.endswith((".", ",", ";", ":", "?", "!")):
        return False
    if meta_line(text) or meta_pairs(text)[1]:
        return False
    runs = visible_runs(paragraph)
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
        value = attr(child_at(el, "pPr", "outlineLvl"), "val")
        if value is not None and value.isdigit():
            return int(value) + 1 if int(value) < 9 else 0
    return 0


def _heading_level(style_name: str) -> int:
    low = style_name.lower()
    if low.startswith("heading"):
        digits = "".join(ch for ch in low if ch.isdigit())
        return int(digits or 1)
    return 0


def _size(paragraph: Any, element: Any | None = None) -> float:
    """The largest font size (points) of a paragraph's text, from its runs or its style."""
    el = paragraph._p if element is None else element
    sizes = []
    for r in el.iter(f"{W}r"):
        if any(a.tag in HIDDEN for a in r.iterancestors()):
            continue
        if element is None and any(a.tag == f"{W}txbxContent" for a in r.iterancestors()):
            continue
        if not "".join(t.text or "" for t in r.iter(f"{W}t")).strip():
            continue
        sz = attr(child_at(r, "rPr", "sz"), "val")
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
            return attr(flag, "val") not in ("0", "false", "off")
    return False


def _page_break(element: Any) -> bool:
    """A paragraph that ends its page: a manual page break, or a section break in its pPr."""
    if element.find(f"{W}pPr/{W}sectPr") is not None:
        return True
    return any(attr(br, "type") == "page" for br in element.iter(f"{W}br"))


_LABELLED = re.compile(r"^(?P<key>[A-Z][\w ,'’()/-]{1,40}):\s*(?P<value>\S.{0,100})$")
_SCHOOLISH = re.compile(
    r"^[A-Z][\w'’ &.-]{2,80}\b(?:school|academy|college|federation|trust|nursery)$", re.I
)


def _front_lines(paragraph: Any) -> list[tuple[float, str]]:
    """(font size, text) of a front-page paragraph, a text box's paragraphs one by one."""
    boxes = [
        box
        for box in paragraph._p.iter(f"{W}txbxContent")
        if not any(a.tag in HIDDEN for a in box.iterancestors())
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


# What makes an empty paragraph more than spacing: a style, a number or a page break of its own.
_OWN = ("pStyle", "numPr", "pageBreakBefore")


def read_docx(path: Path) -> Read:
    import docx  # python-docx, imported only when a Word policy is present
    from docx.table import Table

    document = docx.Document(str(path))
    styles = Styles(document)
    Paragraph = paragraph_type()  # python-docx's, with the styles looked up once
    read = Read()
    core_title = (document.core_properties.title or "").strip()
    if core_title:
        read.titles.append(core_title)
    try:
        numbering_root = document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        numbering_root = None
    numbering = Numbering.from_part(numbering_root, list_styles(document))
    first_h1 = True
    deepest = 0  # the deepest Heading style level so far: bold lines sit one below it
    body = document.element.body
    normal = document.styles["Normal"] if "Normal" in [s.name for s in document.styles] else None
    body_size = float(normal.font.size.pt) if normal is not None and normal.font.size else 11.0
    front: list[tuple[float, str]] = []  # the text before the policy starts, with font sizes
    in_front, front_words, cover_end, cover_pending = True, 0, -1, False
    styled = 1 if core_title else 0  # title candidates from the file's own title fields
    for child in body_elements(body):
        if cover_pending:
            cover_end, cover_pending = len(read.blocks), False
        if child.tag == f"{W}tbl":
            read.blocks.extend(table_blocks(table_rows(Table(child, document), styles)))
            continue
        if child.tag != f"{W}p":
            continue
        limits.count("paragraphs")
        raw_text = visible_text(child)
        if not raw_text.strip() and not any(child.find(f"{W}pPr/{W}{t}") is not None for t in _OWN):
            # An empty paragraph of the default style (spacing): no text, no number, no style to
            # look up (python-docx looks a default style up by scanning them all), only perhaps
            # the page break that ends the cover page.
            if in_front and _page_break(child):
                in_front = False
                cover_pending = _is_cover(read.blocks, front_words)
            continue
        para = Paragraph(child, document, styles)
        text = " ".join(raw_text.replace("\t", " ").split())
        style = para.style.name if para.style is not None else ""
        low = style.lower()
        num = num_pr(para)
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
            if attr(tab, "leader") not in (None, "none") and attr(tab, "val") == "right":
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
