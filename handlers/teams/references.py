"""Where the Teams app remembers how to reach each person proactively.

Teams only lets a bot message someone who has met it: the bot must hold a *conversation reference*
(service URL, tenant, conversation id, the user's and the bot's accounts). We store one row per user
the first time we see them (install via ``conversationUpdate`` or any message) in a small SQLite
table of our own, in the same data directory as the core's database, so proactive delivery
survives restarts.

A user is matched by either of the two ids Teams gives us, whichever the school's config holds in
``teams_user``:

* ``aad_object_id`` — the person's Microsoft Entra (Azure AD) object id, a GUID the IT admin can
  copy from the Entra admin centre. **Recommended.**
* ``teams_id`` — the bot-scoped Teams user id (``29:…``), only visible to bots.

``personal`` holds a reference to the 1:1 chat with the bot (where notices go). When we only know a
person from a team or group chat (or from a team's roster: ``sync staff``), we keep a ``seen``
reference instead (service URL, tenant, bot account) from which the notifier can create the 1:1
chat; a notice is never posted in a channel. When Teams refuses to create it, ``refuse_chat``
notes that, so the notifier stops asking until the person is seen again (any later sighting
writes the row afresh).

The file maps people's ids to names and chats, so it is sealed with the school's key
(``bot.sealed_table``): rows are found by keyed hashes of the two ids, and everything else is
ciphertext. Without a key nothing is written to disk: references live in memory until a restart
(reports cannot be filed without a key anyway). A file from before sealing is converted in place.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils
from botbuilder.schema import ConversationReference
from cryptography.fernet import Fernet

from bot.sealed_table import TEAMS_TABLES, SealedTable

LEGACY_TABLE = "teams_conversation_refs"  # plaintext, before sealing
LEGACY_SENT = "teams_sent_notices"
TABLE, SENT = TEAMS_TABLES  # references by user; idempotency keys of notices Teams accepted
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredReference:
    teams_id: str
    aad_object_id: str | None
    name: str | None
    tenant_id: str | None
    service_url: str
    bot_id: str | None
    personal: ConversationReference | None  # the 1:1 chat with the bot, if known
    seen: ConversationReference  # the latest conversation we saw this user in
    updated_at: str
    chat_refused: bool = False  # Teams refused to open a 1:1 chat since we last saw them

    @property
    def reachable(self) -> bool:
        """A 1:1 chat exists, or we may try to open one."""
        return self.personal is not None or not self.chat_refused

    @property
    def keys(self) -> set[str]:
        return {k for k in (self.teams_id, self.aad_object_id) if k}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _dump(ref: ConversationReference | None) -> str | None:
    return json.dumps(ref.serialize(), sort_keys=True) if ref is not None else None


def _load(text: str | None) -> ConversationReference | None:
    return ConversationReference().deserialize(json.loads(text)) if text else None


class ReferenceStore:
    """Thread-safe: the event loop writes on each turn, the delivery worker thread reads."""

    def __init__(self, path: str | Path, key: bytes | None = None):
        self.path = Path(path)
        self._lock = threading.Lock()
        if key is None:
            log.warning("no encryption key: Teams conversation references are kept in memory only")
            key, where = Fernet.generate_key(), ":memory:"
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            where = str(self.path)
            fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
            os.close(fd)
        conn = sqlite3.connect(where, check_same_thread=False, isolation_level=None)
        self._db = sqlite_utils.Database(conn)
        self._db.conn.execute("PRAGMA journal_mode=WAL")
        self._db.conn.execute("PRAGMA busy_timeout=5000")
        self._db.conn.execute("PRAGMA secure_delete=ON")
        self._refs = SealedTable(self._db, TABLE, key)
        self._sent = SealedTable(self._db, SENT, key)
        self._seal_legacy()

    def _seal_legacy(self) -> None:
        """Move a plaintext file's rows into the sealed tables, then drop and vacuum them away."""
        names = self._db.table_names()
        if LEGACY_TABLE not in names and LEGACY_SENT not in names:
            return
        with self._lock:
            self._db.conn.execute("BEGIN IMMEDIATE")
            if LEGACY_TABLE in names:
                for row in self._db[LEGACY_TABLE].rows:
                    self._refs.put(row["teams_id"], row, alt=row["aad_object_id"])
                self._db.conn.execute(f"DROP TABLE {LEGACY_TABLE}")
            if LEGACY_SENT in names:
                for row in self._db[LEGACY_SENT].rows:
                    self._sent.put(row["key"], row)
                self._db.conn.execute(f"DROP TABLE {LEGACY_SENT}")
            self._db.conn.execute("COMMIT")
            self._db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.conn.execute("VACUUM")
            self._db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def remember(self, reference: ConversationReference) -> tuple[StoredReference, bool]:
        """Record how to reach ``reference.user``; returns (row, is_new_personal).

        ``is_new_personal`` is True when this is the first 1:1 reference we hold for the user (or
        it changed), i.e. queued deliveries for them may now go through.
        """
        with self._lock:
            return self._remember(reference)

    def remember_many(self, references: list[ConversationReference]) -> None:
        """``remember`` each, in one transaction (a team's roster: hundreds at once)."""
        with self._lock:
            self._db.conn.execute("BEGIN IMMEDIATE")
            try:
                for reference in references:
                    self._remember(reference)
            except BaseException:
                self._db.conn.execute("ROLLBACK")
                raise
            self._db.conn.execute("COMMIT")

    def _remember(self, reference: ConversationReference) -> tuple[StoredReference, bool]:
        user = reference.user
        if user is None or not user.id:
            raise ValueError("conversation reference without a user id")
        conversation = reference.conversation
        personal = (
            reference
            if conversation is not None
            and (conversation.conversation_type or "personal") == "personal"
            and not conversation.is_group
            else None
        )
        tenant = conversation.tenant_id if conversation is not None else None
        old = self._get_row(user.id)
        old_personal = _load(old["personal"]) if old else None
        row = {
            "teams_id": user.id,
            "aad_object_id": user.aad_object_id or (old["aad_object_id"] if old else None),
            "name": user.name or (old["name"] if old else None),
            "tenant_id": tenant or (old["tenant_id"] if old else None),
            "service_url": reference.service_url,
            "bot_id": reference.bot.id if reference.bot else (old["bot_id"] if old else None),
            "personal": _dump(personal) if personal is not None else _dump(old_personal),
            "seen": _dump(reference),
            "updated_at": _now(),
        }
        self._refs.put(row["teams_id"], row, alt=row["aad_object_id"])
        new_personal = personal is not None and (
            old_personal is None
            or old_personal.conversation.id != personal.conversation.id
            or old_personal.service_url != personal.service_url
        )
        return self._to_ref(row), new_personal

    def set_personal(self, teams_id: str, reference: ConversationReference) -> None:
        """Store the 1:1 chat the notifier created for a user known only from a team."""
        with self._lock:
            row = self._get_row(teams_id)
            if row is None:
                return
            row.update(personal=_dump(reference), updated_at=_now())
            self._refs.put(teams_id, row, alt=row["aad_object_id"])

    def refuse_chat(self, teams_id: str) -> None:
        """Teams would not open a 1:1 chat with this user (``POST /v3/conversations`` refused):
        do not ask again until they are seen again (a message, an install, a roster sync)."""
        with self._lock:
            row = self._get_row(teams_id)
            if row is None:
                return
            row.update(chat_refused=_now(), updated_at=_now())
            self._refs.put(teams_id, row, alt=row["aad_object_id"])

    def find(self, user_key: str) -> StoredReference | None:
        """Look a user up by AAD object id or Teams id (``29:…``)."""
        if not user_key:
            return None
        with self._lock:
            row = self._get_row(user_key) or self._refs.get_by_alt(user_key)
            return self._to_ref(row) if row else None

    def was_sent(self, key: str) -> bool:
        with self._lock:
            return self._sent.get(key) is not None

    def mark_sent(self, key: str, activity_id: str = "") -> None:
        with self._lock:
            self._sent.put(key, {"key": key, "sent_at": _now(), "activity_id": activity_id})

    def all(self) -> list[StoredReference]:
        with self._lock:
            return [self._to_ref(r) for r in self._refs.all()]

    def _get_row(self, teams_id: str) -> dict | None:
        return self._refs.get(teams_id)

    @staticmethod
    def _to_ref(row: dict) -> StoredReference:
        seen = _load(row["seen"])
        assert seen is not None
        return StoredReference(
            teams_id=row["teams_id"],
            aad_object_id=row["aad_object_id"],
            name=row["name"],
            tenant_id=row["tenant_id"],
            service_url=row["service_url"],
            bot_id=row["bot_id"],
            personal=_load(row["personal"]),
            seen=seen,
            updated_at=row["updated_at"],
            chat_refused=bool(row.get("chat_refused")),
        )
