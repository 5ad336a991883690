"""The embedding model on ONNX Runtime: how answers and the index embed text, without torch.

Imports onnxruntime, tokenizers and numpy, nothing heavier: a process that only answers reaches
its first embedding in a fraction of a second and ~100 MB (tests/qa/test_onnx_path.py runs one
in a fresh interpreter and checks torch never appears in `sys.modules`). The graph and the
tokenizer come from a folder onnx_graph.py has checked against its manifest.

Threads: every run uses one thread (`intra_op_num_threads=1`). A question is one short run that
gains nothing from a thread pool and, on a busy two-core server, loses to the web server's and
numpy's threads. The corpus is embedded in length-sorted batches run side by side on the same
session (onnxruntime runs are thread-safe and release the GIL), one per core: the cores are
used without a second copy of the weights. A text repeated in one call (the same sentence in
several policies) is embedded once.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from bot.retrieval.onnx_graph import GRAPH, TOKENIZER, read_manifest

# Corpus runs hold at most this many tokens (texts × the longest one's length) and texts: short
# sentences go 64 at a time, 256-token clauses 4. Measured on 3,000 handbook texts, two runs at a
# time: as fast as 2,048 or 4,096 tokens, and a peak of ~440 MB against ~560 MB and ~830 MB.
RUN_TOKENS = 1024
RUN_TEXTS = 64


class OnnxEmbedder:
    backend = "ONNX Runtime"

    def __init__(
        self,
        folder: Path,
        inputs: list[str],
        max_seq_length: int,
        name: str,
        workers: int | None = None,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # warnings about unused initialisers are not for staff
        self._session = ort.InferenceSession(
            str(folder / GRAPH), options, providers=["CPUExecutionProvider"]
        )
        wanted = {i.name for i in self._session.get_inputs()}
        unknown = wanted - {"input_ids", "attention_mask", "token_type_ids"}
        if unknown or not set(inputs) >= wanted:
            raise ValueError(f"the graph asks for inputs this embedder does not make: {unknown}")
        self._inputs = [n for n in inputs if n in wanted]
        output = self._session.get_outputs()[0]
        self._output = output.name
        width = output.shape[-1] if output.shape else None
        self.dimension = width if isinstance(width, int) else 0
        self._tokenizer = Tokenizer.from_file(str(folder / TOKENIZER))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=max_seq_length)
        self._workers = workers or _cores()
        # After embedding the corpus, one tiny run gives the runs' working memory back, so a
        # server that has just embedded the policies answers in the memory a question needs.
        # (Shrinking after every run instead was slower and peaked higher.)
        self._shrink = ort.RunOptions()
        self._shrink.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        self.folder = folder
        self.name = name

    @classmethod
    def from_folder(cls, folder: Path, name: str) -> OnnxEmbedder:
        manifest = read_manifest(folder)
        return cls(folder, list(manifest["inputs"]), int(manifest["max_seq_length"]), name)

    def token_ids(self, text: str) -> list[int]:
        ids: list[int] = self._tokenizer.encode(text).ids
        return ids

    def encode(self, texts: list[str]) -> np.ndarray:
        """Rows L2-normalised, float32, in the order of `texts`."""
        unique = list(dict.fromkeys(texts))
        if len(unique) == 1:
            vecs = self._run([self._tokenizer.encode(unique[0])])
        else:
            vecs = self._batched(unique)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        vecs = np.asarray(vecs / np.maximum(norms, 1e-12), dtype=np.float32)
        if len(unique) == len(texts):
            return vecs
        row = {t: i for i, t in enumerate(unique)}
        out: np.ndarray = vecs[[row[t] for t in texts]]
        return out

    def _batched(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(texts)
        lengths = [len(e.ids) for e in encodings]
        order = [int(i) for i in np.argsort(lengths, kind="stable")]
        chunks: list[list[int]] = [[]]
        for i in order:  # ascending length: the text added is the longest of its run
            if chunks[-1] and (
                len(chunks[-1]) >= RUN_TEXTS or (len(chunks[-1]) + 1) * lengths[i] > RUN_TOKENS
            ):
                chunks.append([])
            chunks[-1].append(i)

        def run(chunk: list[int]) -> np.ndarray:
            return self._run([encodings[i] for i in chunk])

        if len(chunks) == 1:
            parts = [run(chunks[0])]
        else:
            with ThreadPoolExecutor(self._workers, thread_name_prefix="embed") as pool:
                parts = list(pool.map(run, chunks))
            self._run([encodings[order[0]]], self._shrink)
        vecs = np.empty((len(texts), parts[0].shape[1]), dtype=np.float32)
        vecs[order] = np.concatenate(parts)
        return vecs

    def _run(self, encodings: list[Any], options: Any = None) -> np.ndarray:
        """One padded batch through the graph."""
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        types = np.zeros_like(ids)
        mask = np.zeros_like(ids)
        for r, e in enumerate(encodings):
            n = len(e.ids)
            ids[r, :n] = e.ids
            types[r, :n] = e.type_ids
            mask[r, :n] = 1
        arrays = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        feed = {n: arrays[n] for n in self._inputs}
        out = self._session.run([self._output], feed, options)[0]
        return np.asarray(out, dtype=np.float32)


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
