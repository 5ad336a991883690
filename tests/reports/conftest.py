"""A school with three configured people, a real SQLite file per test, a fake clock and fake
notifiers standing in for Slack's and Microsoft's servers."""

from __future__ import annotations

import contextlib
import importlib.util
import threading
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet

import bot.cli
from bot.config import load_settings
from bot.errors import PermanentDeliveryError, RecipientUnreachable
from bot.reports.models import Actor, Address, Notice
from bot.reports.service import ReportService
from bot.store import Store

HEAD = Actor("slack", "U0HEAD001", "Kate Baskeyfield")
CHAIR = Actor("slack", "U0CHAIR01", "Colin Chair")
DSL = Actor("slack", "U0DSL0001", "Dee Lead")
STAFF = Actor("slack", "U0STAFF01", "Sam Teacher")
STAFF_TEAMS = Actor("teams", "aaaaaaaa-1111-2222-3333-444444444444", "Tara Teams")
STRANGER = Actor("slack", "U0OTHER01", "Nosy Parker")
HEAD_TEAMS_ID = "bbbbbbbb-1111-2222-3333-444444444444"

CONFIG = f"""
[school]
name = "Hill Top Primary"

[people.headteacher]
name = "Kate Baskeyfield"
slack_user = "{HEAD.user_id}"
teams_user = "{HEAD_TEAMS_ID}"

[people.chair_of_governors]
name = "Colin Chair"
slack_user = "{CHAIR.user_id}"

[people.safeguarding_lead]
name = "Dee Lead"
slack_user = "{DSL.user_id}"
"""


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> datetime:
        self.now += timedelta(**kw)
        return self.now


class Crash(BaseException):
    """The process dying: not an Exception, so nothing in the service catches it."""


class FakeNotifier:
    """Plays the chat platform. Dedupes on the idempotency key like a careful notifier.

    fail_first: raise this many times before working; error: what to raise;
    deliver_then: raise this *after* the message reached the person (a timeout after
    success, or a crash before the service could mark it sent); unreachable: user ids not
    reachable yet; refused: user id -> the platform's reason it can never reach them."""

    def __init__(self, platform: str = "slack", *, fail_first: int = 0, error=ConnectionError,
                 deliver_then=None, unreachable=(), refused=None):  # fmt: skip
        self.platform = platform
        self.fail_first = fail_first
        self.error = error
        self.deliver_then = deliver_then
        self.unreachable = set(unreachable)
        self.refused: dict[str, str] = dict(refused or {})
        self.calls: list[str] = []  # idempotency keys, one per send() call
        self.delivered: dict[str, tuple[Address, Notice]] = {}  # what people actually got
        self._lock = threading.Lock()

    def send(self, to: Address, notice: Notice, idempotency_key: str) -> None:
        with self._lock:
            self.calls.append(idempotency_key)
            if to.user_id in self.unreachable:
                raise RecipientUnreachable(to.user_id)
            if to.user_id in self.refused:
                raise PermanentDeliveryError(self.refused[to.user_id])
            if self.fail_first > 0:
                self.fail_first -= 1
                raise self.error("platform unavailable")
            if idempotency_key not in self.delivered:
                self.delivered[idempotency_key] = (to, notice)
            if self.deliver_then is not None:
                error, self.deliver_then = self.deliver_then, None
                raise error

    def inbox(self, user_id: str) -> list[Notice]:
        return [n for to, n in self.delivered.values() if to.user_id == user_id]


@pytest.fixture
def school(tmp_path, monkeypatch):
    """Environment for a configured school; also set in os.environ for the CLI."""
    config = tmp_path / "policybot.toml"
    config.write_text(CONFIG)
    key_file = tmp_path / "secrets" / "policybot.key"
    key_file.parent.mkdir()
    key_file.write_text(Fernet.generate_key().decode())
    env = {
        "POLICYBOT_CONFIG": str(config),
        "POLICYBOT_DATA_DIR": str(tmp_path / "data"),
        "POLICYBOT_KEY_FILE": str(key_file),
    }
    for name in ("POLICYBOT_KEY", "POLICYBOT_MODEL", "POLICYBOT_CORPUS_DIR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # Only the CLI modules that exist yet (others are being written in parallel).
    monkeypatch.setattr(
        bot.cli,
        "COMMAND_MODULES",
        [m for m in bot.cli.COMMAND_MODULES if importlib.util.find_spec(m) is not None],
    )
    return env


@pytest.fixture
def settings(school):
    return load_settings(school)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def open_service(settings, clock):
    """open_service() -> a new ReportService on the same database file (a "restart")."""
    opened: list[Store] = []

    def make(**kw) -> ReportService:
        store = Store(settings.db_path, settings.key, key_source=settings.key_source)
        opened.append(store)
        return ReportService(store, settings, clock=kw.pop("clock", clock), **kw)

    yield make
    for store in opened:
        with contextlib.suppress(Exception):
            store.close()


@pytest.fixture
def service(open_service):
    return open_service()


@pytest.fixture
def slack(service):
    notifier = FakeNotifier("slack")
    service.register_notifier(notifier)
    return notifier


def later(clock: FakeClock, hours: float = 1) -> datetime:
    """Far enough ahead for any backoff or lease to have expired."""
    return clock.advance(hours=hours)
