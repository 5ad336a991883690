"""Markdown (with optional YAML front matter) → blocks of visible text.

Quotes must be what a reader of the rendered page sees, so the syntax goes: link targets,
images, emphasis, code ticks, blockquote markers, footnote markers and their definitions, HTML
tags, static-site shortcodes ("{{< button >}}", "{% include %}") and attribute lists
("{: .note}"). Hard-wrapped lines are joined back into their paragraph; tables are rows, with or
without outer pipes. Front matter, YAML (`---`) or TOML (`+++`), gives the title and dates
(`title`, `adopted`, `approved`, `review_date`, `next_review`…); the site generator's own keys
(`layout`, `permalink`, `tags`…) are not the policy's details. A line that is only a "Download
the PDF" link, or the page's "Last updated …" date, is page furniture and never a clause.
"""

from __future__ import annotations

import re

from bot.corpus.blocks import Block, Read
from bot.corpus.dates import is_date_value, meta_field
from bot.corpus.html import read_fragment
from bot.corpus.labels import BULLET_RE
from bot.corpus.titles import is_generic
from bot.corpus.web_furniture import page_date

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_RULE = re.compile(r"^(?:\*\s*){3,}$|^(?:-\s*){3,}$|^(?:_\s*){3,}$")
_FENCE = re.compile(r"^(```|~~~)")
_FOOTNOTE_DEF = re.compile(r"^\[\^[^\]]+\]:")
_BOLD_LINE = re.compile(r"^(\*\*|__)([^*_]+)\1$")
_LINK_DEF = re.compile(r"^\[[^\]^]+\]:\s*\S+")
_TABLE_SEP = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_ORDERED = re.compile(r"^(\d{1,2})[.)]\s+")
# Static-site template tags and kramdown attribute lists: instructions to the generator.
# Heading ids and classes ("## Ratios {#ratios}") are attributes too.
_TEMPLATE = re.compile(
    r"\{\{[<%].*?[%>]\}\}|\{%.*?%\}|\{:[^}]*\}|\{\{.*?\}\}|\s*\{[#.][\w .#=\"'-]*\}\s*$"
)
# Callout fences: MkDocs "!!! note "Title"", Docusaurus ":::tip" and ":::".
_CALLOUT = re.compile(r"^(?:[!?]{3}\+?\s*\w+(?:\s+\".*\")?|:::\s*\w*.*)$")
# "© 2025 Some School", "Copyright © …": the site's footer, not the policy.
_COPYRIGHT = re.compile(r"^(?:©|copyright\s+(?:©|\(c\)|\d{4})|\(c\)\s+\d{4})", re.IGNORECASE)
_FILE_LINK = re.compile(r"\]\([^)]*\.(?:pdf|docx?|odt)\)|\]:\s*\S+\.(?:pdf|docx?|odt)\b", re.I)
# A line opening a block of HTML: the block runs to the next blank line, as in CommonMark.
_HTML_BLOCK = re.compile(
    r"^</?(?:table|thead|tbody|tr|div|ul|ol|li|dl|details|summary|p|section|figure|blockquote|"
    r"h[1-6]|aside|nav|article|header|footer|center)\b",
    re.IGNORECASE,
)
_DOWNLOAD = re.compile(r"^(?:click here to )?download\b", re.IGNORECASE)
# Keys a site generator puts in front matter for itself, not details of the policy.
_SITE_KEYS = {
    "layout",
    "permalink",
    "slug",
    "url",
    "aliases",
    "tags",
    "categories",
    "menu",
    "draft",
    "weight",
    "type",
    "template",
    "toc",
    "sidebar",
    "nav_order",
    "parent",
    "has_children",
    "image",
    "thumbnail",
    "excerpt",
    "summary",
    "description",
    "lang",
    "translationkey",
}

_INLINE = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), ""),  # images: not text
    (re.compile(r"\[\^[^\]]+\]"), ""),  # footnote markers
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # [text](target) → text
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # [text][ref] → text
    (re.compile(r"<(https?://[^>]+|[^@>\s]+@[^>\s]+)>"), r"\1"),  # autolinks
    (re.compile(r"<[^>]+>"), ""),  # inline HTML tags
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\w)"), r"\1"),
    (re.compile(r"(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?!\w)"), r"\1"),
    (re.compile(r"~~(.+?)~~"), r"\1"),
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])"), r"\1"),
]


def bold_line(text: str) -> bool:
    return bool(_BOLD_LINE.match(text))


def inline(text: str) -> str:
    for pattern, repl in _INLINE:
        text = pattern.sub(repl, text)
    return " ".join(text.split())


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """The `---` (YAML) or `+++` (TOML) block at the top as key → value (scalars only, a
    TOML table's keys included), and the text after it."""
    lines = text.lstrip("\ufeff").splitlines()
    fence = lines[0].strip() if lines else ""
    if fence not in {"---", "+++"}:
        return {}, text
    sep = ":" if fence == "---" else "="
    for end in range(1, len(lines)):
        if lines[end].strip() in ({"---", "..."} if fence == "---" else {"+++"}):
            meta: dict[str, str] = {}
            for line in lines[1:end]:
                if fence == "+++":
                    line = line.strip()  # a TOML table's keys are indented by choice only
                key, found, value = line.partition(sep)
                value = value.split(" #")[0].strip()  # a comment after the value
                if found and key.strip() and not line.startswith((" ", "\t", "-", "#", "[")):
                    if value[:1] in "[{" or value in {"|", ">", "|-", ">-"}:
                        continue  # a list, table or block: not a detail to quote
                    meta[key.strip().strip("'\"")] = value.strip("'\"")
            return meta, "\n".join(lines[end + 1 :])
    return {}, text


def _download(line: str) -> bool:
    """A line that is only a link to the policy's file ("[Download the PDF](policy.pdf)")."""
    text = inline(line)
    linked = re.fullmatch(r"\[[^\]]+\](?:\([^)]*\)|\[[^\]]*\])", line.strip(" *_"))
    return bool(text) and (
        _DOWNLOAD.match(text) is not None or (linked is not None and bool(_FILE_LINK.search(line)))
    )


def read_markdown(text: str) -> Read:
    read = Read()
    fm, body = front_matter(text)
    for key, value in fm.items():
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
    lines = body.splitlines()
    h1_count = sum(1 for ln in lines if re.match(r"^#\s", ln.strip()))
    title_taken = bool(read.titles)
    first_heading = True
    in_fence = in_footnote = False
    prev_kind = "blank"  # what the last line was: blank, para, item, heading
    deepest = 0  # the deepest # heading level so far: a bold line sits one below it
    i = 0
    while i < len(lines):
        raw = lines[i].rstrip()
        i += 1
        if _FENCE.match(raw.strip()):
            in_fence = not in_fence
            continue
        stripped = raw.strip()
        if not stripped:
            prev_kind, in_footnote = "blank", False
            continue
        if _LINK_DEF.match(stripped):  # "[policy]: https://…" defines a link target
            continue
        if _FOOTNOTE_DEF.match(stripped):
            in_footnote = True
            continue
        if in_footnote and raw.startswith((" ", "\t")):
            continue
        in_footnote = False
        if stripped.startswith("<!--"):  # a comment, perhaps over several lines
            while "-->" not in stripped and i < len(lines):
                stripped, i = lines[i], i + 1
            continue
        if _HTML_BLOCK.match(stripped):
            chunk = [stripped]
            while i < len(lines) and lines[i].strip():
                chunk, i = [*chunk, lines[i]], i + 1
            fragment = read_fragment("\n".join(chunk))
            read.blocks += fragment.blocks
            for key, value in fragment.control.items():
                read.control.setdefault(key, value)
            prev_kind = "blank"
            continue
        if _TEMPLATE.search(stripped):
            stripped = _TEMPLATE.sub("", stripped).strip()
            if not inline(stripped):
                continue  # only template tags: the generator's, not the reader's
        if _download(stripped) or _CALLOUT.match(stripped) or _COPYRIGHT.match(stripped):
            continue
        if found_date := page_date(inline(stripped)):
            read.control.setdefault(*found_date)  # "Page updated: 20 November 2024"
            prev_kind = "blank"
            continue
        while stripped.startswith(">"):  # blockquote markers are not text
            stripped = stripped[1:].strip()
        if not stripped or _RULE.match(stripped):
            prev_kind = "blank"
            continue
        level, heading = 0, ""
        if m := _HEADING.match(stripped):
            level, heading = len(m[1]), m[2]
        elif i < len(lines) and prev_kind == "blank" and _SETEXT.match(lines[i].strip()):
            level, heading = (1 if lines[i].strip().startswith("=") else 2), stripped
            i += 1
        elif (
            (bold := _BOLD_LINE.match(stripped))
            and prev_kind == "blank"
            and (i >= len(lines) or not lines[i].strip())  # a paragraph of its own
            and len(bold[2].split()) <= 10
            and not bold[2].rstrip().endswith((".", ",", ";", "?", "!"))
        ):
            level, heading = deepest + 1, bold[2]  # "**Risk assessments**" alone: a sub-heading
        if level:
            heading = inline(heading)
            deepest = max(deepest, level) if not bold_line(stripped) else deepest
            if first_heading and level == 1 and not is_generic(heading):
                # The first top heading names the policy, unless it is one of several
                # top-level sections and the front matter names the policy differently.
                read.titles.append(heading)
                first_heading = False
                same = bool(read.titles) and read.titles[0].lower() == heading.lower()
                if not title_taken or same or h1_count == 1:
                    title_taken = True
                    prev_kind = "heading"
                    continue
            first_heading = False
            read.blocks.append(Block("heading", heading, level=level))
            prev_kind = "heading"
            continue
        table = stripped.startswith("|") or (
            "|" in stripped
            and (
                prev_kind == "row"
                or (i < len(lines) and "|" in lines[i] and bool(_TABLE_SEP.match(lines[i].strip())))
            )
        )
        if table:
            if not _TABLE_SEP.match(stripped):
                cells = tuple(inline(c) for c in stripped.strip("|").split("|"))
                read.blocks.append(Block("row", cells=cells))
            prev_kind = "row"
            continue
        bullet = bool(re.match(r"^[-*+]\s+", stripped))
        ordered = bool(_ORDERED.match(stripped))
        if bullet:
            text_ = inline(stripped[2:])
            read.blocks.append(Block("para", text_, bullet=True))
            prev_kind = "item"
            continue
        if ordered:  # numbered by the renderer: part of the paragraph that introduces it
            read.blocks.append(Block("para", inline(stripped), item=True))
            prev_kind = "item"
            continue
        text_ = inline(stripped)
        if not text_:
            continue
        joins = prev_kind in {"para", "item"}  # a hard-wrapped line of the same paragraph
        read.blocks.append(Block("para", text_, joins=joins, bullet=bool(BULLET_RE.match(text_))))
        prev_kind = "para" if prev_kind != "item" else "item"
    return read
