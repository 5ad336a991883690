"""The outbox loses nothing and sends each notice exactly once: through failures, timeouts,
crashes, restarts, unreachable people and 200 people submitting at the same moment."""

import sqlite3
import threading

import pytest

from bot.reports.models import ConcernForm

from .conftest import HEAD, STAFF, STAFF_TEAMS, Crash, FakeNotifier, later


def concern(text="Someone is trolling our Year 6 page."):
    return ConcernForm(category="trolling", description=text)


def test_the_record_is_committed_before_any_delivery_is_attempted(service):
    receipt = service.submit_concern(concern(), STAFF)  # no notifier registered yet

    assert receipt.delivery_pending
    assert f"safely recorded as {receipt.reference}" in receipt.message
    assert "pending" in receipt.message
    assert [d.status for d in service.delivery_status(receipt.reference)] == ["pending"]


def test_once_stored_a_failure_waiting_for_delivery_still_returns_the_receipt(service, monkeypatch):
    """submit_* either returns a receipt (stored) or raises (nothing stored): front ends tell
    the person "not sent" on an exception, so nothing after the commit may raise."""

    def broken_wait(reference):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(service.outbox, "await_first_attempt", broken_wait)
    receipt = service.submit_concern(concern(), STAFF)
    assert receipt.delivery_pending
    assert [s.reference for s in service.list_for_submitter(STAFF)] == [receipt.reference]


@pytest.mark.parametrize("error", [ConnectionError, TimeoutError, RuntimeError])
def test_a_notifier_failing_the_first_attempts_still_delivers_exactly_once(service, clock, error):
    flaky = FakeNotifier("slack", fail_first=4, error=error)
    service.register_notifier(flaky)
    receipt = service.submit_concern(concern(), STAFF)

    for _ in range(10):
        service.deliver_due(later(clock))

    assert len(flaky.calls) == 5  # four failures, one success, then nothing more
    assert len(flaky.inbox(HEAD.user_id)) == 1
    (status,) = service.delivery_status(receipt.reference)
    assert (status.status, status.attempts) == ("sent", 5)


def test_a_failed_delivery_waits_longer_each_time(service, clock):
    flaky = FakeNotifier("slack", fail_first=3)
    service.register_notifier(flaky)
    ref = service.submit_concern(concern(), STAFF).reference
    waits = []
    for _ in range(3):
        service.deliver_due(clock.now)
        (row,) = service.store.query("SELECT next_attempt_at FROM outbox")
        waits.append(row["next_attempt_at"] - clock.now.timestamp())
        clock.now = clock.now.fromtimestamp(row["next_attempt_at"] + 1, clock.now.tzinfo)
    assert waits[0] < waits[1] < waits[2]
    assert service.delivery_status(ref)[0].last_error.startswith("ConnectionError")


def test_a_timeout_after_the_message_arrived_does_not_make_a_duplicate(service, clock):
    timeout = FakeNotifier("slack", deliver_then=TimeoutError("read timed out"))
    service.register_notifier(timeout)
    service.submit_concern(concern(), STAFF)

    service.deliver_due()
    service.deliver_due(later(clock))

    assert len(timeout.calls) == 2
    assert len(set(timeout.calls)) == 1  # retried with the same idempotency key
    assert len(timeout.inbox(HEAD.user_id)) == 1


def test_a_crash_between_sending_and_marking_sent_delivers_once_after_restart(open_service, clock):
    first = open_service()
    platform = FakeNotifier("slack", deliver_then=Crash())
    first.register_notifier(platform)
    receipt = first.submit_concern(concern(), STAFF)
    with pytest.raises(Crash):
        first.deliver_due()
    first.store.close()  # the process is gone; the row is left "sending"

    restarted = open_service()
    restarted.register_notifier(platform)
    assert restarted.delivery_status(receipt.reference)[0].status == "sending"
    restarted.deliver_due(later(clock))  # after the lease the row is due again

    assert len(platform.calls) == 2 and len(set(platform.calls)) == 1
    assert len(platform.inbox(HEAD.user_id)) == 1
    assert restarted.delivery_status(receipt.reference)[0].status == "sent"
    restarted.deliver_due(later(clock))
    assert len(platform.calls) == 2


def test_retries_survive_a_restart(open_service, clock):
    first = open_service()
    first.register_notifier(FakeNotifier("slack", fail_first=1))
    receipt = first.submit_concern(concern(), STAFF)
    first.deliver_due()
    first.store.close()

    restarted = open_service()
    platform = FakeNotifier("slack")
    restarted.register_notifier(platform)
    restarted.deliver_due(later(clock))
    assert len(platform.inbox(HEAD.user_id)) == 1
    assert restarted.delivery_status(receipt.reference)[0].attempts == 2


def test_an_unreachable_teams_user_stays_queued_until_the_bot_learns_their_address(service, clock):
    teams = FakeNotifier("teams", unreachable={"bbbbbbbb-1111-2222-3333-444444444444"})
    service.register_notifier(teams)
    receipt = service.submit_concern(concern(), STAFF_TEAMS)

    service.deliver_due()
    (status,) = service.delivery_status(receipt.reference)
    assert status.status == "recipient not reachable on Teams"
    assert service.list_for_submitter(STAFF_TEAMS)[0].delivery_pending

    teams.unreachable.clear()  # the head opened the bot: a conversation reference arrived
    service.wake()
    service.deliver_due()
    assert service.delivery_status(receipt.reference)[0].status == "sent"
    assert len(teams.delivered) == 1


def test_the_background_worker_delivers_and_the_receipt_says_sent(service):
    platform = FakeNotifier("slack")
    service.register_notifier(platform)
    worker = service.start_delivery_worker(interval=0.05)
    try:
        receipt = service.submit_concern(concern(), STAFF)
    finally:
        worker.stop()
    assert not receipt.delivery_pending
    assert "has been sent to the Headteacher" in receipt.message
    assert len(platform.inbox(HEAD.user_id)) == 1


def test_200_people_submitting_at_once_get_200_records_and_200_single_deliveries(
    settings, open_service
):
    from bot.reports.service import utc_now

    service = open_service(clock=utc_now)
    platform = FakeNotifier("slack")
    service.register_notifier(platform)
    worker = service.start_delivery_worker(interval=0.05)
    start = threading.Barrier(200)
    receipts, errors = [], []

    def submit(i):
        try:
            start.wait()
            receipts.append(service.submit_concern(concern(f"Report number {i}"), STAFF))
        except Exception as exc:  # pragma: no cover - the assertion below shows it
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    worker.stop()
    while service.deliver_due():
        pass

    assert errors == []
    assert len({r.reference for r in receipts}) == 200
    assert all(r.reference.startswith(f"C-{utc_now().year}-") for r in receipts)
    assert service.store.query("SELECT COUNT(*) AS n FROM reports")[0]["n"] == 200
    assert len(platform.calls) == len(set(platform.calls)) == 200  # no duplicate sends
    texts = {dict(n.lines)["Description"] for n in platform.inbox(HEAD.user_id)}
    assert texts == {f"Report number {i}" for i in range(200)}


def test_a_second_process_on_the_same_database_waits_instead_of_failing(service, settings):
    other = sqlite3.connect(settings.db_path, timeout=30, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock briefly
    timer = threading.Timer(0.2, other.commit)
    timer.start()
    receipt = service.submit_concern(concern(), STAFF)
    timer.join()
    other.close()
    assert [s.reference for s in service.list_for_submitter(STAFF)] == [receipt.reference]


def test_the_same_form_sent_twice_files_one_report_and_says_so(service, clock):
    slack = FakeNotifier("slack")
    service.register_notifier(slack)
    first = service.submit_concern(concern(), STAFF, submission_key="V0MODAL123")
    service.deliver_due(later(clock))
    again = service.submit_concern(concern(), STAFF, submission_key="V0MODAL123")
    service.deliver_due(later(clock, 2))

    assert again.reference == first.reference
    assert again.message.startswith("This form was already sent, so nothing was filed twice.")
    assert "has been sent to the Headteacher" in again.message
    assert again.recipients == ["Headteacher"] and not again.delivery_pending
    assert len(service.store.query("SELECT id FROM reports")) == 1
    assert len(slack.inbox(HEAD.user_id)) == 1
    created = service.store.query("SELECT action FROM audit WHERE action = 'create'")
    assert len(created) == 1


def test_form_keys_belong_to_their_sender_and_a_new_form_is_a_new_report(service):
    a = service.submit_concern(concern(), STAFF, submission_key="form-1")
    b = service.submit_concern(concern(), STAFF_TEAMS, submission_key="form-1")  # someone else
    c = service.submit_concern(concern(), STAFF, submission_key="form-2")  # a new form
    d = service.submit_concern(concern(), STAFF)  # a front end that sends no key

    assert len({a.reference, b.reference, c.reference, d.reference}) == 4


def test_a_malformed_form_key_never_costs_a_report(service):
    odd = "x" * 500 + "; DROP TABLE reports"
    first = service.submit_concern(concern(), STAFF, submission_key=odd)
    second = service.submit_concern(concern(), STAFF, submission_key=odd)

    assert first.reference != second.reference  # filed both times: no key, no de-duplication
    assert service.store.query("SELECT submission_tag FROM reports") == [
        {"submission_tag": None},
        {"submission_tag": None},
    ]


def test_the_same_form_from_many_threads_at_once_is_filed_once(service):
    receipts = []

    def send():
        receipts.append(service.submit_concern(concern(), STAFF, submission_key="double-click"))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len({r.reference for r in receipts}) == 1 and len(receipts) == 8
    assert len(service.store.query("SELECT id FROM reports")) == 1
