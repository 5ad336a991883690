"""The ask use case: load the policies, read the question (misspellings mended), retrieve, decide
the outcome (bot/outcomes.py) and compose a cited reply (bot/composing.py). Front ends (console,
Slack, Teams) all call `Assistant.ask`."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.answers import NOT_COVERED, Answer
from bot.composing import ask_instead, compose
from bot.corpus import Document, load_corpus
from bot.document_facts import facts_answer
from bot.outcomes import Abstention, Judge
from bot.retrieval.embedders import Embedder, load_embedder
from bot.retrieval.index import ClauseIndex, Result
from bot.retrieval.intent import QuestionIntent, classify

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
    ) -> None:
        self.documents = documents
        self.index = ClauseIndex(documents)
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

    @classmethod
    def load(
        cls,
        corpus_dir: Path,
        cache_dir: Path | None = None,
        model: str | None = None,
        embedder: Embedder | str | None = None,
        **kw: Any,
    ) -> Assistant:
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
            embedder = load_embedder(self.model)
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
        return compose(
            question,
            result,
            self.documents,
            judgement=self.judge(result),
            index=self.index,
            wants_list=intent.asks_for_list,
            today=self.today(),
        )
