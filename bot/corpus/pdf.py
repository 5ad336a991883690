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
from bot.corpus.dates import (
    is_control_label,
    leading_date,
    meta_field,
    meta_in,
    meta_pairs,
    split_label,
)
from bot.corpus.hyphens import HYPHEN_END, LEAD_WORD, join_hyphenated
from bot.corpus.labels import (
    BULLET_RE,
    DECIMAL_RE,
    PAGE_FOOTER_RE,
    SECTION_RE,
    is_form_line,
    is_history_header,
)
from bot.corpus.paragraphs import KEY_VALUE_RE, SCHOOL_NAME_RE, starts_item
from bot.corpus.text import read_lines
from bot.corpus.titles import is_generic
from bot.corpus.word import school_in
from bot.errors import UnreadableFile

if TYPE_CHECKING:
    from pypdf import PdfReader

_LEADERS = re.compile(r"(?:\.{3,}|…{2,}|(?:\. ){3,}|\s{2,})\s*\d{1,3}\s*$")
_WORD = re.compile(r"[A-Za-z]+")
_DIGITS = re.compile(r"\d+")


class UnreadablePdf(UnreadableFile):
    """See bot/errors.py."""


def _page_lines(reader: PdfReader) -> tuple[list[list[str]], str]:
    """Each page's lines (whitespace runs collapsed: justified text spreads words apart), and
    the largest text on page one, read in the same pass (text extraction is the slow part)."""
    pages = []
    runs: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, font_size: float) -> None:
        if text.strip():
            size = round(abs(font_size * (tm[3] or 1) * (cm[3] or 1)), 1)
            runs.append((size, round(tm[5] * (cm[3] or 1) + cm[5], 1), text))

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


def _largest(runs: list[tuple[float, float, str]]) -> str:
    """The largest text on the first page (Word's Title style exports as the biggest font); a
    title set over two lines is one title ("Drug Education and Managing" / "Drug-Related…")."""
    if not runs:
        return ""
    biggest = max(size for size, _, _ in runs)
    amount: Counter[float] = Counter()
    for size, _, text in runs:  # the body size is the one most of the text is set in
        amount[size] += len(text.strip())
    if biggest <= amount.most_common(1)[0][0]:
        return ""
    out, last_y = "", None
    for size, y, text in runs:
        if size != biggest:
            continue
        if last_y is not None and y != last_y and not out.endswith(" "):
            out += " "
        elif not out and starts_item(text):
            return ""  # the body's own text ("1. Drills"): the page has no title of its own
        out, last_y = out + text, y
    out = " ".join(out.split())
    return out if len(out.split()) <= 20 else ""


def _vocabulary(pages: list[list[str]]) -> set[str]:
    words: set[str] = set()
    for lines in pages:
        for ln in lines:
            words.update(w.lower() for w in _WORD.findall(ln))
    return words


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
    school = ""  # the school's name in the running header
    if big and pages:
        pages[0] = _join_title(pages[0], big)
    for page_lines in pages:
        history = False  # inside a Version | Date | Changes table
        kept: list[str] = []
        for ln in page_lines:
            s = ln.strip()
            if not s:
                kept.append("")
                continue
            if _DIGITS.sub("#", s) in furniture or PAGE_FOOTER_RE.match(s):
                for name, value in meta_in(s):  # a review date in the running footer
                    dates.setdefault(name, value)
                school = school or school_in(s)
                continue
            if s.lower().rstrip(":") in {"contents", "table of contents"} or _LEADERS.search(ln):
                continue  # the contents page
            if history and _history_row(s):
                continue
            history = False
            if is_history_header(s.split()):
                history = True  # the document's history, not its rules
                continue
            if is_form_line(s):
                continue  # "Signed: ______  Date: ____": a form's blanks
            kept.append(s)
        kept = _label_rows(_drop_footnotes(kept))
        if page_lines is pages[0] and len(pages) > 1 and _is_cover(kept):
            kept = _cover(kept, big)
        lines += kept
    read = read_lines(_paragraphs(lines, own, own_text))
    read.fallback.update(dates)
    if school:
        read.meta.setdefault("school", school)
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


def _join_title(lines: list[str], title: str) -> list[str]:
    """The title set over two or three lines on the cover is one line, as it is read."""
    want = " ".join(title.split())
    for i in range(len(lines)):
        for j in range(i + 2, min(i + 4, len(lines)) + 1):
            if " ".join(" ".join(lines[i:j]).split()) == want:
                return [*lines[:i], want, *lines[j:]]
    return lines


def _is_cover(lines: list[str]) -> bool:
    """A first page of a few short lines (logo, school, title, dates): no clause, no section
    heading ("Introduction") and no line of running prose."""
    words = sum(len(ln.split()) for ln in lines)
    return 0 < words <= 120 and not any(
        DECIMAL_RE.match(ln) or starts_item(ln) or len(ln.split()) > 14 or is_generic(ln)
        for ln in lines
        if ln
    )


def _cover(lines: list[str], title: str) -> list[str]:
    """The cover page as the text reader should see it: the title, then the policy's dates, each
    on its own; the logo, the school's name and the rest of the cover are not policy text."""
    keep = [ln for ln in lines if ln and (ln == title or meta_in(ln) or _about_policy(ln))]
    keep += [  # "Approved by: Full Governing Body": the policy's details, kept as the cover has them
        ln
        for ln in lines
        if ln not in keep and (m := KEY_VALUE_RE.match(ln)) and is_control_label(m["key"])
    ]
    if title and title not in keep:
        keep.insert(0, title)
    school = next((ln for ln in lines if SCHOOL_NAME_RE.match(ln) and ln != title), "")
    if school:  # above the title, where the text reader takes it as the school's name
        keep = [school, *(ln for ln in keep if ln != school)]
    out: list[str] = []
    for ln in keep:
        out += [ln, ""]
    return out


def _about_policy(line: str) -> bool:
    """ "Policy adopted by governors 23 January 2025": a date line, never a heading."""
    return bool(meta_pairs(line)[0] or split_label(line))


_VERSION = re.compile(r"^v?\d{1,2}(?:\.\d{1,2})*\s+")


def _history_row(line: str) -> bool:
    """A line of a version-history table: "1.0 September 2023 New policy", or a short wrapped
    part of its Changes column ("DfE guidance"); not the heading or prose that follows it."""
    if leading_date(_VERSION.sub("", line, count=1)) or leading_date(line):
        return not meta_in(line)  # a footer's "Next review: …" ends the table
    words = line.split()
    return (
        len(words) <= 6
        and not starts_item(line)
        and not SECTION_RE.match(line)
        and not is_generic(line)
        and not meta_in(line)
    )


_NOTE_RE = re.compile(r"^(\d{1,2}) (\S.*)$")


def _drop_footnotes(lines: list[str]) -> list[str]:
    """Footnotes at the foot of a page ("1 Drug advice for schools, DfE, 2012."), and their
    reference numbers glued to a word in the text above ("schools1"): not policy text."""
    body = [ln for ln in lines if ln]
    start = len(body)
    for i in range(len(body) - 1, 0, -1):
        m = _NOTE_RE.match(body[i])
        if m and any(_ref(m[1]).search(ln) for ln in body[:i]):
            start = i
        elif not m and i < start - 1:
            break
    if start == len(body):
        return lines
    notes = body[start:]
    numbers = [m[1] for ln in notes if (m := _NOTE_RE.match(ln))]
    out = []
    for ln in lines[: lines.index(notes[0])] if notes[0] in lines else lines:
        for n in numbers:
            ln = _ref(n).sub("", ln)
        out.append(ln)
    return out


def _ref(number: str) -> re.Pattern[str]:
    return re.compile(rf"(?<=[a-z]{{2}}){number}(?=[\s.,;:)]|$)")


def _label_rows(lines: list[str]) -> list[str]:
    """A cover-page table with its labels across the top and the values below ("Date adopted
    Review date" / "5 February 2025 February 2026") → "Date adopted: 5 February 2025" lines."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        labels = _date_labels(lines[i]) if i + 1 < len(lines) else []
        rest = lines[i + 1] if labels else ""
        pairs = []
        for label in labels:
            value = leading_date(rest)
            if value is None:
                break
            pairs.append(f"{label}: {value}")
            rest = rest[rest.find(value) + len(value) :].strip()
        if labels and len(pairs) == len(labels):
            out += pairs
            i += 2
            continue
        out.append(lines[i])
        i += 1
    return out


def _date_labels(line: str) -> list[str]:
    """The date labels a line starts with, when it holds two or more of them and nothing else
    but other labels: "Date adopted Review date Policy lead" → ["Date adopted", "Review date"]."""
    words, found, k = line.split(), [], 0
    while k < len(words):
        for n in range(min(4, len(words) - k), 0, -1):
            key = " ".join(words[k : k + n])
            if meta_field(key, fuzzy=False) in {"approval_date", "next_review"}:
                found.append(key)
                k += n
                break
        else:
            break
    rest = words[k:]
    if len(found) < 2 or len(rest) > 4 or any(ch.isdigit() for w in rest for ch in w):
        return []
    return found


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
            and (ln[:1].isupper() or bool(SECTION_RE.match(ln)))
            and not ln.endswith((".", ",", ";", ":"))
            and not starts_item(ln)
            and ends_para
            and not _about_policy(ln)
        )
        if not starts_item(ln) and (meta_pairs(ln)[1] or split_label(ln)):
            out += ["", ln, ""]  # "Approved: Nov 2024  Next review: Nov 2025" stands alone
            prev = ""
            continue
        if out and out[-1] and HYPHEN_END.search(out[-1]) and LEAD_WORD.match(ln):
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
        not _about_policy(line)
        and len(line.split()) <= 8
        and line[:1].isupper()
        and not line.rstrip().endswith((".", ",", ";", ":"))
        and not BULLET_RE.match(line)
    )
