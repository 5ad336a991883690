"""Composition root: settings, store, report service and assistant, built once per process.

Front ends take a :class:`Runtime` and register their notifier with
``runtime.reports.register_notifier(...)``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from bot.campaigns.service import CampaignService
from bot.config import Settings, load_settings
from bot.reports.service import ReportService
from bot.store import Store


class Runtime:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        reports: ReportService,
        assistant: Any = None,
        *,
        embedder: Any = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.reports = reports
        # the handbook is read from the policy folder at each use: a policy edited on disk and
        # published again is a new version (bot/campaigns/versions.py)
        self.campaigns = CampaignService(reports, handbook=self._handbook)
        self._assistant = assistant
        self._embedder = embedder

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
        the one clock of the process (default: real UTC time)."""
        settings = load_settings(env)
        store = Store.configured(settings)
        reports = ReportService(store, settings, clock)
        runtime = cls(settings, store, reports, embedder=embedder)
        if load_assistant:
            runtime._assistant = runtime._load_assistant()
        return runtime

    @property
    def assistant(self) -> Any:
        """The policy Q&A assistant (loaded on first use if from_env did not load it)."""
        if self._assistant is None:
            self._assistant = self._load_assistant()
        return self._assistant

    def _handbook(self) -> list[Any]:
        from bot.corpus.loader import load_corpus

        return load_corpus(self.settings.corpus_dir)

    def _load_assistant(self) -> Any:
        from bot.assistant import Assistant  # the owner's module; imported lazily on purpose

        s = self.settings
        return Assistant.load(
            s.corpus_dir,
            s.data_dir / "cache",
            model=s.model,
            embedder=self._embedder,
            today=lambda: self.reports.clock().date(),  # the process's one clock
        )

    def close(self) -> None:
        self.store.close()
