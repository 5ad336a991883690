"""Suggestions staff filed by picking a rule after "Was it one of these?", sealed at rest.

One row per (question, clause picked), in the reports database (migration m009). Everything that
says what was asked or by whom is one Fernet token: the question, the rule first given, the rule
picked, the picked clause's wording digest and the voters. A voter is a keyed hash (HMAC, the
key derived from the encryption key) of the question and their account together: it stops one
person counting twice for a question and cannot be matched across questions, and no name or
account id is ever stored. The JSON is padded to a fixed block so a token's length says nothing
of the question's. In plain text: a number, a status and dates.

Statuses: ``pending`` (waiting for a reviewer), ``approved`` (used in answers), ``rejected``,
``review`` (approved, but the picked clause was reworded since: held until a reviewer looks
again) and ``dropped`` (the clause is no longer in the policies). Every change that alters which
links answer questions bumps a version number (``meta``), so each running service (Slack, Teams,
the command line are separate processes) picks it up at its next question.

After a key rotation the voters' hashes made under a retired key no longer match: that person's
next pick of the same rule counts once more. Nothing else is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from bot.corpus.model import Document
from bot.keys import LOOKUP
from bot.learning.matching import LEARNED, Taught
from bot.learning.targets import Target, digest, find
from bot.store import Store

PENDING, APPROVED, REJECTED, REVIEW, DROPPED = (
    "pending", "approved", "rejected", "review", "dropped",
)  # fmt: skip
SEALED_BLOCK = 1024  # the sealed JSON is padded to a multiple of this
VERSION_KEY = "learned_version"


@dataclass(frozen=True)
class Rule:
    """A clause as a suggestion names it: where it is, how staff cite it, its wording's digest."""

    target: Target
    label: str
    digest: str = ""

    def to_json(self) -> dict[str, str]:
        return {"source": self.target.source, "clause": self.target.clause,
                "label": self.label, "digest": self.digest}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Rule | None:
        if not data:
            return None
        return cls(Target(data["source"], data["clause"]), data["label"], data.get("digest", ""))


@dataclass(frozen=True)
class Suggestion:
    number: int
    status: str
    created_at: str
    decided_at: str
    question: str
    given: Rule | None  # the rule the reply put first (None: nothing was quoted)
    picked: Rule
    votes: int  # how many people picked it for this question
    decided_by: str = ""  # the role that approved or rejected it ("headteacher", "command line")
    note: str = ""  # why it is held for re-review, or was dropped


@dataclass(frozen=True)
class Filed:
    number: int
    new: bool  # a new suggestion (else a vote for one already filed)
    counted: bool  # False: this person had picked it already


def normal_question(question: str) -> str:
    return " ".join(question.split())


class Suggestions:
    """The suggestions of one school's database. Needs the encryption key (``Store.fernet``)."""

    def __init__(self, store: Store, clock: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self.clock = clock or (lambda: datetime.now(UTC))

    # ---- reading ---------------------------------------------------------------------------
    def version(self) -> int:
        rows = self.store.query("SELECT value FROM meta WHERE key = ?", [VERSION_KEY])
        return int(rows[0]["value"]) if rows else 0

    def get(self, number: int) -> Suggestion | None:
        rows = self.store.query("SELECT * FROM suggestions WHERE id = ?", [number])
        return self._open(rows[0]) if rows else None

    def select(self, statuses: Sequence[str] | None = None) -> list[Suggestion]:
        """Oldest first; only those with one of `statuses` when given."""
        rows = self.store.query("SELECT * FROM suggestions ORDER BY id")
        return [self._open(r) for r in rows if statuses is None or r["status"] in statuses]

    def links(self) -> list[Taught]:
        """The approved links: what answers use."""
        return [Taught(s.question, s.picked.target, LEARNED) for s in self.select([APPROVED])]

    def _open(self, row: dict[str, Any]) -> Suggestion:
        data = self.store.decrypt_json(row["sealed"])
        picked = Rule.from_json(data["picked"])
        assert picked is not None
        return Suggestion(
            number=row["id"],
            status=row["status"],
            created_at=row["created_at"],
            decided_at=row["decided_at"] or "",
            question=data["question"],
            given=Rule.from_json(data.get("given")),
            picked=picked,
            votes=len(data.get("voters", [])),
            decided_by=data.get("decided_by", ""),
            note=data.get("note", ""),
        )

    # ---- filing ----------------------------------------------------------------------------
    def file(self, question: str, given: Rule | None, picked: Rule, voter: str) -> Filed:
        """One person's pick: a new pending suggestion, or their vote added to the same pick
        filed before. A person who picked another rule for the same question before has that
        earlier pick withdrawn (a pending suggestion left with no vote goes)."""
        question = normal_question(question)
        same_question = question.casefold()
        tags = self.store.keyring.tags(LOOKUP, f"suggestion vote\0{same_question}\0{voter}")
        now = self.clock().isoformat(timespec="seconds")
        with self.store.transaction() as db:
            rows = list(db.query("SELECT * FROM suggestions WHERE status != ?", [DROPPED]))
            mine: tuple[int, dict[str, Any]] | None = None
            for row in rows:
                data = self.store.decrypt_json(row["sealed"])
                if data["question"].casefold() != same_question:
                    continue
                voters = data.get("voters", [])
                if (data["picked"]["source"], data["picked"]["clause"]) == (
                    picked.target.source,
                    picked.target.clause,
                ):
                    mine = (row["id"], data)
                elif any(t in voters for t in tags) and row["status"] == PENDING:
                    data["voters"] = [v for v in voters if v not in tags]
                    if data["voters"]:
                        self._write(db, row["id"], data)
                    else:
                        db.execute("DELETE FROM suggestions WHERE id = ?", [row["id"]])
            if mine is not None:
                number, data = mine
                if any(t in data.get("voters", []) for t in tags):
                    return Filed(number, new=False, counted=False)
                data["voters"] = [*data.get("voters", []), tags[0]]
                self._write(db, number, data)
                return Filed(number, new=False, counted=True)
            record = {
                "question": question,
                "given": given.to_json() if given else None,
                "picked": picked.to_json(),
                "voters": [tags[0]],
            }
            cursor = db.execute(
                "INSERT INTO suggestions (status, created_at, sealed) VALUES (?, ?, ?)",
                [PENDING, now, self._seal(record)],
            )
            return Filed(int(cursor.lastrowid or 0), new=True, counted=True)

    # ---- deciding --------------------------------------------------------------------------
    def decide(self, number: int, status: str, by: str, picked: Rule | None = None) -> None:
        """Set a suggestion's status (approve: with the picked clause as it reads now)."""
        now = self.clock().isoformat(timespec="seconds")
        with self.store.transaction() as db:
            row = next(iter(db.query("SELECT * FROM suggestions WHERE id = ?", [number])))
            data = self.store.decrypt_json(row["sealed"])
            if picked is not None:
                data["picked"] = picked.to_json()
            data["decided_by"], data["note"] = by, ""
            db.execute(
                "UPDATE suggestions SET status = ?, decided_at = ?, sealed = ? WHERE id = ?",
                [status, now, self._seal(data), number],
            )
            if status == APPROVED or row["status"] in (APPROVED, REVIEW):
                self._bump(db)

    def remove(self, number: int) -> bool:
        with self.store.transaction() as db:
            rows = list(db.query("SELECT status FROM suggestions WHERE id = ?", [number]))
            if not rows:
                return False
            db.execute("DELETE FROM suggestions WHERE id = ?", [number])
            if rows[0]["status"] == APPROVED:
                self._bump(db)
            return True

    def reconcile(self, documents: Sequence[Document]) -> list[Suggestion]:
        """After the policies are read again: a suggestion whose clause is gone is dropped; an
        approved link whose clause was reworded is held for re-review (and used again if the
        wording it was approved with comes back). Returns those changed."""
        changed: list[Suggestion] = []
        with self.store.transaction() as db:
            rows = list(
                db.query(
                    "SELECT * FROM suggestions WHERE status IN (?, ?, ?)",
                    [PENDING, APPROVED, REVIEW],
                )
            )
            bump = False
            for row in rows:
                suggestion = self._open(row)
                data = self.store.decrypt_json(row["sealed"])
                found = find(documents, suggestion.picked.target)
                if found is None:
                    status = DROPPED
                    note = f"{suggestion.picked.label} is no longer in the policies"
                elif row["status"] == APPROVED and digest(found[1]) != suggestion.picked.digest:
                    status = REVIEW
                    note = f"the wording of {suggestion.picked.label} changed since it was approved"
                elif row["status"] == REVIEW and digest(found[1]) == suggestion.picked.digest:
                    status, note = APPROVED, ""  # the wording it was approved with is back
                else:
                    continue
                data["note"] = note
                db.execute(
                    "UPDATE suggestions SET status = ?, sealed = ? WHERE id = ?",
                    [status, self._seal(data), row["id"]],
                )
                bump = bump or APPROVED in (row["status"], status)
                changed.append(replace(suggestion, status=status, note=note))
            if bump:
                self._bump(db)
        return changed

    # ---- sealing ---------------------------------------------------------------------------
    def _seal(self, record: dict[str, Any]) -> str:
        return self.store.encrypt_json(record, pad_to=SEALED_BLOCK)

    def _write(self, db: Any, number: int, data: dict[str, Any]) -> None:
        db.execute("UPDATE suggestions SET sealed = ? WHERE id = ?", [self._seal(data), number])

    def _bump(self, db: Any) -> None:
        db.execute(
            "INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT(key) DO UPDATE SET "
            "value = CAST(value AS INTEGER) + 1",
            [VERSION_KEY],
        )
