"""The HTTP surface: Slack's signature check (401 for bad or stale), /healthz, url_verification,
and `policybot serve slack` refusing to start without its secrets."""

from __future__ import annotations

import argparse
import json
import time
from urllib.parse import urlencode

import pytest

from handlers.slack.server import SlackServer, serve
from tests.slack.conftest import STAFF
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import BOT_TOKEN, SIGNING_SECRET, SlackApp, sign


def command(slack) -> str:
    return urlencode(
        {
            "command": "/policy",
            "text": "Can I accept a friend request from a parent?",
            "user_id": STAFF,
            "channel_id": "C0STAFFROOM",
            "team_id": "T0SCHOOL",
            "response_url": slack.fake.response_url("signed"),
            "trigger_id": "t",
        }
    )


FORM = "application/x-www-form-urlencoded"


def test_a_bad_signature_gets_401_and_does_nothing(slack):
    assert slack.post(command(slack), FORM, secret="not-the-signing-secret").status == 401
    assert slack.fake.calls_to("response_url") == []


def test_a_stale_timestamp_gets_401(slack):
    six_minutes_ago = int(time.time()) - 6 * 60
    assert slack.post(command(slack), FORM, timestamp=six_minutes_ago).status == 401


def test_a_tampered_body_gets_401(slack):
    headers = {"X-Slack-Signature": "v0=" + "0" * 64}
    assert slack.post(command(slack), FORM, headers=headers).status == 401


def test_a_correctly_signed_request_is_accepted(slack):
    assert slack.post(command(slack), FORM).status == 200
    slack.fake.wait_for(lambda: slack.fake.calls_to("response_url"))


def test_url_verification_echoes_the_challenge(slack):
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"})
    resp = slack.post(body, "application/json")
    assert resp.status == 200 and resp.json() == {"challenge": "abc123"}


def test_healthz_reports_ready_with_details(slack):
    resp = slack.get("/healthz")
    assert resp.status == 200
    body = resp.json()
    assert body["status"] == "ok" and body["answering"] is True
    assert body["dense_ready"] is False and body["retrieval"].startswith("bm25")
    assert body["deliveries"] == "running"
    assert BOT_TOKEN not in resp.text and SIGNING_SECRET not in resp.text


def test_readyz_reports_index_database_and_outbox(slack):
    resp = slack.get("/readyz")
    assert resp.status == 200, resp.text
    body = resp.json()
    assert body["status"] == "ready"
    assert body["index"]["clauses"] > 70 and body["database"]["writable"] is True
    assert body["outbox"]["stuck"] == 0 and body["outbox"]["platforms"] == ["slack"]
    assert BOT_TOKEN not in resp.text


def test_before_the_runtime_is_loaded_health_and_events_say_503():
    fake = FakeSlack()
    fake.start()
    server = SlackServer(token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=fake.base_url)
    app = SlackApp(server=server, fake=fake).start()
    try:
        assert app.get("/healthz").status == 503
        assert app.get("/healthz").json() == {"status": "starting"}
        assert app.get("/readyz").status == 503
        assert app.post(command(app), FORM).status == 503
    finally:
        app.stop()
        fake.stop()


def test_serve_names_each_missing_variable_and_exits_2(capsys):
    args = argparse.Namespace(host="127.0.0.1", port=0, socket=False)
    assert serve(args, env={}) == 2
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN" in err and "SLACK_SIGNING_SECRET" in err

    socket = argparse.Namespace(host="127.0.0.1", port=0, socket=True)
    assert serve(socket, env={"SLACK_BOT_TOKEN": "xoxb-1"}) == 2
    err = capsys.readouterr().err
    assert "SLACK_APP_TOKEN" in err and "xoxb-1" not in err


def test_socket_mode_serves_only_health_and_readiness_over_http(fake, runtime):
    server = SlackServer(token=BOT_TOKEN, signing_secret="", api_url=fake.base_url, socket=True)
    server.attach(runtime)
    app = SlackApp(server=server, fake=fake).start()
    try:
        assert app.get("/healthz").status == 200
        assert app.get("/readyz").status == 200
        body = command(app)
        # signed with the empty key an unset SLACK_SIGNING_SECRET would give, or a real one
        for headers in (sign(body, secret=""), sign(body)):
            assert app.post(body, FORM, headers=headers).status == 404
        assert fake.calls_to("response_url") == []
    finally:
        app.stop()
        server.stop()


def test_an_empty_signing_secret_is_refused_rather_than_used_as_a_key():
    from slack_sdk.signature import SignatureVerifier

    with pytest.raises(ValueError, match="signing_secret must not be empty"):
        SignatureVerifier("")  # the slack-sdk floor in pyproject.toml guarantees this
    with pytest.raises(ValueError, match="signing_secret must not be empty"):
        SlackServer(token=BOT_TOKEN, signing_secret="  ")


@pytest.mark.parametrize(
    "body, content_type",
    [
        ("{not json", "application/json"),
        ("[1, 2]", "application/json"),
        ("[" * 100_000 + "]" * 100_000, "application/json"),  # RecursionError in json.loads
        ("payload=%7Bnot+json", FORM),
        ("payload=" + "%5B" * 100_000, FORM),
    ],
)
def test_a_signed_but_malformed_body_gets_400_not_500(slack, body, content_type):
    assert slack.post(body, content_type).status == 400
    assert slack.fake.calls == []


def test_a_timestamp_that_is_not_a_number_gets_401(slack):
    body = command(slack)
    assert slack.post(body, FORM, headers={"X-Slack-Request-Timestamp": "soon"}).status == 401
