"""The school's handbook as the running service holds it: read once, shared by answers and
publishing, and never in the way of a report.

Reading a policy folder can take a while (fifty PDFs, or one file that is too large to read
and is given up only when its time budget runs out: bot/corpus/limits.py), and a concern must
never wait for it. So the servers open their port, take reports, declarations and
acknowledgements at once, and load the handbook in a background thread (``start``); until it
is loaded a question or a publish gets :data:`STILL_LOADING` (:class:`PoliciesLoading`).

Parsed files are kept in the parse cache (bot/corpus/cache.py, keyed by each file's content
hash and the parser's own source), so a restart reads only the files that changed.

Publishing reads the loaded documents (``current``), not the folder per request: the folder is
only looked at (names, sizes and modification times, no file opened) to see whether a policy was
edited since it was loaded; then the changed files alone are read again, through the cache, so
a policy edited and published again is sent as its new version. Answers keep the index they
were loaded with until the service restarts (README: "run `policybot index` and restart").
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bot.corpus.loader import SUPPORTED, Corpus, read_corpus, scan
from bot.corpus.model import Document
from bot.errors import CorpusError, PolicybotError

log = logging.getLogger(__name__)

STILL_LOADING = "I'm still loading the school's policies: please try again in a moment."
UNREADABLE = (
    "I can't read the school's policies at the moment, so I can't answer or send one. "
    "Please tell the IT admin (`policybot check` shows why)."
)
PARSED = "cache/policies"  # parsed policy files, in the data directory (bot/corpus/cache.py)
Reader = Callable[[Path, Path | None], Corpus]


class PoliciesLoading(PolicybotError):
    """Asked for the handbook before the background load finished: try again in a moment."""

    exit_code = 1

    def __init__(self) -> None:
        super().__init__(STILL_LOADING)


def parse_cache(data_dir: Path) -> Path:
    """Where the service and the commands keep parsed policies: one cache for both, so
    `policybot index` leaves the service nothing to parse at its next start."""
    return Path(data_dir) / PARSED


def folder_signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """What the folder holds, by name, size and modification time: no file is opened."""
    paths, refused = scan(folder)
    out = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            continue
        out.append((path.relative_to(folder).as_posix(), st.st_size, st.st_mtime_ns))
    out += [(f.file, -1, -1) for f in refused]
    return tuple(out)


class Handbook:
    """The documents of one policy folder, loaded once (``load`` or in the background with
    ``start``) and refreshed for publishing when a file in the folder changes."""

    def __init__(self, folder: Path, cache_dir: Path | None, reader: Reader = read_corpus) -> None:
        self.folder = Path(folder)
        self.cache_dir = cache_dir
        self.reader = reader
        self.error: str | None = None  # why the last load failed (no readable policy, …)
        self.load_seconds = 0.0  # how long the last load took (logged; benchmarks read it)
        self._documents: list[Document] | None = None
        self._signature: tuple[tuple[str, int, int], ...] = ()
        self._lock = threading.Lock()  # one load at a time
        self._thread: threading.Thread | None = None
        self._done = threading.Event()

    # ---- state -----------------------------------------------------------------------------
    @property
    def loaded(self) -> bool:
        return self._documents is not None

    @property
    def loading(self) -> bool:
        """A background load has started and not finished."""
        return self._thread is not None and not self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until a background load has finished (for commands and tests)."""
        return self._done.wait(timeout) if self._thread is not None else self.loaded

    # ---- loading ---------------------------------------------------------------------------
    def load(self) -> list[Document]:
        """Read the folder now (through the parse cache). CorpusError when no file in it is a
        readable policy, naming each file that is not."""
        with self._lock:
            started = time.perf_counter()
            signature = folder_signature(self.folder) if self.folder.is_dir() else ()
            corpus = self.reader(self.folder, self.cache_dir)
            self.load_seconds = time.perf_counter() - started
            if not corpus.documents:
                detail = "; ".join(f.line() for f in corpus.failures)
                self.error = f"{self.folder}: no readable policies ({', '.join(SUPPORTED)})" + (
                    f": {detail}" if detail else ""
                )
                raise CorpusError(self.error)
            self._documents, self._signature, self.error = corpus.documents, signature, None
            log.info(
                "policies read in %.1fs: %d documents, %d files not read",
                self.load_seconds,
                len(corpus.documents),
                len(corpus.failures),
            )
            return corpus.documents

    def start(self, then: Callable[[list[Document]], None] | None = None) -> threading.Thread:
        """Load in a background thread (once), then call ``then`` with the documents."""
        if self._thread is not None:
            return self._thread

        def run() -> None:
            try:
                documents = self.load()
                if then is not None:
                    then(documents)
            except Exception as exc:  # named in /healthz; the service keeps taking reports
                self.error = self.error or f"{type(exc).__name__}: {exc}"
                log.error("the policies could not be loaded: %s", self.error)
            finally:
                self._done.set()

        self._thread = threading.Thread(target=run, name="handbook-load", daemon=True)
        self._thread.start()
        return self._thread

    # ---- reading ---------------------------------------------------------------------------
    def documents(self) -> list[Document]:
        """The loaded documents; loads them now unless a background load is running
        (PoliciesLoading) or has failed (CorpusError, saying why)."""
        if self._documents is not None:
            return self._documents
        if self.loading:
            raise PoliciesLoading()
        if self._thread is not None and self.error:
            raise CorpusError(self.error)
        return self.load()

    def current(self) -> list[Document]:
        """The documents as the folder holds them now: the loaded ones, with any file changed
        since read again (only that file; the rest come from the parse cache)."""
        documents = self.documents()
        if self.folder.is_dir() and folder_signature(self.folder) != self._signature:
            log.info("a policy file changed since the handbook was loaded: reading it again")
            try:
                documents = self.load()
            except CorpusError:
                return documents  # every file now unreadable: keep what was loaded
        return documents
