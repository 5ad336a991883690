"""Runtime builds settings, store, report service and assistant once, from the environment."""

import sys
import types
from datetime import UTC, date, datetime

from bot.runtime import Runtime


def test_from_env_wires_the_core_and_hands_the_assistant_its_paths(school, monkeypatch):
    calls, days = [], []

    class Assistant:
        def __init__(self, documents, cache_dir=None, model=None, embedder=None, today=None):
            calls.append((documents, cache_dir, model, embedder))
            days.append(today())
            self.documents, self.taught = documents, []

        def teach(self, teaching):  # what the school taught (bot/learning/) is handed over too
            self.taught.append(teaching)

    monkeypatch.setitem(sys.modules, "bot.assistant", types.SimpleNamespace(Assistant=Assistant))
    runtime = Runtime.from_env(
        school, embedder="none", clock=lambda: datetime(2031, 3, 4, tzinfo=UTC)
    )
    try:
        assert isinstance(runtime.assistant, Assistant)
        assert days == [date(2031, 3, 4)]  # "overdue for review" follows the process's clock
        (documents, cache_dir, model, embedder) = calls[0]
        assert documents is runtime.handbook.documents()  # one handbook, read once
        assert documents[0].source == "social-media-policy.txt"
        assert cache_dir == runtime.settings.data_dir / "cache"
        assert runtime.handbook.cache_dir == runtime.settings.data_dir / "cache" / "policies"
        assert runtime.handbook.folder.name == "policy_corpus"
        assert (model, embedder) == (None, "none")
        assert runtime.assistant.taught == [runtime.learning.teaching]
        assert runtime.reports.store is runtime.store
        assert runtime.settings.people["headteacher"].name == "Kate Baskeyfield"
    finally:
        runtime.close()


def test_the_assistant_can_be_left_until_first_use(school):
    runtime = Runtime.from_env(school, load_assistant=False)
    assert runtime._assistant is None
    runtime.close()
