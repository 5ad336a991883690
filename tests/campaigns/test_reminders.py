"""Reminders: in working hours on weekdays, at most N, and never to someone who has confirmed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.campaigns.schedule import reminder_times

from .conftest import ANN, HEAD, STAFF

LONDON = ZoneInfo("Europe/London")


def test_reminders_fall_on_weekdays_in_working_hours_and_there_are_at_most_n():
    published = datetime(2026, 11, 25, 16, 45, tzinfo=UTC)  # a Wednesday, late afternoon
    times = reminder_times(published, date(2026, 12, 7), 3, LONDON)
    assert 1 <= len(times) <= 3
    for at in times:
        local = at.astimezone(LONDON)
        assert local.weekday() < 5, at
        assert (8, 30) <= (local.hour, local.minute) < (17, 0), at
    assert times == sorted(times) and times[-1].date() <= date(2026, 12, 7)
    assert reminder_times(published, date(2026, 12, 7), 0, LONDON) == []


def test_reminders_stop_once_confirmed(staffed, slack, service, clock):
    ref = staffed.publish(HEAD, "dress code", "teaching", "2026-12-04").reference
    service.deliver_due()
    staffed.confirm(STAFF, ref)

    sent_each_pass = []
    for _ in range(12):  # a day at a time, past the due date
        now = clock.advance(days=1)
        sent_each_pass.append(staffed.send_reminders(now))
        service.deliver_due(now)

    def reminders_to(who):
        return [n for n in slack.inbox(who.user_id) if n.notice_type == "policy_reminder"]

    assert reminders_to(STAFF) == []
    assert 1 <= len(reminders_to(ANN)) <= 3
    assert reminders_to(ANN)[0].title == "Reminder: please read: Staff Dress Code"
    assert sum(sent_each_pass) == len(reminders_to(ANN))
    ann = next(r for r in staffed.progress(HEAD, ref).rows if r.name == "Ann Teacher")
    assert ann.reminders == len(reminders_to(ANN))


def test_a_reminder_queued_but_not_yet_sent_is_dropped_when_they_confirm(
    staffed, slack, service, clock
):
    ref = staffed.publish(HEAD, "dress code", "teaching", "2026-12-04").reference
    service.deliver_due()
    now = clock.advance(days=5)  # Monday morning: the first reminder is due
    assert staffed.send_reminders(now) == 2  # queued for Sam and Ann, not yet delivered
    staffed.confirm(ANN, ref)
    service.deliver_due(now)
    assert [n.notice_type for n in slack.inbox(ANN.user_id)] == ["policy"]
    assert [n.notice_type for n in slack.inbox(STAFF.user_id)] == ["policy", "policy_reminder"]


def test_a_round_replaced_by_a_newer_version_is_no_longer_chased(
    staffed, slack, service, clock, handbook
):
    from .conftest import review

    staffed.publish(HEAD, "dress code", "teaching", "2026-12-04")
    review(handbook)
    newer = staffed.publish(HEAD, "dress code", "teaching", "2026-12-04").reference
    now = clock.advance(days=5)
    staffed.send_reminders(now)
    service.deliver_due(now)
    reminders = [n for n in slack.inbox(ANN.user_id) if n.notice_type == "policy_reminder"]
    assert [n.reference.split(".")[0] for n in reminders] == [newer]
