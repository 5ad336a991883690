"""Turning a staff CSV into :class:`StaffMember` records (a workspace's user list:
bot/staff/workspace.py).

A CSV is checked in full before anything is stored: every bad row is named (by its line number
in the file) with what is wrong and how to fix it, and one bad row means nothing is imported.
A row is one person: two rows sharing any identifier (email, Slack id, Teams id) are refused,
naming both lines, because storing them would merge two people's confirmations into one
(``StaffDirectory.import_csv`` checks the rows against the people already stored the same way)."""

from __future__ import annotations

import csv
import io
import re

from bot.campaigns.models import STAFF_GROUPS
from bot.errors import StaffImportError
from bot.staff.directory import StaffMember, identifiers

COLUMNS = ("name", "email", "group", "slack_user", "teams_user")
REQUIRED = ("name", "group")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SLACK_ID_RE = re.compile(r"^[UW][A-Z0-9]{2,}$")
MAX_NAME = 200


def parse_csv(text: str) -> list[StaffMember]:
    """Every row of a staff CSV (header: name,email,group[,slack_user][,teams_user])."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise StaffImportError(
            [f"line 1 (header): missing column(s) {', '.join(missing)}; the header must be "
             f"{','.join(COLUMNS)} (slack_user and teams_user may be left out)"]
        )  # fmt: skip
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise StaffImportError(
            [f"line 1 (header): unknown column(s) {', '.join(unknown)}; allowed: "
             f"{', '.join(COLUMNS)}"]
        )  # fmt: skip
    reader.fieldnames = header
    members: list[StaffMember] = []
    problems: list[str] = []
    seen: dict[tuple[str, str], tuple[int, str]] = {}  # (kind, identifier) -> (line, name)
    for row in reader:
        line = reader.line_num
        values = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if not any(values.values()):
            continue  # blank line
        errors = []
        name, email, group = (
            values.get("name", ""),
            values.get("email", ""),
            values.get("group", ""),
        )
        slack_user, teams_user = values.get("slack_user", ""), values.get("teams_user", "").lower()
        if not name:
            errors.append("name is empty")
        elif len(name) > MAX_NAME:
            errors.append(f"name is longer than {MAX_NAME} characters")
        if group.lower() not in STAFF_GROUPS:
            errors.append(f"group {group!r} is not one of {', '.join(STAFF_GROUPS)}")
        if email and not EMAIL_RE.match(email):
            errors.append(f"email {email!r} is not an email address")
        if slack_user and not SLACK_ID_RE.match(slack_user):
            errors.append(f"slack_user {slack_user!r} is not a Slack user id (like U024BE7LH)")
        if not (email or slack_user or teams_user):
            errors.append("give at least one of email, slack_user or teams_user")
        ids = identifiers(email.lower(), slack_user, teams_user)
        for kind, value in ids:
            if (kind, value) in seen:
                other, other_name = seen[kind, value]
                errors.append(
                    f"same {kind} {value} as line {other} ({other_name}): give each person one row"
                )
        if errors:
            problems.append(f"line {line} ({name or 'no name'}): " + "; ".join(errors))
            continue
        for kind, value in ids:
            seen[kind, value] = (line, name)
        members.append(
            StaffMember(
                name=name,
                email=email.lower(),
                group=group.lower(),
                slack_user=slack_user,
                teams_user=teams_user,
                line=line,
            )  # fmt: skip
        )
    if problems:
        raise StaffImportError(problems)
    if not members:
        raise StaffImportError(["the file has no staff rows under its header"])
    return members
