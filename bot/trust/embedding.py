"""One embedding model for every school, and each policy text embedded once.

A trust's schools all answer from the trust's policies as well as their own, so fifty indexes
would otherwise embed the same clauses fifty times and load the model fifty times. Here:

* :class:`SharedModel` loads the model once, in one background thread, and then gives every
  school's freshly built assistant dense retrieval, one at a time, through the ``Embedder``
  interface (``assistant.index.attach_embedder``). Until a school's turn comes it answers with
  BM25, as a single school does while its model loads.
* :class:`MemoEmbedder` wraps the model: a corpus batch's vectors are kept by the text's hash,
  so the trust's clauses (identical texts in every school's index) are computed for the first
  school only. Questions (a batch of a few texts) pass straight through and are never kept: a
  question can name a pupil. :meth:`SharedModel.settled` drops the kept vectors once every
  school has its index; each school's index is also cached on disk (its data directory), so
  a restart embeds nothing.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bot.retrieval.embedders import Embedder, load_embedder

log = logging.getLogger(__name__)

# Up to this many texts is a question (or a few), never a corpus: the model's own
# SentenceTransformerEmbedder draws the same line for its thread count.
QUESTION_BATCH = 8


class MemoEmbedder:
    """An :class:`Embedder` that computes each corpus text's vector once."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name  # the on-disk cache key: the same model, the same vectors
        self._memo: dict[bytes, np.ndarray] = {}
        self._lock = threading.Lock()
        self.computed = 0  # texts the model embedded for a corpus
        self.reused = 0  # texts found in the memo instead

    def encode(self, texts: list[str]) -> np.ndarray:
        if len(texts) <= QUESTION_BATCH:
            return self.inner.encode(texts)
        keys = [hashlib.blake2b(t.encode("utf-8"), digest_size=16).digest() for t in texts]
        with self._lock:
            wanted = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._memo}
        if wanted:
            vectors = np.asarray(self.inner.encode(list(wanted.values())), dtype=np.float32)
            with self._lock:
                for key, row in zip(wanted, vectors, strict=True):
                    self._memo[key] = row
        with self._lock:
            out = np.stack([self._memo[k] for k in keys])
            self.computed += len(wanted)
            self.reused += len(keys) - len(wanted)
        return out

    def forget(self) -> None:
        """Drop the kept vectors (every school's index holds its own copy, and its disk cache)."""
        with self._lock:
            self._memo.clear()

    @property
    def kept(self) -> int:
        return len(self._memo)


class SharedModel:
    """Loads the model once (``start``) and attaches it to each school's assistant in turn."""

    def __init__(
        self,
        model: str | None,
        loader: Callable[[str | None], Embedder | None] | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        """``cache_dir``: the trust's cache, where the model's ONNX graph is kept (or built
        once) beside ``POLICYBOT_ONNX_DIR``'s, so every school answers on ONNX Runtime."""
        self.model = model
        self._loader = loader or (lambda configured: load_embedder(configured, cache_dir))
        self._queue: queue.Queue[tuple[Any, Path | None] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.embedder: MemoEmbedder | None = None
        self.error: str | None = None
        self._expected = 0
        self._attached = 0
        self._done = threading.Event()

    def expect(self, schools: int) -> None:
        """How many assistants will come: when all have their vectors the memo is dropped."""
        self._expected = schools

    def attach(self, assistant: Any, cache_dir: Path | None) -> None:
        """Queue a school's new assistant for dense retrieval (BM25 answers meanwhile)."""
        self._queue.put((assistant, cache_dir))
        self.start()

    def skip(self) -> None:
        """A school whose policies could not be read: no assistant will come from it."""
        self._queue.put((None, None))
        self.start()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="trust-model", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)

    def settled(self, timeout: float | None = None) -> bool:
        """Block until every expected school has its vectors (benchmarks, tests)."""
        return self._done.wait(timeout)

    def _run(self) -> None:
        try:
            inner = self._loader(self.model)
        except Exception as exc:  # a broken model is BM25 for every school, never a crash
            inner = None
            log.warning("the embedding model did not load: %s", type(exc).__name__)
        if inner is None:
            self.error = "no embedding model available"
        else:
            self.embedder = MemoEmbedder(inner)
        while True:
            item = self._queue.get()
            if item is None:
                return
            assistant, cache_dir = item
            self._attach(assistant, cache_dir)

    def _attach(self, assistant: Any, cache_dir: Path | None) -> None:
        if assistant is None:
            pass
        elif self.embedder is None:
            assistant.dense_error = self.error  # /healthz: BM25 only, for good
        else:
            try:
                assistant.index.attach_embedder(self.embedder, cache_dir)
            except Exception as exc:  # this school answers with BM25; the others go on
                log.error("dense retrieval failed for a school: %s", type(exc).__name__)
                assistant.dense_error = f"{type(exc).__name__}"
        self._attached += 1
        if self._expected and self._attached >= self._expected:
            if self.embedder is not None:
                log.info(
                    "dense retrieval ready for %d schools: %d texts embedded, %d reused",
                    self._attached, self.embedder.computed, self.embedder.reused,
                )  # fmt: skip
                self.embedder.forget()
            self._done.set()
