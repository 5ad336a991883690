"""Composition root: settings, store, report service, handbook and assistant, built once per
process.

Front ends take a :class:`Runtime` and register their notifier with
``runtime.reports.register_notifier(...)``. The servers build it without the assistant and call
``load_in_background``: reports are taken at once, questions wait for the policies
(bot/handbook.py).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.campaigns.service import CampaignService
from bot.config import Settings, load_settings
from bot.errors import CorpusError
from bot.handbook import STILL_LOADING, UNREADABLE, Handbook, PoliciesLoading, parse_cache
from bot.reports.service import ReportService
from bot.store import Store

if TYPE_CHECKING:
    from bot.trust.overview import TrustView


class Runtime:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        reports: ReportService,
        assistant: Any = None,
        *,
        embedder: Any = None,
        handbook: Handbook | Any | None = None,
        dense: Callable[[Any], None] | None = None,
        trust: TrustView | None = None,
    ) -> None:
        """``handbook``, ``dense`` and ``trust`` are a multi-academy trust's (bot/trust/root.py):
        the school's policies layered over the trust's, the trust's one embedding model given to
        the assistant once it is built (instead of the assistant loading its own), and the
        trust's counts-only view for its trust roles. A single school leaves them out."""
        self.settings = settings
        self.store = store
        self.reports = reports
        # the policies, read once through the parse cache (bot/handbook.py); publishing reads
        # them from here, and a policy edited on disk is read again when it is published
        self.handbook = handbook or Handbook(settings.corpus_dir, parse_cache(settings.data_dir))
        self.campaigns = CampaignService(reports, handbook=self.handbook.current)
        self._assistant = assistant
        self._embedder = embedder
        self._assistant_lock = threading.Lock()
        self._dense = dense
        self.trust = trust
        self._terms: tuple[list[Any], frozenset[str]] | None = None
        self._learning: Any = None

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] = os.environ,
        embedder: Any = None,
        *,
        load_assistant: bool = True,
        clock: Callable[[], datetime] | None = None,
    ) -> Runtime:
        """Raises ConfigError (bad config) or StoreError (database / key problems). `clock` is
        the one clock of the process (default: real UTC time). The servers pass
        ``load_assistant=False`` and call :meth:`load_in_background`."""
        settings = load_settings(env)
        store = Store.configured(settings)
        reports = ReportService(store, settings, clock)
        runtime = cls(settings, store, reports, embedder=embedder)
        if load_assistant:
            runtime._assistant = runtime._load_assistant()
        return runtime

    def load_in_background(self) -> None:
        """Read the policies and build the assistant in a background thread, then start the
        embedding model's warm-up. Reports never wait for this: until it is done a question
        is answered :data:`STILL_LOADING` (``ask``) and a publish is refused with it."""
        if self._assistant is not None:
            return
        self.handbook.start(then=lambda documents: self._assistant_for(documents, warm=True))

    @property
    def loaded_assistant(self) -> Any:
        """The assistant if it is loaded, else None (never loads it: for health checks)."""
        return self._assistant

    @property
    def assistant(self) -> Any:
        """The policy Q&A assistant: loaded on first use if nothing loaded it yet; while a
        background load runs, PoliciesLoading."""
        if self._assistant is None:
            self._assistant = self._load_assistant()
        return self._assistant

    def ask(self, question: str) -> Any:
        """An answer, or :data:`STILL_LOADING` while the policies load in the background."""
        from bot.answers import Answer

        try:
            assistant = self.assistant
        except PoliciesLoading:
            return Answer(question=question, answered=False, text=STILL_LOADING)
        except CorpusError:  # named in the log and /healthz; reports are still taken
            return Answer(question=question, answered=False, text=UNREADABLE)
        return assistant.ask(question)

    @property
    def learning(self) -> Any:
        """What the school teaches it (bot/learning/service.py): "was it one of these?",
        suggestions and their review, curated questions."""
        if self._learning is None:
            from bot.learning.service import Learning

            self._learning = Learning(
                self.store, self.settings, assistant=lambda: self.assistant,
                vocabulary=self.policy_terms, clock=lambda: self.reports.clock(),
            )  # fmt: skip
        return self._learning

    def policy_terms(self) -> frozenset[str]:
        """The capitals the loaded policies use ("PE", "ICT"): in a question they are not
        someone's initials (bot/feedback.py). Empty until the policies are loaded."""
        if not self.handbook.loaded:
            return frozenset()
        documents = self.handbook.documents()
        if self._terms is None or self._terms[0] is not documents:
            from bot.feedback import policy_terms

            texts = [d.title for d in documents] + [c.text for d in documents for c in d.clauses]
            self._terms = (documents, policy_terms(texts))
        return self._terms[1]

    def _load_assistant(self) -> Any:
        return self._assistant_for(self.handbook.documents())

    def _assistant_for(self, documents: list[Any], *, warm: bool = False) -> Any:
        from bot.assistant import Assistant  # the owner's module; imported lazily on purpose

        with self._assistant_lock:
            if self._assistant is None:
                s = self.settings
                self._assistant = Assistant(
                    documents,
                    cache_dir=s.data_dir / "cache",
                    model=s.model,
                    embedder=self._embedder,
                    today=lambda: self.reports.clock().date(),  # the process's one clock
                )
                self.learning.attach(self._assistant)  # approved links, curated questions
                if warm and self._dense is not None:  # the trust's one model, when its turn comes
                    self._dense(self._assistant)
                elif warm:  # the embedding model loads in the background too: BM25 meanwhile
                    self._assistant.start_warmup()
            return self._assistant

    def close(self) -> None:
        self.store.close()
