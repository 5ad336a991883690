"""Choosing the outcome thresholds for a model from questions it was not trained on.

A fine-tuned model spreads its similarities differently from the one the thresholds in
bot/outcomes.py were set for, so `Abstention.min_evidence` (how close a clause must be to be the
answer) is chosen again for it: the value that gets most questions right, where right means the
first citation is the gold for a question in scope and "not covered" for one out of scope, with a
penalty for every in-scope question declined beyond `in_scope_budget` of them. `TwoPolicies`
compares fused scores, whose spread also follows the model: its `max_gap` is set so that as many
in-scope questions get two policies as with `reference` (the thresholds the starting model was
calibrated with).

Each question is searched once; only the judgement and the reply are made again for each
setting tried (`Replay`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from bot.answers import Answer
from bot.assistant import Assistant
from bot.evaluation import Report, evaluate
from bot.outcomes import Judge
from bot.retrieval.index import Result
from bot.retrieval.intent import QuestionIntent

EVIDENCE_GRID = tuple(round(x, 3) for x in np.arange(0.20, 0.901, 0.01))
GAP_GRID = tuple(round(x, 3) for x in np.arange(0.25, 2.001, 0.05))


class Replay:
    """An assistant whose searches are remembered, so that many judges can be tried on one
    ranking. Judges change only what is decided from the ranking, never the ranking."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        search = assistant.index.search
        memo: dict[tuple[str, int], Result] = {}

        def remembered(question: str, k: int = 10, intent: QuestionIntent | None = None) -> Result:
            if (question, k) not in memo:
                memo[(question, k)] = search(question, k=k, intent=intent)
            return memo[(question, k)]

        assistant.index.search = remembered  # type: ignore[method-assign]

    def asker(self, judge: Judge) -> Callable[[str], Answer]:
        def ask(question: str) -> Answer:
            self.assistant.judge = judge
            return self.assistant.ask(question)

        return ask


@dataclass(frozen=True)
class Calibration:
    judge: Judge
    score: float
    metrics: dict[str, Any]


@dataclass(frozen=True)
class Objective:
    in_scope_budget: float = 0.05  # in-scope questions declined before the penalty starts
    penalty: float = 2.0  # per in-scope question declined beyond the budget, in rates

    def __call__(self, m: dict[str, Any]) -> float:
        over = max(0.0, m["in_scope_not_covered"] - self.in_scope_budget)
        return float(
            m["first_citation_right"] + m["out_of_scope_not_covered"] - self.penalty * over
        )


Corpus = tuple[Replay, Sequence[dict[str, Any]], Iterable[Any], str]  # replay, questions, docs, doc


def pooled(corpora: Sequence[Corpus], judge: Judge) -> dict[str, Any]:
    """Every corpus' questions judged with `judge`, as one report."""
    total = Report()
    for replay, questions, documents, default_doc in corpora:
        r = evaluate(questions, replay.asker(judge), list(documents), default_doc)
        total.in_scope += r.in_scope
        total.out_of_scope += r.out_of_scope
        total.hit1 += r.hit1
        total.hit3 += r.hit3
        total.rr += r.rr
        total.shown += r.shown
        total.first_right += r.first_right
        total.outcomes_in.update(r.outcomes_in)
        total.outcomes_out.update(r.outcomes_out)
    return total.metrics()


def _two_policy_rate(m: dict[str, Any]) -> float:
    return float(m["in_scope_outcomes"]["two_policies"]) / max(1, m["in_scope"])


def calibrate(
    corpora: Sequence[Corpus],
    reference: Judge,
    reference_corpora: Sequence[Corpus] | None = None,
    objective: Objective = Objective(),
    evidence_grid: Sequence[float] = EVIDENCE_GRID,
    gap_grid: Sequence[float] = GAP_GRID,
) -> Calibration:
    """The judge for the model behind `corpora`: `min_evidence` by the objective, then `max_gap`
    to give as many two-policy replies as `reference` gives on `reference_corpora` (the same
    questions asked of the starting model)."""
    best: tuple[float, float] | None = None
    for value in evidence_grid:
        judge = replace(reference, abstention=replace(reference.abstention, min_evidence=value))
        score = objective(pooled(corpora, judge))
        if best is None or score > best[0] + 1e-9:  # ties keep the lower (first) threshold
            best = (score, value)
    assert best is not None
    judge = replace(reference, abstention=replace(reference.abstention, min_evidence=best[1]))
    if reference_corpora is not None:
        want = _two_policy_rate(pooled(reference_corpora, reference))
        gaps = [
            (abs(_two_policy_rate(pooled(corpora, _gap(judge, g))) - want), g) for g in gap_grid
        ]
        judge = _gap(judge, min(gaps)[1])
    metrics = pooled(corpora, judge)
    return Calibration(judge, objective(metrics), metrics)


def _gap(judge: Judge, gap: float) -> Judge:
    return replace(judge, two_policies=replace(judge.two_policies, max_gap=gap))
