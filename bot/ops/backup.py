"""`policybot backup` and `policybot restore`: a consistent copy of the data, and putting one
back without losing or half-writing anything.

A backup is one SQLite file (0600) holding the reports database and, inside it, the companion
files (teams.db, feedback.db). Restore checks SQLite's integrity and that the configured key
opens the backup BEFORE it touches the data directory, keeps whatever it replaces beside it,
then verifies the audit chain and records that check in the log (through the audit module).
Messages say what is wrong and how to fix it; they never contain a secret.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Settings
from bot.errors import OpsError
from bot.keys import fernet_for
from bot.keys.check import opens
from bot.operator import cli_actor
from bot.reports import audit
from bot.reports.audit import actor_id
from bot.reports.sealing import upgrade
from bot.store import Store

KEY_WARNING = (
    "This backup holds the reports encrypted at rest: it is useless without the encryption key "
    "(POLICYBOT_KEY / POLICYBOT_KEY_FILE). Back the key up separately and store it apart from "
    "the backup — anyone holding both can read every report."
)
BACKUP_STAMP = "%Y%m%dT%H%M%SZ"  # in backup and kept-file names: sorts by time, no colons


# The other SQLite files under the data directory that a restore must bring back: without the
# Teams conversation references, Teams recipients are unreachable until they message the bot
# again; feedback votes are the headteacher's list of unclear policies. Each travels inside the
# one backup file, as a whole SQLite file in this table (they are sealed already), and is put
# back beside the database by restore.
COMPANION_FILES = ("teams.db", "feedback.db")
COMPANION_TABLE = "backup_companion_files"


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    reports: int
    audit_rows: int
    bytes: int
    companions: tuple[str, ...] = ()


def _counts(conn: sqlite3.Connection) -> tuple[int, int]:
    reports = conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
    audit_rows = conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    return reports, audit_rows


def _copy_database(
    src: sqlite3.Connection, dest: Path, companions: dict[str, bytes] | None = None,
    *, drop_companions: bool = False,
) -> None:  # fmt: skip
    """SQLite's online backup into a new 0600 file at ``dest`` (replaced atomically), with the
    companion files stored inside it (backup) or removed from it (restore)."""
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    try:
        out = sqlite3.connect(str(tmp))
        try:
            src.backup(out)
            out.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            if companions:
                out.execute(
                    f"CREATE TABLE {COMPANION_TABLE} (name TEXT PRIMARY KEY, content BLOB NOT NULL)"
                )
                out.executemany(
                    f"INSERT INTO {COMPANION_TABLE} VALUES (?, ?)", list(companions.items())
                )
                out.commit()
            if drop_companions:
                out.execute(f"DROP TABLE IF EXISTS {COMPANION_TABLE}")
                out.commit()
                out.execute("VACUUM")
            ok = out.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            out.close()
        if ok != "ok":
            raise OpsError(f"the copy failed SQLite's integrity check: {ok}")
        os.chmod(tmp, 0o600)
        os.replace(tmp, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def backup(settings: Settings, dest: Path, *, force: bool = False) -> BackupInfo:
    """A consistent copy of the live database (safe while the servers run), mode 0600."""
    db_path = settings.db_path
    if not db_path.exists() or db_path.stat().st_size == 0:
        raise OpsError(f"there is no database at {db_path} yet: nothing to back up")
    dest = Path(dest).expanduser()
    if dest.is_dir():
        stamp = datetime.now(UTC).strftime(BACKUP_STAMP)
        dest = dest / f"policybot-{stamp}.db"
    if dest.exists() and not force:
        raise OpsError(f"{dest} already exists; choose another name or pass --force")
    companions = {
        name: _snapshot(settings.data_dir / name)
        for name in COMPANION_FILES
        if (settings.data_dir / name).is_file()
    }
    src = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        _copy_database(src, dest, companions)
    finally:
        src.close()
    check = sqlite3.connect(f"file:{dest}?mode=ro", uri=True)
    try:
        reports, audit_rows = _counts(check)
    finally:
        check.close()
    return BackupInfo(dest, reports, audit_rows, dest.stat().st_size, tuple(companions))


def _snapshot(path: Path) -> bytes:
    """A consistent copy of a live SQLite file (online backup), as bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "copy.db"
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        out = sqlite3.connect(str(copy))
        try:
            src.backup(out)
            out.execute("PRAGMA journal_mode = DELETE")
        finally:
            out.close()
            src.close()
        return copy.read_bytes()


def _restore_companions(conn: sqlite3.Connection, data_dir: Path, keep_suffix: str) -> list[str]:
    """Put the backup's companion files back beside the database (0600); an existing one is
    kept with keep_suffix. Returns their names."""
    has = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [COMPANION_TABLE]
    ).fetchone()
    if not has:
        return []
    restored = []
    for name, content in conn.execute(f"SELECT name, content FROM {COMPANION_TABLE}"):
        if name not in COMPANION_FILES:
            continue  # never write a file the backup names but restore does not know
        target = data_dir / name
        if target.exists():
            _checkpoint(target)
            os.replace(target, target.with_name(target.name + keep_suffix))
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(target.with_name(target.name + suffix))
        tmp = target.with_name(f".{name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        restored.append(name)
    return restored


@dataclass(frozen=True)
class RestoreInfo:
    reports: int
    audit_rows: int
    audit_ok: bool
    audit_message: str
    previous: Path | None
    companions: tuple[str, ...] = ()


def restore(settings: Settings, src: Path, *, force: bool = False) -> RestoreInfo:
    """Put a backup in place as the configured database. Refuses an existing database unless
    ``force`` (which keeps it beside the new one as ``policybot.db.pre-restore-<time>``).
    Checks SQLite's integrity and that the configured key decrypts the backup BEFORE touching
    the data directory, then verifies the audit log's hash chain (and records that check)."""
    src = Path(src).expanduser()
    if not src.is_file():
        raise OpsError(f"{src}: no such backup file")
    if settings.key is None:
        raise OpsError(
            "no encryption key is configured (POLICYBOT_KEY or POLICYBOT_KEY_FILE): set the key "
            "the backup was made with, then restore"
        )
    try:
        conn = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
        rows = conn.execute("SELECT value FROM meta WHERE key = 'key_check'").fetchall()
    except sqlite3.Error as exc:
        raise OpsError(f"{src}: not a policybot backup ({exc})") from None
    try:
        if ok != "ok":
            raise OpsError(f"{src}: failed SQLite's integrity check: {ok}")
        if rows and not opens(fernet_for(settings.key), rows[0][0]):
            raise OpsError(
                f"the key from {settings.key_source} does not decrypt {src}: set "
                "POLICYBOT_KEY / POLICYBOT_KEY_FILE to the key the backup was made with"
            )
        db_path = settings.db_path
        previous = None
        stamp = datetime.now(UTC).strftime(BACKUP_STAMP)
        if db_path.exists() and db_path.stat().st_size > 0:
            if not force:
                raise OpsError(
                    f"{db_path} already exists. Stop the policybot services, then run restore "
                    "again with --force (the current database is kept beside it)"
                )
            previous = db_path.with_name(f"{db_path.name}.pre-restore-{stamp}")
            _checkpoint(db_path)
            os.replace(db_path, previous)
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(db_path.with_name(db_path.name + suffix))
        _copy_database(conn, db_path, drop_companions=True)
        companions = _restore_companions(conn, settings.data_dir, f".pre-restore-{stamp}")
    finally:
        conn.close()

    store = Store.configured(settings)
    try:
        upgrade(store)  # a backup from before sealing is sealed as the database itself would be
        with store.read() as db:
            result = audit.verify(store, db, anchor=False)
            reports = db.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
            audit_rows = db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
        detail = "after restore: " + ("ok" if result.ok else f"failed at row {result.bad_row}")
        anchored = store.read_audit_anchor()
        if anchored is not None and anchored[0] > audit_rows:
            # An older backup: the log had gone further. Say so in the log itself, then the
            # restored log's head becomes the one recorded outside the database.
            detail += f"; the log had reached row {anchored[0]} before this restore"
            store.forget_audit_anchor(f"re-recorded after a restore from {src.name}")
        elif anchored is None:  # e.g. onto a new machine: a new anchor, recorded, not a reset
            store.forget_audit_anchor(f"recorded after a restore from {src.name}")
        audit.record(store, action="verify", actor=actor_id(cli_actor()), detail=detail)
    finally:
        store.close()
    return RestoreInfo(reports, audit_rows, result.ok, result.message, previous,
                       tuple(companions))  # fmt: skip


def _checkpoint(db_path: Path) -> None:
    """Fold the WAL into the main file so the kept copy is complete on its own."""
    with contextlib.suppress(sqlite3.Error):
        conn = sqlite3.connect(str(db_path), timeout=5)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
