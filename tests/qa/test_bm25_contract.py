"""The contract bot/retrieval/index.py relies on in rank-bm25.

ClauseIndex does not call ``BM25Plus.get_scores`` per question: it precomputes postings from the
object's attributes (``doc_freqs``, ``doc_len``, ``avgdl``, ``idf``, ``k1``, ``b``, ``delta``),
which rank-bm25 does not document. pyproject.toml pins rank-bm25 below its next minor version;
these tests are what tells whoever lifts that pin whether the attributes still mean what the
postings assume: scores rebuilt by hand from them must equal ``get_scores`` exactly."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from rank_bm25 import BM25Plus

# Four tiny "clauses" of different lengths, with a term in every one ("staff"), terms in some
# ("parent", "photo"), a term repeated within one clause ("photo") and a one-off ("whatsapp").
CORPUS = [
    ["staff", "must", "not", "accept", "parent", "friend", "request"],
    ["staff", "photo", "photo", "pupil", "consent"],
    ["staff", "report", "concern", "headteacher", "same", "day", "parent", "whatsapp", "group"],
    ["staff", "photo"],
]
QUERIES = [
    ["parent", "friend"],
    ["photo"],
    ["photo", "photo", "consent"],  # a repeated query term counts twice
    ["staff", "whatsapp"],  # a term in every clause, and one in only one
    ["unheard", "parent"],  # a term the corpus never uses scores nothing
]


@pytest.fixture(scope="module")
def bm25() -> BM25Plus:
    return BM25Plus(CORPUS)


def by_hand(bm25: BM25Plus, query: list[str]) -> np.ndarray:
    """BM25Plus as the index's postings compute it: per query term, for every clause,
    idf * (delta + tf * (k1 + 1) / (k1 * (1 - b + b * len / avgdl) + tf))."""
    scores = np.zeros(len(bm25.doc_freqs))
    for term in query:
        idf = bm25.idf.get(term, 0.0)
        for i, freqs in enumerate(bm25.doc_freqs):
            tf = freqs.get(term, 0)
            norm = bm25.k1 * (1 - bm25.b + bm25.b * bm25.doc_len[i] / bm25.avgdl)
            scores[i] += idf * (bm25.delta + tf * (bm25.k1 + 1) / (norm + tf))
    return scores


def test_the_attributes_describe_the_indexed_clauses(bm25):
    n = len(CORPUS)
    assert bm25.corpus_size == n
    assert list(bm25.doc_len) == [len(doc) for doc in CORPUS]
    assert bm25.avgdl == pytest.approx(sum(len(doc) for doc in CORPUS) / n)
    assert [dict(freqs) for freqs in bm25.doc_freqs] == [dict(Counter(doc)) for doc in CORPUS]
    clauses_with = Counter(term for doc in CORPUS for term in set(doc))
    assert bm25.idf == pytest.approx(
        {term: math.log((n + 1) / df) for term, df in clauses_with.items()}
    )
    assert (bm25.k1, bm25.b, bm25.delta) == (1.5, 0.75, 1)


@pytest.mark.parametrize("query", QUERIES, ids=[" ".join(q) for q in QUERIES])
def test_scores_rebuilt_from_the_attributes_equal_get_scores(bm25, query):
    assert by_hand(bm25, query) == pytest.approx(bm25.get_scores(query), rel=1e-12, abs=1e-12)


def test_a_clause_without_the_term_gets_only_the_floor_the_index_subtracts(bm25):
    # The index drops BM25Plus's per-term floor (idf * delta) so that 0 means "no question term
    # in this clause"; that only holds if a clause without the term scores exactly the floor.
    scores = bm25.get_scores(["whatsapp"])
    floor = bm25.idf["whatsapp"] * bm25.delta
    assert scores[[0, 1, 3]] == pytest.approx([floor] * 3, rel=1e-12)
    assert scores[2] > floor


def test_the_parameters_given_are_the_ones_scored_with():
    tuned = BM25Plus(CORPUS, k1=0.9, b=0.4, delta=0.5)
    assert (tuned.k1, tuned.b, tuned.delta) == (0.9, 0.4, 0.5)
    for query in QUERIES:
        assert by_hand(tuned, query) == pytest.approx(tuned.get_scores(query), rel=1e-12)
