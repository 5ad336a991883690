"""Who hears about a report: the head; the chair (never the head) for concerns about the
head; the safeguarding lead too, marked URGENT, for urgent ones."""

import pytest

from bot.config import Person
from bot.errors import SubmissionRefused
from bot.reports.models import ConcernForm, DeclarationForm
from bot.reports.routing import route

from .conftest import CHAIR, DSL, HEAD, STAFF, STAFF_TEAMS, FakeNotifier


def concern(category="cyberbullying", **kw):
    return ConcernForm(category=category, description="A parent posted about a pupil.", **kw)


def test_a_concern_goes_to_the_headteacher_alone(service, slack):
    receipt = service.submit_concern(concern(), STAFF)
    service.deliver_due()

    assert receipt.reference.startswith("C-")
    assert receipt.recipients == ["Headteacher"]
    assert not receipt.urgent
    assert [n.reference for n in slack.inbox(HEAD.user_id)] == [receipt.reference]
    assert slack.inbox(CHAIR.user_id) == slack.inbox(DSL.user_id) == []


def test_a_concern_about_the_head_goes_to_the_chair_and_never_the_head(service, slack):
    receipt = service.submit_concern(concern(about_headteacher=True), STAFF)
    service.deliver_due()

    assert receipt.recipients == ["Chair of Governors"]
    (notice,) = slack.inbox(CHAIR.user_id)
    assert notice.title.startswith(f"Concern about the headteacher {receipt.reference}")
    assert slack.inbox(HEAD.user_id) == []
    assert not service.is_recipient(receipt.reference, HEAD)
    assert service.acknowledge(receipt.reference, HEAD).ok is False


def test_an_urgent_concern_about_the_head_reaches_chair_and_lead_but_not_the_head(service, slack):
    receipt = service.submit_concern(concern("indecent_images", about_headteacher=True), STAFF)
    service.deliver_due()

    assert receipt.urgent
    assert receipt.recipients == ["Chair of Governors", "Designated Safeguarding Lead"]
    assert slack.inbox(HEAD.user_id) == []
    assert [n.urgent for n in slack.inbox(DSL.user_id)] == [True]


@pytest.mark.parametrize(
    "form",
    [
        concern("indecent_images"),
        concern("radicalisation"),
        concern("trolling", immediate_risk=True),
    ],
    ids=["indecent images", "radicalisation", "child at immediate risk"],
)
def test_urgent_concerns_also_go_to_the_safeguarding_lead_marked_urgent(service, slack, form):
    receipt = service.submit_concern(form, STAFF)
    service.deliver_due()

    assert receipt.urgent
    assert receipt.recipients == ["Headteacher", "Designated Safeguarding Lead"]
    assert "URGENT" in receipt.message
    for person in (HEAD, DSL):
        (notice,) = slack.inbox(person.user_id)
        assert notice.urgent and notice.title.startswith("URGENT")


def test_declarations_go_to_the_headteacher(service, slack):
    receipt = service.declare_relationship(
        DeclarationForm("Tom Smith", "Year 4", "niece_nephew", ["Facebook"]), STAFF
    )
    service.deliver_due()
    assert receipt.reference.startswith("R-")
    (notice,) = slack.inbox(HEAD.user_id)
    assert ("Relationship", "Niece or nephew") in notice.lines


def test_the_head_is_reached_on_the_submitters_platform_when_possible(service, slack):
    teams = FakeNotifier("teams")
    service.register_notifier(teams)
    service.submit_concern(concern(), STAFF_TEAMS)
    service.submit_concern(concern(), STAFF)
    service.deliver_due()
    assert [to.user_id for to, _ in teams.delivered.values()] == [
        "bbbbbbbb-1111-2222-3333-444444444444"
    ]
    assert [to.user_id for to, _ in slack.delivered.values()] == [HEAD.user_id]


def test_a_chair_only_on_slack_is_reached_on_slack_from_teams(service, slack):
    service.register_notifier(FakeNotifier("teams"))
    service.submit_concern(concern(about_headteacher=True), STAFF_TEAMS)
    service.deliver_due()
    assert len(slack.inbox(CHAIR.user_id)) == 1


def _people(**roles):
    return {
        role: Person(role, name, slack_user=uid, teams_user=None)
        for role, (name, uid) in roles.items()
    }


def test_when_the_head_is_also_the_lead_an_urgent_concern_about_them_skips_them():
    people = _people(
        headteacher=("Kate", "U0HEAD001"),
        safeguarding_lead=("Kate", "U0HEAD001"),
        chair_of_governors=("Colin", "U0CHAIR01"),
    )
    recipients = route(
        "concern", urgent=True, about_headteacher=True, submitter_platform="slack", people=people
    )
    assert [r.address.user_id for r in recipients] == ["U0CHAIR01"]


def test_one_person_holding_two_roles_gets_one_message():
    people = _people(headteacher=("Kate", "U0HEAD001"), safeguarding_lead=("Kate", "U0HEAD001"))
    recipients = route(
        "concern", urgent=True, about_headteacher=False, submitter_platform="slack", people=people
    )
    assert [(r.roles, r.address.user_id) for r in recipients] == [
        (("headteacher", "safeguarding_lead"), "U0HEAD001")
    ]


def test_a_missing_chair_means_a_concern_about_the_head_is_refused_and_nothing_stored(
    settings, open_service
):
    from dataclasses import replace

    people = {k: v for k, v in settings.people.items() if k != "chair_of_governors"}
    service = open_service()
    service.settings = replace(settings, people=people)

    with pytest.raises(SubmissionRefused, match="no Chair of Governors is set up"):
        service.submit_concern(concern(about_headteacher=True), STAFF)
    assert service.store.query("SELECT COUNT(*) AS n FROM reports")[0]["n"] == 0
    assert service.store.query("SELECT COUNT(*) AS n FROM outbox")[0]["n"] == 0


def test_without_a_config_file_reports_are_refused_not_lost(school, open_service, tmp_path):
    from bot.config import load_settings

    env = dict(school, POLICYBOT_CONFIG="")
    service = open_service()
    service.settings = load_settings(env)
    with pytest.raises(SubmissionRefused, match="not set up yet"):
        service.submit_concern(concern(), STAFF)
    assert service.store.query("SELECT COUNT(*) AS n FROM reports")[0]["n"] == 0
