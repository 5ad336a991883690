"""The ask use case: load the policies, read the question (misspellings mended), retrieve, decide
the outcome (bot/outcomes.py) and compose a cited reply (bot/composing.py). Front ends (console,
Slack, Teams) all call `Assistant.ask`.

What the school has taught it (bot/learning/) comes last: a question close to an approved or
curated question is answered with that question's clause first; the rules the ranking would have
quoted stay in the reply under "See also", so a link can put a rule first but never take a
safeguarding rule away."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any

from bot.answers import ANSWERED, NOT_COVERED, Answer
from bot.composing import ask_instead, compose, rule_of, see_also_hits
from bot.corpus import Document, load_corpus
from bot.document_facts import facts_answer
from bot.learning.matching import Closeness, Match, Taught, TaughtIndex
from bot.learning.targets import is_protected
from bot.outcomes import Abstention, Judge, Judgement
from bot.retrieval.embedders import Embedder, load_embedder
from bot.retrieval.index import ClauseIndex, Hit, Result
from bot.retrieval.index_cache import prime_english_words
from bot.retrieval.intent import QuestionIntent, classify

# What the school has taught, for the documents an assistant holds: (a key that changes when it
# does, the taught questions). bot/learning/service.py gives one; None: nothing taught.
Teaching = Callable[[Sequence[Document]], tuple[Hashable, Sequence[Taught]]]

__all__ = ["Abstention", "Assistant", "Judge"]

log = logging.getLogger(__name__)

EXAMPLE = "“A parent sent me a friend request on Facebook, can I accept?”"


def small_talk(intent: QuestionIntent) -> str | None:
    """A friendly word for greetings and thanks instead of 'the policies don't cover this'."""
    if intent.greeting:
        return f"Hello! Ask me anything about the school's policies, for example {EXAMPLE}"
    if intent.thanks:
        return "You're welcome. Ask again any time."
    return None


class Assistant:
    def __init__(
        self,
        documents: list[Document],
        *,
        cache_dir: Path | None = None,
        model: str | None = None,
        embedder: Embedder | str | None = None,
        abstention: Abstention | None = None,
        judge: Judge | None = None,
        today: Callable[[], dt.date] = dt.date.today,
        closeness: Closeness | None = None,
    ) -> None:
        self.documents = documents
        self.index = ClauseIndex(documents, cache_dir=cache_dir)
        self.cache_dir = cache_dir
        self.model = model
        self.judge = judge or Judge()
        if abstention is not None:
            self.judge = Judge(abstention, self.judge.two_policies, self.judge.nearest)
        self.today = today
        self._dense_wanted = embedder != "none"
        self._warmup: threading.Thread | None = None
        self._warm_lock = threading.Lock()
        self.dense_error: str | None = None
        if embedder is not None and not isinstance(embedder, str):
            self.index.attach_embedder(embedder, cache_dir)
        self.closeness = closeness or Closeness()
        self._teaching: Teaching | None = None
        self._taught: tuple[Hashable, TaughtIndex] | None = None
        self._taught_lock = threading.Lock()

    @classmethod
    def load(
        cls,
        corpus_dir: Path,
        cache_dir: Path | None = None,
        model: str | None = None,
        embedder: Embedder | str | None = None,
        **kw: Any,
    ) -> Assistant:
        prime_english_words(cache_dir)  # before the PDFs are read: they use it too
        return cls(
            load_corpus(Path(corpus_dir)), cache_dir=cache_dir, model=model, embedder=embedder, **kw
        )

    # ---- dense model lifecycle ----
    @property
    def dense_ready(self) -> bool:
        return self.index.dense_ready

    @property
    def dense_available(self) -> bool:
        """False once we know no model can be loaded (BM25 only for good)."""
        return self._dense_wanted and self.dense_error is None

    def warm_up(self, progress: Callable[[str], None] | None = None) -> bool:
        """Load the model and embed the corpus (from the on-disk cache when possible).
        Blocking; safe to call from several threads. Returns whether dense retrieval is on."""
        if not self._dense_wanted or self.dense_ready:
            return self.dense_ready
        with self._warm_lock:
            if self.dense_ready or self.dense_error:
                return self.dense_ready
            t0 = time.perf_counter()
            if progress:
                progress("loading the embedding model")
            embedder = load_embedder(self.model, self.cache_dir)
            if embedder is None:
                self.dense_error = "no embedding model available"
                return False
            if progress:
                progress("embedding the policies")
            from_cache = self.index.attach_embedder(embedder, self.cache_dir)
            log.info(
                "dense retrieval ready in %.1fs (%s, embeddings %s)",
                time.perf_counter() - t0,
                embedder.name,
                "from cache" if from_cache else "computed",
            )
            return True

    def start_warmup(self) -> threading.Thread | None:
        """Load the model in the background; `ask` answers with BM25 until it is ready."""
        if not self._dense_wanted or self.dense_ready:
            return None
        if self._warmup is None:
            self._warmup = threading.Thread(target=self.warm_up, name="dense-warmup", daemon=True)
            self._warmup.start()
        return self._warmup

    # ---- what the school taught ----
    def teach(self, teaching: Teaching | None) -> None:
        """Answer questions close to taught ones with their clause first (bot/learning/)."""
        with self._taught_lock:
            self._teaching, self._taught = teaching, None

    def taught(self) -> TaughtIndex | None:
        """The taught questions as they stand now (rebuilt when what was taught changes)."""
        teaching = self._teaching
        if teaching is None:
            return None
        key, taught = teaching(self.documents)
        with self._taught_lock:
            if self._taught is None or self._taught[0] != key:
                self._taught = (key, TaughtIndex(self.index, taught, self.closeness))
            return self._taught[1]

    def _taught_judgement(
        self, result: Result, judgement: Judgement, match: Match
    ) -> tuple[Judgement, list[Hit]]:
        """The taught clause first, as the answer; what the ranking would have quoted, and any
        safeguarding, child protection or whistleblowing rule it would have named, kept."""
        unit = self.index.units[match.position]
        hit = next((h for h in result.hits if h.position == match.position), None)
        if hit is None:
            top = result.hits[0].score if result.hits else 0.0
            hit = Hit(unit, top, 0.0, 0.0, 0.0, match.position)
        before = list(judgement.quoted)
        if judgement.outcome != NOT_COVERED:
            before += see_also_hits(result, self.documents, before)
        rule = rule_of(hit, self.documents)
        kept = [
            h
            for i, h in enumerate(before)
            if rule_of(h, self.documents) != rule
            and (i < len(judgement.quoted) or self._protected(h))
        ]
        return Judgement(ANSWERED, (hit,)), kept

    def _protected(self, hit: Hit) -> bool:
        return is_protected(self.documents[hit.unit.doc], hit.unit.clause)

    # ---- asking ----
    def search(self, question: str, k: int = 10) -> Result:
        return self.index.search(question, k=k)

    def ask(self, question: str, *, candidates: bool = False) -> Answer:
        """The reply to a question. With `candidates`, a plain answer also carries the next
        rules the ranking found (for "was it one of these?" after *Not helpful*)."""
        question = " ".join((question or "").split())
        if not question:
            return Answer(
                question="",
                answered=False,
                text="Ask me a question about the school's policies, for example: "
                "“Can I accept a friend request from a parent?”",
            )
        read = self.index.spell(question[:1000])  # misspellings mended, once
        intent = classify(read)  # once: small talk here, question-type priors in search
        reply = small_talk(intent)
        if reply is not None:
            return Answer(question=question, answered=False, text=reply)
        if intent.asks_for_credential:  # never a rule about passwords as if it were one
            who = ask_instead(self.documents)
            text = f"The school's policies don't hold passwords or codes. Please ask {who}."
            return Answer(
                question=question,
                answered=False,
                outcome=NOT_COVERED,
                text=text,
                lead=text,
                ask_instead=who,
            )
        facts = facts_answer(question, self.documents, self.today())
        if facts is not None:
            return facts
        result = self.index.search(read, k=10, intent=intent)
        judgement, kept = self.judge(result), list[Hit]()
        taught = self.taught()
        match = taught.match(result) if taught is not None else None
        if match is not None:
            judgement, kept = self._taught_judgement(result, judgement, match)
        return compose(
            question,
            result,
            self.documents,
            judgement=judgement,
            index=self.index,
            wants_list=intent.asks_for_list,
            today=self.today(),
            kept=kept,
            with_candidates=candidates,
        )
