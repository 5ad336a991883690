"""A chat workspace's user list as the core sees it: plain records the front end builds (Slack's
``users.list``, a Teams team's members). Bots, guests (Slack's single- and multi-channel guests)
and deactivated accounts are never staff."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WorkspaceUser:
    """One account as a chat workspace lists it (Slack users.list), in plain terms."""

    user_id: str
    name: str
    email: str = ""
    is_bot: bool = False
    is_guest: bool = False  # Slack: is_restricted or is_ultra_restricted
    deleted: bool = False


def workspace_staff(users: list[WorkspaceUser]) -> list[WorkspaceUser]:
    """The accounts that are staff: not bots, not guests, not deactivated."""
    return [
        u for u in users if not (u.is_bot or u.is_guest or u.deleted) and u.user_id != "USLACKBOT"
    ]
