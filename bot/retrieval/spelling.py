"""Misspelt words in a question → the words the policies use, before anything reads it.

Staff type fast ("can i frend a parnt on facebok"). A misspelt word is unknown to BM25, and the
sentence model reads "frend" as a different token sequence from "friend", so a question it would
answer spelt right falls below the evidence needed. Correcting the *text* once, before ranking,
abstention and question-type reading, helps every one of them alike.

A word is corrected only when it is no English word the model knows (its own WordPiece
vocabulary; an inflected form of one counts as real: "trolled"), is unknown to the policies, and
is close to a word the policies (or the school vocabulary) use: the policies' own spelling is the
target, never a general dictionary. Chat spellings ("wat", "u", "im") are read as the words they
stand for: general English, not phrases from any question set.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterable

from bot.retrieval.vocabulary import STOPWORDS, WORDS, english_surface, english_words, stem

CHAT_SPELLINGS = {
    "wat": "what", "wot": "what", "wht": "what", "u": "you", "ur": "your", "r": "are",
    "im": "I'm", "ive": "I've", "dont": "don't", "cant": "can't", "wont": "won't",
    "doesnt": "doesn't", "isnt": "isn't", "didnt": "didn't", "shouldnt": "shouldn't",
    "wouldnt": "wouldn't", "couldnt": "couldn't", "shud": "should", "cud": "could",
    "wud": "would", "whats": "what's", "wheres": "where's", "whens": "when's", "hows": "how's",
    "whos": "who's", "thats": "that's", "pls": "please", "plz": "please", "b4": "before",
}  # fmt: skip
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9']*")
_INFLECTIONS = ("s", "es", "ed", "d", "ing", "er", "ers", "ly", "ies", "ied")
MAX_CACHED = 10_000


def surface_words(texts: Iterable[str]) -> Counter[str]:
    """How often each lower-case word occurs in the texts (the policies' own spelling)."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(w.lower() for w in _WORD.findall(text) if len(w) >= 3)
    return counts


def is_real_word(word: str) -> bool:
    """An English word the model knows, or an inflected form of one ("trolled", "lessons")."""
    if word in english_surface():
        return True
    return stem(word) in english_words() and word.endswith(_INFLECTIONS)


def candidate_words(counts: Counter[str], known: Callable[[str], bool]) -> list[str]:
    """The words a typo may be mended to, sorted: the policies' own words the index knows."""
    candidates = {w for w in counts if known(w)}
    # the school vocabulary's words, when the policies use what they stand for: "niece" (for
    # "family"), and "parent" itself where a policy only ever writes "parents"
    vocabulary = set(WORDS) | {v for value in WORDS.values() for v in value.split()}
    candidates |= {w for w in vocabulary if known(w)}
    # … and the stem of each word the policies use, when it is a word itself: "accept",
    # where a policy only writes "accepting"
    candidates |= {st for w in list(candidates) if is_real_word(st := stem(w)) and known(st)}
    return sorted(candidates)


class Speller:
    """Corrects a question's misspelt words to the policies' spelling (see the module doc)."""

    def __init__(
        self,
        counts: Counter[str],
        known: Callable[[str], bool],
        candidates: list[str] | None = None,
    ) -> None:
        """`candidates`: what `candidate_words(counts, known)` returned for these (the index
        keeps it between starts: bot/retrieval/index_cache.py)."""
        self._known = known  # does the index know this word (after the school vocabulary)?
        self._counts = counts
        self._candidates = candidates if candidates is not None else candidate_words(counts, known)
        # Each word under itself and each way of dropping one letter ("friend" under "frend",
        # "fiend", …): a typo that adds, drops, changes or swaps a letter shares one of these
        # keys with the word it misspells, so finding it is a few lookups, not a scan.
        self._by_deletion: dict[str, list[str]] = {}
        for w in self._candidates:
            for key in _deletions(w):
                self._by_deletion.setdefault(key, []).append(w)
        self._cache: dict[str, str | None] = {}

    def correct(self, question: str) -> str:
        """The question with each misspelt word replaced by the policies' word for it."""
        return _WORD.sub(lambda m: self._replace(m.group(0)), question)

    def _replace(self, word: str) -> str:
        lower = word.lower()
        if lower in CHAT_SPELLINGS:
            return CHAT_SPELLINGS[lower]
        fixed = self.fix(lower)
        return fixed if fixed is not None else word

    def fix(self, word: str) -> str | None:
        """The policies' word for a misspelt one, or None when it is not a typo we can mend."""
        if len(word) < 4 or word in STOPWORDS or not word.isalpha():
            return None
        if word in self._cache:
            return self._cache[word]
        fixed = None
        if not self._known(word) and not is_real_word(word):
            fixed = self._closest(word)
        if len(self._cache) < MAX_CACHED:
            self._cache[word] = fixed
        return fixed

    def _closest(self, word: str) -> str | None:
        # a word cut short ("safeguar") is the policies' most frequent word it begins
        if len(word) >= 5:
            start = bisect.bisect_left(self._candidates, word)
            longer = []
            for w in self._candidates[start:]:
                if not w.startswith(word):
                    break
                if len(w) - len(word) <= 7:
                    longer.append(w)
            if longer:
                return max(longer, key=lambda w: (self._counts[w], w))
        cutoff = 0.8 if len(word) < 7 else 0.75
        near = sorted({w for key in _deletions(word) for w in self._by_deletion.get(key, ())})
        close = difflib.get_close_matches(word, near, n=3, cutoff=cutoff)
        if not close:
            return None
        best = difflib.SequenceMatcher(None, word, close[0]).ratio()
        ties = [w for w in close if difflib.SequenceMatcher(None, word, w).ratio() >= best - 1e-9]
        return max(ties, key=lambda w: (self._counts[w], w))


def _deletions(word: str) -> set[str]:
    """The word and every string one letter shorter."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}
