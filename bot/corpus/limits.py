"""How much of one policy file policybot reads, and for how long.

A school's policy runs from a page to a few hundred; a file far beyond that is a mistake or an
attack, and reading it must never hold the service up (a 38 KB Word file of 100,000 empty
paragraphs, or a web page with a 6,000-row table, once kept `policybot corpus` busy for minutes
and the servers answering 503). Every file is read within these bounds, whatever its format:

* its size on disk, and for a Word file the size its parts unzip to (a "zip bomb");
* how many paragraphs and table cells a reader takes from it (readers count with ``count``);
* a time budget: readers call ``tick`` as they go, and a file still being read when its budget
  is spent is given up.

A file over a bound is not in the corpus: it is a ✘ "too large to read: …" line in `policybot
corpus`, `index` and `check` (the loader's ``Failure``), naming the bound and how to fix it, and
the rest of the handbook loads. The bounds are generous: the largest real policies we have seen
(a 300-page trust handbook PDF, the DfE's 180-page guidance) are well inside every one of them.

``reading(path)`` sets the budget for the file being read in this thread (a context variable, so
the background loader and a command can read files at the same time); readers called outside it
(a test reading a fragment) are not limited.
"""

from __future__ import annotations

import contextlib
import time
import zipfile
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path

from bot.errors import UnreadableFile

MB = 1024 * 1024
MAX_BYTES = {".pdf": 64 * MB, ".docx": 32 * MB}  # on disk
MAX_TEXT_BYTES = 8 * MB  # .txt, .md, .html: several thousand pages of text
MAX_UNZIPPED_BYTES = 128 * MB  # a .docx's parts once unzipped (its XML is parsed in memory)
LIMITS = {"paragraphs": 25_000, "table cells": 50_000}  # what a reader takes from one file
TIME_BUDGET_SECONDS = 30.0  # per file
FIX = (
    "split the policy into smaller files, or save it again from the program that made it "
    "(a file this size is usually a mistake: pages of empty paragraphs, or a whole database "
    "exported as a table), then run `policybot index`"
)


class TooLarge(UnreadableFile):
    """A file beyond a bound above: its ✘ line says which."""

    def __init__(self, what: str) -> None:
        super().__init__(f"too large to read: {what}", FIX)


class Budget:
    """One file's allowance: counts per kind and a deadline on ``clock`` (monotonic seconds)."""

    def __init__(
        self,
        seconds: float = TIME_BUDGET_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        limits: dict[str, int] | None = None,
    ) -> None:
        self.seconds = seconds
        self.clock = clock
        self.limits = LIMITS if limits is None else limits
        self.counts: dict[str, int] = {}
        self.deadline = clock() + seconds

    def count(self, what: str, n: int = 1) -> None:
        total = self.counts[what] = self.counts.get(what, 0) + n
        limit = self.limits.get(what)
        if limit is not None and total > limit:
            raise TooLarge(f"more than {limit:,} {what} (the limit for one policy file)")
        self.tick()

    def tick(self) -> None:
        if self.clock() > self.deadline:
            raise TooLarge(
                f"still not read after {self.seconds:g} seconds (the limit for one policy file)"
            )


_current: ContextVar[Budget | None] = ContextVar("policy_file_budget", default=None)


@contextlib.contextmanager
def reading(budget: Budget | None = None) -> Iterator[Budget]:
    """Read one file within ``budget`` (a fresh default one if not given)."""
    budget = budget if budget is not None else Budget()
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


def count(what: str, n: int = 1) -> None:
    """A reader took ``n`` more of ``what`` ("paragraphs", "table cells") from the file."""
    budget = _current.get()
    if budget is not None:
        budget.count(what, n)


def tick() -> None:
    """A reader is still going: give up if the file's time budget is spent."""
    budget = _current.get()
    if budget is not None:
        budget.tick()


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    return f"{n / MB:,.1f} MB" if n >= MB else f"{n / 1024:,.0f} KB"


def check_size(path: Path) -> None:
    """Refuse a file too big to read before any reader opens it."""
    suffix = path.suffix.lower()
    limit = MAX_BYTES.get(suffix, MAX_TEXT_BYTES)
    size = path.stat().st_size
    if size > limit:
        raise TooLarge(f"{_size(size)} (the limit for a {suffix} file is {_size(limit)})")
    if suffix == ".docx" and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            unzipped = sum(i.file_size for i in z.infolist())
        if unzipped > MAX_UNZIPPED_BYTES:
            raise TooLarge(
                f"its parts unzip to {_size(unzipped)} (the limit is {_size(MAX_UNZIPPED_BYTES)})"
            )
