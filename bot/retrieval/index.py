"""Hybrid clause retrieval: BM25 over normalised terms fused with dense sentence similarity.

Why this shape:
- Clauses are long and make several points, so the dense side scores each clause by its best
  sentence as well as as a whole; questions usually ask about one point.
- BM25 and cosine live on different scales. Each is turned into a per-query z-score before a
  weighted sum, which keeps a strong lexical match from being drowned by a flat dense ranking and
  vice versa (naive reciprocal-rank fusion throws the margins away).
- rank-bm25's BM25Okapi floors the idf of terms in half the clauses or more (which on one small
  policy includes words like "adults"); BM25Plus keeps every idf positive, so it is used here.
- Abstention needs absolute evidence, not ranks: the best dense similarity and how much of the
  question's (idf-weighted) vocabulary the policies use at all.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rank_bm25 import BM25Plus

from bot.corpus.model import Clause, Document
from bot.retrieval import index_cache
from bot.retrieval.embedders import Embedder
from bot.retrieval.intent import (
    SCOPE_WORDS,
    QuestionIntent,
    classify,
    clause_kinds,
    states_what_is_asked,
)
from bot.retrieval.questions import dense_query, questions_for
from bot.retrieval.spelling import Speller, candidate_words, surface_words
from bot.retrieval.vocabulary import PLATFORM_TERMS, english_words, tokens

log = logging.getLogger(__name__)

INDEX_VERSION = "5"
_SENTENCE_SPLIT = re.compile(r"(?<=[.;:!?])\s+(?=[A-Z(\"'‘“])|\n+")


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_SPLIT.split(text) if s and s.strip()]


@dataclass(frozen=True)
class Unit:
    """One retrievable clause."""

    doc: int  # index into the corpus' documents
    clause: Clause
    # The policy's title when there are several (which policy a rule belongs to is part of its
    # meaning); "" for a single policy, where it would tell every clause the same thing.
    title: str = ""

    @property
    def key(self) -> str:
        return f"{self.doc}:{self.clause.id}"

    @property
    def headings(self) -> tuple[str, ...]:
        """The headings above the clause, outermost first (the parser's path; older parses
        give section title and sub-heading)."""
        c = self.clause
        path = c.path or (c.section_title, c.heading)
        return tuple(dict.fromkeys(p for p in path if p and p != self.title))

    lead_in: str = ""  # a sub-item's parent text ("Whistleblowing concerns may include:")

    def context(self) -> str:
        """Policy title › headings (› a table row's column headers): what a reader knows before
        reading the clause."""
        columns = ", ".join(c for c in self.clause.columns if c)
        return " › ".join(p for p in (self.title, *self.headings, columns) if p)


@dataclass(frozen=True)
class Hit:
    unit: Unit
    score: float  # fused score (relative, for ranking)
    bm25: float
    dense: float  # cosine similarity of the best of clause/sentence, or 0 without a model
    # Share of the question's (idf-weighted) words found in this clause or the headings above it
    # (0..1): whether the clause itself speaks of what was asked, not just the corpus somewhere.
    covered: float = 0.0
    position: int = -1  # the clause's place in the index (ClauseIndex.units)
    # The clause states what the question asks for: a time or an amount for "how long …?",
    # "when is …?" (intent.py). True when the question asks for neither.
    states_what_is_asked: bool = True


@dataclass(frozen=True)
class Result:
    hits: list[Hit]  # best first
    coverage: float  # share of the question's term weight the corpus knows (0..1)
    top_dense: float  # best dense similarity (0 without a model)
    dense_used: bool
    query_terms: list[str]
    asks_logistics: bool = False  # "how do I …", "when …", "where …": see intent.py
    unanchored: bool = False  # unknown words, and no known word that is specific to a topic
    asks_school_life: bool = False  # logistics other than "how many / long / often"
    question: str = ""  # the question as read: misspelt words mended (spelling.py)
    # similarity of the question to every embedded sentence view (None without a model): what
    # `ClauseIndex.similarity` reads to tell which item of a list answers
    view_sims: np.ndarray | None = None
    # the question's own embedding (None without a model): what taught questions are compared
    # with (bot/learning/matching.py), so a question is embedded once
    query_vec: np.ndarray | None = None


@dataclass
class Weights:
    dense: float = 0.75  # weight of the dense z-score in the fused score (BM25 gets 1 - this)
    sentence: float = 0.5  # share of best-sentence vs whole-clause similarity in the dense score
    context_repeat: int = 1  # times the section/heading title is added to the BM25 text
    platform_term: float = 0.5  # BM25 weight of platform names: the rules apply on any platform
    bigram: float = 0.25  # BM25 weight of adjacent question-term pairs found in a clause
    intent_bonus: float = 0.5  # for action/definition questions, to clauses of that kind
    who_bonus: float = 0.5  # added to clauses naming whom to tell, for "who …?" questions
    scope_bonus: float = 1.0  # "is X covered?": to scope clauses that name X
    holder_bonus: float = 1.0  # "who is the DSL?": to clauses naming a person and the role
    policy: float = 0.5  # × how far a clause's policy is behind the best one (several policies)
    # how many of a policy's best clauses speak for it (a policy on the topic has several)
    policy_depth: int = 5
    # BM25 reads a clause as at least this share of the average clause's length: a five-word
    # list item ("send a text message to the parents by 9.30am;") otherwise wins on one shared
    # word, as if that word were its whole subject
    min_length: float = 0.5


class ClauseIndex:
    def __init__(
        self,
        documents: list[Document],
        weights: Weights | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        """`cache_dir`: where what is derived from the clauses' words is kept between starts
        (index_cache.py); None computes it all."""
        self.documents = documents
        self.weights = weights or Weights()
        self.units = [
            Unit(i, c, d.title if len(documents) > 1 else "", _lead_in(d, c))
            for i, d in enumerate(documents)
            for c in d.clauses
            if c.text.strip() and not _is_heading(c)
        ]
        if not self.units:
            raise ValueError("no clauses to index")
        index_cache.prime_english_words(cache_dir)
        self._derived = index_cache.Derived(cache_dir, self.units)
        docs_tokens = self._derived.remember(
            "bm25-tokens",
            lambda: [self._bm25_tokens(u) for u in self.units],
            self.weights.context_repeat,
        )
        self.bm25 = BM25Plus(docs_tokens)
        self._unit_doc = np.array([u.doc for u in self.units], dtype=np.int64)
        # where each policy's clauses start once sorted by policy (policies with none are skipped)
        counts = np.bincount(self._unit_doc, minlength=len(documents))
        self._doc_first = np.r_[0, np.cumsum(counts[counts > 0])]
        self._unit_terms = [frozenset(t for t in toks if "_" not in t) for toks in docs_tokens]
        self.df: Counter[str] = Counter()
        for toks in docs_tokens:
            self.df.update(set(toks))
        self._postings = self._build_postings()
        self.vocab = sorted(t for t in self.df if "_" not in t)  # words, not phrase pairs
        english_words()  # built now, not on the first question
        self._vocab_set = set(self.vocab)
        self.speller = self._speller()
        n = len(self.units)
        self.kinds = self._derived.clause_kinds(
            lambda: clause_kinds([u.clause.full_text for u in self.units])
        )
        self.idf = {t: math.log(1 + n / df) for t, df in self.df.items()}
        # Words found in a quarter of all clauses or more ("school", "student", "social media"):
        # knowing them says nothing about which topic a question is on. (A handful of clauses
        # is too few to tell: every word of a one-clause policy is in all of it.)
        self._everywhere = {t for t, df in self.df.items() if df >= 0.25 * n} if n >= 20 else set()
        # Dense side (filled by attach_embedder)
        self.embedder: Embedder | None = None
        self.unit_vecs: np.ndarray | None = None
        self.sent_vecs: np.ndarray | None = None
        self.sent_owner: np.ndarray | None = None
        self._sent_starts = np.zeros(0, dtype=np.int64)
        self._views_of: dict[str, np.ndarray] = {}  # a sentence → its views' rows in sent_vecs
        self._lock = threading.Lock()

    def _build_postings(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per term: the clauses containing it and their BM25Plus contribution above the
        per-term floor (idf * delta), precomputed from rank-bm25's own statistics. Scoring then
        touches only matching clauses, which keeps a 10,000-clause corpus fast; the scores are
        BM25Plus's, except that no clause counts as shorter than `Weights.min_length` of the
        average (see there)."""
        b25 = self.bm25
        doc_len = np.maximum(
            np.asarray(b25.doc_len, dtype=np.float64), self.weights.min_length * b25.avgdl
        )
        norm = b25.k1 * (1 - b25.b + b25.b * doc_len / b25.avgdl)
        rows: dict[str, tuple[list[int], list[float]]] = {}
        for i, freqs in enumerate(b25.doc_freqs):
            for term, tf in freqs.items():
                ids, tfs = rows.setdefault(term, ([], []))
                ids.append(i)
                tfs.append(tf)
        out = {}
        for term, (ids, tfs) in rows.items():
            d = np.asarray(ids, dtype=np.int64)
            tf = np.asarray(tfs, dtype=np.float64)
            out[term] = (d, b25.idf[term] * tf * (b25.k1 + 1) / (norm[d] + tf))
        return out

    def _speller(self) -> Speller:
        """The typo mender over the policies' words: its word counts and candidate words come
        from the index cache (they read the clauses, the index's vocabulary and the English
        word list, so they are keyed by all three)."""

        def compute() -> list[Any]:
            counts = surface_words(f"{u.context()} {u.clause.full_text}" for u in self.units)
            return [dict(counts), candidate_words(counts, self.knows)]

        counts, candidates = self._derived.remember(
            "speller", compute, self.weights.context_repeat, index_cache.english_words_key()
        )
        return Speller(Counter(counts), self.knows, list(candidates))

    # ---------- text for each side ----------
    def _bm25_tokens(self, unit: Unit) -> list[str]:
        c = unit.clause
        body = tokens(c.full_text)
        return body + _bigrams(body) + tokens(unit.context()) * self.weights.context_repeat

    def _sentence_views(self) -> dict[str, np.ndarray]:
        """Each sentence's rows among the sentence views, in the order `_dense_texts` writes
        them (a sentence found in several clauses has the rows of all of them)."""
        rows: dict[str, list[int]] = {}
        row = 0
        for u in self.units:
            for s in split_sentences(u.clause.full_text):
                n = 1 + len(questions_for(s))
                rows.setdefault(s, []).extend(range(row, row + n))
                row += n
        return {s: np.asarray(r, dtype=np.int64) for s, r in rows.items()}

    def _dense_texts(self) -> tuple[list[str], list[str], list[int]]:
        """(clause texts, sentence and question views, each view's clause). Clause texts lead
        with the policy's title and the headings above the clause: which policy a rule belongs
        to is part of what it means. Sentence views carry only the nearest heading."""
        unit_texts: list[str] = []
        sent_texts: list[str] = []
        owners: list[int] = []
        for i, u in enumerate(self.units):
            heads = u.headings
            # a list item is read with the sentence that introduces it (for meaning only: in
            # BM25 those words would make every item outrank the list itself)
            lead = f" {u.lead_in}" if u.lead_in else ""
            unit_texts.append(f"{u.context()}.{lead} {u.clause.full_text}")
            heading = heads[-1] if heads else u.title
            for s in split_sentences(u.clause.full_text):
                views = [f"{heading}: {s}", *questions_for(s)]
                sent_texts.extend(views)
                owners.extend([i] * len(views))
        return unit_texts, sent_texts, owners

    def fingerprint(self, dense_texts: object = None) -> str:
        """Hash of exactly the texts that get embedded (and their owners): the cache key, so a
        change to the policies or to how clauses are presented to the model re-embeds."""
        h = hashlib.sha256(INDEX_VERSION.encode())
        h.update(json.dumps(dense_texts or self._dense_texts()).encode())
        return h.hexdigest()[:16]

    # ---------- dense ----------
    def attach_embedder(
        self,
        embedder: Embedder,
        cache_dir: Path | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> bool:
        """Embed the corpus (or load the cached embeddings). Returns True when read from cache.
        `progress(done, total)` is told after each batch of texts embedded."""
        texts = self._derived.remember("dense-views", self._dense_texts)
        unit_texts, sent_texts, owners = texts
        cache_file = None
        if cache_dir is not None:
            safe = re.sub(r"[^A-Za-z0-9_.-]", "_", embedder.name)
            cache_file = Path(cache_dir) / f"embeddings-{safe}-{self.fingerprint(texts)}.npz"
        vecs = None
        if cache_file is not None and cache_file.exists():
            try:
                data = np.load(cache_file)
                vecs = data["units"], data["sentences"]
                if len(vecs[0]) != len(unit_texts) or len(vecs[1]) != len(sent_texts):
                    vecs = None
            except Exception as e:  # a truncated cache file is rebuilt, never trusted
                log.warning("embedding cache unreadable, rebuilding: %s", type(e).__name__)
                vecs = None
        from_cache = vecs is not None
        if vecs is None:
            all_vecs = _encode(embedder, unit_texts + sent_texts, progress)
            vecs = all_vecs[: len(unit_texts)], all_vecs[len(unit_texts) :]
            if cache_file is not None:
                cache_file.parent.mkdir(parents=True, exist_ok=True)
                tmp = cache_file.with_suffix(".tmp.npz")
                np.savez(tmp, units=vecs[0], sentences=vecs[1])
                tmp.replace(cache_file)
        with self._lock:
            self.unit_vecs = np.asarray(vecs[0], dtype=np.float32)
            self.sent_vecs = np.asarray(vecs[1], dtype=np.float32)
            self.sent_owner = np.asarray(owners, dtype=np.int64)
            self._sent_starts = np.flatnonzero(np.r_[True, np.diff(self.sent_owner) != 0])
            self._views_of = self._derived.remember(
                "sentence-views", self._sentence_views, to_json=_rows_to_json, from_json=_rows
            )
            self.embedder = embedder
        return from_cache

    @property
    def dense_ready(self) -> bool:
        return self.embedder is not None

    def _policy_prior(self, fused: np.ndarray) -> np.ndarray:
        """Per clause: how well its policy as a whole answers the question, against the policy
        that answers it best (0 for that one, negative for the others). A policy answers well
        when several of its clauses do (the mean of its best `policy_depth` scores): the policy
        on the topic asked about, not one stray clause elsewhere that shares a few words."""
        depth = self.weights.policy_depth
        order = np.lexsort((-fused, self._unit_doc))  # by policy, best clause first
        ranked = fused[order]
        first = self._doc_first
        best = np.array(
            [
                ranked[a : min(a + depth, b)].mean()
                for a, b in zip(first[:-1], first[1:], strict=True)
            ]
        )
        behind: np.ndarray = (best - best.max())[self._unit_doc]
        return behind

    # ---------- query side ----------
    def knows(self, word: str) -> bool:
        """Whether the policies use this word (as the school vocabulary reads it)."""
        terms = tokens(word)
        return bool(terms) and all(t in self._vocab_set for t in terms)

    def spell(self, question: str) -> str:
        """The question with misspelt words mended to the policies' spelling (spelling.py)."""
        return self.speller.correct(question)

    def query_terms(self, question: str) -> list[str]:
        """Stemmed terms of the question as read (misspelt words mended); words the policies
        never use stay, and count against coverage."""
        return tokens(self.spell(question))

    def word_share(self, terms: list[str], text: str) -> float:
        """Share of the question's (idf-weighted) terms found in `text` (0..1)."""
        max_idf = math.log(1 + len(self.units))
        weights = [self.idf.get(t, max_idf) for t in terms]
        total = sum(weights)
        have = set(tokens(text))
        return (
            sum(w for t, w in zip(terms, weights, strict=True) if t in have) / total
            if total
            else 0.0
        )

    def similarity(self, result: Result, text: str) -> float | None:
        """How close in meaning `text` (a sentence or paragraph of a clause, as the clause
        prints it) is to the question of `result`: its best sentence view's cosine. None
        without a model, or for text that is no clause's."""
        sims = result.view_sims
        if sims is None:
            return None
        rows = [self._views_of[s] for s in split_sentences(text) if s in self._views_of]
        if not rows:
            return None
        return float(max(sims[r].max() for r in rows))

    def _naming(self, known: list[str]) -> np.ndarray:
        """1 for clauses that contain one of the question's topic words (not the words of the
        scope question itself, nor ones found all over the policies)."""
        out = np.zeros(len(self.units))
        for t in known:
            if t not in SCOPE_WORDS and t not in self._everywhere and t in self._postings:
                out[self._postings[t][0]] = 1.0
        return out

    def search(self, question: str, k: int = 10, intent: QuestionIntent | None = None) -> Result:
        """The `k` best clauses: lexical → dense → fuse → priors, each a named step below.
        `intent` is `classify(question)` when the caller has it already."""
        question = self.spell(question)
        intent = classify(question) if intent is None else intent
        terms = tokens(question)
        n = len(self.units)
        known = [t for t in terms if t in self._vocab_set]
        max_idf = math.log(1 + n)
        total = sum(self.idf.get(t, max_idf) for t in terms)
        coverage = (sum(self.idf[t] for t in known) / total) if total else 0.0
        # Unanchored: words the policies never use, and none they use on a particular topic
        # ("What is the policy on school dinners?").
        unanchored = len(known) < len(terms) and all(t in self._everywhere for t in known)

        bm = self._lexical(terms, known)
        dense, view_sims, query_vec = self._dense(question)
        fused = self._fuse(bm, dense)
        fused = self._priors(fused, intent, known)
        order = np.argsort(-fused, kind="stable")[:k]
        weights = [self.idf.get(t, max_idf) for t in terms]

        def covered(i: int) -> float:
            have = self._unit_terms[i]
            return sum(w for t, w in zip(terms, weights, strict=True) if t in have) / total

        hits = [
            Hit(
                self.units[i],
                float(fused[i]),
                float(bm[i]),
                float(dense[i]) if dense is not None else 0.0,
                covered(i) if total else 0.0,
                int(i),
                states_what_is_asked(intent, self.kinds, int(i)),
            )
            for i in order
        ]
        return Result(
            hits=hits,
            coverage=coverage,
            top_dense=float(dense.max()) if dense is not None else 0.0,
            dense_used=dense is not None,
            query_terms=terms,
            asks_logistics=intent.asks_logistics,
            asks_school_life=intent.asks_school_life,
            unanchored=unanchored,
            question=question,
            view_sims=view_sims,
            query_vec=query_vec,
        )

    def _lexical(self, terms: list[str], known: list[str]) -> np.ndarray:
        """Per clause: BM25Plus over the question's known terms and their adjacent pairs."""
        bm = np.zeros(len(self.units))
        if known:
            # BM25Plus gives every clause a floor of idf * delta per term; remove it so that
            # 0 means "no question term in this clause".
            for t in _bigrams(terms):
                if t in self._postings:
                    docs, part = self._postings[t]
                    bm[docs] += self.weights.bigram * part
            for t in known:
                docs, part = self._postings[t]
                w = self.weights.platform_term if t in PLATFORM_TERMS else 1.0
                bm[docs] += w * part
        return bm

    def _dense(
        self, question: str
    ) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
        """Per clause: cosine similarity of the clause and of its best sentence view, blended;
        the similarity of every sentence view; and the question's embedding. (None, None, None)
        without a model."""
        with self._lock:
            embedder, uv, sv, owner = self.embedder, self.unit_vecs, self.sent_vecs, self.sent_owner
        if embedder is None or uv is None or sv is None or owner is None:
            return None, None, None
        n = len(self.units)
        qv = embedder.encode([dense_query(question)])[0]
        clause_sim = uv @ qv
        view_sims = sv @ qv
        sent_sim = np.full(n, -1.0)
        # owners are ascending, so each clause's best sentence is one reduceat away
        starts = self._sent_starts
        sent_sim[owner[starts]] = np.maximum.reduceat(view_sims, starts)
        w = self.weights.sentence
        dense: np.ndarray = (1 - w) * clause_sim + w * np.maximum(sent_sim, clause_sim)
        return dense, view_sims, qv

    def _fuse(self, bm: np.ndarray, dense: np.ndarray | None) -> np.ndarray:
        """Weighted sum of per-query z-scores (see the module docstring for why not RRF)."""
        if dense is None:
            return _z(bm)  # same scale as the fused score, so the priors weigh alike
        fused: np.ndarray = self.weights.dense * _z(dense) + (1 - self.weights.dense) * _z(bm)
        return fused

    def _priors(self, fused: np.ndarray, intent: QuestionIntent, known: list[str]) -> np.ndarray:
        """The policy prior, then the question-type priors (intent.py): small bonuses to the
        clauses of the kind the question asks for."""
        kinds, w = self.kinds, self.weights
        if len(self.documents) > 1 and w.policy:
            fused = fused + w.policy * self._policy_prior(fused)
        if intent.asks_who_to_tell:
            fused = fused + w.who_bonus * kinds.names_who_to_tell
        if intent.asks_what_to_do:
            fused = fused + w.intent_bonus * (kinds.directs_action - kinds.defines)
        elif intent.asks_definition:
            fused = fused + w.intent_bonus * kinds.defines
        if intent.asks_who_holds:
            fused = fused + w.holder_bonus * kinds.names_a_person * self._naming(known)
        if intent.asks_scope:
            fused = fused + w.scope_bonus * kinds.states_scope * self._naming(known)
        return fused


def _encode(
    embedder: Embedder, texts: list[str], progress: Callable[[int, int], None] | None
) -> np.ndarray:
    """All texts at once, or in batches of 1,024 when someone is watching the progress."""
    if progress is None:
        return embedder.encode(texts)
    parts = []
    for start in range(0, len(texts), 1024):
        parts.append(embedder.encode(texts[start : start + 1024]))
        progress(min(start + 1024, len(texts)), len(texts))
    return np.concatenate(parts) if parts else embedder.encode([])


def _rows_to_json(views: dict[str, np.ndarray]) -> dict[str, list[int]]:
    return {s: rows.tolist() for s, rows in views.items()}


def _rows(data: dict[str, list[int]]) -> dict[str, np.ndarray]:
    return {s: np.asarray(rows, dtype=np.int64) for s, rows in data.items()}


def _lead_in(doc: Document, clause: Clause) -> str:
    """The text of a sub-item's parent (its own words only, not its other items)."""
    if not clause.parent:
        return ""
    parent = next((c for c in doc.clauses if c.id == clause.parent), None)
    return parent.text.strip() if parent is not None else ""


def _is_heading(clause: Clause) -> bool:
    """A heading that reached the clause list (an older parse, a stray title line) is context,
    never an answer: its whole text is one of the headings above it."""
    text = " ".join(clause.full_text.split()).rstrip(".:").casefold()
    heads = (*clause.path, clause.section_title, clause.heading)
    return bool(text) and any(text == " ".join(h.split()).rstrip(".:").casefold() for h in heads)


def _bigrams(terms: list[str]) -> list[str]:
    """Adjacent term pairs ("social contact", "working hours"): a phrase is stronger evidence
    than the same words scattered."""
    return [f"{a}_{b}" for a, b in zip(terms, terms[1:], strict=False)]


def _z(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    return (x - float(x.mean())) / sd if sd > 1e-9 else np.zeros_like(x)
