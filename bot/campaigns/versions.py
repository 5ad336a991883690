"""Policy versions by content hash, and the clause-level difference between two versions.

A version is identified by the SHA-256 of the title and every clause's id and full text, so a
re-parsed or re-saved file with the same words is the same version, and any change of wording
is a new one (a new round of confirmations). The diff is by the policy's own clause ids:
a clause whose id appears only in the new version was added, only in the old one removed, and
in both with different text reworded. Clauses keep document order."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from bot.campaigns.models import ClauseChange
from bot.corpus.model import Document

Clauses = list[tuple[str, str]]


def clauses_of(document: Document) -> Clauses:
    """Top-level clauses only (a clause's full text includes its lettered sub-items), each
    named as staff cite it: "§4.2(b)" where the document numbers it, "Jewellery" or
    "Expectations, item 2" (its place) where it does not."""
    return [(cite(c.id, c.numbered), c.full_text) for c in document.clauses if c.parent is None]


def cite(clause_id: str, numbered: bool) -> str:
    return f"§{clause_id}" if numbered else clause_id


def content_hash(title: str, clauses: Clauses) -> str:
    payload = json.dumps([title, clauses], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def short(content_hash: str) -> str:
    return content_hash[:8]


def diff(old: Clauses, new: Clauses) -> list[ClauseChange]:
    """Changes from ``old`` to ``new``: added and reworded in the new order, then removed."""
    before = dict(old)
    after = dict(new)
    changes: list[ClauseChange] = []
    for clause_id, text in new:
        if clause_id not in before:
            changes.append(ClauseChange("added", clause_id, text))
        elif _normal(before[clause_id]) != _normal(text):
            changes.append(ClauseChange("reworded", clause_id, text))
    changes.extend(
        ClauseChange("removed", clause_id, text)
        for clause_id, text in old
        if clause_id not in after
    )
    return changes


def _normal(text: str) -> str:
    return " ".join(text.split())


def store_version(db: Any, document: Document, now: str) -> tuple[int, str, bool]:
    """The version row for this document's content (created if new): (id, hash, new?)."""
    clauses = clauses_of(document)
    digest = content_hash(document.title, clauses)
    row = list(
        db.query(
            "SELECT id FROM policy_versions WHERE title = ? AND content_hash = ?",
            [document.title, digest],
        )
    )
    if row:
        return row[0]["id"], digest, False
    db["policy_versions"].insert(
        {
            "title": document.title,
            "content_hash": digest,
            "approval_date": document.approval_date,
            "source": document.source,
            "clauses": json.dumps(clauses, ensure_ascii=False),
            "created_at": now,
        }
    )
    return db.execute("SELECT last_insert_rowid()").fetchone()[0], digest, True


def load_clauses(row: dict[str, Any]) -> Clauses:
    return [(str(i), str(t)) for i, t in json.loads(row["clauses"])]
