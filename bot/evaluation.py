"""Answer quality on a question file: what staff see, and where the right rule ranked.

Besides hit@1, hit@3 and MRR over the citations of a reply that is not "not covered", it counts
what a reader sees: *right rule shown* (the gold clause or item is in a quote or an item the reply
prints, whatever the outcome, a "nearest rule" included), *first citation right* (the reply is
not "not covered" and its first citation is the gold), and the outcome of every question, in and
out of scope.

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
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from bot.answers import ANSWERED, NOT_COVERED, TWO_POLICIES, Answer, Citation
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


OUTCOMES = (ANSWERED, TWO_POLICIES, NOT_COVERED)


def shows_rule(shown_id: str, gold: str) -> bool:
    """What staff see holds the gold rule: the shown clause or item is the gold one or part of
    it (gold "5.2" is shown by item "5.2(d)"), never merely its parent (a lead-in "5.2" does not
    show item "5.2(d)")."""
    c, g = normalise_id(shown_id), normalise_id(gold)
    return bool(c and g) and (c == g or c.startswith(g + "."))


def shown_ids(citation: Citation) -> list[str]:
    """The clause ids a quote shows: the clause (or item) it names, and every item printed."""
    return [citation.clause, *(item.clause for item in citation.items if item.clause)]


def _outcome(answer: Answer) -> str:
    """The reply's outcome; a reply about no rule (a greeting) counts as not covered."""
    return answer.outcome if answer.outcome in OUTCOMES else NOT_COVERED


@dataclass
class Report:
    in_scope: int = 0
    out_of_scope: int = 0
    hit1: int = 0
    hit3: int = 0
    rr: float = 0.0
    shown: int = 0  # in scope: the gold rule is in a quote or item the reply shows
    first_right: int = 0  # in scope: not "not covered", and the first citation is the gold
    outcomes_in: Counter[str] = field(default_factory=Counter)
    outcomes_out: Counter[str] = field(default_factory=Counter)
    misses: list[dict[str, Any]] = field(default_factory=list)

    def metrics(self) -> dict[str, Any]:
        n, m = max(self.in_scope, 1), max(self.out_of_scope, 1)
        return {
            "questions": self.in_scope + self.out_of_scope,
            "in_scope": self.in_scope,
            "out_of_scope": self.out_of_scope,
            "hit@1": round(self.hit1 / n, 3),
            "hit@3": round(self.hit3 / n, 3),
            "mrr": round(self.rr / n, 3),
            "right_rule_shown": round(self.shown / n, 3),
            "first_citation_right": round(self.first_right / n, 3),
            "out_of_scope_not_covered": round(self.outcomes_out["not_covered"] / m, 3),
            "in_scope_not_covered": round(self.outcomes_in["not_covered"] / n, 3),
            "in_scope_outcomes": {o: self.outcomes_in[o] for o in OUTCOMES},
            "out_of_scope_outcomes": {o: self.outcomes_out[o] for o in OUTCOMES},
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
    default_doc: str = "",
) -> Report:
    """Ask every question; `documents` maps cited titles to files for gold that names a "doc".
    `default_doc` is the file that gold without a "doc" is judged against: the Social Media
    Policy's questions asked of a whole handbook are about that policy, and "6.xi" in another
    policy is not their answer."""
    files = {d.title: d.source for d in documents}
    rep = Report()
    for item in questions:
        answer = ask(item["q"])
        gold = item["gold"]
        doc = item.get("doc", "") or default_doc
        outcome = _outcome(answer)
        if not gold:
            rep.out_of_scope += 1
            rep.outcomes_out[outcome] += 1
            if outcome != "not_covered":
                cited = [c.clause for c in answer.citations]
                rep.misses.append({"q": item["q"], "gold": gold, "cited": cited})
            continue
        rep.in_scope += 1
        rep.outcomes_in[outcome] += 1

        if any(_shows(c, gold, doc, files) for c in answer.citations if _quoted(c, answer)):
            rep.shown += 1
        citations = answer.citations if outcome != "not_covered" else []
        if citations and _shows(citations[0], gold, doc, files):
            rep.first_right += 1
        rank = next(
            (i for i, c in enumerate(citations) if _right(c, gold, doc, files, clause_matches)),
            None,
        )
        if rank == 0:
            rep.hit1 += 1
        if rank is not None and rank < 3:
            rep.hit3 += 1
        if rank is not None:
            rep.rr += 1 / (rank + 1)
        if rank != 0:
            cited = [c.clause for c in citations]
            miss = {"q": item["q"], "gold": gold, "cited": cited, "outcome": outcome}
            if doc:
                miss.update(
                    doc=doc, cited_docs=[files.get(c.document, c.document) for c in citations]
                )
            rep.misses.append(miss)
    return rep


def _right(
    c: Any, gold: list[str], doc: str, files: Mapping[str, str], match: Callable[[str, str], bool]
) -> bool:
    """The citation is of the gold policy, and one of the ids it shows matches a gold id."""
    return document_matches(c.document, doc, files) and any(
        match(shown, g) for shown in shown_ids(c) for g in gold
    )


def _shows(c: Any, gold: list[str], doc: str, files: Mapping[str, str]) -> bool:
    return _right(c, gold, doc, files, shows_rule)


def _quoted(citation: Any, answer: Answer) -> bool:
    """Whether the reply quotes this citation (rather than naming it under "See also")."""
    return citation in answer.quoted
