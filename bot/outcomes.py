"""Deciding what a reply is: answered, two policies speak to it, or not covered.

A small model is right most of the time, not all of it; the reply's honesty is in saying which.
The decision reads the ranked clauses (`Result`) and is made here once, in named steps, so every
front end says the same:

1. `Abstention.covered`: is the clause that would be quoted close enough to the question to be
   its answer? If not, the reply is *not covered*.
2. `TwoPolicies.second`: when the best clause of the next policy is nearly as good as the best
   one, and itself good enough to be an answer, two policies speak to the question and both
   are quoted, each with its own label, best first: a handbook's policies overlap (the Staff
   Code of Conduct and the Social Media Policy both speak of phones), and picking one of two
   near-equals hides the other rule from the reader.
3. `Nearest.shown`: a question not covered may still be shown the nearest rule, labelled as the
   nearest rule, which may not answer it, when that rule is close to being an answer; never for a
   request for something no policy holds (a password).
4. `unmentioned`: the question's own words that no policy uses ("parking"), so a not-covered
   reply can name what the policies don't mention.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.answers import ANSWERED, NOT_COVERED, TWO_POLICIES
from bot.retrieval.index import Hit, Result
from bot.retrieval.spelling import is_real_word
from bot.retrieval.vocabulary import STOPWORDS


@dataclass(frozen=True)
class Abstention:
    """When the policies are taken not to cover a question.

    With the dense model the evidence is the clause that would be quoted: its similarity to the
    question, plus a share of the question's (idf-weighted) vocabulary found in that clause and
    the headings above it, must reach `min_evidence`. The clause's own share, not the corpus':
    a handbook of fifty policies uses nearly every word staff might ask about somewhere, so
    "the policies know these words" stops saying anything once there are many of them
    (calibrated on a ten-policy handbook with the Social Media Policy's five question sets, and
    on that policy alone: in-scope abstained 2% and 2%, out-of-scope 75% and 100%, against
    0% / 65% and 0% / 97% with the corpus' share). Judging the cited clause rather than the best
    similarity anywhere matters: an off-topic question ("the photocopier code") is often faintly
    like some clause, but not like the one its words pull to the top. A clause that matches the
    question's words strongly (a BM25 score of `strong_match` takes two or three of its specific
    words) also counts when the clause also holds a third of the question's words: a paraphrase
    the model misses, such as "phone unlocked" for "devices left unattended while logged in".
    Logistics questions ("how do I …", "when …", "where …", "how many …", "do staff get …")
    need `logistics_margin` more and no lexical shortcut: policies set rules, they rarely say
    where things are kept or how to get them done. Those about the running of the school (all but
    "how many / long / often", which may ask what a rule sets) also need a clause that holds
    `guarded_covered` of their words: the model finds any clause with a time or a place in it
    faintly like "what time does the office close?". So do unanchored questions, whose only words the policies know are the ones found
    all over them ("school", "pupil") beside words they never use ("What is the policy on school
    dinners?").

    Without the model (BM25 only): enough of the question's weighted vocabulary must occur in the
    policies (more of it for logistics and unanchored questions) and some clause must match.

    With or without the model, a question that asks for a time or an amount ("how long …?",
    "when is …?", "what's on next Thursday?") is answered only by a clause that states one
    (`Hit.states_what_is_asked`, intent.py) when `answer_type` is on: a rule that sets a time
    says it ("within five school days"), and a clause on the question's topic that states none
    ("When are the school photos being taken?" and the clause on consent for photos) is not its
    answer. On the development sets this declined 14 more out-of-scope questions (counted per
    corpus; every corpus gained) and no in-scope one (docs/abstention-study.md).
    """

    min_evidence: float = 0.40
    coverage_weight: float = 0.2
    strong_match: float = 6.0
    strong_match_covered: float = 0.3
    logistics_margin: float = 0.1
    guarded_covered: float = 0.3
    min_coverage_bm25_only: float = 0.5
    min_coverage_bm25_only_guarded: float = 0.8  # logistics and unanchored questions
    min_coverage_bm25_only_strong: float = 0.7  # … or this much with a strong match:
    strong_match_bm25_only: float = 8.0
    answer_type: bool = True  # a time or an amount asked for must be stated by the clause

    def evidence(self, hit: Hit) -> float:
        """The model's evidence that `hit` answers: similarity plus a share of the words."""
        return hit.dense + self.coverage_weight * hit.covered

    def needed(self, r: Result) -> float:
        """The evidence a clause needs to be the answer to this question (with the model)."""
        guarded = r.asks_logistics or r.unanchored
        return self.min_evidence + (self.logistics_margin if guarded else 0.0)

    def answers(self, hit: Hit, r: Result) -> bool:
        """Whether `hit` is close enough to the question of `r` to be quoted as its answer."""
        if self.answer_type and not hit.states_what_is_asked:
            return False
        if r.dense_used:
            if r.asks_logistics or r.unanchored:
                own_words = hit.covered >= self.guarded_covered or not (
                    r.asks_school_life or r.unanchored
                )
                return self.evidence(hit) >= self.needed(r) and own_words
            if self.evidence(hit) >= self.needed(r):
                return True
            return hit.bm25 >= self.strong_match and hit.covered >= self.strong_match_covered
        if r.asks_logistics or r.unanchored:  # most of their words known, or a strong match
            return (r.coverage >= self.min_coverage_bm25_only_guarded and hit.bm25 > 0) or (
                r.coverage >= self.min_coverage_bm25_only_strong
                and hit.bm25 >= self.strong_match_bm25_only
            )
        return r.coverage >= self.min_coverage_bm25_only and hit.bm25 > 0

    def covered(self, r: Result) -> bool:
        return bool(r.hits) and self.answers(r.hits[0], r)


@dataclass(frozen=True)
class TwoPolicies:
    """Two policies speak to a question when the next policy's best clause is within `max_gap`
    of the best clause's fused score (policy prior included) and is itself an answer."""

    max_gap: float = 0.75

    def second(self, r: Result, abstention: Abstention) -> Hit | None:
        if not r.hits:
            return None
        best = r.hits[0]
        other = next((h for h in r.hits[1:] if h.unit.doc != best.unit.doc), None)
        if other is None or best.score - other.score > self.max_gap:
            return None
        return other if abstention.answers(other, r) else None


@dataclass(frozen=True)
class Nearest:
    """A not-covered reply shows the nearest rule when its evidence falls short of an answer's
    by at most `margin` (with the model), or when, without it, some clause matches and the
    policies know at least `min_coverage_bm25_only` of the question's words."""

    margin: float = 0.1
    min_coverage_bm25_only: float = 0.34

    def shown(self, r: Result, abstention: Abstention) -> Hit | None:
        if not r.hits:
            return None
        best = r.hits[0]
        if r.dense_used:
            close = abstention.evidence(best) >= abstention.needed(r) - self.margin
        else:
            close = best.bm25 > 0 and r.coverage >= self.min_coverage_bm25_only
        return best if close else None


@dataclass(frozen=True)
class Judgement:
    outcome: str  # ANSWERED, TWO_POLICIES or NOT_COVERED
    quoted: tuple[Hit, ...] = ()  # the clauses to quote, best first
    nearest: bool = False  # the one quoted is the nearest rule, not an answer


@dataclass(frozen=True)
class Judge:
    """The three steps, with their calibrated settings."""

    abstention: Abstention = Abstention()
    two_policies: TwoPolicies = TwoPolicies()
    nearest: Nearest = Nearest()

    def __call__(self, r: Result, *, show_nearest: bool = True) -> Judgement:
        if not self.abstention.covered(r):
            near = self.nearest.shown(r, self.abstention) if show_nearest else None
            return Judgement(NOT_COVERED, (near,) if near else (), nearest=near is not None)
        second = self.two_policies.second(r, self.abstention)
        if second is not None:
            return Judgement(TWO_POLICIES, (r.hits[0], second))
        return Judgement(ANSWERED, (r.hits[0],))


# ---- what the policies don't mention ----------------------------------------------------------

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")
# Words that say when or how often, not what about: "the policies don't mention Wednesday"
# would be true and useless.
_WHEN = frozenset({
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
    "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "today", "tomorrow", "yesterday", "tonight", "morning", "afternoon",
    "evening", "week", "weeks", "weekend", "term", "terms", "year", "years", "month", "months",
    "day", "days", "time", "times", "next", "last", "this", "soon", "later", "ago", "yet",
    "already", "again", "now", "ever", "never",
})  # fmt: skip
MAX_NAMED = 2
# A word after these is a verb ("How do I book …", "Can we swap …"), not what is asked about.
_BEFORE_A_VERB = frozenset({
    "i", "we", "you", "they", "to", "can", "do", "does", "did", "will", "would", "should",
    "could", "must", "may",
})  # fmt: skip


def unmentioned(question: str, knows: Callable[[str], bool]) -> list[str]:
    """The question's own words, as typed, that no policy uses: real English words (not a
    name or a typo), not a stop word, not a word of time, and no verb ("fixed", "I book").
    Words next to each other are one subject ("the lunch menu", with the question's "the").
    At most two subjects, in the question's order; [] when there are none, or more (then the
    question is too far from the policies to name what they miss in a word or two)."""
    words = _WORD.findall(question)
    unknown = [
        _unmentioned_word(w, knows) and (i == 0 or words[i - 1].lower() not in _BEFORE_A_VERB)
        for i, w in enumerate(words)
    ]
    subjects: list[str] = []
    i = 0
    while i < len(words):
        if not unknown[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(words) and unknown[j + 1]:
            j += 1
        the = "the " if i > 0 and words[i - 1].lower() == "the" else ""
        phrase = the + " ".join(words[i : j + 1])
        if phrase.lower() not in (p.lower() for p in subjects):
            subjects.append(phrase)
        i = j + 1
    return subjects if len(subjects) <= MAX_NAMED else []


def _unmentioned_word(word: str, knows: Callable[[str], bool]) -> bool:
    lower = word.lower().replace("’", "'")
    return not (
        len(lower) < 3
        or lower in STOPWORDS
        or lower in _WHEN
        or lower.endswith(("ed", "ly", "'s"))
        or not is_real_word(lower)
        or knows(lower)
    )
