"""Read every policy file in the corpus folder (and its sub-folders) into Documents.

No file is ever silently dropped: each one either loads with its clauses or becomes a `Failure`
naming the file and what to do, which `policybot corpus`, `index` and `check` show as a ✘ line.
One damaged upload never takes the assistant down.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from bot.corpus import limits
from bot.corpus.blocks import Read
from bot.corpus.build import build
from bot.corpus.model import Document
from bot.corpus.textfile import read_text_file
from bot.errors import CorpusError, UnreadableFile

log = logging.getLogger(__name__)

SUPPORTED = (".txt", ".md", ".markdown", ".docx", ".pdf", ".html", ".htm")
# Formats schools have that we do not read, and how to turn them into one we do.
CONVERT = {
    ".doc": "open it in Word and use File › Save As › Word Document (.docx)",
    ".odt": "open it in LibreOffice Writer and use File › Save As › Word (.docx)",
    ".rtf": "open it in Word and use File › Save As › Word Document (.docx)",
    ".pages": "open it in Pages and use File › Export To › Word (.docx)",
    ".xlsx": "policies are read from documents: save the policy as .docx or .pdf",
    ".xls": "policies are read from documents: save the policy as .docx or .pdf",
    ".pptx": "policies are read from documents: save the policy as .docx or .pdf",
}
_SKIP_NAMES = (".", "~$")  # hidden files, Office lock files
_SYSTEM_FILES = {"thumbs.db", "desktop.ini"}  # what Windows leaves in shared folders
# The policy owner's curated questions (bot/learning/curated.py): beside the policies, not one.
QUESTIONS_FILE = "questions.toml"
# An OLE compound file: what Word writes for a password-protected document (and for .doc).
_OLE = bytes.fromhex("d0cf11e0a1b11ae1")


@dataclass(frozen=True)
class Failure:
    """A file in the corpus folder that is not in the corpus, and what to do about it."""

    file: str  # path relative to the corpus folder
    reason: str
    fix: str

    def line(self) -> str:
        return f"✘ {self.file}: {self.reason} — {self.fix}"


@dataclass
class Corpus:
    documents: list[Document]
    failures: list[Failure]


def _with_warnings(reader: Callable[[str], Read], path: Path) -> Read:
    text, notes = read_text_file(path)
    read = reader(text)
    read.warnings += notes
    return read


def _reader(suffix: str) -> Callable[[Path], Read]:
    if suffix == ".txt":
        from bot.corpus.text import read_text

        return lambda p: _with_warnings(read_text, p)
    if suffix in (".md", ".markdown"):
        from bot.corpus.markdown import read_markdown

        return lambda p: _with_warnings(read_markdown, p)
    if suffix in (".html", ".htm"):
        from bot.corpus.html import read_html

        return lambda p: _with_warnings(read_html, p)
    if suffix == ".docx":
        from bot.corpus.word import read_docx

        return read_docx
    if suffix == ".pdf":
        from bot.corpus.pdf import read_pdf

        return read_pdf
    raise KeyError(suffix)


def _fail(path: Path, reason: str, fix: str) -> CorpusError:
    e = CorpusError(f"{path}: {reason} — {fix}")
    e.reason, e.fix = reason, fix  # type: ignore[attr-defined]
    return e


def _starts_with(path: Path, magic: bytes) -> bool:
    with path.open("rb") as f:
        return f.read(len(magic)) == magic


def load_document(
    path: Path, source: str | None = None, budget: limits.Budget | None = None
) -> Document:
    """One policy file; raises CorpusError with the reason and the fix when it cannot be used.
    It is read within ``budget`` (bot/corpus/limits.py; by default the standard one)."""
    path = Path(path)
    suffix = path.suffix.lower()
    source = source or path.name
    if suffix in CONVERT:
        raise _fail(path, f"{suffix} files cannot be read", CONVERT[suffix])
    if suffix not in SUPPORTED:
        raise _fail(
            path,
            "not a policy format policybot reads",
            f"save it as .docx, .pdf, .md, .html or .txt ({', '.join(SUPPORTED)})",
        )
    if suffix == ".docx" and _starts_with(path, _OLE):
        raise _fail(
            path,
            "the Word file is password-protected (or is an old .doc renamed .docx)",
            "open it in Word, remove the password (File › Info › Protect Document) and save it "
            "as a Word Document (.docx), then run `policybot index`",
        )
    try:
        limits.check_size(path)
        with limits.reading(budget):
            read = _reader(suffix)(path)
            doc = build(read, source)
    except UnreadableFile as e:  # the reader knows why (an encrypted or scanned PDF, not text)
        raise _fail(path, e.reason, e.fix) from e
    except CorpusError:
        raise
    except UnicodeDecodeError as e:
        raise _fail(
            path, f"not UTF-8 text ({e.reason})", "save it again as UTF-8 text (or as .docx)"
        ) from e
    except Exception as e:  # a damaged Word, PDF or HTML file: name it, never a traceback
        log.debug("reading %s failed: %s", path.name, type(e).__name__)
        raise _fail(
            path,
            f"could not be read: the file is damaged or is not really a {suffix} file",
            "open it in the program that made it and save it again as .docx or .pdf "
            "(or export it again from the website), then run `policybot index`",
        ) from e
    if not doc.clauses:
        raise _fail(
            path,
            "no policy text found",
            "check the file opens and contains the policy's text (a scanned PDF needs OCR)",
        )
    return doc


def _page_resources(path: Path, folder: Path) -> bool:
    """A file a browser saved with a web page ("Save Page As… Webpage, Complete" puts the page's
    scripts, styles and frames in "<page>_files/" beside "<page>.html"): part of that page."""
    for d in path.relative_to(folder).parents:
        if d.name.endswith("_files"):
            page = folder / d.parent / d.name[: -len("_files")]
            if any(page.with_name(page.name + ext).is_file() for ext in (".html", ".htm")):
                return True
    return False


LINK_FIX = (
    "policybot never follows a link out of the policy folder: copy the policy itself into the "
    "folder and delete the link"
)


def _linked(path: Path, rel: str, root: Path) -> Path | Failure | None:
    """What a symbolic link in the folder stands for. It is followed (through links to links and
    ``..``) to what it finally names; only a target inside the policy folder counts: a file there
    is read under the link's name, a folder there is skipped (its files are read where they
    really are, never twice, and a link to a parent can never loop). Anything else is a ✘ line,
    because the service can read files (its key, its environment) no member of staff may see.
    A hidden file inside the folder is never read through a link either."""
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:
        return Failure(rel, "a link to something that does not exist", LINK_FIX)
    except (RuntimeError, OSError):  # links that point at each other (RuntimeError until 3.13)
        return Failure(rel, "a link that loops back on itself", LINK_FIX)
    if not target.is_relative_to(root):
        return Failure(
            rel, "a link to a file or folder outside the policy folder: not read", LINK_FIX
        )
    if any(part.startswith(_SKIP_NAMES) for part in target.relative_to(root).parts):
        # e.g. a git checkout's .git/config, which can hold a token: hidden means never read
        return Failure(rel, "a link to a hidden file or folder: not read", LINK_FIX)
    if target.is_dir():
        return None
    if not target.is_file():
        return Failure(rel, "a link to something that is not a file", LINK_FIX)
    return path


def scan(folder: Path) -> tuple[list[Path], list[Failure]]:
    """Every file under the folder a school may have put there (hidden files and folders, Office
    lock files, Windows' own Thumbs.db/desktop.ini and a saved web page's "_files" folder aside),
    supported or not: unsupported ones are reported, never ignored. Nothing outside the folder is
    ever read: links are checked by ``_linked``, and anything that is not a regular file (a
    named pipe would block the reader for ever) is a ✘ line too. Folders are walked without
    following links, so a link can neither escape the folder nor loop."""
    folder = Path(folder)
    root = folder.resolve()
    files: list[Path] = []
    refused: list[Failure] = []
    pending = [folder]
    while pending:
        directory = pending.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as e:
            rel = directory.relative_to(folder).as_posix()
            refused.append(
                Failure(
                    rel,
                    f"the folder cannot be opened ({e.strerror})",
                    "let the service's user read it",
                )
            )
            continue
        for entry in entries:
            path = Path(entry.path)
            rel = path.relative_to(folder).as_posix()
            if entry.name.startswith(_SKIP_NAMES):
                continue
            if entry.is_symlink():
                linked = _linked(path, rel, root)
                if isinstance(linked, Failure):
                    refused.append(linked)
                    log.warning("policy folder entry not read: %s: %s", rel, linked.reason)
                elif linked is not None:
                    files.append(linked)
            elif entry.is_dir(follow_symlinks=False):
                pending.append(path)
            elif entry.is_file(follow_symlinks=False):
                curated = directory == folder and entry.name == QUESTIONS_FILE
                if entry.name.lower() not in _SYSTEM_FILES and not curated:
                    files.append(path)
            else:
                refused.append(
                    Failure(
                        rel,
                        "not a regular file (a pipe, socket or device)",
                        "remove it from the policy folder",
                    )
                )
    files = [p for p in files if not _page_resources(p, folder)]
    return sorted(files), sorted(refused, key=lambda f: f.file)


def policy_files(folder: Path) -> list[Path]:
    """The files ``scan`` would read (see there for what is left out and why)."""
    return scan(folder)[0]


def _load_cached(path: Path, source: str, cache_dir: Path | None) -> Document:
    if cache_dir is None:
        return load_document(path, source)
    from bot.corpus import cache

    cache_key = cache.key(path, source)
    doc = cache.load(cache_dir, cache_key)
    if doc is None:
        doc = load_document(path, source)
        cache.save(cache_dir, cache_key, doc)
    return doc


def read_corpus(folder: Path, cache_dir: Path | None = None) -> Corpus:
    """Every policy in the folder, and every file that could not be used with what to do.
    With `cache_dir`, parsed files are kept there and a file is only read again when it (or the
    parser) changes."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusError(f"{folder}: policy folder not found")
    docs: list[Document] = []
    paths, failures = scan(folder)
    for path in paths:
        source = path.relative_to(folder).as_posix()
        try:
            docs.append(_load_cached(path, source, cache_dir))
        except CorpusError as e:
            reason = getattr(e, "reason", str(e))
            fix = getattr(e, "fix", "")
            failures.append(Failure(source, reason, fix))
            log.warning("policy file not loaded: %s: %s", source, reason)
    _disambiguate(docs)
    return Corpus(docs, sorted(failures, key=lambda f: f.file))


def load_corpus(folder: Path, cache_dir: Path | None = None) -> list[Document]:
    """The readable policies; an empty corpus is an error. Files that could not be read are
    logged by name here and listed by `policybot corpus`."""
    corpus = read_corpus(folder, cache_dir)
    if not corpus.documents:
        detail = "; ".join(f.line() for f in corpus.failures)
        raise CorpusError(
            f"{folder}: no readable policies ({', '.join(SUPPORTED)})"
            + (f": {detail}" if detail else "")
        )
    return corpus.documents


def _disambiguate(docs: list[Document]) -> None:
    """Two files with one title: each is renamed with its file name so a citation names one."""
    titles = [d.title.lower() for d in docs]
    clashing = [d for d in docs if titles.count(d.title.lower()) > 1]
    stems = [PurePosixPath(d.source).stem.lower() for d in clashing]
    for d in clashing:
        old = d.title
        name = PurePosixPath(d.source).stem
        if stems.count(name.lower()) > 1:  # the same file name in two folders: use the path
            name = str(PurePosixPath(d.source).with_suffix(""))
            paths = [str(PurePosixPath(c.source).with_suffix("")).lower() for c in clashing]
            if paths.count(name.lower()) > 1:  # policy.docx and its policy.pdf side by side
                name = d.source
        d.title = f"{old} ({name})"
        d.warnings.append(f"duplicate title {old!r}: renamed {d.title!r}")


def corpus_fingerprint(folder: Path) -> str:
    """Content hash of every policy file: the embedding cache key."""
    folder = Path(folder)
    h = hashlib.sha256()
    for path in policy_files(folder):
        h.update(path.relative_to(folder).as_posix().encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:16]
