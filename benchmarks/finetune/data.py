"""The data the project owns for fine-tuning the embedding model: policies in groups, question
sets with the group of policies they ask about, and how a question's gold is read on a corpus.

Policy groups (each a set of files in this repository):

    S  the Social Media Policy (policy_corpus/)
    H  the 13 handbook fixtures (tests/fixtures/handbook/)
    T  the 8 template .docx and 10 plain-text fixtures (tests/corpus/fixtures/templates, plain)
    W  the reader fixtures (web pages, Word, PDF and text documents of tests/corpus/fixtures):
       no question set asks about them; the model learns from their own wording only

Question sets (benchmarks/eval_sets.py reads the same files): smp_dev (beside the repository, in
/work/shared/eval; left out when absent), smp_extra, typos and oos ask about S; hq and blind about
H; blind2 about T.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.eval_sets import (  # noqa: E402
    DATA,
    DEV,
    HANDBOOK,
    PLAIN,
    SETS,
    SMP,
    SMP_FILE,
    TEMPLATES,
    read,
)
from benchmarks.finetune.examples import Question  # noqa: E402
from benchmarks.handbook_gold import resolve  # noqa: E402
from bot.corpus import Document, load_corpus  # noqa: E402

FIXTURES = ROOT / "tests" / "corpus" / "fixtures"
POLICY_SUFFIXES = {".txt", ".md", ".docx", ".pdf", ".html", ".htm"}


def _policies(folder: Path, suffixes: Iterable[str] = POLICY_SUFFIXES) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix in set(suffixes) and p.name != "README.md"
    )


GROUPS: dict[str, list[Path]] = {
    "S": _policies(SMP),
    "H": _policies(HANDBOOK),
    "T": _policies(TEMPLATES, {".docx"}) + _policies(PLAIN, {".txt"}),
    "W": _policies(FIXTURES / "web")
    + _policies(FIXTURES / "docs")
    + _policies(FIXTURES / "reading"),
}
SET_GROUP = {
    "smp_dev": "S",
    "smp_extra": "S",
    "typos": "S",
    "oos": "S",
    "hq": "H",
    "blind": "H",
    "blind2": "T",
}
SET_FILES = {s.name: s.files for s in SETS}
IN_REPO_SETS = tuple(n for n in SET_GROUP if all(f.is_relative_to(ROOT) for f in SET_FILES[n]))


def load(files: Sequence[Path]) -> list[Document]:
    """The documents of these files, read as `policybot` reads a policy folder."""
    with tempfile.TemporaryDirectory() as tmp:
        for f in files:
            shutil.copy(f, Path(tmp) / f.name)
        return load_corpus(Path(tmp))


def _grams(text: str) -> set[str]:
    w = re.findall(r"[a-z]+", text.lower())
    return {" ".join(w[i : i + 5]) for i in range(len(w) - 4)}


def shares_text(a: Document, b: Document, limit: float = 0.05) -> bool:
    """Whether two policies share more than `limit` of their five-word runs (one written from the
    other, or from the same model policy): training on one would be training on the other."""
    ga = set().union(*(_grams(c.full_text) for c in a.clauses)) if a.clauses else set()
    gb = set().union(*(_grams(c.full_text) for c in b.clauses)) if b.clauses else set()
    return bool(ga and gb) and len(ga & gb) / min(len(ga), len(gb)) > limit


def training_files(held_out: Iterable[str]) -> dict[str, list[Path]]:
    """Per group not held out, its files, leaving out any that shares text with a held-out
    policy."""
    held = [d for g in held_out for d in load(GROUPS[g])]
    out: dict[str, list[Path]] = {}
    for g, files in GROUPS.items():
        if g in held_out:
            continue
        keep = []
        for f in files:
            docs = load([f])
            if not any(shares_text(d, h) for d in docs for h in held):
                keep.append(f)
        out[g] = keep
    return out


def covered_elsewhere() -> dict[str, dict[str, Any]]:
    return {r["q"]: r for r in read((DATA / "covered_elsewhere.jsonl",))}


def questions(set_name: str, documents: Sequence[Document]) -> tuple[list[Question], int]:
    """A set's questions with gold as read on `documents`: in-scope questions whose policy is not
    among them are left out; an out-of-scope question a policy among them answers
    (covered_elsewhere.jsonl) takes that gold. Also returns how many could not be resolved."""
    by_source = {d.source: d for d in documents}
    elsewhere = covered_elsewhere()
    smp = SET_GROUP[set_name] == "S" and set_name != "oos"
    out: list[Question] = []
    unresolved = 0
    for r in read(SET_FILES[set_name]):
        if not r.get("gold") and not r.get("gold_text"):
            other = elsewhere.get(r["q"])
            if other is None or other["doc"] not in by_source:
                out.append(Question(r["q"]))
                continue
            r, doc = other, other["doc"]
        else:
            doc = SMP_FILE if smp else r.get("doc", "")
        if doc not in by_source:
            continue
        if r.get("gold_text"):
            got = resolve(r, by_source)
            if got.problems:
                unresolved += 1
                continue
            out.append(Question(r["q"], doc, tuple(got.ids), tuple(r["gold_text"])))
        else:
            out.append(Question(r["q"], doc, tuple(r["gold"])))
    return out, unresolved


def as_records(qs: Iterable[Question]) -> list[dict[str, Any]]:
    """Questions in the form bot.evaluation.evaluate reads."""
    return [{"q": q.q, "gold": list(q.gold), "doc": q.doc} for q in qs]


__all__ = ["DEV", "GROUPS", "IN_REPO_SETS", "SET_GROUP", "load", "questions", "training_files"]
