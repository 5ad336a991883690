"""Staff from a Teams team's roster: "sync staff", typed by the headteacher in a channel of the
team whose members are the school's staff, brings the core's staff directory in line with that
team (bot/staff/directory.py ``sync_workspace``), as Slack's ``users.list`` does for Slack.

Teams marks guests (``userRole`` "guest"; anonymous meeting joiners "anonymous"): they are never
staff. Members are read page by page (Teams caps a page at 500). The reply, posted where the
head typed, gives counts only — never a name.

A member of staff known only from the roster has never opened policybot, so the bot holds no
1:1 chat with them; but a bot installed in a team may start one with any of its members. So
the sync also remembers, for each member of staff, how to reach them through this team (the
team's conversation reference with them as the user: service URL, tenant, the bot's account);
the notifier then opens the 1:1 chat proactively (``POST /v3/conversations`` with their ids and
the tenant) the first time it has something for them. Where Teams refuses that, the person
counts as "not reachable yet" until they open the bot (handlers/teams/notifier.py).
"""

from __future__ import annotations

import copy

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import ChannelAccount
from botbuilder.schema.teams import TeamsChannelAccount

from bot.staff import WorkspaceUser
from handlers.teams.references import ReferenceStore

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


async def team_members(turn_context: TurnContext) -> list[TeamsChannelAccount]:
    """Every person in the team the message came from (accounts without an Entra id, i.e.
    bots, left out), as Teams lists them."""
    members: list[TeamsChannelAccount] = []
    token: str | None = None
    while True:
        page = await TeamsInfo.get_paged_members(turn_context, token, PAGE_SIZE)
        members.extend(m for m in page.members or [] if (m.aad_object_id or "").strip())
        token = page.continuation_token
        if not token:
            return members


def _aad(member: TeamsChannelAccount) -> str:
    return (member.aad_object_id or "").strip().lower()


def is_staff(member: TeamsChannelAccount) -> bool:
    return (member.user_role or "").lower() not in NOT_STAFF_ROLES


def as_workspace_users(members: list[TeamsChannelAccount]) -> list[WorkspaceUser]:
    """The core's plain records of the team's members (guests marked, so never staff)."""
    return [
        WorkspaceUser(
            user_id=_aad(m),
            name=(m.name or "")[:200],
            email=m.email or m.user_principal_name or "",
            is_guest=not is_staff(m),
        )
        for m in members
    ]


def remember_members(
    turn_context: TurnContext, references: ReferenceStore, members: list[TeamsChannelAccount]
) -> int:
    """Store how to reach each member of staff through this team, for those the bot cannot
    already reach in a 1:1 chat. Returns how many were added or refreshed."""
    activity = turn_context.activity
    team = TurnContext.get_conversation_reference(activity)
    team.activity_id = None
    tenant = _tenant(activity.channel_data)
    if team.conversation is not None and not team.conversation.tenant_id:
        team.conversation.tenant_id = tenant
    reachable = []
    for member in members:
        if not is_staff(member) or not member.id:
            continue
        known = references.find(member.id)
        if known is not None and known.personal is not None:
            continue  # they have opened the bot: their own chat is where notices go
        reference = copy.deepcopy(team)
        reference.user = ChannelAccount(
            id=member.id, name=(member.name or "")[:200], aad_object_id=_aad(member)
        )
        if reference.conversation is not None and not reference.conversation.tenant_id:
            reference.conversation.tenant_id = member.tenant_id
        reachable.append(reference)
    references.remember_many(reachable)
    return len(reachable)


def _tenant(channel_data: object) -> str | None:
    data = channel_data if isinstance(channel_data, dict) else {}
    tenant = data.get("tenant") if isinstance(data.get("tenant"), dict) else {}
    return tenant.get("id") or None
