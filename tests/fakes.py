"""Test doubles for the Q&A core: a tiny deterministic embedder instead of the real model."""

from __future__ import annotations

import hashlib

import numpy as np

from bot.retrieval.vocabulary import tokens


class HashingEmbedder:
    """Bag of stemmed words hashed into 256 dimensions, L2-normalised. Fast and deterministic:
    enough to exercise the dense path (fusion, caching, sentence views) without the model."""

    name = "hashing-256"

    def __init__(self) -> None:
        self.calls = 0
        self.texts_encoded = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.texts_encoded += len(texts)
        out = np.zeros((len(texts), 256), dtype=np.float32)
        for i, text in enumerate(texts):
            for tok in tokens(text):
                h = int.from_bytes(hashlib.blake2b(tok.encode(), digest_size=4).digest(), "big")
                out[i, h % 256] += 1.0
            norm = np.linalg.norm(out[i])
            if norm:
                out[i] /= norm
        return out
