"""What the question encoder is fine-tuned on: questions paired with the clauses that answer them.

Each example is a question as the index reads it (`dense_query` of the question with its
misspellings mended, exactly what `ClauseIndex.search` embeds) and the clauses of one indexed set
of policies that answer it. Three kinds, each built by general rules:

- *asked*: a question staff wrote, with its gold clause(s);
- *generated*: from every clause of every policy, the questions its own rules answer
  (`questions_for`, the generator the index uses for its question views) and a question naming
  the heading above it ("What is the policy on risk assessments?"), each with its clause(s);
- *out of scope*: a question no policy answers (no gold): the encoder learns to keep it away from
  every clause, so that the similarity an answer needs means more.

Every other clause of the same policies is a negative (training ranks the whole set), except
those that hold the gold clause or are part of it: "5.2" is not wrong for a question whose gold
is "5.2(a)", and neither is its item for gold "5.2".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.evaluation import normalise_id
from bot.retrieval.index import ClauseIndex, split_sentences
from bot.retrieval.questions import dense_query, questions_for

ASKED = "asked"
GENERATED = "generated"
OUT_OF_SCOPE = "out_of_scope"
KINDS = (ASKED, GENERATED, OUT_OF_SCOPE)


@dataclass(frozen=True)
class Question:
    """A question from a question set: its gold clause ids in the policy file `doc` (empty: no
    policy answers it), and the verbatim snippets of the answer when the set gives them."""

    q: str
    doc: str = ""
    gold: tuple[str, ...] = ()
    snippets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Example:
    anchor: str  # the question as the encoder reads it
    gold: tuple[int, ...]  # the answering clauses (positions in the index's units); () for none
    related: tuple[int, ...]  # clauses holding a gold clause or part of one: never negatives
    kind: str  # ASKED, GENERATED or OUT_OF_SCOPE


@dataclass(frozen=True)
class Unresolved:
    question: str
    why: str


class ExampleBuilder:
    """Examples over the policies of one index."""

    def __init__(self, index: ClauseIndex) -> None:
        self.index = index
        self._by_source = {d.source: i for i, d in enumerate(index.documents)}
        self._ids = [normalise_id(u.clause.id) for u in index.units]

    def gold_units(self, question: Question, default_doc: str = "") -> list[int]:
        """The units that are the gold clauses: those with the exact ids, else their items, else
        the nearest clause holding them. [] when the policy is not in this index."""
        doc = self._by_source.get(question.doc or default_doc)
        if doc is None:
            return []
        units = [i for i, u in enumerate(self.index.units) if u.doc == doc]
        found: list[int] = []
        for g in question.gold:
            want = normalise_id(g)
            exact = [i for i in units if self._ids[i] == want]
            items = [i for i in units if self._ids[i].startswith(want + ".")]
            holders = [(len(self._ids[i]), i) for i in units if want.startswith(self._ids[i] + ".")]
            pick = exact or items or ([max(holders)[1]] if holders else [])
            found += [i for i in pick if i not in found]
        return found

    def related(self, gold: Sequence[int]) -> tuple[int, ...]:
        """Units of the gold's policy that hold a gold unit or are part of one."""
        out: list[int] = []
        for g in gold:
            doc, gid = self.index.units[g].doc, self._ids[g]
            for i, u in enumerate(self.index.units):
                if u.doc != doc or i in gold or i in out:
                    continue
                if self._ids[i].startswith(gid + ".") or gid.startswith(self._ids[i] + "."):
                    out.append(i)
        return tuple(out)

    def anchor(self, question: str) -> str:
        return dense_query(self.index.spell(question))

    def asked(
        self, questions: Sequence[Question], default_doc: str = ""
    ) -> tuple[list[Example], list[Unresolved]]:
        """Examples from staff questions: in scope with their gold, out of scope without."""
        out: list[Example] = []
        missing: list[Unresolved] = []
        for q in questions:
            if not q.gold:
                out.append(Example(self.anchor(q.q), (), (), OUT_OF_SCOPE))
                continue
            gold = self.gold_units(q, default_doc)
            if not gold:
                where = q.doc or default_doc
                missing.append(Unresolved(q.q, f"no clause {list(q.gold)} in {where}"))
                continue
            out.append(Example(self.anchor(q.q), tuple(gold), self.related(gold), ASKED))
        return out, missing

    def generated(self) -> list[Example]:
        """Examples written from the policies themselves: each rule's own questions, and a
        question naming each heading, with their clause(s)."""
        out: list[Example] = []
        for i, u in enumerate(self.index.units):
            # the same sentences and questions the index embeds as this clause's question views
            for sentence in split_sentences(u.clause.full_text):
                for question in questions_for(sentence):
                    out.append(Example(question, (i,), self.related([i]), GENERATED))
        by_heading: dict[tuple[int, str], list[int]] = {}
        for i, u in enumerate(self.index.units):
            heads = [h for h in u.headings if _is_topic(h)]
            if heads:
                by_heading.setdefault((u.doc, heads[-1]), []).append(i)
        for (_, heading), units in sorted(by_heading.items()):
            anchor = dense_query(f"What is the policy on {_topic(heading)}?")
            out.append(Example(anchor, tuple(units), self.related(units), GENERATED))
        return out


_NUMBER = re.compile(r"^\s*(?:(?:section|part|appendix)\s+)?\d+(?:\.\d+)*[.):]?\s*", re.I)


def _topic(heading: str) -> str:
    """ "3.2 Risk Assessments" → "risk assessments": a heading as a question would name it."""
    return _NUMBER.sub("", heading).strip(" .:").lower()


def _is_topic(heading: str) -> bool:
    return 1 <= len(re.findall(r"[A-Za-z]+", heading)) <= 8
