"""A small SQLite table of JSON records, found by keyed hash and stored encrypted.

For files under the data directory that map people's ids to names or conversations (the Teams
conversation references): a copy of the file without the key must not say who is who. Each
record is looked up by an HMAC tag of its id (and optionally of a second id), under a key
derived from the encryption key (``bot.keys``); the record itself, ids included, is Fernet
ciphertext. Lookups try every configured key's tag, so records written before a rotation are
found; ``reencrypt`` moves them to the first key (tags included, recomputed from the ids kept
inside the ciphertext).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlite_utils
from cryptography.fernet import InvalidToken

from bot.keys import LOOKUP, Keyring, fernet_for


class SealedTable:
    """Not thread-safe on its own: the owner serialises calls (ReferenceStore holds a lock)."""

    def __init__(self, db: sqlite_utils.Database, name: str, key: bytes) -> None:
        self.db = db
        self.name = name
        self._keyring = Keyring(key)
        self._fernet = fernet_for(key)
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {name} (tag TEXT PRIMARY KEY, alt_tag TEXT, "
            "data TEXT NOT NULL, updated_at TEXT NOT NULL)"
        )
        db.execute(f"CREATE INDEX IF NOT EXISTS {name}_alt ON {name} (alt_tag)")

    def _tags(self, value: str) -> list[str]:
        return self._keyring.tags(LOOKUP, f"{self.name}\0{value}")

    def _tag(self, value: str) -> str:
        return self._keyring.tag(LOOKUP, f"{self.name}\0{value}")

    def _open(self, token: str) -> dict[str, Any]:
        record: dict[str, Any] = json.loads(self._fernet.decrypt(token.encode()).decode())["record"]
        return record

    def _seal(self, record: dict[str, Any], key: str, alt: str | None) -> str:
        text = json.dumps({"key": key, "alt": alt, "record": record}, separators=(",", ":"))
        return self._fernet.encrypt(text.encode()).decode()

    def get(self, key: str) -> dict[str, Any] | None:
        tags = self._tags(key)
        marks = ",".join("?" for _ in tags)
        row = self.db.execute(
            f"SELECT data FROM {self.name} WHERE tag IN ({marks}) LIMIT 1", tags
        ).fetchone()
        return self._open(row[0]) if row else None

    def get_by_alt(self, alt: str) -> dict[str, Any] | None:
        """The most recent record whose second id is alt (compared case-insensitively)."""
        tags = self._tags("alt\0" + alt.lower())
        marks = ",".join("?" for _ in tags)
        row = self.db.execute(
            f"SELECT data FROM {self.name} WHERE alt_tag IN ({marks}) "
            "ORDER BY updated_at DESC LIMIT 1",
            tags,
        ).fetchone()
        return self._open(row[0]) if row else None

    def put(self, key: str, record: dict[str, Any], alt: str | None = None) -> None:
        tags = self._tags(key)
        marks = ",".join("?" for _ in tags)
        self.db.execute("SAVEPOINT sealed_put")  # the old record goes only if the new one lands
        try:
            self.db.execute(f"DELETE FROM {self.name} WHERE tag IN ({marks})", tags)
            self.db.execute(
                f"INSERT INTO {self.name} (tag, alt_tag, data, updated_at) VALUES (?, ?, ?, ?)",
                [self._tag(key), self._tag("alt\0" + alt.lower()) if alt else None,
                 self._seal(record, key, alt), datetime.now(UTC).isoformat(timespec="seconds")],
            )  # fmt: skip
        except BaseException:
            self.db.execute("ROLLBACK TO sealed_put")
            self.db.execute("RELEASE sealed_put")
            raise
        self.db.execute("RELEASE sealed_put")

    def all(self) -> list[dict[str, Any]]:
        return [self._open(r[0]) for r in self.db.execute(f"SELECT data FROM {self.name}")]

    def reencrypt(self) -> int:
        """Re-encrypt and re-tag every record under the first key; a record no configured key
        opens is left as it is. Returns how many moved."""
        count = 0
        rows = self.db.execute(f"SELECT tag, data FROM {self.name}").fetchall()
        for tag, token in rows:
            try:
                sealed = json.loads(self._fernet.decrypt(token.encode()).decode())
            except InvalidToken:
                continue
            alt = sealed["alt"]
            self.db.execute(
                f"UPDATE {self.name} SET tag = ?, alt_tag = ?, data = ? WHERE tag = ?",
                [self._tag(sealed["key"]), self._tag("alt\0" + alt.lower()) if alt else None,
                 self._seal(sealed["record"], sealed["key"], alt), tag],
            )  # fmt: skip
            count += 1
        return count


TEAMS_FILE = "teams.db"  # the Teams front end's conversation references, in the data dir
TEAMS_TABLES = ("teams_refs", "teams_sent")


def reencrypt_file(path: Any, key: bytes, tables: tuple[str, ...] = TEAMS_TABLES) -> int:
    """Re-encrypt the sealed tables of one file (key rotation); 0 when the file is absent."""
    import sqlite3
    from pathlib import Path

    if not Path(path).exists():
        return 0
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        db = sqlite_utils.Database(conn)
        count = 0
        conn.execute("BEGIN IMMEDIATE")
        for name in tables:
            if name in db.table_names():
                count += SealedTable(db, name, key).reencrypt()
        conn.execute("COMMIT")
        return count
    finally:
        conn.close()
