"""What on a school's web page is the website, not the policy: menus, banners, cookie notices,
sidebars, share buttons and footers (by tag, role, class or id), "Download the PDF" links,
"Last updated …" lines, and the website's part of the page's <title>.

Websites build their chrome from <div>s as often as from semantic tags, so besides <nav>,
<header>, <footer>, <aside>, scripts and forms, any element whose class, id or role names site
furniture is skipped, unless it holds most of the page's prose.
"""

from __future__ import annotations

import re

from bot.corpus.dates import leading_date
from bot.corpus.html_tree import HEADINGS, Node, inside
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
CONTENT_WORDS = {
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
FURNITURE = re.compile(
    r"^(?:skip to (?:the )?(?:main )?(?:content|navigation|menu)|back to (?:the )?top|"
    r"top of (?:the )?page|print(?: this page)?|share(?: this(?: page| article)?)?:?)"
    r"(?:\s+(?:skip to .*|\W+))?$",
    re.IGNORECASE,
)
# "© 2025 Some School", "Copyright © …": the site's footer, not the policy.
COPYRIGHT = re.compile(r"^(?:©|copyright\s+(?:©|\(c\)|\d{4})|\(c\)\s+\d{4})", re.IGNORECASE)
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
TITLE_PARTS = re.compile(r"\s+(?:[|–—:»·-]|::)\s+")
SCHOOL_NAME = re.compile(
    r"\b(?:school|academy|college|federation|nursery|trust|primary|infants?|juniors?)\s*$",
    re.IGNORECASE,
)


def class_words(name: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", _CAMEL.sub(" ", name).lower()) if w]


def _is_chrome(node: Node) -> bool:
    """Site furniture by its class, id or role (a <div class="site-header">, <ul id="menu">)."""
    if "hidden" in node.attrs or node.attrs.get("aria-hidden") == "true":
        return True
    if node.attrs.get("role", "").lower() in _CHROME_ROLES:
        return True
    for name in (*node.attrs.get("class", "").split(), node.attrs.get("id", "")):
        words = class_words(name)
        if not words:
            continue
        run = "".join(words)
        if any(r in run for r in _CHROME_RUNS):
            return True
        for w in words:
            header = w.startswith("header") or w.endswith("header") or w == "top"
            if header and any(c in run for c in CONTENT_WORDS):
                continue  # "entry-header": the content's own header, holding its title
            if w in _CHROME_WORDS or w == "top" or (w.startswith(_CHROME_STARTS) and w != "shared"):
                return True
            if re.fullmatch(r"toc\d*", w):  # a contents list ("MsoToc1", "toc"): not text
                return True
            if w.endswith(_CHROME_ENDS) and len(w) > 3:
                return True
    return False


def skipped(node: Node, page_words: int = 0) -> bool:
    if node.tag == "button":  # "Accept", "Menu"; but an accordion's button is its heading
        words = set(class_words(node.attrs.get("class", "")))
        return not (inside(node, set(HEADINGS)) or words & CONTENT_WORDS)
    if node.tag in _SKIP:
        # The content's own <header> (holding its <h1>) and an <aside> note in an article stay.
        own = {"header": {"article", "main"}, "aside": {"article"}}.get(node.tag)
        if own is None or not inside(node, own):
            return True
    if node.tag in ("html", "body", "main", "article") or not _is_chrome(node):
        return False
    # "<div class="content has-sidebar">" holding most of the page's paragraphs is not
    # furniture, whatever its class says: menus and footers are never most of the prose.
    return not page_words or prose_words(node) * 2 < page_words


def download_only(node: Node) -> bool:
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


def names_policy(text: str) -> bool:
    return not is_generic(text) and text.lower() not in _SITE_SECTIONS


def prose_words(node: Node) -> int:
    """How many words of paragraphs `node` holds."""
    return sum(len(d.text().split()) for d in node.descendants() if d.tag == "p")


def page_title(text: str) -> str:
    """ "Anti-bullying Policy | Kingsway Primary", "Some School - Policies - Intimate Care": the
    part that names the policy, not the school or the website's section."""
    parts = [p.strip() for p in TITLE_PARTS.split(" ".join(text.split())) if p.strip()]
    named = [p for p in parts if p.lower() not in _SITE_SECTIONS and not SCHOOL_NAME.search(p)]
    return (named or parts or [""])[0]
