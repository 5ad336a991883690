"""Recipients acknowledge, annotate and close; the sender is told; nobody else can act."""

from bot.reports.models import ActionResult, ConcernForm, DeclarationForm, ReportDetail

from .conftest import CHAIR, DSL, HEAD, STAFF, STRANGER


def submit(service, **kw):
    form = ConcernForm(category=kw.pop("category", "cyberbullying"),
                       description="Pupil targeted in a group chat.", **kw)  # fmt: skip
    return service.submit_concern(form, STAFF).reference


def test_the_sender_is_told_when_the_head_acknowledges(service, slack):
    ref = submit(service)
    result = service.acknowledge(ref, HEAD)
    service.deliver_due()

    assert result.ok
    (told,) = slack.inbox(STAFF.user_id)
    assert told.notice_type == "acknowledged"
    assert told.text == f"Your report {ref} was acknowledged by Kate Baskeyfield (Headteacher)."
    (summary,) = service.list_for_submitter(STAFF)
    assert (summary.status, summary.acknowledged_by) == (
        "acknowledged",
        "Kate Baskeyfield (Headteacher)",
    )
    assert summary.acknowledged_at == "2026-11-25T09:00:00Z"


def test_anyone_but_a_recipient_is_refused_and_nothing_changes(service, slack):
    ref = submit(service)
    before = service.store.query("SELECT * FROM reports")

    for attempt in (
        service.acknowledge(ref, STRANGER),
        service.add_note(ref, STRANGER, "I saw it too"),
        service.close(ref, STRANGER),
        service.acknowledge(ref, CHAIR),  # a governor, but not sent this one
        service.get(ref, STRANGER),
    ):
        assert attempt == ActionResult(False, attempt.message)
        assert "only the people a report was sent to" in attempt.message.lower()

    assert service.store.query("SELECT * FROM reports") == before
    assert service.store.query("SELECT COUNT(*) AS n FROM notes")[0]["n"] == 0
    assert not service.is_recipient(ref, STRANGER)


def test_an_unknown_reference_gets_the_same_refusal(service):
    assert service.acknowledge("C-2026-9999", HEAD).ok is False


def test_notes_reach_the_other_recipients_and_stay_private_from_the_sender(service, slack):
    ref = submit(service, category="radicalisation")
    assert service.add_note(ref, DSL, "Spoke to the Prevent lead.").ok
    service.deliver_due()

    (note,) = [n for n in slack.inbox(HEAD.user_id) if n.notice_type == "note"]
    assert ("Note", "Spoke to the Prevent lead.") in note.lines
    assert [n.notice_type for n in slack.inbox(DSL.user_id)] == ["concern"]
    assert slack.inbox(STAFF.user_id) == []

    head_view = service.get(ref, HEAD)
    own_view = service.get(ref, STAFF)
    assert isinstance(head_view, ReportDetail) and isinstance(own_view, ReportDetail)
    assert [n.text for n in head_view.notes] == ["Spoke to the Prevent lead."]
    assert own_view.notes == []
    assert ("Description", "Pupil targeted in a group chat.") in own_view.fields


def test_an_empty_note_is_refused(service, slack):
    ref = submit(service)
    result = service.add_note(ref, HEAD, "   ")
    assert (result.ok, result.message) == (False, "Please write a note.")


def test_closing_tells_the_sender_and_a_second_ack_changes_nothing(service, slack):
    ref = submit(service)
    assert service.acknowledge(ref, HEAD).ok
    again = service.acknowledge(ref, HEAD)
    assert "already acknowledged by Kate Baskeyfield" in again.message
    assert service.close(ref, HEAD).ok
    service.deliver_due()
    assert [n.notice_type for n in slack.inbox(STAFF.user_id)] == ["acknowledged", "closed"]
    assert service.list_for_recipient(HEAD)[0].status == "closed"


def test_listings_show_each_person_only_their_own(service, slack):
    ref_c = submit(service)
    ref_about_head = submit(service, about_headteacher=True)
    ref_r = service.declare_relationship(
        DeclarationForm("Amy Jones", "Reception", "grandchild"), STAFF
    ).reference

    assert [s.reference for s in service.list_for_recipient(HEAD)] == [ref_r, ref_c]
    assert [s.reference for s in service.list_for_recipient(CHAIR)] == [ref_about_head]
    assert [s.reference for s in service.list_for_submitter(STAFF)] == [
        ref_r,
        ref_about_head,
        ref_c,
    ]
    assert service.list_for_submitter(STRANGER) == []
    assert service.list_for_recipient(STRANGER) == []
    declaration = service.list_for_recipient(HEAD)[0]
    assert (declaration.kind, declaration.label) == ("declaration", "Grandchild")


def test_views_are_audited(service, slack):
    ref = submit(service)
    service.get(ref, HEAD)
    rows = service.store.query("SELECT action FROM audit WHERE reference = ? ORDER BY id", [ref])
    assert [r["action"] for r in rows] == ["create", "view"]
