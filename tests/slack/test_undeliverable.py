"""When Slack says a notice can never reach the person (deleted or deactivated user, a bot's id,
a revoked token), the bot stops retrying, tells the reporter in their DM at once, sends an urgent
concern to the next role, and /readyz turns 503 until someone deals with it."""

from __future__ import annotations

import pytest

from bot.reports.models import Actor
from tests.slack.conftest import CHAIR, DSL, HEAD, STAFF
from tests.slack.test_concerns import SECRET_DETAIL, dm, notices_for, submit_concern


def attempts_to_reach(slack, user: str) -> int:
    opens = [c for c in slack.fake.calls_to("conversations.open") if c.args.get("users") == user]
    return len(opens)


def told_undeliverable(slack):
    return [
        m for m in notices_for(slack, STAFF) if "could not be delivered" in str(m.get("blocks"))
    ]


@pytest.mark.parametrize(
    "error", ["user_not_found", "account_inactive", "cannot_dm_bot", "invalid_auth"]
)
def test_slack_refusing_the_head_for_good_tells_the_reporter_at_once(slack, runtime, error):
    slack.fake.refuse(HEAD, error)
    submit_concern(slack)
    reference = runtime.reports.list_for_submitter(Actor("slack", STAFF))[0].reference

    (told,) = slack.fake.wait_for(lambda: told_undeliverable(slack))
    text = str(told["blocks"])
    assert f"{reference} could not be delivered to the Headteacher" in text
    assert "speak to the Headteacher directly" in text
    assert SECRET_DETAIL not in text and error not in text

    for _ in range(3):  # however often the outbox runs, the head is not tried again
        runtime.reports.deliver_due()
    assert attempts_to_reach(slack, HEAD) == 1
    head = runtime.reports.delivery_status(reference)[0]
    assert head.status == "failed" and error in head.last_error

    ready = slack.get("/readyz")
    assert ready.status == 503
    assert ready.json()["outbox"]["undelivered"] == 1


def test_an_urgent_concern_slack_cannot_deliver_to_the_head_goes_to_the_chair(slack, runtime):
    slack.fake.refuse(HEAD, "account_inactive")
    submit_concern(slack, immediate_risk=True)

    (to_chair,) = slack.fake.wait_for(lambda: notices_for(slack, CHAIR))
    assert SECRET_DETAIL in str(to_chair["blocks"])
    assert "could not be delivered to the Headteacher in time" in str(to_chair["blocks"])
    assert len(slack.fake.wait_for(lambda: notices_for(slack, DSL))) == 1
    assert notices_for(slack, HEAD) == []


def test_a_concern_about_the_head_is_never_escalated_to_the_head(slack, runtime):
    slack.fake.refuse(CHAIR, "user_not_found")
    submit_concern(slack, about_headteacher=True, immediate_risk=True)

    slack.fake.wait_for(lambda: told_undeliverable(slack))
    slack.fake.wait_for(lambda: notices_for(slack, DSL))
    runtime.reports.deliver_due()
    assert notices_for(slack, HEAD) == []
    assert slack.fake.posts_to(dm(HEAD)) == []


def test_readyz_from_outside_shows_counts_only_and_the_token_shows_details(slack, runtime):
    import dataclasses

    token = "t" * 32
    runtime.settings = dataclasses.replace(runtime.settings, health_token=token)
    slack.fake.refuse(CHAIR, "account_inactive")
    submit_concern(slack, about_headteacher=True)
    slack.fake.wait_for(lambda: told_undeliverable(slack))
    reference = runtime.reports.list_for_submitter(Actor("slack", STAFF))[0].reference

    via_proxy = slack.get_with("/readyz", {"X-Forwarded-For": "203.0.113.9"})
    assert via_proxy.status == 503
    assert via_proxy.json()["outbox"] == {"ok": False, "pending": 0, "stuck": 0, "undelivered": 1}
    # nothing says which report, or that it waits for the chair (a concern about the head)
    assert reference not in via_proxy.text and "chair" not in via_proxy.text
    assert "error" not in via_proxy.text

    wrong = slack.get_with(
        "/readyz", {"X-Forwarded-For": "203.0.113.9", "Authorization": "Bearer " + "x" * 32}
    )
    assert reference not in wrong.text
    monitor = slack.get_with(
        "/readyz", {"X-Forwarded-For": "203.0.113.9", "Authorization": f"Bearer {token}"}
    )
    assert monitor.status == 503 and reference in monitor.text
    on_the_machine = slack.get("/readyz")  # loopback, no proxy in between
    assert reference in on_the_machine.json()["outbox"]["undelivered_references"]
