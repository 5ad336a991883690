"""An HTML page as a small tree, built with the standard library's parser, closing what a
browser closes (an open <p> at a block, an <li> at the next <li>, a cell at the next cell or
row), so the readers see the structure a browser shows."""

from __future__ import annotations

from html.parser import HTMLParser

from bot.corpus import limits

BLOCK = {"p", "div", "li", "dt", "dd", "blockquote", "section", "article", "main", "pre"}
HEADINGS = {f"h{n}": n for n in range(1, 7)}
VOID = {"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "source", "wbr"}
# Elements a paragraph cannot hold: their start closes an open <p>, as in a browser.
CLOSES_P = {
    *BLOCK,
    *HEADINGS,
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
INLINE = {"a", "b", "strong", "i", "em", "u", "span", "font", "small", "big", "sup", "sub", "abbr"}
_MAX_DEPTH = 200


class Node:
    __slots__ = ("tag", "attrs", "children", "parent", "layout")

    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[Node | str] = []
        self.parent = parent
        # For a <table>: whether it lays the page out (html.py), worked out once per table,
        # never once per cell (a 6,000-row table would be read in quadratic time).
        self.layout: bool | None = None

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def elements(self) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node)]

    def descendants(self) -> list[Node]:
        out: list[Node] = []
        for c in self.elements():
            out += [c, *c.descendants()]
        return out


class Tree(HTMLParser):
    """Tags into a tree, closing what a browser closes: an open <p> at a block, an <li> at the
    next <li>, a cell at the next cell or row."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
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
        node = Node(tag, {k: v or "" for k, v in attrs}, self.stack[-1])
        if tag in CLOSES_P:
            self._close({"p"}, set(CLOSES_P) - INLINE | {"td", "th", "li"})
        if tag == "li":
            self._close({"li"}, {"ul", "ol"})
        elif tag in ("dt", "dd"):
            self._close({"dt", "dd"}, {"dl"})
        elif tag in ("td", "th"):
            self._close({"td", "th"}, {"tr", "table"})
        elif tag == "tr":
            self._close({"tr"}, {"table"})
        self.stack[-1].children.append(node)
        if tag not in VOID and len(self.stack) < _MAX_DEPTH:  # unclosed <font>s nest forever
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack[-1].tag == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def inside(node: Node, tags: set[str]) -> bool:
    p = node.parent
    while p is not None:
        if p.tag in tags:
            return True
        p = p.parent
    return False


def nearest(node: Node, tag: str) -> Node | None:
    p = node.parent
    while p is not None and p.tag != tag:
        p = p.parent
    return p


def _count(tag: str) -> None:
    """What one page may hold (bot/corpus/limits.py): its paragraphs and its table cells."""
    if tag in ("td", "th"):
        limits.count("table cells")
    elif tag in ("p", "li"):
        limits.count("paragraphs")
