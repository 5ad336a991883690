"""Where the ONNX graph is kept: exported once, keyed by the weights and the exporter, and never
loaded when damaged. A stand-in exporter writes small files, so these run on the real file
system in milliseconds; tests/qa/test_onnx_path.py exports and runs the real model."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.retrieval import onnx_graph
from bot.retrieval.onnx_graph import FILES, GRAPH, MANIFEST, WEIGHTS, GraphUnavailable, ensure


@pytest.fixture(autouse=True)
def no_shared_graph(monkeypatch):
    monkeypatch.delenv(onnx_graph.ENV_ROOT, raising=False)


@pytest.fixture
def model(tmp_path) -> Path:
    folder = tmp_path / "models" / "minilm"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"hidden_size": 4}')
    (folder / "model.safetensors").write_bytes(b"\x01" * 4096)
    (folder / "tokenizer.json").write_text('{"model": "wordpiece"}')
    (folder / "README.md").write_text("A model card: not part of what the model computes.")
    return folder


class Exporter:
    """Writes a graph's three files (and can fail half-way, as a killed export would)."""

    def __init__(self, fail_after: str | None = None) -> None:
        self.calls = 0
        self.fail_after = fail_after

    def __call__(self, model_dir: Path, out: Path) -> dict[str, object]:
        self.calls += 1
        for name in FILES:
            (out / name).write_bytes(name.encode() * 100 + str(self.calls).encode())
            if name == self.fail_after:
                raise RuntimeError("the exporter ran out of memory")
        return {"inputs": ["input_ids", "attention_mask"], "max_seq_length": 8}


def test_a_graph_is_exported_once_beside_the_cache_and_found_again(model, tmp_path):
    export = Exporter()
    roots = onnx_graph.graph_roots(tmp_path / "cache")
    first = ensure(model, roots, export)
    assert first.parent == tmp_path / "cache" / "onnx"
    assert ensure(model, roots, export) == first
    assert export.calls == 1
    manifest = json.loads((first / MANIFEST).read_text())
    assert set(manifest["files"]) == set(FILES)
    assert manifest["weights"] == onnx_graph.weights_hash(model)
    assert manifest["max_seq_length"] == 8, "the exporter's own fields are kept"
    assert not [p for p in first.parent.iterdir() if p.name.startswith(".export-")]


def test_a_changed_model_or_exporter_is_exported_again(model, tmp_path, monkeypatch):
    export = Exporter()
    roots = [tmp_path / "graphs"]
    first = ensure(model, roots, export)
    (model / "model.safetensors").write_bytes(b"\x02" * 4096)  # fine-tuned: same size
    second = ensure(model, roots, export)
    assert second != first and export.calls == 2
    versions = onnx_graph.exporter_versions()
    assert versions is not None
    monkeypatch.setattr(onnx_graph, "exporter_versions", lambda: {**versions, "torch": "9.9"})
    third = ensure(model, roots, export)
    assert third not in (first, second) and export.calls == 3


def test_a_model_card_edit_is_not_a_new_model(model, tmp_path):
    export = Exporter()
    first = ensure(model, [tmp_path / "graphs"], export)
    (model / "README.md").write_text("A longer model card.")
    assert ensure(model, [tmp_path / "graphs"], export) == first and export.calls == 1


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (lambda g: _flip_a_byte(g / WEIGHTS), "does not match its checksum"),
        (lambda g: (g / WEIGHTS).write_bytes(b"cut short"), "bytes, the manifest says"),
        (lambda g: (g / GRAPH).unlink(), "model.onnx is missing"),
        (lambda g: (g / MANIFEST).unlink(), "no manifest"),
        (lambda g: (g / MANIFEST).write_text("{not json"), "unreadable manifest"),
    ],
)
def test_a_damaged_graph_is_never_loaded_and_is_built_again(model, tmp_path, caplog, damage, why):
    export = Exporter()
    roots = [tmp_path / "graphs"]
    graph = ensure(model, roots, export)
    damage(graph)
    key = onnx_graph.key_for(model, roots)
    assert why in (onnx_graph.problem(graph, key) or "")
    rebuilt = ensure(model, roots, export)
    assert export.calls == 2
    assert onnx_graph.problem(rebuilt, key) is None
    assert f"ONNX graph {graph} is not usable (" in caplog.text and why in caplog.text


def test_an_export_that_fails_half_way_leaves_nothing_and_is_not_retried_at_every_start(
    model, tmp_path
):
    roots = [tmp_path / "graphs"]
    failing = Exporter(fail_after=WEIGHTS)
    with pytest.raises(GraphUnavailable, match="the ONNX export failed .*out of memory"):
        ensure(model, roots, failing)
    assert [p.name for p in roots[0].iterdir() if not p.name.startswith(".")] == []
    with pytest.raises(GraphUnavailable, match="failed before .*`policybot index` tries again"):
        ensure(model, roots, failing)
    assert failing.calls == 1, "a restart does not spend a minute failing again"
    working = Exporter()
    graph = ensure(model, roots, working, retry_failed=True)  # as `policybot index` does
    assert (
        working.calls == 1 and onnx_graph.problem(graph, onnx_graph.key_for(model, roots)) is None
    )
    assert not list(roots[0].glob(".failed-*")), "a success forgets the failure"


def test_a_graph_built_into_an_image_is_used_before_the_cache(model, tmp_path):
    image = tmp_path / "image-graphs"
    built = ensure(model, [image], Exporter())
    export = Exporter()
    roots = onnx_graph.graph_roots(tmp_path / "cache", {onnx_graph.ENV_ROOT: str(image)})
    assert roots == [image, tmp_path / "cache" / "onnx"]
    assert ensure(model, roots, export) == built and export.calls == 0


def test_where_nothing_can_export_a_graph_of_the_same_weights_by_any_exporter_is_used(
    model, tmp_path, monkeypatch
):
    roots = [tmp_path / "graphs"]
    built = ensure(model, roots, Exporter())
    monkeypatch.setattr(onnx_graph, "exporter_versions", lambda: None)  # torch not installed
    assert ensure(model, roots, Exporter()) == built
    (model / "model.safetensors").write_bytes(b"\x03" * 4096)
    with pytest.raises(GraphUnavailable, match="exporter .* is not installed"):
        ensure(model, roots, Exporter())


def test_the_weights_are_hashed_once_until_a_file_changes(model, tmp_path, monkeypatch):
    hashed: list[str] = []
    real = onnx_graph.file_sha256
    monkeypatch.setattr(onnx_graph, "file_sha256", lambda p: hashed.append(Path(p).name) or real(p))
    memo = [tmp_path / "graphs"]
    first = onnx_graph.weights_hash(model, memo)
    assert "model.safetensors" in hashed
    hashed.clear()
    assert onnx_graph.weights_hash(model, memo) == first and hashed == []
    weights = model / "model.safetensors"
    stat = weights.stat()
    weights.write_bytes(b"\x04" * 4096)
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert onnx_graph.weights_hash(model, memo) != first and "model.safetensors" in hashed


def test_graph_files_are_readable_by_the_service_user_whoever_built_them(model, tmp_path):
    graph = ensure(model, [tmp_path / "graphs"], Exporter())
    assert graph.stat().st_mode & 0o777 == 0o755
    assert {(graph / n).stat().st_mode & 0o777 for n in (*FILES, MANIFEST)} == {0o644}


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_killed_export_s_leftovers_are_cleared_and_old_graphs_do_not_pile_up(
    model, tmp_path, monkeypatch
):
    root = tmp_path / "graphs"
    first = ensure(model, [root], Exporter())
    leftover = root / ".export-killed"
    leftover.mkdir()
    (leftover / WEIGHTS).write_bytes(b"half of 90 MB")
    graphs = [first]
    versions = onnx_graph.exporter_versions()
    for torch in ("3.0", "3.1"):  # two upgrades of torch: each exports a new graph
        monkeypatch.setattr(
            onnx_graph, "exporter_versions", lambda t=torch: {**versions, "torch": t}
        )
        age = len(graphs)  # each older than the next, whatever the clock's grain
        os.utime(graphs[-1], (age, age))
        graphs.append(ensure(model, [root], Exporter()))
    assert not leftover.exists()
    kept = sorted(p for p in root.iterdir() if not p.name.startswith("."))
    assert kept == sorted(graphs[1:]), "the newest and the one before"
