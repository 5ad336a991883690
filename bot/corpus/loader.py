"""Read policy files of each format into lines for the parser, and a whole folder into a corpus.

Word and PDF are how schools publish policies; both are turned into the same plain-line dialect
the text exporter produces ("1. Section", "i. clause …", "Key<TAB>value" metadata).
"""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

from bot.corpus.model import Document
from bot.corpus.parse import SECTION_RE, parse_lines

log = logging.getLogger(__name__)

SUPPORTED = (".txt", ".md", ".docx", ".pdf")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


class CorpusError(Exception):
    """A policy file could not be read; the message names the file and the reason."""


def _headings_to_sections(items: list[tuple[int, str]]) -> list[str]:
    """(level, text) pairs → lines; level 0 is body text. The first top-level heading is the
    title; later headings become numbered sections (keeping their own number if they have one)."""
    lines: list[str] = []
    title_seen = False
    auto = 0
    for level, text in items:
        text = text.strip()
        if not text:
            lines.append("")
            continue
        if level == 0:
            lines.append(text)
            continue
        if not title_seen and level == 1 and not SECTION_RE.match(text):
            lines.append(f"Policy title\t{text}")
            title_seen = True
            continue
        m = SECTION_RE.match(text)
        if m:
            auto = int(m["num"])
            lines.append(text)
        else:
            auto += 1
            lines.append(f"{auto}. {text}")
        lines.append("")
    return lines


def _read_md(path: Path) -> list[str]:
    items: list[tuple[int, str]] = []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        m = _MD_HEADING.match(line.strip())
        items.append((len(m[1]), m[2]) if m else (0, line))
    return _headings_to_sections(items)


def _read_docx(path: Path) -> list[str]:
    import docx  # python-docx, imported only when a Word policy is present

    items: list[tuple[int, str]] = []
    for para in docx.Document(str(path)).paragraphs:
        style = (para.style.name if para.style is not None else "").lower()
        if style == "title":
            items.append((1, para.text))
        elif style.startswith("heading"):
            digits = "".join(ch for ch in style if ch.isdigit())
            items.append((int(digits or 2), para.text))
        else:
            # Each Word paragraph is a paragraph of its own (a blank line keeps them apart).
            items += [(0, para.text), (0, "")]
    return _headings_to_sections(items)


def _read_pdf(path: Path) -> list[str]:
    from pypdf import PdfReader

    lines: list[str] = []
    for page in PdfReader(str(path)).pages:
        lines.extend((page.extract_text() or "").splitlines())
    return lines


def load_document(path: Path) -> Document:
    suffix = path.suffix.lower()
    try:
        if suffix == ".txt":
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        elif suffix == ".md":
            lines = _read_md(path)
        elif suffix == ".docx":
            lines = _read_docx(path)
        elif suffix == ".pdf":
            lines = _read_pdf(path)
        else:
            raise CorpusError(f"{path}: unsupported format (use {', '.join(SUPPORTED)})")
    except CorpusError:
        raise
    except UnicodeDecodeError as e:
        raise CorpusError(f"{path}: not UTF-8 text ({e.reason})") from e
    except Exception as e:  # a damaged Word or PDF file
        raise CorpusError(f"{path}: could not be read as {suffix[1:]}: {e}") from e
    doc = parse_lines(lines, path.name, wrapped=suffix == ".pdf")
    if not doc.clauses:
        raise CorpusError(f"{path}: no policy text found")
    return doc


def policy_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in SUPPORTED and not p.name.startswith((".", "~$"))
    )


def load_corpus(folder: Path) -> list[Document]:
    """Every policy in the folder. A file that cannot be read is skipped with a warning naming it,
    so one damaged upload never takes the assistant down; an empty corpus is an error."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusError(f"{folder}: policy folder not found")
    docs: list[Document] = []
    for path in policy_files(folder):
        try:
            docs.append(load_document(path))
        except CorpusError as e:
            log.warning("skipping policy file: %s", e)
    if not docs:
        raise CorpusError(f"{folder}: no readable policies (.txt, .md, .docx, .pdf)")
    titles = [d.title for d in docs]
    for d in docs:
        if titles.count(d.title) > 1:  # two files with one title: cite them apart
            d.title = f"{d.title} ({Path(d.source).stem})"
    return docs


def corpus_fingerprint(folder: Path) -> str:
    """Content hash of every policy file: the embedding cache key."""
    h = hashlib.sha256()
    for path in policy_files(Path(folder)):
        h.update(path.name.encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:16]
