"""The staff directory: who policy campaigns go to, in groups (teaching, support, governors,
volunteers). Filled from a CSV the admin provides (``policybot staff import``) or from the chat
workspace (the front end fetches Slack's ``users.list`` and hands the core plain records).

Names and accounts are personal data: each row keeps them sealed and is found only by keyed
hashes of its email and accounts (bot/store.py m005)."""

from bot.errors import StaffImportError
from bot.staff.directory import StaffDirectory, StaffMember
from bot.staff.importing import parse_csv
from bot.staff.workspace import WorkspaceUser, workspace_staff

__all__ = [
    "StaffDirectory",
    "StaffImportError",
    "StaffMember",
    "WorkspaceUser",
    "parse_csv",
    "workspace_staff",
]
