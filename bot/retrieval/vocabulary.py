"""Words as staff type them → words as policies write them.

This is domain vocabulary of UK schools and social media, not phrases from any question set: it
maps everyday synonyms, spellings and abbreviations onto the terms policies use, on both the
policy side and the question side, so BM25 sees the same token for "mum", "dad" and "carer".
The tables themselves live in ``bot.retrieval.word_tables``; this module applies them (and
re-exports them, so callers have one place to import the vocabulary from).
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path

import snowballstemmer

from bot.retrieval.word_tables import PHRASES, PLATFORM_NAMES, STOPWORDS, WORDS

__all__ = [
    "PHRASES",
    "PLATFORM_NAMES",
    "PLATFORM_TERMS",
    "STOPWORDS",
    "WORDS",
    "english_surface",
    "english_words",
    "normalise_text",
    "stem",
    "tokens",
    "words",
]

_TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_PHRASE_ORDER = sorted(PHRASES, key=lambda k: -len(k))  # longest first
_PHRASE_RES = [(k, re.compile(rf"\b{re.escape(k)}\b"), PHRASES[k]) for k in _PHRASE_ORDER]
# Which phrases a text holds, found in one pass (a lookahead at every position, longest first),
# so that only those few of the hundred-odd rules run on it; and, for each phrase, the phrases
# its replacement holds ("the head" → "the headteacher"), which then run too, as in one pass of
# every rule in order. The result is the same as running every rule; it costs a tenth.
_ANY_PHRASE = re.compile(r"(?=\b(" + "|".join(re.escape(k) for k in _PHRASE_ORDER) + r")\b)")
_WITHIN: dict[str, set[str]] = {
    k: {k2 for k2, rx, _ in _PHRASE_RES if rx.search(PHRASES[k])} for k in _PHRASE_ORDER
}
_local = threading.local()  # snowball stemmers keep state: one per thread


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    if word.endswith(("ize", "ized", "izes", "izing", "ization", "izations")):
        word = word.replace("iz", "is")  # US spellings → UK: the policies are British
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("english")
    stemmed: str = stemmer.stemWord(word)  # snowballstemmer ships no types
    return stemmed


def normalise_text(text: str) -> str:
    """Lower-case, apply multi-word vocabulary, unify apostrophes."""
    t = text.lower().replace("’", "'").replace("‘", "'")
    present = {m.group(1) for m in _ANY_PHRASE.finditer(t)}
    if not present:
        return t
    todo = list(present)
    while todo:  # what a replacement brings in
        for k in _WITHIN[todo.pop()] - present:
            present.add(k)
            todo.append(k)
    for key, rx, repl in _PHRASE_RES:
        if key in present:
            t = rx.sub(repl, t)
    return t


def words(text: str) -> list[str]:
    """Canonical words (vocabulary applied, stop words dropped), not yet stemmed."""
    out: list[str] = []
    for tok in _TOKEN_RE.findall(normalise_text(text)):
        tok = (
            tok.split("'")[0]
            if tok.endswith(("'s", "'t", "'re", "'ll", "'ve", "'d", "'m"))
            else tok
        )
        if tok in STOPWORDS or len(tok) < 2:
            continue
        out.extend(WORDS.get(tok, tok).split())
    return out


def tokens(text: str) -> list[str]:
    """Stemmed index terms for BM25."""
    return list(_tokens(text))


@lru_cache(maxsize=20_000)
def _tokens(text: str) -> tuple[str, ...]:
    # Answers tokenise the sentences of the clauses they quote on every question, and the same
    # clauses come back again and again: the vocabulary's hundred-odd phrase rules run once per
    # sentence, not once per answer.
    return tuple(stem(w) for w in words(text))


PLATFORM_TERMS = frozenset(stem(p) for p in PLATFORM_NAMES)

_words_lock = threading.Lock()
_english: frozenset[str] | None = None


def english_words() -> frozenset[str]:
    global _english
    with _words_lock:  # built once, by whichever thread asks first
        if _english is None:
            _english = _english_words()
        return _english


def english_words_ready() -> bool:
    return _english is not None


def use_english_words(words: frozenset[str]) -> None:
    """The list `english_words()` would build, read back from the index cache (index_cache.py):
    stemming the whole vocabulary is most of a one-question start."""
    global _english
    with _words_lock:
        if _english is None:
            _english = words


def english_surface() -> frozenset[str]:
    """Whole English words as the model's vocabulary spells them ("pupil", "lessons")."""
    with _words_lock:
        return _english_surface()


def english_vocabulary_file() -> Path | None:
    from bot.retrieval.embedders import packaged_model_path

    path = packaged_model_path()
    vocab = path / "vocab.txt" if path else None
    return vocab if vocab is not None and vocab.exists() else None


def _english_words() -> frozenset[str]:
    """Stems of whole English words, read from the embedding model's WordPiece vocabulary when the
    packaged model is installed. Typo correction leaves these alone ("present" is not a typo of
    "prevent"). Without the package the set is empty and every unknown word may be corrected."""
    return frozenset(stem(w) for w in _english_surface())


@lru_cache(maxsize=1)
def _english_surface() -> frozenset[str]:
    vocab = english_vocabulary_file()
    if vocab is None:
        return frozenset()
    out = set()
    for line in vocab.read_text(encoding="utf-8").splitlines():
        w = line.strip()
        if len(w) >= 3 and w.isalpha() and w.isascii() and w.islower():
            out.add(w)
    return frozenset(out)
