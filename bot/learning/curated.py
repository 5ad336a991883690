"""Curated questions: ``questions.toml`` beside the policies, written by the policy owner.

The policy owner knows how staff ask ("Where's the restraint book?") better than any model. They
write, for a clause, the questions it answers::

    [[clause]]
    ref = "Social Media Policy §6.xi"
    questions = ["Can I join the PTA's Facebook page?"]

    [[clause]]
    ref = "Behaviour Policy — Reasonable force, item 2"
    questions = ["Where is the restraint book kept?"]

``ref`` names the clause as staff cite it (bot/learning/targets.py). A new question close to one
of these is answered with that clause first (bot/learning/matching.py). The file lives in the
policy folder, so it travels with the policies, is reviewed with them and is read when they are.
An entry that names no clause, or two, is a ✘ line in ``policybot check`` and ``policybot
corpus`` naming the entry, and is left out; the other entries still count.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.corpus.loader import QUESTIONS_FILE, Failure
from bot.corpus.model import Document
from bot.learning.matching import CURATED, Taught
from bot.learning.targets import resolve

MAX_QUESTION = 500  # characters: a question, not a paragraph
FIX = (
    'name the clause as a citation does ("Social Media Policy §6.xi", "Behaviour Policy — '
    'Rewards, item 1"; `policybot corpus` lists the policies), then run `policybot index`'
)


@dataclass
class Curated:
    taught: list[Taught] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)  # one ✘ line per broken entry


def read_curated(folder: Path, documents: Sequence[Document]) -> Curated:
    """The curated questions of a policy folder, resolved against its policies; an absent file
    is no questions and no problem."""
    path = Path(folder) / QUESTIONS_FILE
    out = Curated()
    if not path.is_file():
        return out
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        out.failures.append(
            Failure(QUESTIONS_FILE, f"cannot be read: {reason}", "save it again as UTF-8 TOML")
        )
        return out
    entries = data.get("clause", [])
    unknown = sorted(set(data) - {"clause"})
    if unknown or not isinstance(entries, list):
        out.failures.append(
            Failure(
                QUESTIONS_FILE,
                f"unexpected {', '.join(unknown) or 'clause'}: each entry is a [[clause]] table",
                'write each entry as [[clause]] with ref = "…" and questions = ["…"]',
            )
        )
        if not isinstance(entries, list):
            return out
    for number, entry in enumerate(entries, 1):
        taught, problem = _entry(entry, documents)
        if problem:
            ref = entry.get("ref") if isinstance(entry, dict) else None
            name = f"entry {number}" + (f" ({ref!r})" if isinstance(ref, str) and ref else "")
            out.failures.append(Failure(QUESTIONS_FILE, f"{name}: {problem}", FIX))
        out.taught += taught
    return out


def _entry(entry: object, documents: Sequence[Document]) -> tuple[list[Taught], str]:
    if not isinstance(entry, dict):
        return [], "each entry is a [[clause]] table with ref and questions"
    ref, questions = entry.get("ref"), entry.get("questions")
    extra = sorted(set(entry) - {"ref", "questions"})
    if extra:
        return [], f"unexpected key {extra[0]!r} (only ref and questions)"
    if not isinstance(ref, str) or not ref.strip():
        return [], 'no ref: name the clause, e.g. ref = "Social Media Policy §6.xi"'
    if (
        not isinstance(questions, list)
        or not questions
        or not all(isinstance(q, str) and q.strip() for q in questions)
    ):
        return [], 'questions must be a list of questions, e.g. questions = ["Can I …?"]'
    long = next((q for q in questions if len(q) > MAX_QUESTION), None)
    if long is not None:
        return [], f"a question longer than {MAX_QUESTION} characters ({long[:40]!r}…)"
    resolved = resolve(ref, documents)
    if resolved.target is None:
        return [], resolved.problem
    return [Taught(" ".join(q.split()), resolved.target, CURATED) for q in questions], ""
