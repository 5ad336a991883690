"""/readyz and policy rounds: a worker that stops delivering policy DMs is a worker that has
stopped delivering safeguarding notices too, so it pages the IT admin; a DM that can never reach
someone who has left is the head's to see in the round's progress, not an outage."""

from __future__ import annotations

from bot.assistant import Assistant
from bot.health import readiness
from bot.runtime import Runtime
from tests.campaigns.conftest import ANN, HEAD, FakeNotifier


def _runtime(service, settings) -> Runtime:
    assistant = Assistant.load(settings.corpus_dir, None, embedder="none")
    return Runtime(settings, service.store, service, assistant)


def test_policy_dms_nobody_delivers_make_the_server_not_ready(staffed, service, settings, clock):
    runtime = _runtime(service, settings)
    receipt = staffed.publish(HEAD, "dress code", "all", "2026-12-04")
    ok, details = readiness(runtime, platforms=["slack"])
    assert ok and details["outbox"]["policy_dms_pending"] == 3  # just queued

    clock.advance(minutes=30)  # the delivery worker has died
    ok, details = readiness(runtime, platforms=["slack"])
    assert not ok
    assert details["outbox"]["stuck"] == 3
    assert "delivery worker is not running" in details["outbox"]["error"]
    assert details["outbox"]["stuck_references"][0].startswith(receipt.reference + ".")
    assert "Staff Dress Code" not in str(details) and "Ann" not in str(details)


def test_a_policy_dm_refused_for_good_is_counted_not_an_outage(staffed, service, settings, clock):
    service.register_notifier(FakeNotifier("slack", refused={ANN.user_id: "account_inactive"}))
    runtime = _runtime(service, settings)
    staffed.publish(HEAD, "dress code", "all", "2026-12-04")
    service.deliver_due()
    clock.advance(hours=2)

    ok, details = readiness(runtime, platforms=["slack"])
    assert ok, details
    assert details["outbox"]["policy_dms_failed"] == 1
    assert details["outbox"]["undelivered"] == 0 and details["outbox"]["stuck"] == 0
