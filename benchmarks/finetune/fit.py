"""Fine-tuning the question side of the sentence model, deterministically, on a CPU.

Why only the question side: the gap the model leaves is between how staff ask ("a mum collared
me at the gate…") and how policies are written, and it can be closed from either side. Closing it
from the question side keeps every policy's embeddings exactly what the starting model makes of
them, so a policy the training never saw is read as well as before (the training cannot over-fit
the policies it was shown), the school's embedding cache stays valid, and training runs the model
on short questions only: ~15 minutes on two cores (measured), not hours.

The loss ranks every clause of the policies, scored as the index scores them (whole clause and
best sentence view blended, bot/retrieval/index.py): the gold clauses against all the others
(clauses holding or part of a gold one left out), plus two margins for the similarity an answer
needs: an out-of-scope question is kept below `oos_margin` from its closest clauses, and an
in-scope one is drawn above `answer_margin` to its answer.

Deterministic: one seed drives the order and dropout, and torch runs deterministic algorithms on
a fixed number of threads: the same examples, recipe and starting weights give the same weights.
The folder written is a sentence-transformers model with fp16 weights (half the size; its config
says float32, so it loads as float32) and `training.json` naming what it was made from.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.finetune.examples import ASKED, OUT_OF_SCOPE, Example
from bot.retrieval.index import ClauseIndex


@dataclass(frozen=True)
class Recipe:
    epochs: int = 4
    batch: int = 32
    lr: float = 2e-5
    warmup: float = 0.1  # share of the steps the learning rate climbs over
    scale: float = 30.0  # similarity × this are the ranking loss' logits
    asked_repeats: int = 2  # staff questions are seen this many times an epoch
    oos_per_batch: int = 4  # out-of-scope questions in each step
    oos_margin: float = 0.30  # … kept at most this close to their closest clauses
    oos_top: int = 3  # … that many of them
    answer_margin: float = 0.55  # in-scope questions drawn at least this close to their answer
    margin_weight: float = 1.0
    # True keeps the word embeddings the starting model's (a variant not yet measured; the
    # measured run trained every weight)
    freeze_words: bool = False
    seed: int = 17
    threads: int = 2


@dataclass
class Corpus:
    """One indexed set of policies as training scores it: the starting model's vectors of its
    clauses and sentence views (fixed), and the examples about it."""

    units: np.ndarray
    views: np.ndarray
    owner: np.ndarray
    sentence: float  # the index's share of best-sentence similarity in the dense score
    examples: list[Example] = field(default_factory=list)

    @classmethod
    def of(cls, index: ClauseIndex, examples: Sequence[Example]) -> Corpus:
        if index.unit_vecs is None or index.sent_vecs is None or index.sent_owner is None:
            raise ValueError("attach the starting model to the index first")
        return cls(
            index.unit_vecs,
            index.sent_vecs,
            index.sent_owner,
            index.weights.sentence,
            list(examples),
        )


@dataclass(frozen=True)
class Trained:
    folder: Path
    steps: int
    seconds: float
    final_loss: float


class _Scorer:
    """The index's dense score of every clause for a batch of question vectors, in torch."""

    def __init__(self, corpus: Corpus) -> None:
        import torch

        self.units = torch.from_numpy(np.ascontiguousarray(corpus.units, dtype=np.float32))
        views = torch.from_numpy(np.ascontiguousarray(corpus.views, dtype=np.float32))
        self.views = torch.cat([views, torch.zeros(1, views.shape[1])])  # row M: padding
        n, m = len(corpus.units), len(corpus.views)
        per_unit: list[list[int]] = [[] for _ in range(n)]
        for row, owner in enumerate(corpus.owner):
            per_unit[int(owner)].append(row)
        width = max(1, max(len(r) for r in per_unit))
        self.rows = torch.full((n, width), m, dtype=torch.long)
        for i, r in enumerate(per_unit):
            if r:
                self.rows[i, : len(r)] = torch.tensor(r)
        self.pad = self.rows == m
        self.sentence = corpus.sentence

    def __call__(self, q: Any) -> Any:
        clause = q @ self.units.T
        views = (q @ self.views.T)[:, self.rows]  # (batch, clauses, views)
        best = views.masked_fill(self.pad, -2.0).amax(dim=2)
        w = self.sentence
        import torch

        return (1 - w) * clause + w * torch.maximum(best, clause)


def fine_tune(
    base: Path,
    corpora: Sequence[Corpus],
    out: Path,
    recipe: Recipe = Recipe(),
    progress: Callable[[int, int, float], None] | None = None,
    about: dict[str, Any] | None = None,
) -> Trained:
    """Train the question encoder from the model folder `base`; write it to `out` (replaced)."""
    import torch
    from sentence_transformers import SentenceTransformer

    t0 = time.perf_counter()
    torch.manual_seed(recipe.seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(recipe.threads)
    rng = random.Random(recipe.seed)

    model = SentenceTransformer(str(base), device="cpu")
    model.train()
    if recipe.freeze_words:
        model[0].auto_model.embeddings.word_embeddings.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    scorers = [_Scorer(c) for c in corpora]
    in_scope = [(k, e) for k, c in enumerate(corpora) for e in c.examples if e.kind != OUT_OF_SCOPE]
    oos = [(k, e) for k, c in enumerate(corpora) for e in c.examples if e.kind == OUT_OF_SCOPE]
    if not in_scope:
        raise ValueError("no in-scope examples to train on")

    def repeats(e: Example) -> int:
        return recipe.asked_repeats if e.kind == ASKED else 1

    per_epoch = math.ceil(sum(repeats(e) for _, e in in_scope) / recipe.batch)
    total = per_epoch * recipe.epochs
    opt = torch.optim.AdamW(params, lr=recipe.lr, weight_decay=0.01)
    warm = max(1, int(recipe.warmup * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm)))
    )

    step, loss_value, oos_at = 0, 0.0, 0
    for _ in range(recipe.epochs):
        pool = [item for item in in_scope for _ in range(repeats(item[1]))]
        rng.shuffle(pool)
        rng.shuffle(oos)
        for start in range(0, len(pool), recipe.batch):
            batch = pool[start : start + recipe.batch]
            side = [
                oos[(oos_at + i) % len(oos)] for i in range(min(recipe.oos_per_batch, len(oos)))
            ]
            oos_at += len(side)
            items = batch + side
            features = model.tokenize([e.anchor for _, e in items])
            vecs = model(dict(features))["sentence_embedding"]
            losses = []
            for k, scorer in enumerate(scorers):
                rows = [i for i, (c, _) in enumerate(items) if c == k]
                if not rows:
                    continue
                scores = scorer(vecs[rows])
                for r, i in enumerate(rows):
                    losses.append(_loss(scores[r], items[i][1], recipe))
            loss = torch.stack(losses).mean()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            step += 1
            loss_value = float(loss.detach())
            if progress:
                progress(step, total, loss_value)

    model.eval()
    seconds = time.perf_counter() - t0
    examples = [e for c in corpora for e in c.examples]
    save(model, out, base, recipe, examples, about or {})
    return Trained(out, step, seconds, loss_value)


def _loss(scores: Any, e: Example, recipe: Recipe) -> Any:
    """One question's loss over the dense scores of every clause."""
    import torch

    if e.kind == OUT_OF_SCOPE:
        top = torch.topk(scores, min(recipe.oos_top, scores.shape[0])).values
        return recipe.margin_weight * torch.relu(top - recipe.oos_margin).pow(2).mean()
    logits = recipe.scale * scores
    if e.related:
        logits = logits.index_fill(0, torch.tensor(e.related), -1e4)
    gold = torch.tensor(e.gold)
    rank = torch.logsumexp(logits, 0) - torch.logsumexp(logits[gold], 0)
    near = torch.relu(recipe.answer_margin - scores[gold].max()).pow(2)
    return rank + recipe.margin_weight * near


def save(
    model: Any,
    out: Path,
    base: Path,
    recipe: Recipe,
    examples: Sequence[Example],
    about: dict[str, Any],
) -> None:
    """Write the model folder: fp16 weights, float32 config, and what it was trained from."""
    from safetensors.torch import load_file, save_file

    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save(str(tmp))
    weights = tmp / "model.safetensors"
    state = load_file(str(weights))
    save_file(
        {k: v.half().contiguous() for k, v in sorted(state.items())},
        str(weights),
        metadata={"format": "pt"},
    )
    (tmp / "README.md").unlink(missing_ok=True)  # a generated card; the caller writes its own
    counts = {k: sum(e.kind == k for e in examples) for k in sorted({e.kind for e in examples})}
    data = hashlib.sha256(json.dumps([[e.anchor, e.gold, e.kind] for e in examples]).encode())
    record = {
        "base": folder_hash(base),
        "recipe": asdict(recipe),
        "examples": counts,
        "examples_sha256": data.hexdigest(),
        **about,
    }
    (tmp / "training.json").write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    shutil.rmtree(out, ignore_errors=True)
    tmp.replace(out)


def folder_hash(folder: Path) -> str:
    """SHA-256 over a model folder's files that decide what it computes (names and bytes)."""
    h = hashlib.sha256()
    for f in sorted(folder.rglob("*")):
        if (
            f.is_file()
            and f.suffix in (".json", ".safetensors", ".txt")
            and f.name != "training.json"
        ):
            h.update(f.relative_to(folder).as_posix().encode())
            h.update(f.read_bytes())
    return h.hexdigest()
