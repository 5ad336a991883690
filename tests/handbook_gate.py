"""A handbook reader held at a gate the test opens: "the policies are still loading" becomes a
state a test controls, never a race (tests/slack and tests/teams test_while_policies_load.py)."""

from __future__ import annotations

import threading
from pathlib import Path

from bot.corpus import Corpus, read_corpus


class Gate:
    def __init__(self) -> None:
        self.opened = threading.Event()
        self.reading = threading.Event()

    def reader(self, folder: Path, cache_dir: Path | None) -> Corpus:
        self.reading.set()
        assert self.opened.wait(120), "the test never opened the gate"
        return read_corpus(folder, cache_dir)
