"""Export the sentence-transformers model to one ONNX graph, once, and prove it computes the same.

The only module of the serving side that imports torch, and only inside `export_graph`: it runs
at `policybot index`, at a container build, or on the first start after the model or the
exporter changed (onnx_graph.py decides when).

What is exported is the whole sentence-transformers pipeline after tokenisation (the
transformer, the pooling its `1_Pooling/config.json` asks for, and `2_Normalize`), traced from
the model object sentence-transformers itself builds, so the graph computes exactly what
`SentenceTransformer.encode` does, whatever modules a model lists in `modules.json`. The
tokenizer that model uses is saved beside it. fp32 throughout: dynamic int8 was measured slower
on this hardware (no VNNI) and less exact (cosine 0.990).

Before the graph is accepted it is run through onnxruntime exactly as answers will run it, on
probe texts (short, long past the model's max_seq_length, empty, non-ASCII, a padded batch): the
token ids must equal sentence-transformers' own and every embedding must agree with torch's to a
cosine of `MIN_COSINE`. Anything else raises ExportFailed and the caller keeps the torch path.

Why not sentence-transformers' own `backend="onnx"`: it needs optimum-onnx, whose newest release
(0.1.0) pins transformers < 4.58 and optimum ~= 2.1, while this project runs transformers 5.x
with sentence-transformers 6.x; and serving through it would import torch anyway.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from bot.errors import ModelGraphError
from bot.retrieval import onnx_graph
from bot.retrieval.onnx_embedder import OnnxEmbedder

MIN_COSINE = 0.99999
OPSET = 18
PROBES = [
    "Can I accept a friend request from a parent?",
    "who is the DSL?",
    "",
    "Staff must not share passwords; report a lost laptop to the IT technician at once.",
    "Café, naïve façade — “curly quotes”, ½ and emoji 🙂 in a policy.",
    "  leading and trailing spaces\tand a tab  ",
    " ".join(["Adults must be cautious about following parents on social networking sites."] * 40),
]


class ExportFailed(ModelGraphError):
    """The graph could not be exported, or it does not compute what torch computes."""


def export_graph(model_dir: Path, out: Path) -> dict[str, Any]:
    """Write `model.onnx` and `tokenizer.json` for the model in `model_dir` into the empty folder
    `out`; returns the manifest fields describing them."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import torch  # noqa: F401 - fails here, with a clear message, when it is not installed
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging
    except ImportError as e:
        raise ExportFailed(f"the exporter needs {e.name}, which is not installed") from e

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    with _quiet():
        return _export(SentenceTransformer(str(model_dir), device="cpu"), out)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """The exporter's own chatter (graph passes, skipped torchvision ops, deprecations) is for
    its developers, not for the school's log: warnings and errors still come through."""
    names = ("torch.onnx", "onnxscript", "onnx_ir", "sentence_transformers", "transformers")
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _export(model: Any, out: Path) -> dict[str, Any]:
    import torch

    model.eval()
    sample = model.preprocess(PROBES[:2])
    tensors = {k: v for k, v in sample.items() if isinstance(v, torch.Tensor)}
    constants = {k: v for k, v in sample.items() if not isinstance(v, torch.Tensor)}
    names = list(tensors)

    class Pipeline(torch.nn.Module):
        """Tokens in, sentence embeddings out: the model's own modules, in their order."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            features = {**dict(zip(names, inputs, strict=True)), **constants}
            out: torch.Tensor = self.model(features)["sentence_embedding"]
            return out

    batch = torch.export.Dim("batch", max=65536)
    seq = torch.export.Dim("seq", max=max(int(model.max_seq_length), 2))
    dims = tuple({0: batch, 1: seq} for _ in names)
    inline = out / "inline.onnx"
    try:
        with torch.no_grad():
            torch.onnx.export(
                Pipeline().eval(),
                tuple(tensors[n] for n in names),
                str(inline),
                input_names=names,
                output_names=["sentence_embedding"],
                dynamic_shapes=(dims,),
                opset_version=OPSET,
                external_data=False,
                dynamo=True,
                verbose=False,
            )
        _split_weights(inline, out)
    except Exception as e:
        raise ExportFailed(f"torch.onnx.export: {type(e).__name__}: {str(e)[:300]}") from e
    finally:
        inline.unlink(missing_ok=True)
    backend = getattr(model.tokenizer, "backend_tokenizer", None)
    if backend is None:
        raise ExportFailed("the model's tokenizer has no fast (tokenizers) version to save")
    backend.save(str(out / onnx_graph.TOKENIZER))
    fields: dict[str, Any] = {
        "inputs": names,
        "max_seq_length": int(model.max_seq_length),
        "dimension": int(model.get_sentence_embedding_dimension() or 0),
    }
    fields["check"] = _compare(model, out, fields)
    return fields


def _split_weights(inline: Path, out: Path) -> None:
    """The graph in `GRAPH`, every weight of 1 KB or more in `WEIGHTS` beside it."""
    import onnx

    proto = onnx.load(str(inline))
    onnx.save_model(
        proto,
        str(out / onnx_graph.GRAPH),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=onnx_graph.WEIGHTS,
        size_threshold=1024,
    )


def _compare(model: Any, folder: Path, fields: dict[str, Any]) -> dict[str, Any]:
    """Run the new graph as answers will and hold it to torch's tokens and embeddings."""
    try:
        onnx = OnnxEmbedder(folder, fields["inputs"], fields["max_seq_length"], name="export-check")
    except Exception as e:
        raise ExportFailed(f"onnxruntime cannot load the graph: {type(e).__name__}: {e}") from e
    want = model.preprocess(PROBES)
    mask = want["attention_mask"].numpy()
    for i, text in enumerate(PROBES):
        ids = want["input_ids"][i].numpy()[mask[i] == 1].tolist()
        if onnx.token_ids(text) != ids:
            raise ExportFailed(f"tokens differ from sentence-transformers' on probe {i}")
    ref = model.encode(
        PROBES, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    got = np.concatenate([onnx.encode(PROBES), onnx.encode(PROBES[:1])])
    ref = np.concatenate([ref, ref[:1]])
    cosine = float(np.min(np.sum(got * ref, axis=1)))
    if not cosine >= MIN_COSINE:
        raise ExportFailed(f"the graph's embeddings differ from torch's (cosine {cosine:.6f})")
    return {"texts": len(PROBES), "min_cosine": round(cosine, 7)}
