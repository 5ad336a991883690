"""readiness(): index loaded, database writable, outbox not stuck; liveness() is cheap."""

from __future__ import annotations

import pytest

from bot.assistant import Assistant
from bot.health import liveness, readiness
from bot.reports.models import Actor, ConcernForm
from bot.runtime import Runtime
from tests.reports.conftest import STAFF, FakeNotifier


@pytest.fixture
def runtime(service, settings):
    assistant = Assistant.load(settings.corpus_dir, None, embedder="none")
    return Runtime(settings, service.store, service, assistant)


def test_a_fresh_runtime_is_ready_with_details(runtime):
    ok, details = readiness(runtime)
    assert ok, details
    assert details["status"] == "ready"
    assert details["index"]["clauses"] > 0 and details["index"]["documents"] >= 1
    assert details["index"]["dense_model"].startswith("unavailable")  # reported, not a failure
    assert details["database"] == {"ok": True, "writable": True}
    assert details["outbox"]["pending"] == 0 and details["outbox"]["stuck"] == 0


def test_a_probe_never_writes_to_the_database(runtime):
    changes = runtime.store.db.conn.total_changes
    for _ in range(3):
        assert readiness(runtime)[0]
    assert runtime.store.db.conn.total_changes == changes
    assert not runtime.store.query("SELECT value FROM meta WHERE key = 'heartbeat'")


def test_not_ready_before_the_index_is_loaded(service, settings):
    ok, details = readiness(Runtime(settings, service.store, service))
    assert not ok
    assert details["index"]["ok"] is False and "not loaded" in details["index"]["error"]


def test_a_database_that_cannot_be_written_is_not_ready(runtime):
    runtime.store.close()
    ok, details = readiness(runtime)
    assert not ok
    assert details["database"]["writable"] is False


def test_a_notice_overdue_with_no_worker_is_stuck(runtime, clock):
    receipt = runtime.reports.submit_concern(ConcernForm("trolling", "Nasty posts"), STAFF)
    ok, details = readiness(runtime, platforms=["slack"])
    assert ok and details["outbox"]["pending"] == 1  # just queued: not stuck yet

    clock.advance(minutes=30)  # nobody delivered it: the worker is dead
    ok, details = readiness(runtime, platforms=["slack"])
    assert not ok
    assert details["status"] == "not ready"
    assert details["outbox"]["stuck"] == 1
    assert details["outbox"]["stuck_references"] == [receipt.reference]
    assert "delivery worker is not running" in details["outbox"]["error"]
    assert "Nasty posts" not in str(details)

    # Another platform's process is not blamed for Slack's queue.
    assert readiness(runtime, platforms=["teams"])[0]

    runtime.reports.register_notifier(FakeNotifier("slack"))
    runtime.reports.deliver_due()
    ok, details = readiness(runtime)
    assert ok and details["outbox"]["pending"] == 0


def test_unreachable_recipients_are_reported_not_failed(runtime, clock):
    from tests.reports.conftest import HEAD

    runtime.reports.register_notifier(FakeNotifier("slack", unreachable={HEAD.user_id}))
    runtime.reports.submit_concern(ConcernForm("trolling", "Nasty posts"), STAFF)
    runtime.reports.deliver_due()
    clock.advance(seconds=1)
    ok, details = readiness(runtime, unreachable_recipients=["chair_of_governors"])
    assert ok, details
    assert details["unreachable_recipients"] == ["chair_of_governors", "headteacher"]


def test_liveness_is_a_small_dict():
    live = liveness()
    assert live["status"] == "ok" and live["pid"] > 0


def test_a_notice_undelivered_past_the_configured_limit_is_not_ready(runtime, clock):
    import dataclasses

    from tests.reports.conftest import HEAD

    runtime.settings = dataclasses.replace(runtime.settings, undelivered_alert_minutes=45)
    runtime.reports.register_notifier(FakeNotifier("slack", unreachable={HEAD.user_id}))
    receipt = runtime.reports.submit_concern(ConcernForm("trolling", "Nasty posts"), STAFF)
    runtime.reports.deliver_due()
    # retried with backoff, so never "stuck" - but never delivered either
    clock.advance(minutes=44)
    runtime.reports.deliver_due()
    assert readiness(runtime)[0]

    clock.advance(minutes=2)
    runtime.reports.deliver_due()
    ok, details = readiness(runtime)
    assert not ok
    assert details["outbox"]["undelivered"] == 1 and details["outbox"]["stuck"] == 0
    assert "policybot reports undelivered" in details["outbox"]["error"]
    assert details["outbox"]["undelivered_references"] == [receipt.reference]


def test_a_notice_refused_for_good_is_not_ready_until_its_report_is_closed(runtime, clock):
    from tests.reports.conftest import HEAD

    runtime.reports.register_notifier(FakeNotifier("slack", refused={HEAD.user_id: "x"}))
    receipt = runtime.reports.submit_concern(ConcernForm("trolling", "Nasty posts"), STAFF)
    runtime.reports.deliver_due()
    ok, details = readiness(runtime)
    assert not ok and details["outbox"]["undelivered"] == 1  # at once: it will never arrive

    head_cli = Actor("cli", display_name="Kate (command line)", role="headteacher")
    assert runtime.reports.close(receipt.reference, head_cli).ok
    runtime.reports.deliver_due()
    assert readiness(runtime)[0]
