"""Policy parsing speed and memory, measured (not asserted): run by hand, numbers go in the notes.

    .venv/bin/python benchmarks/bench_corpus.py [--repeat 5]

Reports the time to read each handbook file (tests/fixtures/handbook) and the Social Media
Policy, per format, the whole corpus as `policybot corpus` reads it, and peak memory. Parsing
runs at every start and at every `policybot corpus/index/check`, so it should stay well under a
second for a school's handbook.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.corpus import load_document, read_corpus  # noqa: E402

FILES = sorted((ROOT / "tests" / "fixtures" / "handbook").glob("*")) + [
    ROOT / "policy_corpus" / "social-media-policy.txt"
]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    load_document(FILES[0])  # imports (python-docx, pypdf) outside the timings
    for path in FILES:
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            doc = load_document(path)
            times.append(time.perf_counter() - t0)
        print(
            f"{path.name:45} {len(doc.clauses):4} clauses  {1000 * statistics.median(times):7.1f} ms"
        )
    with tempfile.TemporaryDirectory() as tmp:
        for path in FILES:
            shutil.copy(path, tmp)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            corpus = read_corpus(Path(tmp))
            times.append(time.perf_counter() - t0)
        n = sum(len(d.clauses) for d in corpus.documents)
        print(
            f"whole corpus: {len(corpus.documents)} documents, {n} clauses, "
            f"{1000 * statistics.median(times):.0f} ms (median of {args.repeat})"
        )
        cache_dir = Path(tmp) / ".cache"
        read_corpus(Path(tmp), cache_dir)  # fills the parsed-policy cache
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            read_corpus(Path(tmp), cache_dir)
            times.append(time.perf_counter() - t0)
        print(f"whole corpus from the parse cache: {1000 * statistics.median(times):.0f} ms")
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
