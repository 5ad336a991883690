"""HTML policy pages (school websites) → blocks: the structure of the page's content.

Only the page's content counts: what is the website's (menus, banners, sidebars, "Download the
PDF" links, "Last updated …" lines) is told apart in web_furniture.py.

The page is first read into a small tree (browsers' implied end tags included), so a layout
table is read as the content it holds, a paragraph that is only bold text reads as the sub-heading
it looks like, and lines separated by <br> become the list items they show. Headings give the
structure, list items keep the number a browser would show ("1.", "a."), data-table rows become
rows (a document-control table) and <meta> tags may carry dates. The title is the content's <h1>
(or a heading styled as the page title), else the part of <title> that names the policy. The
tree is html_tree.py's.
"""

from __future__ import annotations

import re
from typing import Any

from bot.corpus import limits
from bot.corpus.blocks import Block, Read
from bot.corpus.dates import meta_field, meta_line
from bot.corpus.html_tree import BLOCK, CLOSES_P, HEADINGS, VOID, Node, Tree, nearest
from bot.corpus.labels import BULLET_RE, split_number
from bot.corpus.web_furniture import (
    COPYRIGHT,
    FURNITURE,
    SCHOOL_NAME,
    TITLE_PARTS,
    class_words,
    download_only,
    names_policy,
    page_date,
    page_title,
    prose_words,
    skipped,
)

_LIST_LINE = re.compile(r"^(?:[-–•·*▪●◦]\s+|\(?(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)]\s+)")


def _roman(n: int) -> str:
    out = ""
    for value, digits in ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out, n = out + digits, n - value
    return out


def _ol_label(n: int, kind: str) -> str:
    if kind == "a":
        return f"{chr(96 + n)}."
    if kind == "A":
        return f"{chr(64 + n)}."
    if kind == "i":
        return f"{_roman(n)}."
    if kind == "I":
        return f"{_roman(n).upper()}."
    return f"{n}."


def _class_heading(node: Node) -> str:
    """The text of a <div class="card-header">-like element: a short line styled as a heading."""
    words = set(class_words(node.attrs.get("class", "")))
    if not words & {"header", "heading", "title", "subtitle"}:
        return ""
    if any(d.tag in CLOSES_P or d.tag in ("table", "br") for d in node.descendants()):
        return ""
    text = " ".join(node.text().split())
    if not text or len(text.split()) > 12 or text.endswith((".", ",", ";", "?", "!")):
        return ""
    return text


def _layout_table(node: Node) -> bool:
    """A table used to lay the page out: its cells hold headings, tables or long text."""
    if node.layout is None:
        node.layout = any(
            any(d.tag in HEADINGS or d.tag == "table" for d in cell.descendants())
            or len(cell.text().split()) > 150
            for cell in node.descendants()
            if cell.tag in ("td", "th")
        )
    return node.layout


_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(?:bold|[6-9]00)", re.IGNORECASE)


def _is_bold(node: Node) -> bool:
    return node.tag in ("strong", "b") or bool(_BOLD_STYLE.search(node.attrs.get("style", "")))


def _bold_text(children: list[Node | str]) -> str:
    """The text of `children` when it is all bold, short and reads as a heading, else ""."""
    texts = [c for c in children if isinstance(c, str) and c.strip()]
    elems = [c for c in children if isinstance(c, Node) and c.tag != "br" and c.text().strip()]
    if texts or len(elems) != 1:
        return ""
    inner = elems[0]
    while not _is_bold(inner) and inner.tag in ("span", "u", "font", "a"):
        if any(isinstance(c, str) and c.strip() for c in inner.children):
            return ""
        kids = [c for c in inner.elements() if c.text().strip()]
        if len(kids) != 1:
            return ""
        inner = kids[0]
    if not _is_bold(inner):
        return ""
    text = " ".join(inner.text().split())
    if not text or len(text.split()) > 12 or text.endswith((".", ",", ";", "?", "!")):
        return ""
    return text


def _in_data_table(node: Node) -> bool:
    table = nearest(node, "table")
    return table is not None and not _layout_table(table)


def _only_bold(node: Node) -> str:
    """The text of a paragraph that is only bold text ("<p><strong>PE kit</strong></p>")."""
    if _in_data_table(node):
        return ""  # a table's header cell, not a heading of the page
    return _bold_text(node.children)


def _bold_first_line(node: Node) -> tuple[str, list[Node | str]]:
    """ "<p><strong>Jewellery</strong><br>For safety, …</p>": the bold first line that heads
    the paragraph, and the rest of the paragraph."""
    brs = [i for i, c in enumerate(node.children) if isinstance(c, Node) and c.tag == "br"]
    if not brs or _in_data_table(node):
        return "", []
    head, rest = node.children[: brs[0]], node.children[brs[0] + 1 :]
    heading = _bold_text(head)
    if not heading or not "".join(c if isinstance(c, str) else c.text() for c in rest).strip():
        return "", []
    return heading, rest


# --- the content as blocks ---------------------------------------------------------------------
class _Blocks:
    def __init__(self) -> None:
        self.read = Read()
        self.text: list[str] = []
        self.heading = 0
        self.last_level = 1  # the last real heading's level: a bold paragraph sits below it
        self.lists: list[list[Any]] = []  # [kind ("ul"/"ol"), counter, type]
        self.item_label = ""
        self.item_bullet = False
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.h1_seen = False
        self.title_heading = False  # this heading is styled as the page's title
        self.site_names: set[str] = set()  # the school's name, as the page's <title> gives it

    def start(self, tag: str, a: dict[str, str]) -> None:
        if tag == "br":
            self.text.append("\n")
        elif tag in HEADINGS:
            self.flush()
            self.heading = HEADINGS[tag]
            self.title_heading = "title" in class_words(a.get("class", "") + " " + a.get("id", ""))
        elif tag in ("ul", "ol"):
            self.flush()
            start = int(a["start"]) if a.get("start", "").isdigit() else 1
            self.lists.append([tag, start - 1, a.get("type", "1")])
        elif tag == "li":
            self.flush()
            if self.lists and self.lists[-1][0] == "ol":
                self.lists[-1][1] += 1
                self.item_label = _ol_label(self.lists[-1][1], self.lists[-1][2])
            else:
                self.item_bullet = True
        elif tag == "tr":
            self.flush()
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
        elif tag in BLOCK or tag in ("table", "dl", "hr"):
            self.flush()

    def end(self, tag: str) -> None:
        if tag in HEADINGS:
            self.flush()
            self.heading = 0
            self.title_heading = False
        elif tag in ("ul", "ol"):
            self.flush()
            if self.lists:
                self.lists.pop()
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if any(self.row):
                self.read.blocks.append(Block("row", cells=tuple(self.row)))
            self.row = None
        elif tag in BLOCK or tag == "table":
            self.flush()

    def data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)
        elif self.row is None:
            # A line break in the source is a space on the page: only <br> breaks a line.
            self.text.append(data.replace("\r", " ").replace("\n", " "))

    def bold_heading(self, text: str, below: bool = True) -> None:
        """A paragraph styled as a heading: a sub-heading of the last real heading (bold text),
        or a heading beside it (a card's or panel's header)."""
        self.flush()
        level = min(self.last_level + 1, 6) if below else self.last_level
        self.read.blocks.append(Block("heading", text, level=level))

    def meta(self, name: str, content: str) -> None:
        low = name.lower()
        field = meta_field(low.split(".")[-1].split(":")[-1]) or (
            "next_review"
            if "review" in low
            else "approval_date"
            if "approv" in low or "adopt" in low
            else None
        )
        if field == "title" and content:
            self.read.titles.append(content)
        elif field and content:
            self.read.meta.setdefault(field, content.strip())
            self.read.control.setdefault(name, content.strip())

    def _updated(self, line: str) -> bool:
        found = page_date(line)
        if found:
            self.read.control.setdefault(*found)
        return found is not None

    def flush(self) -> None:
        raw = "".join(self.text)
        self.text = []
        if self.heading:
            self._one(raw.replace("\n", " "))
            return
        # A blank line (<br><br>) parts two paragraphs of a <div> or <p>.
        for chunk in re.split(r"\n[^\S\n]*\n", raw):
            self._one(chunk)

    def _one(self, raw: str) -> None:
        lines = [" ".join(ln.split()) for ln in raw.split("\n") if ln.strip()]
        if not lines:
            return
        if not self.heading and all(meta_line(ln) or self._updated(ln) for ln in lines):
            for ln in lines:  # "Approved …: 8 July 2025<br>Review date: …": the policy's details
                if not self._updated(ln):
                    self.read.blocks.append(Block("para", ln))
            return
        text = " ".join(lines)
        if FURNITURE.match(text) or (not self.heading and COPYRIGHT.match(text)):
            return
        if self.heading:
            if text.lower() in self.site_names:
                return  # the school's name in the site's banner
            title = self.heading == 1 or self.title_heading
            if title and not self.h1_seen and names_policy(text) and not split_number(text)[0]:
                self.h1_seen = True
                self.read.titles.insert(0, text)  # the page's first <h1> names the policy
                return
            self.last_level = self.heading
            self.read.blocks.append(Block("heading", text, level=self.heading))
            return
        label, self.item_label = self.item_label, ""
        bullet, self.item_bullet = self.item_bullet, False
        if len(lines) > 1 and any(_LIST_LINE.match(ln) for ln in lines[1:]):
            self._lines(lines, label, bullet)
            return
        self.read.blocks.append(
            Block("para", f"{label} {text}" if label else text, bullet=bullet, item=bool(label))
        )

    def _lines(self, lines: list[str], label: str, bullet: bool) -> None:
        """A paragraph whose <br>-separated lines are a list ("Children wear:<br>- grey
        trousers<br>- a white polo shirt"): its lead-in, then one item per line."""
        paras: list[tuple[str, bool]] = []  # (text, is a list line)
        for ln in lines:
            listed = bool(_LIST_LINE.match(ln))
            if paras and not listed and not paras[-1][1]:
                paras[-1] = (f"{paras[-1][0]} {ln}", False)  # a wrapped line of the lead-in
            else:
                paras.append((ln, listed))
        first = True
        for text, listed in paras:
            if first:
                text = f"{label} {text}" if label else text
                self.read.blocks.append(Block("para", text, bullet=bullet, item=bool(label)))
                first = False
            elif listed and BULLET_RE.match(text):
                self.read.blocks.append(Block("para", _LIST_LINE.sub("", text), item=True))
            else:
                self.read.blocks.append(Block("para", text, item=listed))


def _walk(node: Node, out: _Blocks, page_words: int = 0) -> None:
    for child in node.children:
        if isinstance(child, str):
            out.data(child)
            continue
        limits.tick()
        if child.tag == "meta":
            name = child.attrs.get("name") or child.attrs.get("property") or ""
            out.meta(name, child.attrs.get("content", ""))
            continue
        if child.tag == "head":  # only its <meta> tags: the title is read at the end
            for meta in (d for d in child.descendants() if d.tag == "meta"):
                name = meta.attrs.get("name") or meta.attrs.get("property") or ""
                out.meta(name, meta.attrs.get("content", ""))
            continue
        if child.tag == "title" or skipped(child, page_words):
            continue
        if child.tag in ("p", "div", "li", "dd") and download_only(child):
            continue
        if child.tag == "summary" and (label := " ".join(child.text().split())):
            out.bold_heading(label)  # a <details> disclosure's label heads what it opens
            continue
        if child.tag in ("p", "div") and (bold := _only_bold(child)):
            out.bold_heading(bold)
            continue
        if child.tag in ("p", "div"):
            bold, rest = _bold_first_line(child)
            if bold:
                out.bold_heading(bold)
                body = Node(child.tag, child.attrs, child.parent)
                body.children = rest
                out.start(child.tag, child.attrs)
                _walk(body, out, page_words)
                out.end(child.tag)
                continue
        if child.tag in ("p", "div") and (styled := _class_heading(child)):
            if "title" in class_words(child.attrs.get("class", "")) and not out.h1_seen:
                out.flush()  # "<p class=MsoTitle>", "<div class="page-title">": the title
                out.heading, out.title_heading = 1, True
                out.data(styled)
                out.end("h1")
                continue
            out.bold_heading(styled, below=False)
            continue
        if child.tag == "table" and _layout_table(child):
            out.flush()
            _walk_layout(child, out, page_words)
            continue
        out.start(child.tag, child.attrs)
        if child.tag not in VOID:
            _walk(child, out, page_words)
            out.end(child.tag)


def _walk_layout(node: Node, out: _Blocks, page_words: int) -> None:
    """A layout table's cells, read as the page sections they are."""
    for child in node.elements():
        if child.tag in ("td", "th"):
            if not skipped(child, page_words):
                _walk(child, out, page_words)
                out.flush()
        else:
            _walk_layout(child, out, page_words)


def read_fragment(text: str) -> Read:
    """A block of HTML inside another format (a Markdown page's <table> or <div>)."""
    tree = Tree()
    tree.feed(text)
    tree.close()
    out = _Blocks()
    _walk(tree.root, out)
    out.flush()
    return out.read


def read_html(text: str) -> Read:
    tree = Tree()
    tree.feed(text)
    tree.close()
    out = _Blocks()
    nodes = tree.root.descendants()
    title = next((n for n in nodes if n.tag == "title"), None)
    names = TITLE_PARTS.split(" ".join(title.text().split())) if title is not None else []
    names += [
        n.attrs.get("content", "")
        for n in nodes
        if n.tag == "meta" and n.attrs.get("property", "").lower() == "og:site_name"
    ]
    out.site_names = {n.strip().lower() for n in names if SCHOOL_NAME.search(n.strip())}
    body = next((n for n in nodes if n.tag == "body"), tree.root)
    page_words = prose_words(body)
    _walk(tree.root, out, page_words)
    out.flush()
    read = out.read
    og = [t for t in read.titles[1 if out.h1_seen else 0 :]]
    read.titles[1 if out.h1_seen else 0 :] = [page_title(t) for t in og]
    if title is not None and (named := page_title(title.text())):
        read.titles.append(named)
    return read
