"""Reaching Slack and Microsoft from this server: the only network code in the core.

`policybot check` asks each platform one harmless question with the configured secrets
(Slack's auth.test; a client-credentials token from Microsoft's login) so the admin learns
before the first report whether the firewall, the token or the client secret is wrong. The
answer is reduced to a Check; nothing sent or received is logged or printed beyond the error
code the platform gives.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from bot.ops.result import Check

SLACK_API_URL = "https://slack.com/api/"
# The bot scopes deploy/slack/manifest.yaml asks for. Slack names the ones a token has in the
# X-OAuth-Scopes header of every answer; a scope added in an upgrade (files:write, for
# evidence) is missing until the app is reinstalled.
SLACK_SCOPES = (
    "app_mentions:read",
    "chat:write",
    "commands",
    "im:history",
    "im:write",
    "files:read",
    "files:write",
    "users:read",
    "users:read.email",
)
TEAMS_LOGIN_URL = "https://login.microsoftonline.com"
BOT_FRAMEWORK_TENANT = "botframework.com"
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"


def _post(url: str, data: bytes, headers: dict[str, str], timeout: float) -> tuple[int, Any]:
    status, body, _ = _post_with_headers(url, data, headers, timeout)
    return status, body


def _post_with_headers(
    url: str, data: bytes, headers: dict[str, str], timeout: float
) -> tuple[int, Any, Mapping[str, str]]:
    req = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        # Only the https URLs above reach here, never a URL from input.
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, body, answered = resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as exc:
        status, body, answered = exc.code, exc.read(), exc.headers
    try:
        return status, json.loads(body or b"null"), answered
    except ValueError:
        return status, None, answered


def _unreachable(name: str, url: str, exc: Exception, hosts: str) -> Check:
    return Check(
        name, False, f"cannot reach {url}: {type(exc).__name__}", f"allow outbound HTTPS to {hosts}"
    )


def reach_slack(env: Mapping[str, str], timeout: float) -> Check:
    token = env.get("SLACK_BOT_TOKEN", "").strip()
    base = env.get("SLACK_API_URL", "").strip() or SLACK_API_URL
    url = base.rstrip("/") + "/auth.test"
    if not token:
        return Check("Slack API", False, f"not tried ({url}): no SLACK_BOT_TOKEN", "set it first")
    try:
        status, body, answered = _post_with_headers(
            url,
            b"",
            {
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            timeout,
        )
    except (OSError, urllib.error.URLError) as exc:
        return _unreachable("Slack API", url, exc, "slack.com from this server (firewall / proxy)")
    if isinstance(body, dict) and body.get("ok"):
        team = body.get("team") or body.get("team_id") or "workspace"
        granted = answered.get("X-OAuth-Scopes")
        missing = [
            s
            for s in SLACK_SCOPES
            if granted is not None and s not in granted.replace(" ", "").split(",")
        ]
        if missing:
            return Check(
                "Slack API",
                False,
                f"{url} accepts the bot token ({team}) but the app lacks {', '.join(missing)}",
                "update the app's manifest from deploy/slack/manifest.yaml (App Manifest), then "
                "reinstall it to the workspace and copy the new Bot User OAuth Token",
            )
        return Check("Slack API", True, f"{url} accepts the bot token ({team})")
    error = body.get("error") if isinstance(body, dict) else f"HTTP {status}"
    return Check(
        "Slack API",
        False,
        f"{url} refused the bot token: {error}",
        "reinstall the app to the workspace and copy the new Bot User OAuth Token",
    )


def reach_teams(env: Mapping[str, str], timeout: float) -> Check:
    app_id = env.get("MicrosoftAppId", "").strip()
    password = env.get("MicrosoftAppPassword", "").strip()
    single = env.get("MicrosoftAppType", "").strip().lower() == "singletenant"
    tenant = env.get("MicrosoftAppTenantId", "").strip() if single else ""
    base = env.get("POLICYBOT_TEAMS_LOGIN_URL", "").strip() or TEAMS_LOGIN_URL
    url = f"{base.rstrip('/')}/{tenant or BOT_FRAMEWORK_TENANT}/oauth2/v2.0/token"
    if not app_id or not password:
        return Check(
            "Microsoft login", False, f"not tried ({url}): no Teams credentials", "set them first"
        )
    data = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": app_id,
            "client_secret": password,
            "scope": BOT_FRAMEWORK_SCOPE,
        }
    ).encode()
    try:
        status, body = _post(
            url, data, {"Content-Type": "application/x-www-form-urlencoded"}, timeout
        )
    except (OSError, urllib.error.URLError) as exc:
        return _unreachable(
            "Microsoft login", url, exc, "login.microsoftonline.com and *.botframework.com"
        )
    if status == 200 and isinstance(body, dict) and body.get("access_token"):
        return Check("Microsoft login", True, f"{url} issued a token for the bot")
    error = body.get("error") if isinstance(body, dict) else None
    return Check(
        "Microsoft login",
        False,
        f"{url} refused the bot's credentials: {error or f'HTTP {status}'}",
        "check MicrosoftAppId, create a new client secret for MicrosoftAppPassword, and for a "
        "single-tenant bot set MicrosoftAppType=SingleTenant and MicrosoftAppTenantId",
    )
