"""deploy/slack/manifest.yaml creates an app that matches what the code listens for."""

from __future__ import annotations

import re
from pathlib import Path

MANIFEST = Path(__file__).resolve().parents[2] / "deploy" / "slack" / "manifest.yaml"


def _list_after(text: str, key: str) -> list[str]:
    """The YAML list items directly under ``key:`` (the manifest is plain block style)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == f"{key}:")
    indent = len(lines[start]) - len(lines[start].lstrip())
    items = []
    for line in lines[start + 1 :]:
        stripped = line.strip()
        if not stripped or len(line) - len(line.lstrip()) <= indent:
            break
        if stripped.startswith("- "):
            items.append(stripped[2:].split("#")[0].strip())
    return items


def test_manifest_declares_the_commands_events_and_scopes_the_app_uses():
    text = MANIFEST.read_text()
    commands = re.findall(r"- command: (\S+)", text)
    assert commands == ["/policy", "/report-concern", "/declare-relationship", "/policy-publish"]
    assert set(_list_after(text, "bot_events")) == {"app_home_opened", "app_mention", "message.im"}
    scopes = set(_list_after(text, "bot"))
    assert {"chat:write", "commands", "im:history", "im:write", "app_mentions:read"} <= scopes
    assert "users:read" in scopes  # users.list: who is staff for a policy round
    assert {"files:read", "files:write"} <= scopes  # evidence: fetched, then put in the DMs
    from bot.ops.reach import SLACK_SCOPES

    assert set(SLACK_SCOPES) == scopes  # what `policybot check` asks the token for
    assert "channels:history" not in scopes  # the app never reads channels
    urls = set(re.findall(r"(?:url|request_url): (\S+)", text))
    assert urls == {"https://policybot.example.sch.uk/slack/events"}
    assert "socket_mode_enabled: false" in text and "SLACK_APP_TOKEN" in text
    assert "home_tab_enabled: true" in text and "is_enabled: true" in text
