"""The stored staff directory. Each row's name, email and accounts are sealed; it is found by
keyed hashes (HMAC under the store's lookup key) of its email, Slack id and Teams id, so a copy
of the database without the key names nobody and cannot be searched for a known account.

Imports are all-or-nothing (one transaction). A CSV import replaces the CSV's part of the
directory: people no longer in the file become inactive (their past confirmations stay). A
workspace sync adds and updates workspace accounts and deactivates the ones that are gone,
deactivated or turned into guests."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.errors import StaffImportError
from bot.keys import LOOKUP
from bot.reports import audit
from bot.staff.workspace import WorkspaceUser, workspace_staff

if TYPE_CHECKING:
    from bot.store import Store


def identifiers(email: str, slack_user: str, teams_user: str) -> list[tuple[str, str]]:
    """The (kind, value) pairs a person is known by, in the words an error message uses."""
    return [
        (kind, value)
        for kind, value in (("email", email), ("Slack id", slack_user), ("Teams id", teams_user))
        if value
    ]


@dataclass(frozen=True)
class StaffMember:
    name: str
    email: str = ""
    group: str = ""  # teaching | support | governors | volunteers | "" (workspace only)
    slack_user: str = ""
    teams_user: str = ""
    id: int = 0
    active: bool = True
    source: str = "csv"
    line: int = field(default=0, compare=False)  # its line in the CSV it was read from

    @property
    def identifiers(self) -> list[tuple[str, str]]:
        return identifiers(self.email.lower(), self.slack_user, self.teams_user)

    def address(self, platform: str) -> str:
        return self.slack_user if platform == "slack" else self.teams_user


class StaffDirectory:
    def __init__(self, store: Store) -> None:
        self.store = store

    # --- keyed lookups ------------------------------------------------------------------
    def _tag(self, kind: str, value: str) -> str:
        return self.store.keyring.tag(LOOKUP, f"staff-{kind}:{value}") if value else ""

    def _tags(self, m: StaffMember) -> dict[str, str]:
        return {
            "email_tag": self._tag("email", m.email.lower()),
            "slack_tag": self._tag("slack", m.slack_user),
            "teams_tag": self._tag("teams", m.teams_user),
        }

    def _seal(self, m: StaffMember) -> str:
        fields = {"name": m.name, "email": m.email, "slack_user": m.slack_user,
                  "teams_user": m.teams_user}  # fmt: skip
        return self.store.encrypt_json(fields, pad_to=256)

    def _open(self, row: dict[str, Any]) -> StaffMember:
        f = self.store.decrypt_json(row["sealed"])
        return StaffMember(
            name=f["name"], email=f["email"], group=row["staff_group"] or "",
            slack_user=f["slack_user"], teams_user=f["teams_user"], id=row["id"],
            active=bool(row["active"]), source=row["source"],
        )  # fmt: skip

    def _find(self, db: Any, m: StaffMember) -> dict[str, Any] | None:
        for column, tag in self._tags(m).items():
            if tag:
                rows: list[dict[str, Any]] = list(
                    db.query(f"SELECT * FROM staff WHERE {column} = ? LIMIT 1", [tag])
                )
                if rows:
                    return rows[0]
        return None

    def _save(self, db: Any, m: StaffMember, now: str, existing: dict[str, Any] | None) -> None:
        row = {**self._tags(m), "staff_group": m.group, "active": int(m.active),
               "source": m.source, "sealed": self._seal(m), "updated_at": now}  # fmt: skip
        if existing is None:
            db["staff"].insert(row)
        else:
            db["staff"].update(existing["id"], row)

    # --- reading ------------------------------------------------------------------------
    def members(self, *, group: str = "all", include_inactive: bool = False) -> list[StaffMember]:
        """Staff in ``group`` ("all" for everyone), by name."""
        rows = self.store.query("SELECT * FROM staff ORDER BY id")
        out = [self._open(r) for r in rows]
        out = [m for m in out if include_inactive or m.active]
        if group != "all":
            out = [m for m in out if m.group == group]
        return sorted(out, key=lambda m: m.name.lower())

    def by_account(self, db: Any, platform: str, user_id: str) -> StaffMember | None:
        if not user_id or platform not in ("slack", "teams"):
            return None
        # under any configured key: between `key rotate` and a restart tags may be under either
        tags = self.store.keyring.tags(LOOKUP, f"staff-{platform}:{user_id}")
        marks = ",".join("?" for _ in tags)
        rows = list(
            db.query(f"SELECT * FROM staff WHERE {platform}_tag IN ({marks}) LIMIT 1", tags)
        )
        return self._open(rows[0]) if rows else None

    def retag(self, db: Any) -> int:
        """Recompute every keyed hash under the first key, after a key rotation: each staff
        row's account tags (from its sealed fields) and each round's person tags (a person tag
        under any older key is matched to its staff row). Returns how many were rewritten."""
        count = 0
        renamed: dict[str, str] = {}
        keyring = self.store.keyring
        for row in list(db.query("SELECT * FROM staff")):
            member = self._open(row)
            db["staff"].update(row["id"], self._tags(member))
            new = self.person_tag(row["id"])
            for old in keyring.tags(LOOKUP, f"staff-person:{row['id']}"):
                renamed[old] = new
            count += 1
        for row in list(db.query("SELECT id, person_tag FROM campaign_recipients")):
            renamed_to = renamed.get(row["person_tag"])
            if renamed_to is not None and renamed_to != row["person_tag"]:
                db.execute(
                    "UPDATE campaign_recipients SET person_tag = ? WHERE id = ?",
                    [renamed_to, row["id"]],
                )
                count += 1
        return count

    def person_tag(self, staff_id: int) -> str:
        """The keyed name of a staff row in campaign records (same person across rounds)."""
        return self._tag("person", str(staff_id))

    # --- importing ----------------------------------------------------------------------
    def _stored_with(self, db: Any, m: StaffMember) -> dict[int, list[tuple[str, str]]]:
        """The stored people sharing an identifier with ``m`` (under any configured key), each
        with the identifiers it shares."""
        columns = {"email": "email_tag", "Slack id": "slack_tag", "Teams id": "teams_tag"}
        scopes = {"email": "email", "Slack id": "slack", "Teams id": "teams"}
        found: dict[int, list[tuple[str, str]]] = {}
        for kind, value in m.identifiers:
            tags = self.store.keyring.tags(LOOKUP, f"staff-{scopes[kind]}:{value}")
            marks = ",".join("?" for _ in tags)
            sql = f"SELECT id FROM staff WHERE {columns[kind]} IN ({marks})"
            for row in db.query(sql, tags):
                found.setdefault(row["id"], []).append((kind, value))
        return found

    def _conflicts(self, db: Any, members: list[StaffMember]) -> list[str]:
        """Rows that would merge two people, each named with its line and the stored person:
        a row matching two stored people, a row matching a *different* stored person, and two
        rows matching one stored person. See ``_different`` for who counts as different."""
        problems: list[str] = []
        claimed: dict[int, StaffMember] = {}
        for m in members:
            found = self._stored_with(db, m)
            people = {
                i: self._open(next(iter(db.query("SELECT * FROM staff WHERE id = ?", [i]))))
                for i in sorted(found)
            }
            where = f"line {m.line} ({m.name})"
            if len(people) > 1:
                whose = "; ".join(
                    f"its {_listed(found[i])} is {p.name}'s" for i, p in people.items()
                )
                problems.append(
                    f"{where}: {whose}: different people already stored, whom this row would "
                    "merge into one; correct the row"
                )
                continue
            for i, stored in people.items():
                why = _different(m, stored, [k for k, _ in found[i]])
                if why:
                    problems.append(
                        f"{where}: its {_listed(found[i])} is {stored.name}'s, who is already "
                        f"stored{why}; correct the row (if it is {stored.name} under a new "
                        "name, keep their email on it)"
                    )
                elif i in claimed:
                    first = claimed[i]
                    problems.append(
                        f"{where}: is {stored.name}, already stored, like line {first.line} "
                        f"({first.name}): give each person one row"
                    )
                else:
                    claimed[i] = m
        return problems

    def import_csv(self, members: list[StaffMember], actor: str, now: datetime) -> tuple[int, int]:
        """Replace the CSV part of the directory with ``members`` (already validated). Refused
        as a whole (StaffImportError naming each line and the stored person) when a row would
        merge two people. Returns (added or updated, deactivated)."""
        at = audit.stamp(now)
        with self.store.transaction() as db:
            problems = self._conflicts(db, members)
            if problems:
                raise StaffImportError(problems)
            kept: set[int] = set()
            for m in members:
                existing = self._find(db, m)
                merged = m
                if existing is not None:
                    old = self._open(existing)
                    merged = replace(
                        m, slack_user=m.slack_user or old.slack_user,
                        teams_user=m.teams_user or old.teams_user,
                    )  # fmt: skip
                    kept.add(existing["id"])
                self._save(db, replace(merged, source="csv", active=True), at, existing)
                if existing is None:
                    kept.add(db.execute("SELECT last_insert_rowid()").fetchone()[0])
            gone = [
                r["id"]
                for r in db.query("SELECT id FROM staff WHERE source = 'csv' AND active = 1")
                if r["id"] not in kept
            ]
            for staff_id in gone:
                db.execute(
                    "UPDATE staff SET active = 0, updated_at = ? WHERE id = ?", [at, staff_id]
                )
            audit.append(
                self.store, db, when=now, action="staff_import", actor=actor,
                detail=f"csv: {len(members)} staff, {len(gone)} deactivated",
            )  # fmt: skip
        return len(members), len(gone)

    def sync_workspace(
        self, platform: str, users: list[WorkspaceUser], actor: str, now: datetime
    ) -> tuple[int, int]:
        """Bring the directory in line with a workspace's user list. Returns (active staff
        from the workspace, deactivated)."""
        at = audit.stamp(now)
        staff = workspace_staff(users)
        staff_ids = {u.user_id for u in staff}
        deactivated = 0
        with self.store.transaction() as db:
            for u in staff:
                probe = StaffMember(name=u.name, email=u.email.lower(), source=platform)
                probe = _with_account(probe, platform, u.user_id)
                existing = self._find(db, probe)
                if existing is None:
                    self._save(db, probe, at, None)
                    continue
                old = self._open(existing)
                updated = _with_account(
                    replace(
                        old, name=old.name if old.source == "csv" else u.name,
                        email=old.email or probe.email, active=True,
                    ),
                    platform, u.user_id,
                )  # fmt: skip
                self._save(db, updated, at, existing)
            for u in users:
                if u.user_id in staff_ids:
                    continue
                row = self.by_account(db, platform, u.user_id)
                if row is not None and row.active:
                    # a deactivated account or a guest: never sent campaigns on this account
                    existing = list(db.query("SELECT * FROM staff WHERE id = ?", [row.id]))[0]
                    keep_active = row.source == "csv" and bool(
                        row.teams_user if platform == "slack" else row.slack_user
                    )
                    cleared = _with_account(replace(row, active=keep_active), platform, "")
                    self._save(db, cleared, at, existing)
                    deactivated += 1
            audit.append(
                self.store, db, when=now, action="staff_import", actor=actor,
                detail=f"{platform} workspace: {len(staff)} staff, {deactivated} deactivated",
            )  # fmt: skip
        return len(staff), deactivated


def _different(row: StaffMember, stored: StaffMember, shared: list[str]) -> str:
    """Why a stored person sharing an identifier with a CSV row is somebody else ("" when it is
    the same person). Same name: the same person whatever changed (a new email, a new Slack
    account). Otherwise it is someone else when they hold a different identifier of a kind the
    row gives (another email, another Teams id), or when they came from an earlier staff list
    under another name and the row does not give their email: a CSV name is the school's own
    record of the person. A person the workspace sync added is known by a chat display name
    only, so a row naming their account is taken as who they are."""
    if _name(row.name) == _name(stored.name):
        return ""
    mine = dict(row.identifiers)
    clash = [f"{k} {v}" for k, v in stored.identifiers if mine.get(k, v) != v]
    if clash:
        return " with " + ", ".join(clash)
    if stored.source == "csv" and "email" not in shared:
        return " (from an earlier staff list)"
    return ""


def _listed(identifiers: list[tuple[str, str]]) -> str:
    return " and ".join(f"{kind} {value}" for kind, value in identifiers)


def _name(name: str) -> str:
    return " ".join(name.lower().split())


def _with_account(member: StaffMember, platform: str, user_id: str) -> StaffMember:
    """The member with their account on ``platform`` ("slack" or "teams") set to ``user_id``."""
    if platform == "slack":
        return replace(member, slack_user=user_id)
    return replace(member, teams_user=user_id)
