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


class Speller:
    """Corrects a question's misspelt words to the policies' spelling (see the module doc)."""

    def __init__(self, counts: Counter[str], known: Callable[[str], bool]) -> None:
        self._known = known  # does the index know this word (after the school vocabulary)?
        self._counts = counts
        candidates = {w for w in counts if known(w)}
        candidates |= {w for w in WORDS if known(w)}  # "niece" → family, when the policies say it
        self._candidates = sorted(candidates)
        self._by_length: dict[int, list[str]] = {}
        for w in self._candidates:
            self._by_length.setdefault(len(w), []).append(w)
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
        # a typo adds, drops or swaps a letter or two: only words of about the same length
        near = [w for n in range(len(word) - 2, len(word) + 3) for w in self._by_length.get(n, ())]
        close = difflib.get_close_matches(word, near, n=3, cutoff=cutoff)
        if not close:
            return None
        best = difflib.SequenceMatcher(None, word, close[0]).ratio()
        ties = [w for w in close if difflib.SequenceMatcher(None, word, w).ratio() >= best - 1e-9]
        return max(ties, key=lambda w: (self._counts[w], w))
