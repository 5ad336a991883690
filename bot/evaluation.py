"""Retrieval quality on a question file: hit@1, hit@3, MRR and abstention.

File format (JSON Lines): {"q": "question", "gold": ["6.xi", ...]}, or across several policies
{"q": ..., "doc": "educational-visits.md", "gold": ["Risk assessments, item 2"]}; an empty gold
list means the policies do not cover the question. A hit needs the right document (when "doc" is
given: the cited policy's file) and a matching clause. Ids are compared loosely, as people write
them: case, spaces and punctuation don't matter ("4.2(b)" = "4.2.b"), and a parent matches its
child ("9.i" ~ "9.i.b", "Risk assessments" ~ "Risk assessments, item 2").
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from bot.answers import Answer
from bot.corpus.model import Document
from bot.errors import EvalFileError


def normalise_id(clause_id: str) -> str:
    """ "4.2 (b)" → "4.2.b"; "Before the visit — Risk assessments, item 2" → "before.the.visit.risk
    .assessments.item.2": what is left when case, spaces and punctuation are ignored."""
    return ".".join(re.findall(r"[a-z0-9]+", clause_id.lower()))


def clause_matches(clause: str, gold: str) -> bool:
    c, g = normalise_id(clause), normalise_id(gold)
    return bool(c and g) and (c == g or c.startswith(g + ".") or g.startswith(c + "."))


def document_matches(cited_title: str, doc: str, files: Mapping[str, str]) -> bool:
    """The cited policy (by title) is the gold file (by name, with or without its folder)."""
    if not doc:
        return True
    source = files.get(cited_title, "")
    want = doc.strip().lower()
    return (
        source.lower() == want
        or PurePosixPath(source).name.lower() == want
        or (cited_title.lower() == want)
    )


@dataclass
class Report:
    in_scope: int = 0
    out_of_scope: int = 0
    hit1: int = 0
    hit3: int = 0
    rr: float = 0.0
    abstained_out: int = 0
    abstained_in: int = 0
    misses: list[dict[str, Any]] = field(default_factory=list)

    def metrics(self) -> dict[str, float | int]:
        n, m = max(self.in_scope, 1), max(self.out_of_scope, 1)
        return {
            "questions": self.in_scope + self.out_of_scope,
            "in_scope": self.in_scope,
            "out_of_scope": self.out_of_scope,
            "hit@1": round(self.hit1 / n, 3),
            "hit@3": round(self.hit3 / n, 3),
            "mrr": round(self.rr / n, 3),
            "out_of_scope_abstained": round(self.abstained_out / m, 3),
            "in_scope_abstained": round(self.abstained_in / n, 3),
        }


def read_questions(path: Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise EvalFileError(f"{path}:{n}: not JSON ({e.msg})") from e
        if not isinstance(obj, dict) or not isinstance(obj.get("q"), str):
            raise EvalFileError(f'{path}:{n}: each line needs a "q" string')
        gold = obj.get("gold", [])
        if not isinstance(gold, list) or not all(isinstance(g, str) for g in gold):
            raise EvalFileError(f'{path}:{n}: "gold" must be a list of clause ids')
        doc = obj.get("doc", "")
        if not isinstance(doc, str):
            raise EvalFileError(f'{path}:{n}: "doc" must be the policy\'s file name, as a string')
        out.append({"q": obj["q"], "gold": gold, "doc": doc})
    return out


def evaluate(
    questions: Iterable[dict[str, Any]],
    ask: Callable[[str], Answer],
    documents: Iterable[Document] = (),
) -> Report:
    """Ask every question; `documents` maps cited titles to files for gold that names a "doc"."""
    files = {d.title: d.source for d in documents}
    rep = Report()
    for item in questions:
        answer = ask(item["q"])
        gold = item["gold"]
        doc = item.get("doc", "")
        citations = answer.citations if answer.answered else []
        cited = [c.clause for c in citations]
        if not gold:
            rep.out_of_scope += 1
            rep.abstained_out += not answer.answered
            if answer.answered:
                rep.misses.append({"q": item["q"], "gold": gold, "cited": cited})
            continue
        rep.in_scope += 1
        rep.abstained_in += not answer.answered
        rank = next(
            (
                i
                for i, c in enumerate(citations)
                if document_matches(c.document, doc, files)
                and any(clause_matches(c.clause, g) for g in gold)
            ),
            None,
        )
        if rank == 0:
            rep.hit1 += 1
        if rank is not None and rank < 3:
            rep.hit3 += 1
        if rank is not None:
            rep.rr += 1 / (rank + 1)
        if rank != 0:
            miss = {"q": item["q"], "gold": gold, "cited": cited}
            if doc:
                miss.update(
                    doc=doc, cited_docs=[files.get(c.document, c.document) for c in citations]
                )
            rep.misses.append(miss)
    return rep
