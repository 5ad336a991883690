"""Who is at the keyboard when the command line acts.

``policybot reports --as chair_of_governors …`` needs only shell access and the key, so the
role alone says nothing about who acted. Every CLI actor therefore carries the operating-system
login too, and the audit log records both (``bot.reports.service.actor_id``). This is the one
place that asks the operating system.
"""

from __future__ import annotations

import getpass

from bot.people import Actor


def os_user() -> str:
    """The operating-system login, or "unknown" where there is none (some containers)."""
    try:
        return getpass.getuser() or "unknown"
    except Exception:  # no login name and no USER/LOGNAME in the environment
        return "unknown"


def cli_actor(role: str = "", name: str = "") -> Actor:
    """The command line acting as `role` (a configured person called `name`), or as no one in
    particular (verify, key rotation) when role is empty."""
    user = os_user()
    shown = f"{name} (command line, {user})" if name else f"command line, {user}"
    return Actor("cli", display_name=shown, os_user=user, role=role)
