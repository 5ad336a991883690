"""Staff from a Teams team's roster: "sync staff", typed by the headteacher in a channel of the
team whose members are the school's staff, brings the core's staff directory in line with that
team (bot/staff/directory.py ``sync_workspace``), as Slack's ``users.list`` does for Slack.

Teams marks guests (``userRole`` "guest"; anonymous meeting joiners "anonymous"): they are never
staff. Members are read page by page (Teams caps a page at 500). The reply, posted where the
head typed, gives counts only — never a name.
"""

from __future__ import annotations

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo

from bot.staff import WorkspaceUser

PAGE_SIZE = 500
NOT_STAFF_ROLES = frozenset({"guest", "anonymous"})
IN_A_TEAM = (
    "Type `sync staff` in a channel of the team whose members are the school's staff "
    "(@mention me there): I read that team's members."
)
SYNCED = (
    "Staff list updated from this team: {staff} member(s) of staff; {gone} account(s) no "
    "longer staff (guests, or removed from the team). Give people a group (teaching, support, "
    "governors, volunteers) with `policybot staff import staff.csv` to send policies to a group."
)


def in_a_team(turn_context: TurnContext) -> bool:
    return bool(TeamsInfo.get_team_id(turn_context))


async def team_members(turn_context: TurnContext) -> list[WorkspaceUser]:
    """Every member of the team the message came from, as the core's plain records."""
    users: list[WorkspaceUser] = []
    token: str | None = None
    while True:
        page = await TeamsInfo.get_paged_members(turn_context, token, PAGE_SIZE)
        for member in page.members or []:
            aad = (member.aad_object_id or "").strip().lower()
            if not aad:
                continue  # a bot, or an account without an Entra id: never a person to message
            users.append(
                WorkspaceUser(
                    user_id=aad,
                    name=(member.name or "")[:200],
                    email=member.email or member.user_principal_name or "",
                    is_guest=(member.user_role or "").lower() in NOT_STAFF_ROLES,
                )
            )
        token = page.continuation_token
        if not token:
            return users
