"""Helpful / not-helpful votes on answers, so the headteacher can see which policy questions
staff find unclear. Platform-neutral: Slack and Teams buttons both call :meth:`FeedbackLog.record`.

Questions can hold names, so their text is stored encrypted with the school's key; without a key
only a hash is kept and the listing says so. With a key, the question and voter hashes are keyed
(HMAC of the SHA-256, ``bot.keys``): a plain hash of "Can I give Poppy a lift?" or of a Slack id
could be confirmed by anyone guessing it. Hashes written before that are keyed at the next open. Votes live in their own small SQLite file beside the
reports database (``feedback.db`` in the data dir), so this never touches the reports schema.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings

NOT_KEPT = "(question text not kept: no encryption key configured)"
QUESTION_LIMIT = 1000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    question_hash TEXT NOT NULL,
    question_enc BLOB,
    helpful INTEGER NOT NULL,
    platform TEXT NOT NULL,
    user_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_question ON feedback (question_hash);
"""


@dataclass(frozen=True)
class UnclearQuestion:
    question: str
    not_helpful: int
    helpful: int
    last_at: str


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def normalise(question: str) -> str:
    return " ".join(question.split())[:QUESTION_LIMIT]


class FeedbackLog:
    def __init__(self, path: Path, key: bytes | None = None) -> None:
        self.path = Path(path)
        self._fernet = None
        self._keyring = None
        if key:
            from bot.keys import Keyring, fernet_for

            self._fernet = fernet_for(key)
            self._keyring = Keyring(key)
        self._lock = threading.Lock()
        if str(self.path) != ":memory:":  # created private; SQLite's -wal/-shm copy its mode
            os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        with self._lock, self._db:
            self._db.executescript(_SCHEMA)
            columns = [r[1] for r in self._db.execute("PRAGMA table_info(feedback)")]
            if "tag_key" not in columns:
                self._db.execute("ALTER TABLE feedback ADD COLUMN tag_key TEXT")
            if self._keyring is not None:
                self._db.execute("PRAGMA secure_delete = ON")
                kid = self._keyring.first_id
                rows = self._db.execute(
                    "SELECT id, question_hash, user_hash FROM feedback WHERE tag_key IS NULL"
                ).fetchall()
                for row_id, qhash, uhash in rows:
                    self._db.execute(
                        "UPDATE feedback SET question_hash = ?, user_hash = ?, tag_key = ? "
                        "WHERE id = ?",
                        (self._key_hash(qhash), self._key_hash(uhash), kid, row_id),
                    )

    def _key_hash(self, plain_hash: str, kid: str | None = None) -> str:
        from bot.keys import LOOKUP

        assert self._keyring is not None
        return self._keyring.tag(LOOKUP, "feedback\0" + plain_hash, kid)

    def _tags(self, text: str) -> list[str]:
        """The text's hash as stored: keyed under every configured key, or plain without one."""
        if self._keyring is None:
            return [_hash(text)]
        return [self._key_hash(_hash(text), kid) for kid in self._keyring.ids]

    @classmethod
    def for_settings(cls, settings: Settings) -> FeedbackLog:
        return cls(settings.data_dir / "feedback.db", settings.key)

    def record(
        self,
        *,
        question: str,
        helpful: bool,
        platform: str,
        user_id: str,
        at: datetime | None = None,
    ) -> None:
        """One vote. The same person voting again on the same question replaces their vote."""
        question = normalise(question)
        if not question:
            return
        qtags = self._tags(question.casefold())
        utags = self._tags(f"{platform}:{user_id}")
        enc = self._fernet.encrypt(question.encode()) if self._fernet else None
        when = (at or datetime.now(UTC)).isoformat(timespec="seconds")
        kid = self._keyring.first_id if self._keyring else None
        qmarks, umarks = ",".join("?" * len(qtags)), ",".join("?" * len(utags))
        with self._lock, self._db:
            self._db.execute(
                f"DELETE FROM feedback WHERE question_hash IN ({qmarks}) "
                f"AND user_hash IN ({umarks})",
                (*qtags, *utags),
            )
            self._db.execute(
                "INSERT INTO feedback (at, question_hash, question_enc, helpful, platform, "
                "user_hash, tag_key) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (when, qtags[0], enc, int(helpful), platform, utags[0], kid),
            )

    def unclear(self, limit: int = 10) -> list[UnclearQuestion]:
        """Questions with at least one not-helpful vote, most not-helpful first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT question_hash, SUM(1 - helpful), SUM(helpful), MAX(at), "
                "MAX(question_enc) FROM feedback GROUP BY question_hash "
                "HAVING SUM(1 - helpful) > 0 ORDER BY 2 DESC, 4 DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            UnclearQuestion(self._decrypt(enc), int(bad), int(good), last)
            for _, bad, good, last, enc in rows
        ]

    def _decrypt(self, enc: bytes | None) -> str:
        if enc is None or self._fernet is None:
            return NOT_KEPT
        try:
            return self._fernet.decrypt(enc).decode()
        except Exception:  # a rotated key: the vote still counts, the text is gone
            return NOT_KEPT

    def reencrypt(self) -> int:
        """Re-encrypt stored question texts under the first key. A text no key can read (its
        key was dropped) is forgotten, as `_decrypt` already treats it; the vote stays."""
        if self._fernet is None:
            return 0
        from cryptography.fernet import InvalidToken

        count = 0
        with self._lock, self._db:
            rows = self._db.execute(
                "SELECT id, question_enc FROM feedback WHERE question_enc IS NOT NULL"
            ).fetchall()
            for row_id, enc in rows:
                try:
                    token: bytes | None = self._fernet.rotate(enc)
                except InvalidToken:
                    token = None
                self._db.execute(
                    "UPDATE feedback SET question_enc = ? WHERE id = ?", (token, row_id)
                )
                if token is not None:  # re-key the question's hash from its text
                    text = self._fernet.decrypt(token).decode()
                    self._db.execute(
                        "UPDATE feedback SET question_hash = ? WHERE id = ?",
                        (self._tags(text.casefold())[0], row_id),
                    )
                count += 1
        return count

    def close(self) -> None:
        with self._lock:
            self._db.close()
