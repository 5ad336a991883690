"""What the index derives from the policies' words at every start, kept on disk beside the
embedding cache.

On a 3,000-clause handbook, tokenising every clause for BM25 (a hundred-odd phrase rules and a
stemmer per clause), reading what kind of thing each clause says, building the sentence and
question views the model embeds, and stemming the model's 30,000-word vocabulary for typo
correction take seconds of pure Python: most of a restart once the model no longer does. All of
it depends only on the clauses' text and on retrieval's own code, so each result is stored under
a key made of both (every `bot/retrieval/*.py` source and the stemmer's version): a changed
policy or a changed tokeniser is simply computed again, never read stale.

Stored as JSON, never pickle: the cache folder must not be a way to run code. Policies are
published documents: nothing here is secret. A file that cannot be read is computed again; one
that cannot be written only costs the time next start.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib.metadata
import json
import logging
import os
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from bot.retrieval import vocabulary
from bot.retrieval.intent import ClauseKinds

log = logging.getLogger(__name__)

T = TypeVar("T")
KEEP = 4  # files kept per kind: the current policies' and a few before (a rollback is instant)


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the retrieval code and the stemmer: any change to how text is read re-derives."""
    h = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        h.update(source.name.encode() + source.read_bytes())
    for package in ("snowballstemmer", "rank-bm25"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            h.update(f"{package}={importlib.metadata.version(package)}".encode())
    return h.hexdigest()[:16]


def key_of(*parts: Any) -> str:
    """A key for derived data: the retrieval code's version and a hash of its inputs."""
    h = hashlib.sha256(code_version().encode())
    h.update(json.dumps(parts, ensure_ascii=False).encode())
    return h.hexdigest()[:24]


def _file(cache_dir: Path, kind: str, key: str) -> Path:
    return Path(cache_dir) / "index" / f"{kind}-{key}.json"


def remember(
    cache_dir: Path | None,
    kind: str,
    key: str,
    compute: Callable[[], T],
    to_json: Callable[[T], Any] = lambda value: value,
    from_json: Callable[[Any], T] = lambda data: data,
) -> T:
    """`compute()`, or what it returned last time for this `key`, read from `cache_dir`."""
    if cache_dir is None:
        return compute()
    file = _file(cache_dir, kind, key)
    folder = file.parent
    try:
        return from_json(json.loads(file.read_text(encoding="utf-8")))
    except FileNotFoundError:
        pass
    except (OSError, ValueError, TypeError, KeyError, IndexError) as e:
        log.warning("index cache %s unusable (%s): computing it again", file.name, type(e).__name__)
    value = compute()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{file.name}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(to_json(value), ensure_ascii=False), encoding="utf-8")
        tmp.replace(file)
        _prune(folder, kind)
    except OSError as e:  # a read-only data folder only costs speed
        log.warning("could not write the index cache: %s", e.strerror)
    return value


@lru_cache(maxsize=4)
def _vocabulary_hash(vocab: Path) -> str:
    return hashlib.sha256(vocab.read_bytes()).hexdigest()


def english_words_key() -> str | None:
    """What the English word list is read from (the model's vocabulary file), as a key: derived
    data that reads the list (the speller's candidate words) is keyed by it too."""
    vocab = vocabulary.english_vocabulary_file()
    if vocab is None:
        return None
    try:
        return key_of("english-words", _vocabulary_hash(vocab))
    except OSError:
        return None


def prime_english_words(cache_dir: Path | None) -> None:
    """Give the vocabulary its English word list from the cache (or build and keep it): the
    stemming of the model's vocabulary is otherwise the slowest part of a one-question start.
    A list built already (reading a PDF asks for it) is kept if the cache has none yet, so the
    next start finds it."""
    key = english_words_key() if cache_dir is not None else None
    if cache_dir is None or key is None:
        return
    if vocabulary.english_words_ready() and _file(cache_dir, "english-words", key).exists():
        return
    words = remember(cache_dir, "english-words", key, vocabulary.english_words, sorted, frozenset)
    vocabulary.use_english_words(words)


def _prune(folder: Path, kind: str) -> None:
    files = sorted(folder.glob(f"{kind}-*.json"), key=lambda f: f.stat().st_mtime, reverse=True)
    for old in files[KEEP:]:
        old.unlink(missing_ok=True)


class Derived:
    """The derived data of one index: keyed by everything of each clause the index reads."""

    def __init__(self, cache_dir: Path | None, units: Sequence[Any]) -> None:
        self.cache_dir = cache_dir
        self._units_key = key_of(
            [
                (u.doc, u.clause.id, u.clause.full_text, u.title, u.lead_in, list(u.headings))
                for u in units
            ]
        )

    def remember(
        self,
        kind: str,
        compute: Callable[[], T],
        *inputs: Any,
        to_json: Callable[[T], Any] = lambda value: value,
        from_json: Callable[[Any], T] = lambda data: data,
    ) -> T:
        """`compute()` for these clauses (and any other `inputs` it reads), cached."""
        key = key_of(self._units_key, *inputs)
        return remember(self.cache_dir, kind, key, compute, to_json, from_json)

    def clause_kinds(self, compute: Callable[[], ClauseKinds]) -> ClauseKinds:
        def to_json(kinds: ClauseKinds) -> dict[str, list[float]]:
            return {f.name: getattr(kinds, f.name).tolist() for f in dataclasses.fields(kinds)}

        def from_json(data: dict[str, list[float]]) -> ClauseKinds:
            return ClauseKinds(**{k: np.asarray(v, dtype=float) for k, v in data.items()})

        key = key_of(self._units_key)
        return remember(self.cache_dir, "clause-kinds", key, compute, to_json, from_json)
