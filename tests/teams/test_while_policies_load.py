"""Reports never wait for the handbook: the Teams app, started as `serve teams` starts it, takes
concerns and acknowledgements while its policies are still loading in the background; /healthz
answers, and a question or `publish` is told the policies are still loading. Once they are in,
questions are answered. The handbook's reader is held at a gate the test opens."""

from __future__ import annotations

import pytest

from bot.config import load_settings
from bot.handbook import STILL_LOADING, Handbook
from bot.reports.models import Actor
from bot.reports.service import ReportService
from bot.runtime import Runtime
from bot.store import Store
from tests.handbook_gate import Gate
from tests.teams.conftest import HEAD, TEACHER
from tests.teams.test_reports import concern, submit, to, wait_sent

FRIEND = "Can I accept a friend request from a parent on Facebook?"


@pytest.fixture
def gate():
    gate = Gate()
    yield gate
    gate.opened.set()  # never leave the loader thread waiting


@pytest.fixture
def loading(start_bot, teams_env, gate):
    settings = load_settings(teams_env)
    store = Store(settings.db_path, settings.key, key_source=settings.key_source)
    reports = ReportService(store, settings, backoff_base=0.05, backoff_cap=0.5)
    handbook = Handbook(settings.corpus_dir, settings.data_dir / "cache", reader=gate.reader)
    runtime = Runtime(settings, store, reports, embedder="none", handbook=handbook)
    teams = start_bot(runtime=runtime)  # the app's start-up begins loading the policies
    assert gate.reading.wait(30)
    for user in (HEAD, TEACHER):
        teams.client.send(teams.client.install(user))
    teams.connector.wait_for(lambda calls: all(to(u)(calls) for u in (HEAD, TEACHER)))
    return teams


def reply_to(teams, user, text=None, value=None):
    """Send one message (or card submit) in ``user``'s 1:1 chat; the bot's reply to it."""
    before = len(to(user)(teams.connector.sent()))
    teams.client.send(teams.client.personal(user, text, value))
    calls = teams.connector.wait_for(lambda calls: len(to(user)(calls)) > before)
    return to(user)(calls)[before]


def test_health_answers_while_the_policies_load(loading):
    health = loading.client.healthz()
    assert health["policies"] == "loading" and health["answering"] is False


def test_a_concern_is_filed_and_acknowledged_while_the_policies_load(loading, gate):
    reference = submit(loading, TEACHER, concern())
    wait_sent(loading, reference, {"headteacher"})
    said = reply_to(loading, HEAD, value={"action": "acknowledge", "reference": reference})
    assert "acknowledged" in said.text.lower()
    assert not gate.opened.is_set() and loading.runtime.loaded_assistant is None
    (mine,) = loading.runtime.reports.list_for_submitter(Actor("teams", TEACHER.aad))
    assert mine.status == "acknowledged"


def test_a_question_or_a_publish_is_told_the_policies_are_still_loading(loading, gate):
    answer = reply_to(loading, TEACHER, FRIEND)
    assert STILL_LOADING in answer.text
    assert not [a for a in answer.submit_actions() if a["data"]["action"] == "feedback"]
    assert STILL_LOADING in reply_to(loading, HEAD, "publish").card_text()

    gate.opened.set()
    assert loading.runtime.handbook.wait(60)
    assert "6.xi" in reply_to(loading, TEACHER, FRIEND).text
