"""Is a new question one the school has taught? Question-to-question similarity.

A taught question (a suggestion the policy owner approved, or a question written for a clause in
``questions.toml``) stands for the clause it leads to. A new question close enough to one of them
is answered with that clause first. Close enough means one of two things:

- the same words: the question's stemmed terms, misspellings mended, are exactly the taught
  question's (the same question retyped). This works before the embedding model has loaded, and
  without one;
- with the model: the cosine similarity of the two questions' embeddings (the same model and the
  same text the retrieval embeds, so one encoding of the question serves both) reaches
  `Closeness.min_similarity`; or `Closeness.anchored` when both share a local word (one no policy
  uses and the model has no word for): the model reads "seesaw" as pieces, so "message the
  children on seesaw" and "contact my class through seesaw" look less alike to it than they are.

The threshold is calibrated so that no other question moves: on every question set the project
has (`benchmarks/eval_learned.py`), with twenty taught links and the curated fixture loaded, the
figures change by at most 0.01, while the taught questions' own paraphrases mostly still reach
their clause. A small model puts questions on one topic close together ("accept a friend request
from a parent" and "… from a former pupil"), so the bar sits high: a paraphrase that keeps the
question's subject is recognised, one that changes what is asked about is not.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.learning.targets import Target
from bot.retrieval.embedders import Embedder
from bot.retrieval.index import ClauseIndex, Result
from bot.retrieval.questions import dense_query
from bot.retrieval.vocabulary import PLATFORM_TERMS, english_words, tokens

CURATED = "curated"  # written by the policy owner in questions.toml
LEARNED = "learned"  # a suggestion staff picked, approved by a reviewer


@dataclass(frozen=True)
class Taught:
    question: str
    target: Target
    origin: str = LEARNED


@dataclass(frozen=True)
class Closeness:
    """How close a question must be to a taught one (cosine, with the embedding model):
    `min_similarity`, or `anchored` when both questions use a local word: one the policies never
    use and the model has no word for ("seesaw", "wellies", "calpol", a room's nickname), the
    word that made the question need teaching."""

    min_similarity: float = 0.8
    anchored: float = 0.65

    def needed(self, anchored: bool) -> float:
        return self.anchored if anchored else self.min_similarity


@dataclass(frozen=True)
class Match:
    taught: Taught
    position: int  # the clause's place in the index (ClauseIndex.units)
    similarity: float  # 1.0 for the same words


class TaughtIndex:
    """The taught questions of one index, ready to compare new questions with."""

    def __init__(
        self, index: ClauseIndex, taught: Sequence[Taught], closeness: Closeness | None = None
    ) -> None:
        self.index = index
        self.closeness = closeness or Closeness()
        sources = {d.source: i for i, d in enumerate(index.documents)}
        positions = {(u.doc, u.clause.id): i for i, u in enumerate(index.units)}
        self.entries: list[tuple[Taught, int]] = []
        for t in taught:
            doc = sources.get(t.target.source)
            position = positions.get((doc, t.target.clause)) if doc is not None else None
            if position is not None:  # a clause no longer indexed is never an answer
                self.entries.append((t, position))
        self._read = [index.spell(t.question) for t, _ in self.entries]
        self._terms = [frozenset(tokens(q)) for q in self._read]
        # each taught question's local words: ones no policy uses and the model has no word for
        # (it reads "seesaw" or "calpol" as pieces, so sharing one is the evidence it lacks; a
        # word it knows, like "class", is no anchor). Never a platform's name: that says where,
        # not what about, and the rules apply on every platform.
        known = frozenset(index.vocab) | PLATFORM_TERMS | english_words()
        self._local = [terms - known for terms in self._terms]
        self._vecs: np.ndarray | None = None
        self._vecs_of: Embedder | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.entries)

    def match(self, result: Result) -> Match | None:
        """The taught question closest to the question of `result`, if it is close enough."""
        if not self.entries:
            return None
        asked = frozenset(result.query_terms)
        if asked:
            for (taught, position), terms in zip(self.entries, self._terms, strict=True):
                if terms == asked:
                    return Match(taught, position, 1.0)
        vecs = self._vectors() if result.query_vec is not None else None
        if vecs is None or result.query_vec is None:
            return None
        sims = vecs @ result.query_vec
        needed = np.array([self.closeness.needed(bool(local & asked)) for local in self._local])
        margin = sims - needed
        best = int(np.argmax(margin))
        if margin[best] < 0:
            return None
        taught, position = self.entries[best]
        return Match(taught, position, float(sims[best]))

    def similarities(self, result: Result) -> np.ndarray | None:
        """The question's similarity to every taught question (for calibration)."""
        vecs = self._vectors()
        if vecs is None or result.query_vec is None:
            return None
        sims: np.ndarray = vecs @ result.query_vec
        return sims

    def _vectors(self) -> np.ndarray | None:
        """The taught questions embedded as the index embeds a question, once per model."""
        embedder = self.index.embedder
        if embedder is None:
            return None
        with self._lock:
            if self._vecs is None or self._vecs_of is not embedder:
                self._vecs = np.asarray(
                    embedder.encode([dense_query(q) for q in self._read]), dtype=np.float32
                )
                self._vecs_of = embedder
            return self._vecs
