"""Moving everything stored to a new key: `policybot key rotate` and `key reencrypt`.

Order is the guarantee. ``rotate`` first proves the current key opens the database, then
writes the new key file (0600, the new key first and the current one after it) and flushes it
to disk, and only then re-encrypts: no record is ever under a key that exists nowhere. Each
database is re-encrypted in one transaction (all or nothing); the audit entry that follows
records what the audit chain's check said BEFORE it was re-signed, so re-keying never hides an
earlier tampering. The reports database, the Teams conversation table and the
feedback log all move; the running service keeps writing with the old key until its restart,
which the old key (kept second) still reads and ``reencrypt`` later moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import InvalidToken

from bot.config import Settings
from bot.errors import KeyMissing, StoreError, WrongKey
from bot.feedback import FEEDBACK_FILE, FeedbackLog
from bot.keys.keyfile import new_key, parse_keys, refuse_existing, write_key_file
from bot.operator import cli_actor
from bot.reports import audit
from bot.reports.audit import actor_id
from bot.reports.sealing import retag, upgrade
from bot.sealed_table import TEAMS_FILE, reencrypt_file
from bot.staff.directory import StaffDirectory
from bot.store import ENCRYPTED_COLUMNS, Store


@dataclass(frozen=True)
class Reencrypted:
    values: int  # how many stored values were rewritten
    older_keys: int  # keys after the first, which now only open older backups


def configured_key(settings: Settings) -> bytes:
    """The configured key text; KeyMissing (saying how to make one) when there is none."""
    if settings.key is None:
        raise KeyMissing(
            "no encryption key is configured (POLICYBOT_KEY or POLICYBOT_KEY_FILE). "
            "`policybot key generate` makes a first one."
        )
    return settings.key


def rotate(settings: Settings, new_key_file: Path) -> Reencrypted:
    """Write a new key (first) and the current key(s) after it to ``new_key_file`` and
    re-encrypt everything stored under the new key. Nothing is written when the file exists
    (KeyFileExists) or the current key does not open the database (WrongKey)."""
    current = configured_key(settings)
    refuse_existing(new_key_file)
    Store.configured(settings).close()  # the current key must open the database first
    keys = [new_key(), *parse_keys(current)]
    write_key_file(new_key_file, keys)
    try:
        count = reencrypt_all(settings, b"\n".join(keys), "key_rotate", "re-encrypted")
    except StoreError as exc:
        raise StoreError(
            f"{exc}\nThe database is unchanged and still uses the current key; "
            f"{new_key_file} was not put to use and can be deleted."
        ) from exc
    return Reencrypted(count, len(keys) - 1)


def reencrypt(settings: Settings) -> Reencrypted:
    """Re-encrypt everything stored under the first configured key (after a rotation, what the
    service wrote with the old key before its restart)."""
    key = configured_key(settings)
    count = reencrypt_all(settings, key, "key_reencrypt", "under the first key")
    return Reencrypted(count, len(parse_keys(key)) - 1)


def reencrypt_all(settings: Settings, keys: bytes, action: str, detail: str) -> int:
    """Re-encrypt the reports database, the Teams table and the feedback log under the first of
    ``keys``; the reports database in one transaction, then its audit entry."""
    store = Store.configured(settings, keys)
    try:
        upgrade(store)  # what an older version wrote is sealed (and so re-keyed) first
        count, chain_before = reencrypt_store(store)
        audit.record(
            store,
            action=action,
            actor=actor_id(cli_actor()),
            detail=f"{count} values {detail}; audit chain before re-signing: {chain_before}",
        )
    finally:
        store.close()
    count += reencrypt_file(settings.data_dir / TEAMS_FILE, keys)
    feedback_db = settings.data_dir / FEEDBACK_FILE
    if feedback_db.exists():
        log = FeedbackLog(feedback_db, keys)
        try:
            count += log.reencrypt()
        finally:
            log.close()
    return count


def reencrypt_store(store: Store) -> tuple[int, str]:
    """Re-encrypt every stored ciphertext under the store's first key (decrypting with any of
    its keys), recompute the keyed lookup tags and re-sign the audit chain under it, in one
    transaction: all or nothing. Returns how many values were rewritten and what the audit
    chain's check said before it was re-signed (recorded by the caller, so re-keying never
    hides an earlier tampering)."""
    fernet = store.fernet
    count = 0
    with store.transaction() as db:
        before = audit.verify(store, db)
        entries = [vars(e) for e in audit.entries(store, db)]
        for table, pk, column in ENCRYPTED_COLUMNS:
            if table == "audit":
                continue
            where = (
                "key = 'key_check'"
                if table == "meta"
                else f"{column} IS NOT NULL AND {column} != ''"
            )
            # one value at a time: an evidence file is megabytes, and a school may hold many
            keys = [r[0] for r in db.execute(f"SELECT {pk} FROM {table} WHERE {where}")]
            for key in keys:
                (old,) = db.execute(
                    f"SELECT {column} FROM {table} WHERE {pk} = ?", [key]
                ).fetchone()
                try:
                    token = fernet.rotate(old.encode()).decode("ascii")
                except InvalidToken:
                    raise WrongKey(
                        f"{table}.{column} of row {key} cannot be decrypted with any "
                        f"configured key ({store.key_source}); nothing was changed."
                    ) from None
                db.execute(f"UPDATE {table} SET {column} = ? WHERE {pk} = ?", [token, key])
                count += 1
        count += retag(store, db)
        count += StaffDirectory(store).retag(db)  # the staff directory and policy rounds
        count += audit.rechain(store, db, entries)
    return count, ("ok" if before.ok else f"failed at row {before.bad_row}: {before.message}")
