"""Retrieval quality on a question file: hit@1, hit@3, MRR and abstention.

File format (JSON Lines): {"q": "question", "gold": ["6.xi", ...]}; an empty gold list means the
policy does not cover the question. A cited clause matches a gold id when it is the same id, or its
parent or child ("9.i" ~ "9.i.b").
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.answers import Answer


class EvalFileError(ValueError):
    pass


def clause_matches(clause: str, gold: str) -> bool:
    return clause == gold or clause.startswith(gold + ".") or gold.startswith(clause + ".")


@dataclass
class Report:
    in_scope: int = 0
    out_of_scope: int = 0
    hit1: int = 0
    hit3: int = 0
    rr: float = 0.0
    abstained_out: int = 0
    abstained_in: int = 0
    misses: list[dict] = field(default_factory=list)

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


def read_questions(path: Path) -> list[dict]:
    out = []
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
        out.append({"q": obj["q"], "gold": gold})
    return out


def evaluate(questions: Iterable[dict], ask: Callable[[str], Answer]) -> Report:
    rep = Report()
    for item in questions:
        answer = ask(item["q"])
        gold = item["gold"]
        cited = [c.clause for c in answer.citations] if answer.answered else []
        if not gold:
            rep.out_of_scope += 1
            rep.abstained_out += not answer.answered
            if answer.answered:
                rep.misses.append({"q": item["q"], "gold": gold, "cited": cited})
            continue
        rep.in_scope += 1
        rep.abstained_in += not answer.answered
        rank = next(
            (i for i, c in enumerate(cited) if any(clause_matches(c, g) for g in gold)), None
        )
        if rank == 0:
            rep.hit1 += 1
        if rank is not None and rank < 3:
            rep.hit3 += 1
        if rank is not None:
            rep.rr += 1 / (rank + 1)
        if rank != 0:
            rep.misses.append({"q": item["q"], "gold": gold, "cited": cited})
    return rep
