"""HTML policy pages (school websites) → blocks, with the standard library's parser.

Only the page's content counts: navigation, header, footer, scripts and styles are skipped.
Headings give the structure, list items keep the number a browser would show ("1.", "a."),
table rows become rows (a document-control table) and <meta> tags may carry dates.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from bot.corpus.blocks import Block, Read
from bot.corpus.dates import meta_field, meta_line
from bot.corpus.titles import is_generic

_SKIP = {"nav", "header", "footer", "script", "style", "noscript", "template", "svg", "form"}
_BLOCK = {"p", "div", "li", "dt", "dd", "blockquote", "section", "article", "main", "pre"}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_VOID = {"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "source", "wbr"}


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


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.read = Read()
        self.skip = 0
        self.text: list[str] = []
        self.heading = 0
        self.lists: list[list[Any]] = []  # [kind ("ul"/"ol"), counter, type]
        self.item_label = ""
        self.item_bullet = False
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.in_title = False
        self.page_title = ""
        self.h1_seen = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in _VOID:
            if tag == "meta":
                self._meta(a.get("name") or a.get("property") or "", a.get("content", ""))
            elif tag == "br":
                self.text.append("\n")
            return
        if self.skip or tag in _SKIP:
            self.skip += 1
            return
        if tag == "title":
            self.in_title = True
        elif tag in _HEADINGS:
            self.flush()
            self.heading = _HEADINGS[tag]
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
        elif tag in _BLOCK:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if self.skip:
            self.skip -= 1
            return
        if tag == "title":
            self.in_title = False
        elif tag in _HEADINGS:
            self.flush()
            self.heading = 0
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
        elif tag in _BLOCK:
            self.flush()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.in_title:
            self.page_title += data
        elif self.cell is not None:
            self.cell.append(data)
        elif self.row is None:
            self.text.append(data)

    def _meta(self, name: str, content: str) -> None:
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

    def flush(self) -> None:
        raw = "".join(self.text)
        self.text = []
        lines = [" ".join(ln.split()) for ln in raw.split("\n") if ln.strip()]
        if len(lines) > 1 and all(meta_line(ln) for ln in lines):
            for ln in lines:  # "Approved …: 8 July 2025<br>Review date: …": the policy's details
                self.read.blocks.append(Block("para", ln))
            return
        text = " ".join(raw.split())
        if not text:
            return
        if self.heading:
            if self.heading == 1 and not self.h1_seen and not is_generic(text):
                self.h1_seen = True
                self.read.titles.insert(0, text)  # the page's first <h1> names the policy
                return
            self.read.blocks.append(Block("heading", text, level=self.heading))
            return
        label, self.item_label = self.item_label, ""
        bullet, self.item_bullet = self.item_bullet, False
        self.read.blocks.append(
            Block("para", f"{label} {text}" if label else text, bullet=bullet, item=bool(label))
        )


def read_html(text: str) -> Read:
    parser = _Parser()
    parser.feed(text)
    parser.close()
    parser.flush()
    read = parser.read
    page_title = " ".join(parser.page_title.split())
    if page_title:
        # "Anti-bullying Policy | Kingsway Primary" → the part naming the policy
        read.titles.append(page_title.split(" | ")[0].split(" – ")[0].strip())
    return read
