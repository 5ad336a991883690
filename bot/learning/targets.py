"""Which clause a taught question leads to, and how staff name it.

A link (a suggestion staff picked, or a question the policy owner wrote) points at one clause of
one policy: the policy's file and the clause's own id (`Target`). It is kept by file and id, not
by title or position, so a policy renamed or reordered keeps its links; and with a digest of the
clause's text, so a clause reworded on re-index is noticed (`digest`). The policy owner names a
clause as staff cite it — "Social Media Policy §6.xi", "Behaviour Policy — Reasonable force, item
2" — and `resolve` turns that into a target, or says why it names none or two.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from bot.answers import Citation
from bot.corpus.model import Clause, Document
from bot.evaluation import normalise_id


@dataclass(frozen=True)
class Target:
    source: str  # the policy's file, relative to the policy folder
    clause: str  # the clause's id as the policy gives it ("6.xi", "Rewards, item 1")


def find(documents: Sequence[Document], target: Target) -> tuple[int, Clause] | None:
    """(The policy's place among `documents`, the clause), or None when either is gone."""
    for i, doc in enumerate(documents):
        if doc.source == target.source:
            for clause in doc.clauses:
                if clause.id == target.clause:
                    return i, clause
            return None
    return None


def digest(clause: Clause) -> str:
    """A fingerprint of the clause's wording (spacing aside): a reworded clause has another."""
    text = " ".join(clause.full_text.split())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def label(doc: Document, clause: Clause) -> str:
    """How staff cite it: "Staff Code of Conduct §4.2(b)", or "Behaviour Policy — Rewards, item
    1" for a clause the policy does not number."""
    return f"{doc.title} §{clause.id}" if clause.numbered else f"{doc.title} — {clause.id}"


def target_of(citation: Citation, documents: Sequence[Document]) -> Target:
    """The clause a citation shows: the list item it is named after when that item is a clause
    of its own ("5.2(d)"), else the clause its quote comes from."""
    for doc in documents:
        if doc.source == citation.source:
            if any(c.id == citation.clause for c in doc.clauses):
                return Target(doc.source, citation.clause)
            break
    return Target(citation.source, citation.source_clause)


# ---- protected clauses --------------------------------------------------------------------

# A learned link never takes these out of an answer (it goes first; they stay under "See also"):
# what staff must do about harm to a child or wrongdoing must not be taught away.
_PROTECTED = re.compile(r"safeguard|child[\s-]+protection|whistle[\s-]*blow", re.I)


def is_protected(doc: Document, clause: Clause) -> bool:
    """A clause about safeguarding, child protection or whistleblowing: by its policy's title,
    the headings above it or its own words."""
    context = " ".join((doc.title, *clause.path, clause.section_title, clause.heading))
    return bool(_PROTECTED.search(context) or _PROTECTED.search(clause.full_text))


# ---- clause references as staff write them --------------------------------------------------

_PLACE_SEPARATOR = re.compile(r"\s+[—–]\s+|\s+-\s+")


@dataclass(frozen=True)
class Resolved:
    target: Target | None
    problem: str = ""  # why the reference names no clause, or several


def resolve(reference: str, documents: Sequence[Document]) -> Resolved:
    """The clause a reference names: "<policy title> §<number>" or "<policy title> — <place>"
    (a policy's file name works for its title; "§6.xi" alone searches every policy). Case,
    spacing and punctuation in the number do not matter ("6.XI", "4.2 (b)")."""
    reference = " ".join(reference.split())
    if "§" in reference:
        left, right = (part.strip() for part in reference.split("§", 1))
    else:
        parts = _PLACE_SEPARATOR.split(reference, maxsplit=1)
        if len(parts) < 2:
            return Resolved(
                None,
                "name the policy and the clause as staff cite them: "
                '"Social Media Policy §6.xi", or "Behaviour Policy — Rewards, item 1"',
            )
        left, right = parts[0].strip(), parts[1].strip()
    if not right:
        return Resolved(None, "no clause number or place after the policy's title")
    docs = _policies(left, documents) if left else list(documents)
    if not docs:
        return Resolved(None, f"no policy titled {left!r}")
    if left and len(docs) > 1:
        return Resolved(None, f"{left!r} matches two policies: " + _and(d.title for d in docs))
    want = normalise_id(right)
    found = [(d, c) for d in docs for c in d.clauses if want and normalise_id(c.id) == want]
    if not found:
        where = f"the {docs[0].title}" if left else "any policy"
        return Resolved(None, f"no clause {right!r} in {where}")
    if len(found) > 1:
        return Resolved(
            None, f"{right!r} matches two clauses: " + _and(label(d, c) for d, c in found)
        )
    doc, clause = found[0]
    if not clause.full_text.strip():
        return Resolved(None, f"{label(doc, clause)} is a heading, not a rule")
    return Resolved(Target(doc.source, clause.id))


def _policies(name: str, documents: Sequence[Document]) -> list[Document]:
    """The policies a name stands for: its exact title or file name, else every policy whose
    title starts with it ("Social Media" → "Social Media Policy")."""
    want = name.casefold()
    exact = [
        d
        for d in documents
        if want
        in (d.title.casefold(), d.source.casefold(), PurePosixPath(d.source).stem.casefold())
    ]
    if exact:
        return exact
    return [d for d in documents if d.title.casefold().startswith(want)]


def _and(names: Iterable[str]) -> str:
    items = list(dict.fromkeys(names))
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)
