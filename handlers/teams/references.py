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
person from a team or group chat, we keep a ``seen`` reference instead (service URL, tenant, bot
account) from which the notifier can create the 1:1 chat; a notice is never posted in a channel.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils
from botbuilder.schema import ConversationReference

TABLE = "teams_conversation_refs"
SENT = "teams_sent_notices"  # idempotency keys of notices Teams accepted (no duplicate on retry)


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

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        conn = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db = sqlite_utils.Database(conn)
        self._db.conn.execute("PRAGMA journal_mode=WAL")
        self._db.conn.execute("PRAGMA busy_timeout=5000")
        if TABLE not in self._db.table_names():
            self._db[TABLE].create(
                {
                    "teams_id": str,
                    "aad_object_id": str,
                    "name": str,
                    "tenant_id": str,
                    "service_url": str,
                    "bot_id": str,
                    "personal": str,
                    "seen": str,
                    "updated_at": str,
                },
                pk="teams_id",
            )
            self._db[TABLE].create_index(["aad_object_id"])
        if SENT not in self._db.table_names():
            self._db[SENT].create({"key": str, "sent_at": str, "activity_id": str}, pk="key")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def remember(self, reference: ConversationReference) -> tuple[StoredReference, bool]:
        """Record how to reach ``reference.user``; returns (row, is_new_personal).

        ``is_new_personal`` is True when this is the first 1:1 reference we hold for the user (or
        it changed), i.e. queued deliveries for them may now go through.
        """
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
        with self._lock:
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
            self._db[TABLE].upsert(row, pk="teams_id")
            new_personal = personal is not None and (
                old_personal is None
                or old_personal.conversation.id != personal.conversation.id
                or old_personal.service_url != personal.service_url
            )
            return self._to_ref(row), new_personal

    def set_personal(self, teams_id: str, reference: ConversationReference) -> None:
        """Store the 1:1 chat the notifier created for a user known only from a team."""
        with self._lock:
            self._db[TABLE].update(teams_id, {"personal": _dump(reference), "updated_at": _now()})

    def find(self, user_key: str) -> StoredReference | None:
        """Look a user up by AAD object id or Teams id (``29:…``)."""
        if not user_key:
            return None
        with self._lock:
            row = self._get_row(user_key)
            if row is None:
                rows = list(
                    self._db[TABLE].rows_where(
                        "lower(aad_object_id) = lower(?)",
                        [user_key],
                        order_by="updated_at desc",
                        limit=1,
                    )
                )
                row = rows[0] if rows else None
            return self._to_ref(row) if row else None

    def was_sent(self, key: str) -> bool:
        with self._lock:
            return bool(list(self._db[SENT].rows_where("key = ?", [key], limit=1)))

    def mark_sent(self, key: str, activity_id: str = "") -> None:
        with self._lock:
            self._db[SENT].upsert(
                {"key": key, "sent_at": _now(), "activity_id": activity_id}, pk="key"
            )

    def all(self) -> list[StoredReference]:
        with self._lock:
            return [self._to_ref(r) for r in self._db[TABLE].rows]

    def _get_row(self, teams_id: str) -> dict | None:
        rows = list(self._db[TABLE].rows_where("teams_id = ?", [teams_id], limit=1))
        return rows[0] if rows else None

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
        )
