"""Run the real Slack app (bolt behind our aiohttp server) on loopback and talk to it the way
Slack does: signed form posts for commands and interactions, signed JSON for events."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from handlers.slack.server import SlackServer
from tests.slack.fake_slack import TEAM_ID, FakeSlack

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-test-token"

_ids = itertools.count(1)


def sign(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict:
    """Headers exactly as Slack sends them: v0=HMAC-SHA256(secret, "v0:{ts}:{body}")."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = f"v0:{ts}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


class LoopThread:
    """An asyncio loop in a daemon thread, for serving the aiohttp app while tests block."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Any, timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        async def drain() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        self.run(drain())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@dataclass
class Response:
    status: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


@dataclass
class SlackApp:
    """The app under test plus the fake Slack it talks to."""

    server: SlackServer
    fake: FakeSlack
    secret: str = SIGNING_SECRET
    url: str = ""
    team: str = TEAM_ID  # the workspace requests come from (a trust serves several)
    _loop: LoopThread | None = field(default=None, repr=False)
    _runner: web.AppRunner | None = field(default=None, repr=False)

    def start(self) -> SlackApp:
        self._loop = LoopThread()

        async def up() -> str:
            self._runner = web.AppRunner(self.server.web_app(), access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            host, port = self._runner.addresses[0][:2]
            return f"http://{host}:{port}"

        self.url = self._loop.run(up())
        return self

    def workspace(self, team: str) -> SlackApp:
        """The same app, as seen from another workspace (a trust's other school)."""
        return replace(self, team=team)

    def stop(self) -> None:
        if self._loop is not None:
            if self._runner is not None:
                self._loop.run(self._runner.cleanup())
            self._loop.stop()

    # ---- raw HTTP ---------------------------------------------------------------------------
    def post(
        self,
        body: str,
        content_type: str,
        *,
        headers: dict | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
        path: str = "/slack/events",
    ) -> Response:
        all_headers = {"Content-Type": content_type, **sign(body, secret or self.secret, timestamp)}
        all_headers.update(headers or {})
        req = urllib.request.Request(
            self.url + path, data=body.encode(), headers=all_headers, method="POST"
        )
        return _open(req)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return _open(urllib.request.Request(self.url + path, headers=headers or {}))

    def get_with(self, path: str, headers: dict[str, str]) -> Response:
        return _open(urllib.request.Request(self.url + path, headers=headers))

    # ---- what Slack sends -------------------------------------------------------------------
    def command(self, command: str, text: str = "", user: str = "U0STAFF", channel="C0STAFFROOM"):
        n = next(_ids)
        response_url = self.fake.response_url(f"cmd{n}")
        form = {
            "token": "legacy",
            "team_id": self.team,
            "team_domain": "school",
            "channel_id": channel,
            "channel_name": "staffroom",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0POLICY",
            "response_url": response_url,
            "trigger_id": f"trigger.{n}",
        }
        resp = self.post(urlencode(form), "application/x-www-form-urlencoded")
        resp.response_url = response_url  # type: ignore[attr-defined]
        return resp

    def event(self, event: dict, *, event_id: str | None = None, retry_num: int | None = None):
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": self.team,
                "api_app_id": "A0POLICY",
                "type": "event_callback",
                "event_id": event_id or f"Ev{next(_ids):08d}",
                "event_time": int(time.time()),
                "authorizations": [{"team_id": self.team, "user_id": "UBOT", "is_bot": True}],
                "event": event,
            }
        )
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(body, "application/json", headers=headers)

    def interact(self, payload: dict) -> Response:
        payload = {
            "team": {"id": self.team},
            "api_app_id": "A0POLICY",
            "token": "legacy",
            **payload,
        }
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded")

    def click(
        self,
        user: str,
        action_id: str,
        value: str,
        *,
        message: dict | None = None,
        channel: str | None = None,
        ephemeral: bool = False,
        in_home: bool = False,
    ) -> Response:
        n = next(_ids)
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "name": user.lower()},
            "trigger_id": f"trigger.{n}",
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "x",
                    "value": value,
                    "action_ts": str(time.time()),
                }
            ],
        }
        if in_home:
            payload["container"] = {"type": "view", "view_id": "VHOME"}
            payload["view"] = {"id": "VHOME", "type": "home", "blocks": []}
        else:
            payload["response_url"] = self.fake.response_url(f"act{n}")
            payload["channel"] = {"id": channel}
            payload["container"] = {
                "type": "message",
                "channel_id": channel,
                "is_ephemeral": ephemeral,
                "message_ts": (message or {}).get("ts", "1.0"),
            }
            if message is not None and not ephemeral:
                payload["message"] = message
        resp = self.interact(payload)
        resp.response_url = payload.get("response_url")  # type: ignore[attr-defined]
        return resp

    def submit(
        self, user: str, view: dict, answers: dict[str, Any], view_id: str | None = None
    ) -> Response:
        """Submit a modal the app opened, filled in with ``answers`` (block_id → value). Slack
        gives every opened modal its own id; pass ``view_id`` to submit the same modal again."""
        view_id = view_id or f"VMODAL{next(_ids)}"
        submitted = {**view, "id": view_id, "state": {"values": fill(view, answers)}}
        return self.interact(
            {
                "type": "view_submission",
                "user": {"id": user, "username": user.lower(), "name": user.lower()},
                "trigger_id": f"trigger.{next(_ids)}",
                "view": submitted,
            }
        )


def fill(view: dict, answers: dict[str, Any]) -> dict:
    """The ``state.values`` Slack would send for a modal with these answers."""
    values: dict[str, dict] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        kind, action_id = element["type"], element["action_id"]
        answer = answers.get(block["block_id"])
        state: dict[str, Any] = {"type": kind}
        if kind in ("plain_text_input", "url_text_input"):
            state["value"] = answer
        elif kind == "static_select":
            state["selected_option"] = {"value": answer} if answer else None
        elif kind == "checkboxes":
            state["selected_options"] = [{"value": "yes"}] if answer else []
        elif kind == "datepicker":
            state["selected_date"] = answer
        elif kind == "file_input":
            state["files"] = list(answer or [])
        values[block["block_id"]] = {action_id: state}
    return values


def _open(req: urllib.request.Request) -> Response:
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return Response(resp.status, resp.read().decode())
    except urllib.error.HTTPError as err:
        return Response(err.code, err.read().decode())
