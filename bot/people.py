"""Who is who: the roles reports go to, the platforms people reach policybot on, a configured
:class:`Person` and the :class:`Actor` doing something right now.

The ground floor: this module imports nothing from bot/, so config, reports and front ends all
name roles and platforms from here and nowhere else.

An actor is identified by what their platform authenticated: a Slack user id or a Teams AAD
object id (``user_id``). The command line has no account to authenticate; it acts AS a role
(``role``, from ``--as``) and also carries the operating-system login that ran it
(``os_user``, bot.operator), since anyone with the shell and the key may act as any role.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("headteacher", "chair_of_governors", "safeguarding_lead")
# A multi-academy trust's own roles (bot/trust/): named in the trust's file, never in a school's.
# The trust safeguarding lead receives a school's concerns only where that school's config
# consents (``[trust] safeguarding_lead_receives``); then exactly like a school role.
TRUST_ROLES = ("trust_safeguarding_lead", "chief_executive")
ALL_ROLES = (*ROLES, *TRUST_ROLES)
ROLE_LABELS: dict[str, str] = {
    "headteacher": "Headteacher",
    "chair_of_governors": "Chair of Governors",
    "safeguarding_lead": "Designated Safeguarding Lead",
    "trust_safeguarding_lead": "Trust Safeguarding Lead",
    "chief_executive": "Trust Chief Executive",
}

CHAT_PLATFORMS = ("slack", "teams")  # where people are sent notices, in order of preference
PLATFORMS = (*CHAT_PLATFORMS, "cli")  # where people act from
PLATFORM_LABELS = {"slack": "Slack", "teams": "Teams", "cli": "the command line"}


@dataclass(frozen=True)
class Person:
    """Someone the school's config names for a role (bot.config)."""

    role: str
    name: str
    slack_user: str | None
    teams_user: str | None
    email: str | None = None

    def address(self, platform: str) -> str | None:
        """This person's user id on ``platform`` ("slack" | "teams"), or None."""
        if platform == "slack":
            return self.slack_user
        if platform == "teams":
            return self.teams_user
        return None

    @property
    def label(self) -> str:
        """e.g. "Kate Baskeyfield (Headteacher)"."""
        return f"{self.name} ({ROLE_LABELS.get(self.role, self.role)})"


@dataclass(frozen=True)
class Actor:
    """Whoever is acting: a member of staff on a chat platform, or the command line."""

    platform: str  # one of PLATFORMS
    user_id: str = ""  # Slack user id or Teams AAD object id; "" on the command line
    display_name: str = ""  # shown to recipients; encrypted at rest
    os_user: str = ""  # the CLI's operating-system login (bot.operator): who really acted
    role: str = ""  # the role the command line acts as (``--as``); "" on a chat platform

    @property
    def signed_in(self) -> bool:
        """Whether the actor is someone: an authenticated account, or a role on the CLI."""
        return bool(self.role if self.platform == "cli" else self.user_id)
