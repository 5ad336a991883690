"""Reports never wait for the handbook. The Slack server takes concerns, declarations and
acknowledgements the moment it is up, while the policies are still loading in the background
(a large folder, or a file that is only given up when its time budget runs out); /healthz
answers, a question gets "still loading the policies", and /policy-publish says the same
instead of timing out. Once the policies are in, questions are answered.

The handbook's reader is held at a gate the test opens, so "while loading" is a state the test
controls, never a race."""

from __future__ import annotations

import pytest

from bot.config import load_settings
from bot.handbook import STILL_LOADING, Handbook
from bot.reports.models import Actor
from bot.reports.service import ReportService
from bot.runtime import Runtime
from bot.store import Store
from handlers.slack.server import SlackServer
from tests.handbook_gate import Gate
from tests.slack.conftest import HEAD, STAFF
from tests.slack.harness import BOT_TOKEN, SIGNING_SECRET, SlackApp
from tests.slack.test_concerns import buttons, dm, notices_for, submit_concern
from tests.slack.test_declarations_and_home import declare

FRIEND = "Can I accept a friend request from a parent on Facebook?"


@pytest.fixture
def gate():
    gate = Gate()
    yield gate
    gate.opened.set()  # never leave the loader thread waiting


@pytest.fixture
def loading(fake, env, gate):
    """The real Slack app, attached as `serve slack` attaches it, its policies still loading."""
    settings = load_settings(env)
    store = Store.configured(settings)
    reports = ReportService(store, settings, backoff_base=0.05, backoff_cap=0.2)
    handbook = Handbook(settings.corpus_dir, settings.data_dir / "cache", reader=gate.reader)
    runtime = Runtime(settings, store, reports, embedder="none", handbook=handbook)
    server = SlackServer(token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=fake.base_url)
    server.attach(runtime)  # starts the background load
    assert gate.reading.wait(30)
    app = SlackApp(server=server, fake=fake).start()
    yield app
    app.stop()
    server.stop()
    runtime.close()


def answer_to(slack, question: str) -> str:
    before = len(slack.fake.calls_to("response_url"))
    assert slack.command("/policy", question).status == 200
    (reply,) = slack.fake.wait_for(lambda: slack.fake.calls_to("response_url")[before:])
    return str(reply.args)


def test_health_answers_while_the_policies_load(loading):
    health = loading.get("/healthz")
    assert health.status == 200
    assert health.json()["policies"] == "loading" and health.json()["answering"] is False
    ready = loading.get("/readyz")
    assert ready.status == 503 and "the policies are loading" in ready.json()["index"]["error"]


def test_a_concern_and_a_declaration_are_filed_and_acknowledged_while_the_policies_load(
    loading, gate
):
    runtime = loading.server.runtime
    resp = submit_concern(loading)
    assert resp.status == 200 and resp.json()["response_action"] == "update"
    notice = loading.fake.wait_for(lambda: notices_for(loading, HEAD))[0]
    reference = buttons(notice)[0]["value"]
    click = loading.click(HEAD, "acknowledge", reference, message=notice, channel=dm(HEAD))
    assert click.status == 200
    _, declared = declare(loading)
    assert declared.status == 200 and declared.json()["response_action"] == "update"
    loading.fake.wait_for(lambda: len(notices_for(loading, HEAD)) >= 2)

    assert not gate.opened.is_set() and runtime.loaded_assistant is None  # still loading
    mine = runtime.reports.list_for_submitter(Actor("slack", STAFF))
    assert sorted(s.kind for s in mine) == ["concern", "declaration"]
    assert {s.reference: s.status for s in mine}[reference] == "acknowledged"


def test_a_question_or_a_publish_is_told_the_policies_are_still_loading(loading, gate):
    reply = answer_to(loading, FRIEND)
    assert STILL_LOADING in reply
    assert "feedback_helpful" not in reply  # nothing to vote on
    loading.command("/policy-publish", user=HEAD)
    told = loading.fake.wait_for(lambda: loading.fake.posts_to(dm(HEAD)))
    assert STILL_LOADING in str(told[0].args)
    assert loading.fake.calls_to("views.open") == []

    gate.opened.set()
    assert loading.server.runtime.handbook.wait(60)
    assert "§6.xi" in answer_to(loading, FRIEND)


def test_a_folder_with_no_readable_policy_still_takes_reports(fake, env, tmp_path):
    """Policies that cannot be read no longer stop the service: /healthz names the problem, a
    question is told to tell the IT admin, and a concern is filed as ever."""
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "uniform.doc").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(512))
    runtime = Runtime.from_env(
        {**env, "POLICYBOT_CORPUS_DIR": str(folder)}, embedder="none", load_assistant=False
    )
    server = SlackServer(token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=fake.base_url)
    server.attach(runtime)
    assert runtime.handbook.wait(60)
    app = SlackApp(server=server, fake=fake).start()
    try:
        policies = app.get("/healthz").json()["policies"]
        assert policies.startswith("error: ") and "uniform.doc" in policies
        assert "Please tell the IT admin" in answer_to(app, FRIEND)
        assert submit_concern(app).json()["response_action"] == "update"
        assert len(runtime.reports.list_for_submitter(Actor("slack", STAFF))) == 1
    finally:
        app.stop()
        server.stop()
        runtime.close()
