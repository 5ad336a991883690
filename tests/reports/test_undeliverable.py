"""A notice that can never arrive is never stuck unseen: the platform's "never" stops the
retries, the reporter is told at once to speak to the person, an urgent concern goes to the next
role (never to anyone it is about), and whatever is still undelivered is listed."""

from __future__ import annotations

import dataclasses

from bot.config import Person
from bot.reports.models import Actor, ConcernForm, DeclarationForm
from bot.reports.service import ReportService

from .conftest import CHAIR, DSL, HEAD, STAFF, FakeNotifier

SECRET = "Jamie in Year 5 was sent threatening messages"


def concern(**kw) -> ConcernForm:
    return ConcernForm(**{"category": "trolling", "description": SECRET, **kw})


def texts(notifier: FakeNotifier, user_id: str) -> list[str]:
    return [n.text for n in notifier.inbox(user_id)]


def test_a_refused_notice_is_never_retried_and_the_reporter_is_told_at_once(service, clock):
    slack = FakeNotifier("slack", refused={HEAD.user_id: "account_inactive"})
    service.register_notifier(slack)
    receipt = service.submit_concern(concern(), STAFF)

    service.deliver_due()  # the head's notice is refused; the reporter's notice goes out
    for _ in range(5):
        service.deliver_due(clock.advance(hours=1))

    assert slack.calls.count(f"{receipt.reference}/1/concern") == 1
    (told,) = texts(slack, STAFF.user_id)
    assert f"Your concern {receipt.reference} could not be delivered to the Headteacher" in told
    assert "speak to the Headteacher directly" in told
    assert "or to the Designated Safeguarding Lead" in told
    # it tells them nothing they did not know: no report text, no platform error
    assert SECRET not in told and "inactive" not in told
    head_row = service.delivery_status(receipt.reference)[0]
    assert (head_row.status, head_row.attempts) == ("failed", 1)
    assert "account_inactive" in head_row.last_error
    assert slack.inbox(CHAIR.user_id) == [] and slack.inbox(DSL.user_id) == []  # not urgent


def test_an_urgent_concern_refused_for_the_head_goes_to_the_chair_at_once(service, clock):
    slack = FakeNotifier("slack", refused={HEAD.user_id: "user_not_found"})
    service.register_notifier(slack)
    receipt = service.submit_concern(concern(immediate_risk=True), STAFF)
    service.deliver_due()
    service.deliver_due()

    # the DSL already had it, so the next role is the chair
    (escalated,) = slack.inbox(CHAIR.user_id)
    assert escalated.urgent and SECRET in escalated.text
    assert "could not be delivered to the Headteacher in time" in escalated.text
    assert len(slack.inbox(DSL.user_id)) == 1
    assert service.acknowledge(receipt.reference, CHAIR).ok  # the chair can act on it
    assert "Chair of Governors" in service.list_for_submitter(STAFF)[0].recipients
    actions = [r["action"] for r in service.store.query("SELECT action FROM audit")]
    assert "undeliverable" in actions and "escalate" in actions


def test_an_urgent_concern_not_delivered_in_the_configured_time_escalates_then(
    open_service, settings, clock
):
    service = open_service()
    service.settings = dataclasses.replace(settings, escalate_urgent_after_minutes=20)
    slack = FakeNotifier("slack", fail_first=1000)  # Slack down for the DSL and head alike
    service.register_notifier(slack)
    service.submit_concern(concern(category="radicalisation"), STAFF)

    service.deliver_due(clock.advance(minutes=19))
    assert [k for k in slack.calls if "chair" in k] == []

    slack.fail_first = 0  # Slack answers again
    service.deliver_due(clock.advance(minutes=2))
    service.deliver_due(clock.advance(hours=1))
    (escalated,) = slack.inbox(CHAIR.user_id)
    assert (
        "could not be delivered to the Headteacher and the Designated Safeguarding Lead in time"
        in escalated.text
    )
    service.deliver_due(clock.advance(hours=1))
    assert len(slack.inbox(CHAIR.user_id)) == 1  # once, not once per pass
    assert texts(slack, STAFF.user_id) == []  # retrying is not "could not be delivered"


def test_a_concern_about_the_head_never_escalates_to_the_head(service, clock):
    slack = FakeNotifier("slack", refused={CHAIR.user_id: "account_inactive"})
    service.register_notifier(slack)
    receipt = service.submit_concern(concern(immediate_risk=True, about_headteacher=True), STAFF)
    for _ in range(3):
        service.deliver_due(clock.advance(hours=1))

    assert slack.inbox(HEAD.user_id) == []
    assert len(slack.inbox(DSL.user_id)) == 1  # the DSL had it already; nobody else is left
    (told,) = texts(slack, STAFF.user_id)
    assert "could not be delivered to the Chair of Governors" in told
    assert not service.is_recipient(receipt.reference, HEAD)


def test_when_the_head_is_also_the_dsl_a_concern_about_them_never_reaches_them(
    open_service, settings, clock
):
    head_is_dsl = dict(settings.people)
    head_is_dsl["safeguarding_lead"] = Person(
        "safeguarding_lead", "Kate Baskeyfield", HEAD.user_id, None
    )
    service = open_service()
    service.settings = dataclasses.replace(settings, people=head_is_dsl)
    slack = FakeNotifier("slack", refused={CHAIR.user_id: "cannot_dm_bot"})
    service.register_notifier(slack)
    service.submit_concern(concern(category="indecent_images", about_headteacher=True), STAFF)
    for _ in range(3):
        service.deliver_due(clock.advance(hours=1))

    assert slack.inbox(HEAD.user_id) == []
    assert len(texts(slack, STAFF.user_id)) == 1


def test_a_teams_recipient_who_never_opened_the_bot_gets_the_reporter_told_after_the_limit(
    service, clock
):
    teams = FakeNotifier("teams", unreachable={"bbbbbbbb-1111-2222-3333-444444444444"})
    service.register_notifier(teams)
    slack = FakeNotifier("slack")
    service.register_notifier(slack)
    teams_reporter = Actor("teams", "aaaaaaaa-1111-2222-3333-444444444444", "Tara Teams")
    receipt = service.declare_relationship(
        DeclarationForm("Alex Smith", "Year 3", "child"), teams_reporter
    )
    service.deliver_due(clock.advance(minutes=59))
    assert teams.inbox(teams_reporter.user_id) == []

    service.deliver_due(clock.advance(minutes=2))
    service.deliver_due(clock.advance(minutes=10))
    (told,) = teams.inbox(teams_reporter.user_id)
    assert f"declaration {receipt.reference} could not be delivered to the Headteacher" in told.text
    assert "Safeguarding" not in told.text  # a declaration is for the head alone
    assert "Alex Smith" not in told.text
    # still queued: it goes through the moment the head opens the bot
    assert service.delivery_status(receipt.reference)[0].status.startswith("recipient not")


def test_undelivered_lists_what_needs_someone_and_only_to_those_it_was_sent_to(service, clock):
    slack = FakeNotifier("slack", refused={CHAIR.user_id: "user_not_found"}, fail_first=0)
    service.register_notifier(slack)
    about_head = service.submit_concern(concern(about_headteacher=True), STAFF).reference
    service.deliver_due()

    (row,) = service.undelivered(CHAIR)
    assert (row.reference, row.role, row.state, row.overdue) == (
        about_head, "chair_of_governors", "failed", True,
    )  # fmt: skip
    assert service.undelivered(HEAD) == []  # the head must not learn it exists

    assert service.close(about_head, CHAIR).ok
    assert service.undelivered(CHAIR) == []  # a closed report needs nothing more


def test_a_person_removed_from_the_config_is_not_escalated_to(open_service, settings, clock):
    no_chair = {k: v for k, v in settings.people.items() if k != "chair_of_governors"}
    service: ReportService = open_service()
    service.settings = dataclasses.replace(settings, people=no_chair)
    slack = FakeNotifier("slack", refused={HEAD.user_id: "account_inactive"})
    service.register_notifier(slack)
    service.submit_concern(concern(immediate_risk=True), STAFF)
    service.deliver_due(clock.advance(hours=1))
    service.deliver_due(clock.advance(hours=1))
    assert slack.inbox(CHAIR.user_id) == []
    assert len(slack.inbox(DSL.user_id)) == 1
    assert len(texts(slack, STAFF.user_id)) == 1


def test_refused_notices_can_be_retried_once_the_cause_is_fixed(service, clock):
    slack = FakeNotifier("slack", refused={HEAD.user_id: "invalid_auth"})
    service.register_notifier(slack)
    receipt = service.submit_concern(concern(), STAFF)
    service.deliver_due()
    assert service.delivery_status(receipt.reference)[0].status == "failed"

    slack.refused.clear()  # the admin put a new token in place
    assert not service.retry_failed(CHAIR).message.startswith("1")  # not the chair's to retry
    result = service.retry_failed(HEAD)
    assert result.ok and result.message.startswith("1 notice(s)")
    service.deliver_due()
    assert service.delivery_status(receipt.reference)[0].status == "sent"
    assert len(slack.inbox(HEAD.user_id)) == 1
    assert len(texts(slack, STAFF.user_id)) == 1  # told once, not again
