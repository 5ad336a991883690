"""An urgent concern that no recipient can be reached for (all three Slack accounts refused for
good): it must not vanish. The reporter is told at once, without the text, to speak to someone
directly; nothing goes to anyone else; /readyz turns 503 with counts only; and the admin's list
of undelivered notices names the reference."""

from __future__ import annotations

from bot.cli import main as cli
from bot.reports.models import Actor
from tests.slack.conftest import CHAIR, DSL, HEAD, OTHER, STAFF
from tests.slack.test_concerns import SECRET_DETAIL, notices_for, submit_concern


def told_undeliverable(slack):
    return [
        m for m in notices_for(slack, STAFF) if "could not be delivered" in str(m.get("blocks"))
    ]


def test_an_urgent_concern_nobody_can_receive_is_never_silently_lost(
    slack, runtime, env, monkeypatch, capsys
):
    for user in (HEAD, DSL, CHAIR):
        slack.fake.refuse(user, "account_inactive")
    resp = submit_concern(slack, immediate_risk=True)
    assert resp.status == 200
    reference = runtime.reports.list_for_submitter(Actor("slack", STAFF))[0].reference

    told = slack.fake.wait_for(lambda: told_undeliverable(slack))
    for _ in range(3):
        runtime.reports.deliver_due()
    told = told_undeliverable(slack)
    assert told and all(SECRET_DETAIL not in str(m["blocks"]) for m in told)
    assert any("directly" in str(m["blocks"]) for m in told)
    for someone in (HEAD, DSL, CHAIR, OTHER):
        assert notices_for(slack, someone) == []

    ready = slack.get_with("/readyz", {"X-Forwarded-For": "203.0.113.9"})
    assert ready.status == 503
    assert ready.json()["outbox"]["undelivered"] >= 2
    assert reference not in ready.text

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("bot.logs.configure_logging", lambda **_: None)
    capsys.readouterr()
    assert cli(["reports", "--as", "safeguarding_lead", "undelivered"]) == 1
    listed = capsys.readouterr().out
    assert reference in listed and SECRET_DETAIL not in listed
