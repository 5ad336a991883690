"""Harness for the Teams tests: the real CloudAdapter app behind a real aiohttp server on
127.0.0.1, a fake Bot Connector as the ``serviceUrl``, a real SQLite data dir and a test config.

Both servers run on one asyncio loop in a background thread (as in production, the reports
delivery worker is another thread); tests talk to the bot over HTTP with ``requests``, the way
Teams does.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from aiohttp import web
from cryptography.fernet import Fernet

from handlers.teams.server import TeamsAuth, create_app
from tests.clocks import running_from
from tests.teams.fake_connector import Call, FakeConnector

TENANT = "72f988bf-0000-4000-8000-00000000a001"
BOT_ID = "28:4a1b2c3d-0000-4000-8000-00000000b07"
BOT_NAME = "PolicyBot"


@dataclass(frozen=True)
class User:
    name: str
    aad: str  # Azure AD object id (what config's teams_user holds)
    teams_id: str  # the bot-scoped "29:…" id

    @property
    def personal_conversation(self) -> str:
        return f"a:personal-{self.teams_id[3:]}"


HEAD = User("Kate Baskeyfield", "3f2b7c1e-8a4d-4c61-9a7e-2b1f0c9d8e77", "29:1head-AbCdEf")
CHAIR = User("Elizabeth Dunstan", "0c1d2e3f-1111-4222-8333-444455556666", "29:1chair-GhIjKl")
DSL = User("Sam Patel", "9a8b7c6d-2222-4333-8444-555566667777", "29:1dsl-MnOpQr")
TEACHER = User("Tom Reed", "11112222-3333-4444-8555-666677778888", "29:1teacher-StUvWx")
OTHER = User("Ann Other", "aaaabbbb-cccc-4ddd-8eee-ffff00001111", "29:1other-YzAbCd")

CONFIG = f"""
[school]
name = "Hill Top Primary"

[people.headteacher]
name = "{HEAD.name}"
teams_user = "{HEAD.aad}"

[people.chair_of_governors]
name = "{CHAIR.name}"
teams_user = "{CHAIR.aad}"

[people.safeguarding_lead]
name = "{DSL.name}"
teams_user = "{DSL.aad}"
"""


class LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro, timeout: float = 60.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


async def _start(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


@pytest.fixture(scope="session")
def loop_thread() -> Iterator[LoopThread]:
    lt = LoopThread()
    yield lt
    lt.close()


@pytest.fixture
def connector(loop_thread: LoopThread) -> Iterator[FakeConnector]:
    fake = FakeConnector()
    runner, url = loop_thread.run(_start(fake.app()))
    fake.url = url  # type: ignore[attr-defined]
    yield fake
    loop_thread.run(runner.cleanup())


@pytest.fixture
def teams_env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "policybot.toml"
    config.write_text(CONFIG)
    return {
        "POLICYBOT_CONFIG": str(config),
        "POLICYBOT_DATA_DIR": str(tmp_path / "data"),
        "POLICYBOT_KEY": Fernet.generate_key().decode(),
    }


def make_runtime(env: dict[str, str]):
    """The real runtime (settings, encrypted SQLite store, report service, BM25-only assistant),
    with the outbox's retry backoff shortened from seconds to milliseconds so connector-outage
    tests finish quickly."""
    from bot.config import load_settings
    from bot.reports.service import ReportService
    from bot.runtime import Runtime
    from bot.store import Store

    settings = load_settings(env)
    store = Store(settings.db_path, settings.key, key_source=settings.key_source)
    reports = ReportService(
        store, settings, clock=running_from(), backoff_base=0.05, backoff_cap=0.5
    )  # a fixed calendar: tests/clocks.py
    runtime = Runtime(settings, store, reports, embedder="none")
    runtime.assistant  # noqa: B018 - load the index now, as Runtime.from_env does for serve
    return runtime


class TeamsClient:
    """Posts Activities shaped like the ones Teams sends."""

    def __init__(self, url: str, service_url: str, app: web.Application) -> None:
        self.url = url
        self.service_url = service_url
        self.app = app
        self._ids = itertools.count(1)
        self.session = requests.Session()

    # --- activity shapes --------------------------------------------------------------------

    def _base(self, user: User, conversation: dict, **extra: Any) -> dict:
        return {
            "type": "message",
            "id": f"1700000000{next(self._ids):06d}",
            "timestamp": "2026-11-25T09:00:00.000Z",
            "localTimestamp": "2026-11-25T09:00:00.000+00:00",
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": {"id": user.teams_id, "name": user.name, "aadObjectId": user.aad},
            "conversation": conversation,
            "recipient": {"id": BOT_ID, "name": BOT_NAME},
            "locale": "en-GB",
            "channelData": {"tenant": {"id": TENANT}},
            **extra,
        }

    def personal_conversation(self, user: User) -> dict:
        return {
            "conversationType": "personal",
            "tenantId": TENANT,
            "id": user.personal_conversation,
        }

    def personal(self, user: User, text: str | None = None, value: dict | None = None) -> dict:
        activity = self._base(user, self.personal_conversation(user), textFormat="plain")
        if text is not None:
            activity["text"] = text
        if value is not None:
            activity["value"] = value
            activity["replyToId"] = "1:card-message-id"
        return activity

    def channel(self, user: User, text: str, *, mention: bool = True) -> dict:
        thread = "19:4f5e6d7c8b9a@thread.tacv2"
        conversation = {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": TENANT,
            "id": f"{thread};messageid=1700000000000111",
        }
        entities = []
        if mention:
            at = f"<at>{BOT_NAME}</at>"
            text = f"{at} {text}"
            entities.append(
                {"type": "mention", "text": at, "mentioned": {"id": BOT_ID, "name": BOT_NAME}}
            )
        entities.append(
            {"type": "clientInfo", "locale": "en-GB", "country": "GB", "platform": "Web"}
        )
        activity = self._base(user, conversation, text=text, textFormat="plain", entities=entities)
        activity["channelData"] = {
            "teamsChannelId": thread,
            "teamsTeamId": "19:team-general@thread.tacv2",
            "channel": {"id": thread},
            "team": {"id": "19:team-general@thread.tacv2"},
            "tenant": {"id": TENANT},
        }
        return activity

    def group_chat(self, user: User, text: str) -> dict:
        at = f"<at>{BOT_NAME}</at>"
        conversation = {
            "isGroup": True,
            "conversationType": "groupChat",
            "tenantId": TENANT,
            "id": "19:meeting_group_chat@thread.v2",
        }
        entities = [{"type": "mention", "text": at, "mentioned": {"id": BOT_ID, "name": BOT_NAME}}]
        return self._base(user, conversation, text=f"{at} {text}", entities=entities)

    def install(self, user: User) -> dict:
        """conversationUpdate Teams sends when a user adds the app in personal scope."""
        activity = self._base(user, self.personal_conversation(user))
        activity["type"] = "conversationUpdate"
        activity["membersAdded"] = [{"id": BOT_ID}]
        activity.pop("locale", None)
        return activity

    def team_install(self, installer: User, members: list[User]) -> dict:
        thread = "19:team-general@thread.tacv2"
        conversation = {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": TENANT,
            "id": thread,
        }
        activity = self._base(installer, conversation)
        activity["type"] = "conversationUpdate"
        activity["membersAdded"] = [{"id": BOT_ID}] + [
            {"id": m.teams_id, "aadObjectId": m.aad} for m in members
        ]
        activity["channelData"] = {
            "team": {"id": thread, "name": "Staff"},
            "eventType": "teamMemberAdded",
            "tenant": {"id": TENANT},
        }
        return activity

    # --- HTTP --------------------------------------------------------------------------------

    def post(self, activity: dict | str | bytes, headers: dict | None = None) -> requests.Response:
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        if isinstance(activity, dict):
            return self.session.post(
                f"{self.url}/api/messages", json=activity, headers=hdrs, timeout=60
            )
        return self.session.post(
            f"{self.url}/api/messages", data=activity, headers=hdrs, timeout=60
        )

    def send(self, activity: dict) -> requests.Response:
        response = self.post(activity)
        assert response.status_code in (200, 201, 202), (response.status_code, response.text)
        return response

    def healthz(self) -> dict:
        response = self.session.get(f"{self.url}/healthz", timeout=30)
        assert response.status_code == 200
        return response.json()


@dataclass
class BotServer:
    runtime: Any
    client: TeamsClient
    connector: FakeConnector
    runner: web.AppRunner
    loop_thread: LoopThread
    stopped: bool = False

    def app_references(self):
        """The app's store of conversation references (who the bot can message, and where)."""
        from handlers.teams.server import REFERENCES_KEY

        return self.client.app[REFERENCES_KEY]

    def stop(self) -> None:
        """Shut the app down (delivery worker stopped, files closed), as on a restart."""
        if not self.stopped:
            self.stopped = True
            self.loop_thread.run(self.runner.cleanup())
            self.client.session.close()
            self.runtime.close()


@pytest.fixture
def start_bot(loop_thread: LoopThread, connector: FakeConnector, teams_env: dict[str, str]):
    started: list[BotServer] = []

    def start(auth: TeamsAuth | None = None, runtime: Any = None) -> BotServer:
        runtime = runtime if runtime is not None else make_runtime(teams_env)

        async def go():
            auth_ = auth or TeamsAuth()
            app = create_app(runtime, auth_, local_testing=not auth_.enabled)
            runner, url = await _start(app)
            return app, runner, url

        app, runner, url = loop_thread.run(go())
        client = TeamsClient(url, connector.url, app)
        server = BotServer(runtime, client, connector, runner, loop_thread)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def teams(start_bot) -> BotServer:
    """The bot with auth off (empty app id and password), as in local testing."""
    return start_bot()


def open_chats(teams: BotServer, *users: User) -> None:
    """Each of ``users`` opens a 1:1 chat with the bot (adds the app); the welcome cards it sends
    them are waited for, then cleared from the connector's record."""
    for user in users:
        teams.client.send(teams.client.install(user))
    teams.connector.wait_for(lambda calls: len(calls) >= len(users))  # the welcome cards
    teams.connector.clear()


def say(teams: BotServer, user: User, text: str | None = None, value: dict | None = None) -> Call:
    """Send one message (or card submit) in ``user``'s 1:1 chat; return the bot's reply to it."""
    activity = teams.client.personal(user, text, value)
    teams.client.send(activity)
    calls = teams.connector.wait_for(
        lambda calls: [c for c in calls if c.reply_to_id == activity["id"]]
    )
    (reply,) = [c for c in calls if c.reply_to_id == activity["id"]]
    return reply


def shown(reply: Call) -> str:
    """What a reader sees on the card: its text blocks, markdown escapes removed."""
    return re.sub(r"\\(.)", r"\1", "\n".join(reply.text_blocks()))


def new_id() -> str:
    return str(uuid.uuid4())
