"""Ops tests reuse the reports tests' school (config, key file, data dir, fake clock and
notifiers) and add a local HTTP server playing Slack's Web API and Microsoft's login."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from tests.reports.conftest import (  # noqa: F401 - fixtures re-exported for this package
    clock,
    open_service,
    school,
    service,
    settings,
    slack,
)

GOOD_SLACK_TOKEN = "xoxb-1111-2222-goodtokenvalue"
OLD_SCOPES_TOKEN = "xoxb-1111-2222-installedbeforefiles"  # valid, but without files:write
ALL_SCOPES = (
    "app_mentions:read,chat:write,commands,im:history,im:write,files:read,files:write,"
    "users:read,users:read.email"
)
GOOD_APP_ID = "11111111-2222-3333-4444-555555555555"
GOOD_APP_SECRET = "s3cret~teams~password~value"


class FakeChatApis(BaseHTTPRequestHandler):
    """POST /api/auth.test (Slack) and /<tenant>/oauth2/v2.0/token (Microsoft login)."""

    calls: list[str]

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        self.server.calls.append(self.path)  # type: ignore[attr-defined]
        if self.path == "/api/auth.test":
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            good = token in (GOOD_SLACK_TOKEN, OLD_SCOPES_TOKEN)
            reply = (
                {"ok": True, "team": "Hill Top"} if good else {"ok": False, "error": "invalid_auth"}
            )
            # Slack names a token's scopes in this header of every Web API answer
            scopes = (
                ALL_SCOPES if token == GOOD_SLACK_TOKEN else ALL_SCOPES.replace(",files:write", "")
            )
            self._json(200, reply, {"X-OAuth-Scopes": scopes} if good else {})
        elif self.path.endswith("/oauth2/v2.0/token"):
            form = {k: v[0] for k, v in parse_qs(body).items()}
            if (
                form.get("client_id") == GOOD_APP_ID
                and form.get("client_secret") == GOOD_APP_SECRET
            ):
                self._json(200, {"access_token": "eyJ-fake", "token_type": "Bearer"})
            else:
                self._json(401, {"error": "invalid_client", "error_description": "AADSTS7000215"})
        else:
            self._json(404, {"error": "not_found"})

    def _json(self, status: int, obj: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def chat_apis():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeChatApis)
    server.calls = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def deployed(school, chat_apis, monkeypatch):  # noqa: F811 - the imported fixture
    """A school set up for both platforms, with the chat APIs pointed at the fake server."""
    base = f"http://127.0.0.1:{chat_apis.server_address[1]}"
    # Everyone reachable on both platforms, so `check --platform all` can pass.
    config = Path(school["POLICYBOT_CONFIG"])
    text = config.read_text()
    for role, guid in (("chair_of_governors", "c"), ("safeguarding_lead", "d")):
        text = text.replace(
            f"[people.{role}]\n",
            f'[people.{role}]\nteams_user = "{guid * 8}-1111-2222-3333-444444444444"\n',
        )
    config.write_text(text)
    env = {
        **school,
        "SLACK_BOT_TOKEN": GOOD_SLACK_TOKEN,
        "SLACK_SIGNING_SECRET": "signing-secret-value",
        "SLACK_API_URL": f"{base}/api/",
        "MicrosoftAppId": GOOD_APP_ID,
        "MicrosoftAppPassword": GOOD_APP_SECRET,
        "MicrosoftAppType": "MultiTenant",
        "POLICYBOT_TEAMS_LOGIN_URL": base,
    }
    for name in ("SLACK_APP_TOKEN", "MicrosoftAppTenantId"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env
