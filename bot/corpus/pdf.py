"""PDF policies (usually exported from Word) → the visible text, cleaned, as blocks.

A PDF is a page image with text runs, not a document, so the page furniture must go before the
text reader sees it: running headers and footers (lines repeated on most pages), page numbers,
the contents page (lines ending in dot leaders or page numbers). Lines are rejoined into
paragraphs; a word hyphenated across a line break is rejoined when the document itself, or the
model's English vocabulary, knows the joined word ("safe-guarding" → "safeguarding"), and keeps
its hyphen otherwise ("well-being"). The title is the PDF's metadata title or the largest text on
the first page. Encrypted and image-only PDFs are refused with what to do.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.corpus.blocks import Read
from bot.corpus.dates import meta_in
from bot.corpus.labels import BULLET_RE, PAGE_FOOTER_RE
from bot.corpus.text import read_lines, starts_item
from bot.errors import UnreadableFile

if TYPE_CHECKING:
    from pypdf import PdfReader

_LEADERS = re.compile(r"(?:\.{3,}|…{2,}|(?:\. ){3,}|\s{2,})\s*\d{1,3}\s*$")
_WORD = re.compile(r"[A-Za-z]+")
_HYPHEN_END = re.compile(r"([A-Za-z]+)-$")
_LEAD_WORD = re.compile(r"^([a-z]+)")
_DIGITS = re.compile(r"\d+")


class UnreadablePdf(UnreadableFile):
    """See bot/errors.py."""


def _page_lines(reader: PdfReader) -> tuple[list[list[str]], str]:
    """Each page's lines (whitespace runs collapsed: justified text spreads words apart), and
    the largest text on page one, read in the same pass (text extraction is the slow part)."""
    pages = []
    runs: list[tuple[float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, font_size: float) -> None:
        if text.strip():
            runs.append((round(abs(font_size * (tm[3] or 1) * (cm[3] or 1)), 1), text))

    for n, page in enumerate(reader.pages):
        try:
            text = page.extract_text(visitor_text=visit if n == 0 else None) or ""
        except Exception:  # a font pypdf cannot measure on page one: read it plainly
            runs.clear()
            text = page.extract_text() or ""
        pages.append([" ".join(ln.split()) for ln in text.splitlines()])
    return pages, _largest(runs)


def _furniture(pages: list[list[str]]) -> set[str]:
    """Lines (digits ignored) at the top or bottom of most pages: running headers/footers."""
    if len(pages) < 2:
        return set()
    seen: Counter[str] = Counter()
    for lines in pages:
        content = [ln.strip() for ln in lines if ln.strip()]
        edge = {ln for ln in content[:3] + content[-3:] if not starts_item(ln)}  # never a clause
        seen.update({_DIGITS.sub("#", ln) for ln in edge})
    need = max(2, (len(pages) + 1) // 2)
    return {k for k, n in seen.items() if n >= need}


def _largest(runs: list[tuple[float, str]]) -> str:
    """The largest text on the first page (Word's Title style exports as the biggest font)."""
    if not runs:
        return ""
    biggest = max(size for size, _ in runs)
    body = Counter(size for size, _ in runs).most_common(1)[0][0]
    if biggest <= body:
        return ""
    return " ".join("".join(t for size, t in runs if size == biggest).split())


def _vocabulary(pages: list[list[str]]) -> set[str]:
    words: set[str] = set()
    for lines in pages:
        for ln in lines:
            words.update(w.lower() for w in _WORD.findall(ln))
    return words


def _known(word: str, own: set[str]) -> bool:
    if word.lower() in own:
        return True
    from bot.retrieval.vocabulary import english_words, stem

    return stem(word.lower()) in english_words() and len(word) > 3


def join_hyphenated(first: str, second: str, own: set[str], own_text: str) -> str:
    """Two lines where the first ends "safe-" and the second starts "guarding": one line."""
    m, n = _HYPHEN_END.search(first), _LEAD_WORD.match(second)
    if not m or not n:
        return f"{first} {second}"
    a, b = m[1], n[1]
    hyphenated = f"{a}-{b}".lower()
    if hyphenated in own_text:
        return first + second  # the document writes it with a hyphen elsewhere
    if _known(a + b, own) or not _known(b, own):
        # "safe-guarding" is "safeguarding"; "heat-ers" splits a word ("ers" is none)
        return first[:-1] + second
    return first + second  # "well-being": two words joined by a real hyphen


def read_pdf(path: Path) -> Read:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    if reader.is_encrypted:
        try:
            opened = bool(reader.decrypt(""))  # only an owner password: opens without one
        except Exception:
            opened = False
        if not opened:
            raise UnreadablePdf(
                "the PDF is password-protected",
                "open it with its password and save or print it to a PDF without one "
                "(or save the original document as .docx), then run `policybot index`",
            )
    pages, big = _page_lines(reader)
    if not any(ln.strip() for lines in pages for ln in lines):
        raise UnreadablePdf(
            "the PDF has no text (a scanned image)",
            "export the original document to PDF or .docx, or run OCR on the scan "
            "(e.g. Acrobat › Scan & OCR), then run `policybot index`",
        )
    furniture = _furniture(pages)
    own = _vocabulary(pages)
    own_text = " ".join(" ".join(lines) for lines in pages).lower()
    lines: list[str] = []
    dates: dict[str, str] = {}
    for page_lines in pages:
        for ln in page_lines:
            s = ln.strip()
            if not s:
                lines.append("")
                continue
            if _DIGITS.sub("#", s) in furniture or PAGE_FOOTER_RE.match(s):
                for name, value in meta_in(s):  # a review date in the running footer
                    dates.setdefault(name, value)
                continue
            if s.lower().rstrip(":") in {"contents", "table of contents"} or _LEADERS.search(ln):
                continue  # the contents page
            lines.append(s)
    read = read_lines(_paragraphs(lines, own, own_text))
    read.fallback.update(dates)
    titles: list[str] = []
    meta_title = (reader.metadata.title if reader.metadata else None) or ""
    if (
        meta_title
        and not meta_title.lower().startswith("microsoft word")
        and not re.search(r"\.(docx?|pdf)$", meta_title, re.I)
    ):
        titles.append(meta_title)
    if big:
        titles.append(big)
    read.titles = titles + read.titles
    return read


def _paragraphs(lines: list[str], own: set[str], own_text: str) -> list[str]:
    """Visual lines → one line per paragraph, with blank lines between paragraphs and around
    headings, as the text reader expects."""
    widths = [len(ln) for ln in lines if ln]
    full = sorted(widths)[int(len(widths) * 0.9)] if widths else 0
    out: list[str] = []
    prev = ""
    for ln in lines:
        if not ln:
            if out and out[-1]:
                out.append("")
            prev = ""
            continue
        ends_para = not prev or prev.endswith((".", ":", ";", "!", "?")) or len(prev) < 0.7 * full
        short_heading = (
            len(ln.split()) <= 8
            and ln[:1].isupper()
            and not ln.endswith((".", ",", ";", ":"))
            and not starts_item(ln)
            and ends_para
        )
        if out and out[-1] and _HYPHEN_END.search(out[-1]) and _LEAD_WORD.match(ln):
            out[-1] = join_hyphenated(out[-1], ln, own, own_text)
        elif not out or not out[-1] or starts_item(ln) or BULLET_RE.match(ln):
            out.append(ln)
        elif (
            short_heading
            or (ends_para and prev.endswith((".", ":", "!", "?")) and len(prev) < 0.85 * full)
            or _is_heading(out[-1])
        ):
            out += ["", ln]
        else:
            out[-1] = f"{out[-1]} {ln}"
        prev = ln
    # headings stand alone between blank lines
    final: list[str] = []
    for ln in out:
        if ln and _is_heading(ln) and final and final[-1]:
            final.append("")
        final.append(ln)
        if ln and _is_heading(ln):
            final.append("")
    return final


def _is_heading(line: str) -> bool:
    return (
        len(line.split()) <= 8
        and line[:1].isupper()
        and not line.rstrip().endswith((".", ",", ";", ":"))
        and not BULLET_RE.match(line)
    )
