"""Q&A speed and memory, measured (not asserted): run by hand, numbers go in the notes.

    .venv/bin/python benchmarks/bench_qa.py [--clauses 10000]

Reports: cold start to first answer (import + parse + model load + embeddings, with and without
the on-disk cache), index build, warm cost per question on the dev set, p50/p95 on a synthetic
many-policy corpus of N clauses, and peak memory (ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import percentile  # noqa: E402

DEV = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def questions() -> list[str]:
    if DEV.exists():
        return [json.loads(line)["q"] for line in DEV.read_text().splitlines() if line.strip()]
    return ["Can I accept a friend request from a parent?", "What should I do if I am trolled?"]


def synthetic_corpus(folder: Path, n_clauses: int) -> None:
    """Many policies built from the real policy's sentences, shuffled and re-topicked."""
    from bot.corpus import load_corpus
    from bot.retrieval.index import split_sentences

    (doc,) = load_corpus(ROOT / "policy_corpus")
    sentences = [s for c in doc.clauses for s in split_sentences(c.text) if len(s) > 40]
    topics = [
        "uniform",
        "attendance",
        "homework",
        "trips",
        "lunchtime",
        "behaviour",
        "e-safety",
        "first aid",
        "medicines",
        "lettings",
        "parking",
        "photography",
        "data",
        "visitors",
    ]
    rng = random.Random(7)
    per_doc = 100
    for d in range(n_clauses // per_doc):
        topic = topics[d % len(topics)]
        lines = [f"{topic.title()} Policy {d}", ""]
        for sec in range(1, 11):
            lines += [f"{sec}. {topic.title()} section {sec}", ""]
            for i in range(1, per_doc // 10 + 1):
                roman = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"][i - 1]
                body = " ".join(rng.sample(sentences, 2)).replace("social media", topic)
                lines.append(f"{roman}. {body}")
            lines.append("")
        (folder / f"policy-{d:04d}.txt").write_text("\n".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clauses", type=int, default=10_000)
    ap.add_argument(
        "--big-cache",
        default=str(Path(tempfile.gettempdir()) / "policybot-bench-cache"),
        help="embeddings cache for the synthetic corpus (kept between runs; the corpus is "
        "deterministic)",
    )
    args = ap.parse_args()
    out: dict[str, object] = {}

    t0 = time.perf_counter()
    from bot.assistant import Assistant

    out["import_core_s"] = round(time.perf_counter() - t0, 2)
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        t = time.perf_counter()
        bot = Assistant.load(ROOT / "policy_corpus", cache)
        out["parse_and_bm25_s"] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()
        bot.warm_up()
        out["model_load_and_embed_s"] = round(time.perf_counter() - t, 2)
        bot.ask("warm-up question about friend requests")
        out["cold_start_to_first_answer_s"] = round(time.perf_counter() - t0, 2)

        t = time.perf_counter()
        bot2 = Assistant.load(ROOT / "policy_corpus", cache)
        bot2.warm_up()
        out["restart_with_cached_embeddings_s"] = round(time.perf_counter() - t, 2)

        qs = questions()
        times = []
        for _ in range(3):
            for q in qs:
                s = time.perf_counter()
                bot.ask(q)
                times.append((time.perf_counter() - s) * 1000)
        out["warm_ms_per_question_mean"] = round(statistics.mean(times), 1)
        out["warm_ms_p50"] = round(percentile(times, 50), 1)
        out["warm_ms_p95"] = round(percentile(times, 95), 1)
        out["peak_mb_one_policy"] = round(peak_mb())

        big = Path(tmp) / "big"
        big.mkdir()
        synthetic_corpus(big, args.clauses)
        t = time.perf_counter()
        large = Assistant.load(big, Path(args.big_cache))
        out["synthetic_clauses"] = len(large.index.units)
        out["synthetic_parse_and_bm25_s"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        large.warm_up()
        out["synthetic_embed_s"] = round(time.perf_counter() - t, 1)
        times = []
        for q in qs * 2:
            s = time.perf_counter()
            large.ask(q)
            times.append((time.perf_counter() - s) * 1000)
        out["synthetic_ms_p50"] = round(percentile(times, 50), 1)
        out["synthetic_ms_p95"] = round(percentile(times, 95), 1)
        out["peak_mb_total"] = round(peak_mb())
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
