"""A trust's Slack installations: the bot token of each school's workspace, kept by slack-sdk's
own ``FileInstallationStore`` (the OAuth flow in handlers/slack/trust.py writes it), in the
trust's data directory.

The files hold bot tokens, so the folder is made 0700 before anything is written in it and
every file the library writes is made 0600 at once (the library leaves modes to the umask).
Only the latest installation per workspace is kept (``historical_data_enabled=False``): old
tokens are not left lying about. Tokens are never logged: log lines name the workspace id.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from slack_sdk.oauth.installation_store import FileInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store import FileOAuthStateStore

from bot.ops.reach import reach_slack
from bot.ops.result import Check
from bot.trust.config import TrustConfig

log = logging.getLogger("policybot.slack.installs")

STATE_SECONDS = 600  # an install started must be finished within ten minutes
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


def private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


class PrivateInstallationStore(FileInstallationStore):
    """slack-sdk's file store, with its folders 0700 and its files 0600."""

    def save(self, installation: Installation) -> None:
        super().save(installation)
        self._tighten()

    def save_bot(self, bot: Bot) -> None:
        super().save_bot(bot)
        self._tighten()

    def _tighten(self) -> None:
        for folder, _, files in os.walk(self.base_dir):
            os.chmod(folder, 0o700)
            for name in files:
                os.chmod(os.path.join(folder, name), 0o600)


def installation_store(trust: TrustConfig, client_id: str) -> PrivateInstallationStore:
    base = private_dir(trust.installations_dir)
    private_dir(base / client_id)  # where the library writes, per Slack app
    return PrivateInstallationStore(
        base_dir=str(base), client_id=client_id, historical_data_enabled=False, logger=log
    )


def state_store(trust: TrustConfig, client_id: str) -> FileOAuthStateStore:
    base = private_dir(trust.data_dir / "slack-oauth-state")
    private_dir(base / client_id)
    return FileOAuthStateStore(
        expiration_seconds=STATE_SECONDS, base_dir=str(base), client_id=client_id, logger=log
    )


def bot_token(store: Any, enterprise_id: str, team_ids: tuple[str, ...]) -> str | None:
    """The bot token that reaches a school's people: its workspace's, else the org-wide
    install's on Enterprise Grid (where member ids are the org's, so one token serves all)."""
    for team in team_ids:
        bot = store.find_bot(enterprise_id=enterprise_id or None, team_id=team)
        if bot is None and enterprise_id:
            bot = store.find_bot(enterprise_id=None, team_id=team)
        if bot is not None and bot.bot_token:
            return str(bot.bot_token)
    if enterprise_id:
        bot = store.find_bot(enterprise_id=enterprise_id, team_id=None, is_enterprise_install=True)
        if bot is not None and bot.bot_token:
            return str(bot.bot_token)
    return None


def checks(trust: TrustConfig, env: Mapping[str, str], timeout: float) -> dict[str, list[Check]]:
    """Per school: is its workspace installed, and does Slack accept that installation's token
    (with every scope the manifest asks for)? For `policybot schools check`."""
    client_id = env.get("SLACK_CLIENT_ID", "").strip()
    out: dict[str, list[Check]] = {}
    if not client_id:
        return out  # the trust's checks already say SLACK_CLIENT_ID is missing
    store = installation_store(trust, client_id)
    api = {"SLACK_API_URL": env.get("SLACK_API_URL", "")}
    for name, entry in trust.schools.items():
        if not entry.slack_teams:
            continue
        token = bot_token(store, trust.slack_enterprise, entry.slack_teams)
        if token is None:
            out[name] = [
                Check(
                    "Slack workspace",
                    False,
                    f"{', '.join(entry.slack_teams)} has not installed the app yet",
                    f"a workspace admin opens https://<this server>{INSTALL_PATH} signed in to "
                    "that workspace and presses Allow",
                )
            ]
            continue
        reached = reach_slack({**api, "SLACK_BOT_TOKEN": token}, timeout)
        out[name] = [
            Check("Slack workspace", True, f"{', '.join(entry.slack_teams)} installed"),
            reached,
        ]
    return out
