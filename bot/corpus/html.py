"""HTML policy pages (school websites) → blocks, with the standard library's parser.

Only the page's content counts. Websites build their chrome from <div>s as often as from
semantic tags, so besides <nav>, <header>, <footer>, <aside>, scripts and forms, any element
whose class, id or role names site furniture (menus, breadcrumbs, cookie banners, sidebars and
widgets, share buttons, skip links, site headers and footers) is skipped. A paragraph that is only
a "Download the PDF" link, or only "Last updated …" / "Posted on …", is not policy text.

The page is first read into a small tree (browsers' implied end tags included), so a layout
table is read as the content it holds, a paragraph that is only bold text reads as the sub-heading
it looks like, and lines separated by <br> become the list items they show. Headings give the
structure, list items keep the number a browser would show ("1.", "a."), data-table rows become
rows (a document-control table) and <meta> tags may carry dates. The title is the content's <h1>
(or a heading styled as the page title), else the part of <title> that names the policy.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from bot.corpus import limits
from bot.corpus.blocks import Block, Read
from bot.corpus.dates import leading_date, meta_field, meta_line
from bot.corpus.labels import BULLET_RE, split_number
from bot.corpus.titles import is_generic

_SKIP = {
    "nav",
    "header",
    "footer",
    "aside",
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "form",
    "select",
    "iframe",
    "object",
    "head",
}
_BLOCK = {"p", "div", "li", "dt", "dd", "blockquote", "section", "article", "main", "pre"}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_VOID = {"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "source", "wbr"}
# Elements a paragraph cannot hold: their start closes an open <p>, as in a browser.
_CLOSES_P = {
    *_BLOCK,
    *_HEADINGS,
    "ul",
    "ol",
    "dl",
    "table",
    "hr",
    "header",
    "footer",
    "nav",
    "aside",
    "form",
    "figure",
    "address",
    "details",
}
_INLINE = {"a", "b", "strong", "i", "em", "u", "span", "font", "small", "big", "sup", "sub", "abbr"}
# Site furniture named by class or id: a word of the name starts with one of these ("sidebar",
# "nav-menu", "cookie-notice", "sharedaddy", "breadcrumbs"), is one of _CHROME_WORDS, or the
# name run together contains one of _CHROME_RUNS ("back-to-top", "skipLinks", "sr-only").
_CHROME_STARTS = (
    "nav",
    "menu",
    "breadcrumb",
    "crumb",
    "cookie",
    "consent",
    "sidebar",
    "widget",
    "share",
    "sharing",
    "social",
    "skip",
    "masthead",
    "toolbar",
    "topbar",
    "search",
    "translat",
    "login",
    "logo",
    "branding",
    "comment",
    "related",
    "pagination",
    "colophon",
    "byline",
    "footer",
    "header",
)
_CHROME_ENDS = ("nav", "menu", "bar", "footer", "header", "sidebar")
_CHROME_WORDS = {"edit", "print", "tags", "gdpr", "pager", "quicklinks"}
_CHROME_RUNS = (
    "backtotop",
    "skiplink",
    "skipto",
    "quicklink",
    "toplink",
    "screenreader",
    "visuallyhidden",
    "sronly",
    "tableofcontents",
)
# "entry-header", "page-header", "post-title-bar": the content's own header, holding its title.
# "accordion-header", "card-header": a section's heading in the content.
_CONTENT_WORDS = {
    "entry",
    "page",
    "post",
    "article",
    "content",
    "title",
    "policy",
    "section",
    "accordion",
    "card",
    "panel",
    "collapse",
    "tab",
    "toggle",
}
_CHROME_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog"}
_MAX_DEPTH = 200
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_FILE_LINK = re.compile(r"\.(?:pdf|docx?|odt|rtf|xlsx?|pptx?)(?:[?#].*)?$", re.IGNORECASE)
# Link text that says it is a file: "Download the policy", "Uniform Policy (PDF, 212KB)",
# "Online Safety Policy 2025.pdf".
_DOWNLOAD_TEXT = re.compile(
    r"^(?:click here to )?download\b|\((?:pdf|docx?)\b|\.(?:pdf|docx?|odt)\s*$", re.IGNORECASE
)
# Page furniture lines: "Last updated 8 September 2025 · 4 minute read", "Posted on 14th March".
_UPDATED = re.compile(
    r"^(?:this\s+)?(?:page\s+|post\s+)?(?:last\s+)?(?:updated|modified|posted|published|"
    r"page\s+updated)(?:\s+on)?\s*:?\s*",
    re.IGNORECASE,
)
_FURNITURE = re.compile(
    r"^(?:skip to (?:the )?(?:main )?(?:content|navigation|menu)|back to (?:the )?top|"
    r"top of (?:the )?page|print(?: this page)?|share(?: this(?: page| article)?)?:?)"
    r"(?:\s+(?:skip to .*|\W+))?$",
    re.IGNORECASE,
)
# "© 2025 Some School", "Copyright © …": the site's footer, not the policy.
_COPYRIGHT = re.compile(r"^(?:©|copyright\s+(?:©|\(c\)|\d{4})|\(c\)\s+\d{4})", re.IGNORECASE)
# Sections of a school website, not a policy's name: "Policies", "Key Information".
_SITE_SECTIONS = {
    "home",
    "policies",
    "school policies",
    "our policies",
    "policy documents",
    "key information",
    "statutory information",
    "information",
    "documents",
    "parents",
    "about us",
    "about",
    "governors",
    "our school",
    "school information",
    "news",
}
_TITLE_PARTS = re.compile(r"\s+(?:[|–—:»·-]|::)\s+")
_SCHOOL_NAME = re.compile(
    r"\b(?:school|academy|college|federation|nursery|trust|primary|infants?|juniors?)\s*$",
    re.IGNORECASE,
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


# --- the page as a tree ------------------------------------------------------------------------
class _Node:
    __slots__ = ("tag", "attrs", "children", "parent", "layout")

    def __init__(self, tag: str, attrs: dict[str, str], parent: _Node | None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[_Node | str] = []
        self.parent = parent
        self.layout: bool | None = None  # a table's _layout_table, worked out once

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def elements(self) -> list[_Node]:
        return [c for c in self.children if isinstance(c, _Node)]

    def descendants(self) -> list[_Node]:
        out: list[_Node] = []
        for c in self.elements():
            out += [c, *c.descendants()]
        return out


class _Tree(HTMLParser):
    """Tags into a tree, closing what a browser closes: an open <p> at a block, an <li> at the
    next <li>, a cell at the next cell or row."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {}, None)
        self.stack = [self.root]

    def _close(self, tags: set[str], stop: set[str]) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            tag = self.stack[i].tag
            if tag in tags:
                del self.stack[i:]
                return
            if tag in stop:
                return

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        _count(tag)
        node = _Node(tag, {k: v or "" for k, v in attrs}, self.stack[-1])
        if tag in _CLOSES_P:
            self._close({"p"}, set(_CLOSES_P) - _INLINE | {"td", "th", "li"})
        if tag == "li":
            self._close({"li"}, {"ul", "ol"})
        elif tag in ("dt", "dd"):
            self._close({"dt", "dd"}, {"dl"})
        elif tag in ("td", "th"):
            self._close({"td", "th"}, {"tr", "table"})
        elif tag == "tr":
            self._close({"tr"}, {"table"})
        self.stack[-1].children.append(node)
        if tag not in _VOID and len(self.stack) < _MAX_DEPTH:  # unclosed <font>s nest forever
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.stack[-1].tag == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", _CAMEL.sub(" ", name).lower()) if w]


def _is_chrome(node: _Node) -> bool:
    """Site furniture by its class, id or role (a <div class="site-header">, <ul id="menu">)."""
    if "hidden" in node.attrs or node.attrs.get("aria-hidden") == "true":
        return True
    if node.attrs.get("role", "").lower() in _CHROME_ROLES:
        return True
    for name in (*node.attrs.get("class", "").split(), node.attrs.get("id", "")):
        words = _words(name)
        if not words:
            continue
        run = "".join(words)
        if any(r in run for r in _CHROME_RUNS):
            return True
        for w in words:
            header = w.startswith("header") or w.endswith("header") or w == "top"
            if header and any(c in run for c in _CONTENT_WORDS):
                continue  # "entry-header": the content's own header, holding its title
            if w in _CHROME_WORDS or w == "top" or (w.startswith(_CHROME_STARTS) and w != "shared"):
                return True
            if re.fullmatch(r"toc\d*", w):  # a contents list ("MsoToc1", "toc"): not text
                return True
            if w.endswith(_CHROME_ENDS) and len(w) > 3:
                return True
    return False


def _inside(node: _Node, tags: set[str]) -> bool:
    p = node.parent
    while p is not None:
        if p.tag in tags:
            return True
        p = p.parent
    return False


def _nearest(node: _Node, tag: str) -> _Node | None:
    p = node.parent
    while p is not None and p.tag != tag:
        p = p.parent
    return p


def _class_heading(node: _Node) -> str:
    """The text of a <div class="card-header">-like element: a short line styled as a heading."""
    words = set(_words(node.attrs.get("class", "")))
    if not words & {"header", "heading", "title", "subtitle"}:
        return ""
    if any(d.tag in _CLOSES_P or d.tag in ("table", "br") for d in node.descendants()):
        return ""
    text = " ".join(node.text().split())
    if not text or len(text.split()) > 12 or text.endswith((".", ",", ";", "?", "!")):
        return ""
    return text


def _skipped(node: _Node, page_words: int = 0) -> bool:
    if node.tag == "button":  # "Accept", "Menu"; but an accordion's button is its heading
        words = set(_words(node.attrs.get("class", "")))
        return not (_inside(node, set(_HEADINGS)) or words & _CONTENT_WORDS)
    if node.tag in _SKIP:
        # The content's own <header> (holding its <h1>) and an <aside> note in an article stay.
        own = {"header": {"article", "main"}, "aside": {"article"}}.get(node.tag)
        if own is None or not _inside(node, own):
            return True
    if node.tag in ("html", "body", "main", "article") or not _is_chrome(node):
        return False
    # "<div class="content has-sidebar">" holding most of the page's paragraphs is not
    # furniture, whatever its class says: menus and footers are never most of the prose.
    return not page_words or _prose_words(node) * 2 < page_words


def _layout_table(node: _Node) -> bool:
    """A table used to lay the page out: its cells hold paragraphs, headings or lists. Asked
    for every paragraph in the table, so it is worked out once per table (it walks the whole
    table: asking afresh made a 6,000-row table take minutes)."""
    if node.layout is None:
        node.layout = _holds_layout(node)
    return node.layout


def _holds_layout(node: _Node) -> bool:
    for cell in (d for d in node.descendants() if d.tag in ("td", "th")):
        inner = cell.descendants()
        if any(d.tag in _HEADINGS or d.tag == "table" for d in inner):
            return True
        if len(cell.text().split()) > 150:
            return True
    return False


_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(?:bold|[6-9]00)", re.IGNORECASE)


def _is_bold(node: _Node) -> bool:
    return node.tag in ("strong", "b") or bool(_BOLD_STYLE.search(node.attrs.get("style", "")))


def _bold_text(children: list[_Node | str]) -> str:
    """The text of `children` when it is all bold, short and reads as a heading, else ""."""
    texts = [c for c in children if isinstance(c, str) and c.strip()]
    elems = [c for c in children if isinstance(c, _Node) and c.tag != "br" and c.text().strip()]
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


def _in_data_table(node: _Node) -> bool:
    table = _nearest(node, "table")
    return table is not None and not _layout_table(table)


def _only_bold(node: _Node) -> str:
    """The text of a paragraph that is only bold text ("<p><strong>PE kit</strong></p>")."""
    if _in_data_table(node):
        return ""  # a table's header cell, not a heading of the page
    return _bold_text(node.children)


def _bold_first_line(node: _Node) -> tuple[str, list[_Node | str]]:
    """ "<p><strong>Jewellery</strong><br>For safety, …</p>": the bold first line that heads
    the paragraph, and the rest of the paragraph."""
    brs = [i for i, c in enumerate(node.children) if isinstance(c, _Node) and c.tag == "br"]
    if not brs or _in_data_table(node):
        return "", []
    head, rest = node.children[: brs[0]], node.children[brs[0] + 1 :]
    heading = _bold_text(head)
    if not heading or not "".join(c if isinstance(c, str) else c.text() for c in rest).strip():
        return "", []
    return heading, rest


def _download_only(node: _Node) -> bool:
    """A paragraph that is only a link to a file ("Download the PDF version"), or a list item
    that is only a link saying so ("Uniform Policy (PDF)"): a list item that only links to a
    form may still be one of the things a rule lists."""
    links = [d for d in node.descendants() if d.tag == "a"]
    if not links:
        return False
    text = " ".join(node.text().split())
    in_links = " ".join(" ".join(a.text() for a in links).split())
    if text != in_links:
        return False
    if _DOWNLOAD_TEXT.search(text):
        return True
    return node.tag != "li" and any(_FILE_LINK.search(a.attrs.get("href", "")) for a in links)


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
        elif tag in _HEADINGS:
            self.flush()
            self.heading = _HEADINGS[tag]
            self.title_heading = "title" in _words(a.get("class", "") + " " + a.get("id", ""))
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
        elif tag in _BLOCK or tag in ("table", "dl", "hr"):
            self.flush()

    def end(self, tag: str) -> None:
        if tag in _HEADINGS:
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
        elif tag in _BLOCK or tag == "table":
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
        if _FURNITURE.match(text) or (not self.heading and _COPYRIGHT.match(text)):
            return
        if self.heading:
            if text.lower() in self.site_names:
                return  # the school's name in the site's banner
            title = self.heading == 1 or self.title_heading
            if title and not self.h1_seen and _names_policy(text) and not split_number(text)[0]:
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


def page_date(line: str) -> tuple[str, str] | None:
    """("Posted on", "14 March 2025") for "Posted on 14 March 2025 by Admin", "Last updated:
    12th June 2025", "Page updated 3/3/25 · 4 minute read": the web page's own date, kept as the
    page's details and never quoted as a clause."""
    m = _UPDATED.match(line)
    if not m or m.end() == 0:
        return None
    date = leading_date(line[m.end() :])
    if date is None:
        return None
    label = line[: m.end()].strip(" :")
    return label[:1].upper() + label[1:], date


def _names_policy(text: str) -> bool:
    return not is_generic(text) and text.lower() not in _SITE_SECTIONS


def _prose_words(node: _Node) -> int:
    """How many words of paragraphs `node` holds."""
    return sum(len(d.text().split()) for d in node.descendants() if d.tag == "p")


def _walk(node: _Node, out: _Blocks, page_words: int = 0) -> None:
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
        if child.tag == "title" or _skipped(child, page_words):
            continue
        if child.tag in ("p", "div", "li", "dd") and _download_only(child):
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
                body = _Node(child.tag, child.attrs, child.parent)
                body.children = rest
                out.start(child.tag, child.attrs)
                _walk(body, out, page_words)
                out.end(child.tag)
                continue
        if child.tag in ("p", "div") and (styled := _class_heading(child)):
            if "title" in _words(child.attrs.get("class", "")) and not out.h1_seen:
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
        if child.tag not in _VOID:
            _walk(child, out, page_words)
            out.end(child.tag)


def _count(tag: str) -> None:
    """What one page may hold (bot/corpus/limits.py): its paragraphs and its table cells."""
    if tag in ("td", "th"):
        limits.count("table cells")
    elif tag in ("p", "li"):
        limits.count("paragraphs")


def _walk_layout(node: _Node, out: _Blocks, page_words: int) -> None:
    """A layout table's cells, read as the page sections they are."""
    for child in node.elements():
        if child.tag in ("td", "th"):
            if not _skipped(child, page_words):
                _walk(child, out, page_words)
                out.flush()
        else:
            _walk_layout(child, out, page_words)


def _page_title(text: str) -> str:
    """ "Anti-bullying Policy | Kingsway Primary", "Some School - Policies - Intimate Care": the
    part that names the policy, not the school or the website's section."""
    parts = [p.strip() for p in _TITLE_PARTS.split(" ".join(text.split())) if p.strip()]
    named = [p for p in parts if p.lower() not in _SITE_SECTIONS and not _SCHOOL_NAME.search(p)]
    return (named or parts or [""])[0]


def read_fragment(text: str) -> Read:
    """A block of HTML inside another format (a Markdown page's <table> or <div>)."""
    tree = _Tree()
    tree.feed(text)
    tree.close()
    out = _Blocks()
    _walk(tree.root, out)
    out.flush()
    return out.read


def read_html(text: str) -> Read:
    tree = _Tree()
    tree.feed(text)
    tree.close()
    out = _Blocks()
    nodes = tree.root.descendants()
    title = next((n for n in nodes if n.tag == "title"), None)
    names = _TITLE_PARTS.split(" ".join(title.text().split())) if title is not None else []
    names += [
        n.attrs.get("content", "")
        for n in nodes
        if n.tag == "meta" and n.attrs.get("property", "").lower() == "og:site_name"
    ]
    out.site_names = {n.strip().lower() for n in names if _SCHOOL_NAME.search(n.strip())}
    body = next((n for n in nodes if n.tag == "body"), tree.root)
    page_words = _prose_words(body)
    _walk(tree.root, out, page_words)
    out.flush()
    read = out.read
    og = [t for t in read.titles[1 if out.h1_seen else 0 :]]
    read.titles[1 if out.h1_seen else 0 :] = [_page_title(t) for t in og]
    if title is not None and (page_title := _page_title(title.text())):
        read.titles.append(page_title)
    return read
