"""Markdown (with optional YAML or TOML front matter) → blocks of visible text.

Markdown is read by markdown-it-py, a CommonMark parser, with GFM tables and mdit-py-plugins for
front matter, footnotes, definition lists, MkDocs admonitions ("!!! note") and Docusaurus-style
containers (":::tip"): what a reader of the rendered page sees is what the parser says is text,
so link targets, images, emphasis, code ticks, blockquote markers, footnotes, link definitions and
HTML comments never reach a quote. HTML blocks are read by the HTML reader.

What CommonMark does not know is ours:

- static-site template tags ("{{< button >}}", "{% include %}") and attribute lists
  ("{: .note}", "## Ratios {#ratios}") are instructions to the site generator, taken out first;
- grid and dashed tables typed into the page (tables.py) are tables, read row by row;
- front matter — YAML (`---`, through PyYAML, every value kept as written) or TOML (`+++`,
  through tomllib) — gives the title and dates (`title`, `adopted`, `review_date`…); the site
  generator's own keys (`layout`, `permalink`, `tags`…) are not the policy's details;
- a paragraph that is only a "Download the PDF" link, the page's "Last updated …" date or the
  site's copyright line is page furniture; a paragraph that is only bold text is a sub-heading;
- "1. Purpose" underlined with "---" is the heading its author typed (CommonMark reads a list
  item and a rule).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from bot.corpus.blocks import Block, Read
from bot.corpus.dates import is_date_value, meta_field
from bot.corpus.html import read_fragment
from bot.corpus.labels import BULLET_RE
from bot.corpus.tables import TextTable, find_tables
from bot.corpus.titles import is_generic
from bot.corpus.web_furniture import COPYRIGHT, page_date

# Static-site template tags and kramdown attribute lists: instructions to the generator.
# Heading ids and classes ("## Ratios {#ratios}") are attributes too.
_TEMPLATE = re.compile(
    r"\{\{[<%].*?[%>]\}\}|\{%.*?%\}|\{:[^}]*\}|\{\{.*?\}\}|\s*\{[#.][\w .#=\"'-]*\}\s*$"
)
_FENCE = re.compile(r"^\s*(```|~~~)")
_FILE_LINK = re.compile(r"\.(?:pdf|docx?|odt)(?:[?#].*)?$", re.IGNORECASE)
_DOWNLOAD = re.compile(r"^(?:click here to )?download\b", re.IGNORECASE)
_PLACE = "\ue010"  # a paragraph standing for a text table found before parsing
# Keys a site generator puts in front matter for itself, not details of the policy.
_SITE_KEYS = {
    "layout", "permalink", "slug", "url", "aliases", "tags", "categories", "menu", "draft",
    "weight", "type", "template", "toc", "sidebar", "nav_order", "parent", "has_children",
    "image", "thumbnail", "excerpt", "summary", "description", "lang", "translationkey",
}  # fmt: skip


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return (
        MarkdownIt("commonmark", {"html": True})
        .enable(["table", "strikethrough"])
        .use(front_matter_plugin)
        .use(footnote_plugin)
        .use(deflist_plugin)
        .use(admon_plugin)
        .use(container_plugin, name="any", validate=lambda *_: True)  # ":::tip", ":::note …"
    )


# --- front matter -----------------------------------------------------------------------------
def _scalar(value: Any) -> str | None:
    """A front-matter value as written, or None for a list or table (no detail to quote)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list) or value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """The TOML (`+++`) block at the top as key → value (a table's keys included), and the
    text after it; YAML front matter is the parser's (see `_yaml`)."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "+++":
        return {}, text
    end = next((k for k in range(1, len(lines)) if lines[k].strip() == "+++"), None)
    if end is None:
        return {}, text
    try:
        data = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError:
        data = {}
    meta: dict[str, str] = {}
    for key, value in data.items():
        for k, v in value.items() if isinstance(value, dict) else [(key, value)]:
            if (s := _scalar(v)) is not None:
                meta.setdefault(k, s)
    return meta, "\n".join(lines[end + 1 :])


def _yaml(content: str) -> dict[str, str]:
    """YAML front matter's top-level values, each as written (BaseLoader types nothing)."""
    try:
        data = yaml.load(content, Loader=yaml.BaseLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): s for k, v in data.items() if (s := _scalar(v)) is not None}


def _details(read: Read, fm: dict[str, str]) -> None:
    for key, value in fm.items():
        value = value.strip()
        if not value:
            continue
        name = meta_field(key)
        if name == "title":
            read.titles.append(value)
            continue
        if name is None and key.lower() in _SITE_KEYS:
            continue
        read.control.setdefault(key, value)  # the front matter is the document's control table
        dated = name in {"approval_date", "next_review"}
        if name and (not dated or meta_field(key, fuzzy=False) or is_date_value(value)):
            read.meta.setdefault(name, value)


# --- before parsing: what CommonMark does not know --------------------------------------------
def _prepare(body: str) -> tuple[str, list[TextTable]]:
    """Template tags out, and grid and dashed tables replaced by placeholder paragraphs (code
    fences left alone)."""
    lines = body.splitlines()
    fenced = False
    for k, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and _TEMPLATE.search(line):
            lines[k] = _TEMPLATE.sub("", line).rstrip()
    tables = [t for t in find_tables(lines) if t.kind != "pipe"]  # pipe tables are GFM's
    for n, t in reversed(list(enumerate(tables))):
        lines[t.start : t.end] = ["", f"{_PLACE}{n}", ""]
    return "\n".join(lines), tables


# --- inline text --------------------------------------------------------------------------------
def _text(token: Token) -> str:
    """An inline token's visible text: links as their words, images, HTML tags and footnote
    markers left out, line breaks as spaces."""
    out: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
    return " ".join("".join(out).split())


def _bold_only(token: Token) -> str:
    """The text of a paragraph that is only bold ("**Risk assessments**"), short and with no
    closing punctuation: a sub-heading by eye; "" otherwise."""
    kids = [c for c in token.children or [] if not (c.type == "text" and not c.content.strip())]
    if len(kids) < 3 or kids[0].type != "strong_open" or kids[-1].type != "strong_close":
        return ""
    if any(c.type == "strong_open" for c in kids[1:-1]):
        return ""
    text = _text(token)
    if not text or len(text.split()) > 10 or text.endswith((".", ",", ";", "?", "!")):
        return ""
    return text


def _download(token: Token) -> bool:
    """A paragraph that is only a link to the policy's file, or says "Download …"."""
    text = _text(token)
    if _DOWNLOAD.match(text):
        return True
    kids = [c for c in token.children or [] if not (c.type == "text" and not c.content.strip())]
    links = [c for c in kids if c.type == "link_open"]
    return (
        bool(links)
        and kids[0].type == "link_open"
        and kids[-1].type == "link_close"
        and sum(c.type == "link_open" for c in kids) == 1
        and bool(_FILE_LINK.search(str(links[0].attrGet("href") or "")))
    )


# --- the blocks ---------------------------------------------------------------------------------
class _Reader:
    def __init__(self, read: Read, tables: list[TextTable], h1_count: int) -> None:
        self.read = read
        self.tables = tables
        self.h1_count = h1_count
        self.title_taken = bool(read.titles)
        self.first_heading = True
        self.deepest = 0  # the deepest # heading level so far: a bold paragraph sits below it
        self.lists: list[str] = []  # open lists: "ul" / "ol"
        self.item_label = ""  # the printed number of the list item being read ("1.", "2)")
        self.item_paras = 0  # paragraphs read so far in the current list item
        self.term = False  # inside a definition list's definition

    def heading(self, level: int, text: str, bold: bool = False) -> None:
        if not text:
            return
        if not bold:
            self.deepest = max(self.deepest, level)
        if self.first_heading and level == 1 and not is_generic(text):
            # The first top heading names the policy, unless it is one of several top-level
            # sections and the front matter names the policy differently.
            titles = self.read.titles
            titles.append(text)
            self.first_heading = False
            same = titles[0].lower() == text.lower()
            if not self.title_taken or same or self.h1_count == 1:
                self.title_taken = True
                return
        self.first_heading = False
        self.read.blocks.append(Block("heading", text, level=level))

    def paragraph(self, inline: Token) -> None:
        text = _text(inline)
        if text.startswith(_PLACE) and text[1:].isdigit():
            self.table(self.tables[int(text[1:])])
            return
        if not text or _download(inline) or COPYRIGHT.match(text):
            return
        if found := page_date(text):
            self.read.control.setdefault(*found)  # "Page updated: 20 November 2024"
            return
        if self.lists:
            self.item_paras += 1
            if self.item_paras > 1:  # a list item's second paragraph goes on with it
                self.read.blocks.append(Block("para", text, joins=True))
            elif self.lists[-1] == "ol":  # numbered by the renderer: part of its lead-in
                self.read.blocks.append(Block("para", f"{self.item_label} {text}", item=True))
            else:
                self.read.blocks.append(Block("para", text, bullet=True))
            return
        if self.term:  # a definition: an item of the term it defines
            self.read.blocks.append(Block("para", text, item=True))
            return
        if bold := _bold_only(inline):
            self.heading(self.deepest + 1, bold, bold=True)
            return
        self.read.blocks.append(Block("para", text, bullet=bool(BULLET_RE.match(text))))

    def table(self, table: TextTable) -> None:
        md = _parser()
        for k, row in enumerate(table.rows):
            cells = tuple(" ".join(_text(t) for t in md.parseInline(c)) for c in row)
            head = table.header if k == 0 else None
            self.read.blocks.append(Block("row", cells=cells, head=head))

    def html(self, content: str) -> None:
        fragment = read_fragment(content)
        self.read.blocks += fragment.blocks
        for key, value in fragment.control.items():
            self.read.control.setdefault(key, value)


def _rows(tokens: list[Token], i: int) -> Iterator[tuple[tuple[str, ...], bool]]:
    """A GFM table's rows from its table_open at `i`: (cells, is the header row)."""
    cells: list[str] = []
    head = False
    for t in tokens[i + 1 :]:
        if t.type == "table_close":
            return
        if t.type == "thead_open":
            head = True
        elif t.type == "thead_close":
            head = False
        elif t.type == "tr_open":
            cells = []
        elif t.type == "inline":
            cells.append(_text(t))
        elif t.type == "tr_close":
            yield tuple(cells), head


def _typed_heading(tokens: list[Token], i: int) -> str:
    """ "1. Purpose" over "---": a one-item numbered list whose text reads as a heading,
    followed straight by a rule. Its text with its number, or ""."""
    if tokens[i].type != "ordered_list_open" or i + 6 >= len(tokens):
        return ""
    item, para, inline = tokens[i + 1], tokens[i + 2], tokens[i + 3]
    close = tokens[i + 5 : i + 8]
    if not (para.type == "paragraph_open" and inline.type == "inline"):
        return ""
    if [t.type for t in close] != ["list_item_close", "ordered_list_close", "hr"]:
        return ""
    text = _text(inline)
    if not text or len(text.split()) > 10 or text.endswith((".", ",", ";", ":")):
        return ""
    return f"{item.info}{item.markup} {text}"


def read_markdown(text: str) -> Read:
    read = Read()
    toml, body = front_matter(text)
    body, tables = _prepare(body)
    tokens = _parser().parse(body)
    yaml_fm = next((t.content for t in tokens if t.type == "front_matter"), "")
    _details(read, {**toml, **_yaml(yaml_fm)})
    h1_count = sum(1 for t in tokens if t.type == "heading_open" and t.tag == "h1")
    r = _Reader(read, tables, h1_count)
    skip_to = -1
    for i, t in enumerate(tokens):
        if i < skip_to:
            continue
        kind = t.type
        if kind == "heading_open":
            r.heading(int(t.tag[1]), _text(tokens[i + 1]))
            skip_to = i + 3
        elif heading := _typed_heading(tokens, i):
            r.heading(2, heading)
            skip_to = i + 8
        elif kind == "paragraph_open":
            r.paragraph(tokens[i + 1])
            skip_to = i + 3
        elif kind == "code_block":  # prose indented by four spaces, not code in a policy
            for para in re.split(r"\n\s*\n", t.content):
                if " ".join(para.split()):
                    read.blocks.append(Block("para", " ".join(para.split())))
        elif kind == "html_block":
            r.html(t.content)
        elif kind == "table_open":
            for cells, head in _rows(tokens, i):
                read.blocks.append(Block("row", cells=cells, head=True if head else None))
            skip_to = next(k for k in range(i, len(tokens)) if tokens[k].type == "table_close")
        elif kind in ("bullet_list_open", "ordered_list_open"):
            r.lists.append("ol" if kind == "ordered_list_open" else "ul")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            r.lists.pop()
        elif kind == "list_item_open":
            r.item_label, r.item_paras = f"{t.info}{t.markup}", 0
        elif kind == "dd_open":
            r.term = True
        elif kind == "dd_close":
            r.term = False
        elif kind in ("footnote_block_open", "admonition_title_open"):
            close = "footnote_block_close" if kind == "footnote_block_open" else kind[:-4] + "close"
            skip_to = next(k for k in range(i, len(tokens)) if tokens[k].type == close)
        elif kind == "dt_open":
            term = _text(tokens[i + 1])
            if term:
                read.blocks.append(Block("para", term))
            skip_to = i + 3
    return read
