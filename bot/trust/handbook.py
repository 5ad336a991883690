"""A school's handbook in a trust: the trust's policies, then the school's own, where a school
policy with the same title as a trust policy replaces it for that school (it "shadows" it).

The trust's folder is read once for the whole process (one :class:`~bot.handbook.Handbook`,
shared): every school's handbook holds the very same ``Document`` objects for it, so the
trust's policies are parsed once and held in memory once. Only the list each school answers
from is its own. :class:`SchoolHandbook` offers what the runtime uses of a ``Handbook``
(``start``, ``documents``, ``current``, ``loaded``, ``loading``, ``error``, ``wait``), so a
school's runtime is built exactly as a single school's is.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.corpus.model import Document
from bot.errors import CorpusError
from bot.handbook import Handbook, PoliciesLoading

log = logging.getLogger(__name__)


def title_key(title: str) -> str:
    """Titles are the same policy when they read the same, whatever the case and spacing."""
    return " ".join(title.split()).casefold()


@dataclass(frozen=True)
class Shadow:
    """A school's policy used instead of the trust's policy of the same title."""

    school: Document
    trust: Document


def layer(trust: list[Document], own: list[Document]) -> tuple[list[Document], list[Shadow]]:
    """(what the school answers from, which trust policies its own replace)."""
    mine = {title_key(d.title): d for d in own}
    kept = [d for d in trust if title_key(d.title) not in mine]
    shadows = [Shadow(mine[title_key(d.title)], d) for d in trust if title_key(d.title) in mine]
    return kept + own, shadows


class SchoolHandbook:
    """The trust's handbook (shared) layered under the school's own."""

    def __init__(
        self,
        trust: Handbook | None,
        own: Handbook,
        *,
        gate: threading.Semaphore | None = None,
        on_error: Callable[[], None] | None = None,
    ) -> None:
        """``gate``: at most a few schools read and index at once (two cores, fifty schools);
        ``on_error``: told when a background load fails (the trust's model stops waiting)."""
        self.trust = trust
        self.own = own
        self.folder = own.folder
        self._gate = gate
        self._on_error = on_error
        self._merged: tuple[list[Document], list[Document], list[Document], list[Shadow]] | None
        self._merged = None
        self._thread: threading.Thread | None = None
        self._done = threading.Event()
        self._error: str | None = None
        self.load_seconds = 0.0

    # ---- state (as Handbook) ---------------------------------------------------------------
    @property
    def loaded(self) -> bool:
        return self._merged is not None

    @property
    def loading(self) -> bool:
        return self._thread is not None and not self._done.is_set()

    @property
    def error(self) -> str | None:
        return self._error

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout) if self._thread is not None else self.loaded

    # ---- loading ---------------------------------------------------------------------------
    def load(self) -> list[Document]:
        trust = self.trust.documents() if self.trust is not None else []
        own = self._own(self.own.documents, trust)
        return self._merge(trust, own)

    def start(self, then: Callable[[list[Document]], None] | None = None) -> threading.Thread:
        if self._thread is not None:
            return self._thread

        def run() -> None:
            try:
                if self._gate is not None:
                    self._gate.acquire()
                try:
                    documents = self.load()
                    if then is not None:
                        then(documents)
                finally:
                    if self._gate is not None:
                        self._gate.release()
            except Exception as exc:  # named in /healthz; the school keeps taking reports
                self._error = self._error or f"{type(exc).__name__}: {exc}"
                log.error("a school's policies could not be loaded: %s", self._error)
                if self._on_error is not None:
                    self._on_error()
            finally:
                self._done.set()

        self._thread = threading.Thread(target=run, name="school-handbook", daemon=True)
        self._thread.start()
        return self._thread

    # ---- reading ---------------------------------------------------------------------------
    def documents(self) -> list[Document]:
        if self._merged is not None:
            return self._merged[2]
        if self.loading:
            raise PoliciesLoading()
        if self._thread is not None and self._error:
            raise CorpusError(self._error)
        return self.load()

    def current(self) -> list[Document]:
        """As now on disk: either folder's changed files read again (Handbook.current)."""
        documents = self.documents()
        trust = self.trust.current() if self.trust is not None else []
        own = self._own(self.own.current, trust)
        merged = self._merged
        if merged is not None and trust is merged[0] and own is merged[1]:
            return documents
        return self._merge(trust, own)

    def shadows(self) -> list[Shadow]:
        """The trust policies this school's own replace (for `policybot corpus --school`)."""
        self.documents()
        assert self._merged is not None
        return self._merged[3]

    # ---- helpers ---------------------------------------------------------------------------
    def _own(self, read: Callable[[], list[Document]], trust: list[Document]) -> list[Document]:
        """The school's own policies; none is fine when the trust's are there to answer."""
        try:
            return read()
        except CorpusError as exc:
            if not trust:
                self._error = str(exc)
                raise
            log.warning("a school has no readable policies of its own: answering from the trust's")
            return []

    def _merge(self, trust: list[Document], own: list[Document]) -> list[Document]:
        merged, shadows = layer(trust, own)
        if not merged:
            self._error = f"{self.folder}: no readable policies, and none from the trust"
            raise CorpusError(self._error)
        self._merged, self._error = (trust, own, merged, shadows), None
        return merged


def trust_handbook(folder: Path | None, cache_dir: Path) -> Handbook | None:
    """The trust's own policies, read once for every school (None when it has none)."""
    return Handbook(folder, cache_dir) if folder is not None else None
