"""The ask use case: load the policies, retrieve, decide whether the policy covers the question,
and compose a cited answer. Front ends (console, Slack, Teams) all call `Assistant.ask`."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.answers import Answer, ask_instead, compose
from bot.corpus import Document, load_corpus
from bot.document_facts import facts_answer
from bot.retrieval.embedders import Embedder, load_embedder
from bot.retrieval.index import ClauseIndex, Result
from bot.retrieval.index_cache import prime_english_words
from bot.retrieval.intent import QuestionIntent, classify

log = logging.getLogger(__name__)

EXAMPLE = "“A parent sent me a friend request on Facebook, can I accept?”"


def small_talk(intent: QuestionIntent) -> str | None:
    """A friendly word for greetings and thanks instead of 'the policies don't cover this'."""
    if intent.greeting:
        return f"Hello! Ask me anything about the school's policies, for example {EXAMPLE}"
    if intent.thanks:
        return "You're welcome. Ask again any time."
    return None


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
    0% / 65% and 0% / 97% with the corpus' share). Judging the cited clause rather than the best similarity anywhere
    matters: an off-topic question ("the photocopier code") is often faintly like some clause,
    but not like the one its words pull to the top. A clause that matches the question's words
    strongly (a BM25 score of `strong_match` takes two or three of its specific words) also
    counts when the clause also holds a third of the question's words: a paraphrase the model misses, such as "phone unlocked" for "devices left unattended
    while logged in". Logistics questions ("how do I …", "when …", "where …") need
    `logistics_margin` more and no lexical shortcut: policies set rules, they rarely say where
    things are kept or how to get them done. So do unanchored questions, whose only words the
    policies know are the ones found all over them ("school", "pupil") beside words they never
    use ("What is the policy on school dinners?").

    Without the model (BM25 only): enough of the question's weighted vocabulary must occur in the
    policies (more of it for logistics and unanchored questions) and some clause must match.
    """

    min_evidence: float = 0.40
    coverage_weight: float = 0.2
    strong_match: float = 6.0
    strong_match_covered: float = 0.3
    logistics_margin: float = 0.1
    min_coverage_bm25_only: float = 0.5
    min_coverage_bm25_only_guarded: float = 0.8  # logistics and unanchored questions
    min_coverage_bm25_only_strong: float = 0.7  # … or this much with a strong match:
    strong_match_bm25_only: float = 8.0

    def covered(self, r: Result) -> bool:
        if not r.hits:
            return False
        best = r.hits[0]
        if r.dense_used:
            evidence = best.dense + self.coverage_weight * best.covered
            if r.asks_logistics or r.unanchored:
                return evidence >= self.min_evidence + self.logistics_margin
            return evidence >= self.min_evidence or (
                best.bm25 >= self.strong_match and best.covered >= self.strong_match_covered
            )
        if r.asks_logistics or r.unanchored:  # most of their words known, or a strong match
            return (r.coverage >= self.min_coverage_bm25_only_guarded and best.bm25 > 0) or (
                r.coverage >= self.min_coverage_bm25_only_strong
                and best.bm25 >= self.strong_match_bm25_only
            )
        return r.coverage >= self.min_coverage_bm25_only and best.bm25 > 0


class Assistant:
    def __init__(
        self,
        documents: list[Document],
        *,
        cache_dir: Path | None = None,
        model: str | None = None,
        embedder: Embedder | str | None = None,
        abstention: Abstention | None = None,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.documents = documents
        self.index = ClauseIndex(documents, cache_dir=cache_dir)
        self.cache_dir = cache_dir
        self.model = model
        self.abstention = abstention or Abstention()
        self.today = today
        self._dense_wanted = embedder != "none"
        self._warmup: threading.Thread | None = None
        self._warm_lock = threading.Lock()
        self.dense_error: str | None = None
        if embedder is not None and not isinstance(embedder, str):
            self.index.attach_embedder(embedder, cache_dir)

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

    # ---- asking ----
    def search(self, question: str, k: int = 10) -> Result:
        return self.index.search(question, k=k)

    def ask(self, question: str) -> Answer:
        question = " ".join((question or "").split())
        if not question:
            return Answer(
                question="",
                answered=False,
                text="Ask me a question about the school's policies, for example: "
                "“Can I accept a friend request from a parent?”",
            )
        intent = classify(question)  # once: small talk here, question-type priors in search
        reply = small_talk(intent)
        if reply is not None:
            return Answer(question=question, answered=False, text=reply)
        if intent.asks_for_credential:  # never a rule about passwords as if it were one
            who = ask_instead(self.documents)
            return Answer(
                question=question,
                answered=False,
                text=f"The school's policies don't hold passwords or codes. Please ask {who}.",
                ask_instead=who,
            )
        facts = facts_answer(question, self.documents, self.today())
        if facts is not None:
            return facts
        query = question[:1000]
        result = self.index.search(query, k=10, intent=intent if query == question else None)
        return compose(
            question,
            result,
            self.documents,
            answered=self.abstention.covered(result),
            today=self.today(),
        )
