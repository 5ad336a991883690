"""The head sends a policy to staff; each confirms once; the head sees who is outstanding."""

from __future__ import annotations

import sqlite3

import pytest

from bot.campaigns.models import CampaignError
from bot.campaigns.service import CampaignService
from bot.corpus.loader import load_corpus
from bot.reports import audit

from .conftest import ANN, BOB, HEAD, STAFF, STRANGER, review


def audit_actions(store):
    with store.read() as db:
        return [e.action for e in audit.entries(store, db)]


def test_each_member_of_staff_is_sent_the_policy_with_a_button_to_confirm(staffed, slack, service):
    receipt = staffed.publish(HEAD, "dress code", "all", "2026-12-04", "Please read before Monday")
    service.deliver_due()

    assert receipt.reference == "RU-2026-0001"
    assert (receipt.sent_to, receipt.no_account) == (3, 1)  # Gina has no chat account
    assert "1 have no Slack or Teams account" in receipt.message
    (dm,) = slack.inbox(STAFF.user_id)
    assert dm.title == "Please read: Staff Dress Code"
    assert dict(dm.lines)["Due"] == "2026-12-04"
    assert dict(dm.lines)["Message"] == "Please read before Monday"
    assert f"(version {receipt.version})" in dict(dm.lines)["Version"]
    assert dm.actions == ("confirm_read", "read_policy")
    assert "What changed" not in dict(dm.lines)  # a first version: nothing to compare with
    assert len(slack.inbox(ANN.user_id)) == len(slack.inbox(BOB.user_id)) == 1


def test_a_group_gets_it_and_nobody_else(staffed, slack, service):
    receipt = staffed.publish(HEAD, "Staff Dress Code", "support", "2026-12-04")
    service.deliver_due()
    assert receipt.sent_to == 1
    assert slack.inbox(BOB.user_id) and not slack.inbox(STAFF.user_id)


def test_confirming_is_recorded_once_with_its_time_and_audited(staffed, slack, service, clock):
    ref = staffed.publish(HEAD, "dress code", "all", "2026-12-04").reference
    service.deliver_due()
    clock.advance(minutes=30)

    first = staffed.confirm(STAFF, ref)
    again = staffed.confirm(STAFF, ref)

    assert first.ok and "read and understood 'Staff Dress Code'" in first.message
    assert first.confirmed_at == "2026-11-25T09:30:00Z"
    assert again.ok and "already confirmed" in again.message
    assert audit_actions(staffed.store).count("confirm") == 1
    progress = staffed.progress(HEAD, ref)
    assert (
        progress.summary == "1 of 4 confirmed; outstanding: Ann Teacher, Bob Support, Gina Governor"
    )
    sam = next(r for r in progress.rows if r.name == "Sam Teacher")
    assert sam.sent_at == "2026-11-25T09:00:00Z" and sam.confirmed_at == "2026-11-25T09:30:00Z"


def test_reading_the_policy_shows_its_clauses_and_records_it_as_opened(staffed, service):
    ref = staffed.publish(HEAD, "dress code", "all", "2026-12-04").reference
    title, clauses = staffed.clauses(ANN, ref)
    assert title == "Staff Dress Code"
    assert ("Jewellery", "Large hooped earrings must not be worn when teaching PE.") in clauses
    ann = next(r for r in staffed.progress(HEAD, ref).rows if r.name == "Ann Teacher")
    assert ann.opened_at == "2026-11-25T09:00:00Z"


def test_staff_see_only_their_own_rounds_and_never_the_progress(staffed):
    ref = staffed.publish(HEAD, "dress code", "teaching", "2026-12-04").reference
    (mine,) = staffed.my_campaigns(ANN)
    assert (mine.reference, mine.confirmed_at) == (ref, "")
    assert staffed.my_campaigns(BOB) == []  # support staff were not sent it
    with pytest.raises(CampaignError, match="Only the Headteacher"):
        staffed.progress(ANN, ref)
    with pytest.raises(CampaignError, match="Only the Headteacher"):
        staffed.receipts(ANN, "dress code")
    refused = staffed.confirm(BOB, ref)
    assert not refused.ok and "no policy RU-2026-0001 sent to you" in refused.message
    assert not staffed.confirm(STRANGER, ref).ok
    with pytest.raises(CampaignError):
        staffed.clauses(STRANGER, ref)


def test_only_the_head_publishes_unless_the_config_allows_another_role(staffed, settings):
    from dataclasses import replace

    from .conftest import DSL

    with pytest.raises(CampaignError, match="Only the Headteacher can send policies"):
        staffed.publish(DSL, "dress code", "all", "2026-12-04")
    staffed.reports.settings = replace(
        settings, campaign_publishers=("headteacher", "safeguarding_lead")
    )
    assert staffed.publish(DSL, "dress code", "all", "2026-12-04").sent_to == 3


def test_an_edited_policy_is_a_new_round_that_lists_what_changed_and_keeps_the_old_record(
    staffed, slack, service, handbook, clock
):
    first = staffed.publish(HEAD, "dress code", "all", "2026-12-04")
    service.deliver_due()
    staffed.confirm(STAFF, first.reference)
    review(handbook)
    clock.advance(days=1)

    second = staffed.publish(HEAD, "dress code", "all", "2026-12-11")
    service.deliver_due()

    assert second.new_version and second.version != first.version
    sam_new = slack.inbox(STAFF.user_id)[-1]
    assert sam_new.reference.startswith(second.reference)
    changes = sam_new.lines[
        sam_new.lines.index(("What changed", "3 clauses since the version you confirmed")) + 1 :
    ]
    assert changes == [
        (
            "Reworded Expectations, item 2",
            "Trainers may be worn for PE lessons, sports day and forest school.",
        ),
        ("Added Expectations, item 3", "Lanyards must be worn at all times on site."),
        ("Removed Jewellery", "Large hooped earrings must not be worn when teaching PE."),
    ]
    # Ann never confirmed the first version: she is sent the new one without a comparison.
    assert "What changed" not in dict(slack.inbox(ANN.user_id)[-1].lines)
    # The first round's record stands as it was.
    assert staffed.progress(HEAD, first.reference).confirmed == 1
    assert staffed.progress(HEAD, second.reference).confirmed == 0
    assert [p.reference for p in staffed.receipts(HEAD, "dress code")] == [
        first.reference,
        second.reference,
    ]


def test_sending_the_same_version_again_skips_who_already_confirmed_it(staffed, service):
    first = staffed.publish(HEAD, "dress code", "all", "2026-12-04")
    staffed.confirm(STAFF, first.reference)
    again = staffed.publish(HEAD, "dress code", "all", "2026-12-04")
    assert (again.sent_to, again.already_confirmed, again.new_version) == (2, 1, False)


def test_the_same_publish_form_sent_again_after_a_restart_sends_nothing_twice(
    staffed, open_service, settings, slack
):
    first = staffed.publish(HEAD, "dress code", "all", "2026-12-04", submission_key="card-7f3a")
    assert not first.repeated

    restarted = CampaignService(open_service(), handbook=lambda: load_corpus(settings.corpus_dir))
    again = restarted.publish(HEAD, "dress code", "all", "2026-12-04", submission_key="card-7f3a")
    assert again.repeated and again.reference == first.reference
    assert (again.sent_to, again.version) == (first.sent_to, first.version)
    assert len(restarted.campaigns(HEAD)) == 1
    # the same card from someone else, or a new card, is a publish of its own
    other = restarted.publish(HEAD, "dress code", "all", "2026-12-04", submission_key="card-9b2c")
    assert not other.repeated and other.reference != first.reference
    # the form's id is stored only as a keyed hash
    assert "card-7f3a" not in settings.db_path.read_bytes().decode("latin-1")


@pytest.mark.parametrize(
    ("policy", "audience", "due", "error"),
    [
        (
            "fire drill",
            "all",
            "2026-12-04",
            "There is no policy called 'fire drill' in the handbook. Policies: Staff Dress Code",
        ),
        ("dress code", "volunteers", "2026-12-04", "Nobody is in the audience 'volunteers'"),
        (
            "dress code",
            "parents",
            "2026-12-04",
            "Unknown audience 'parents': use one of all, teaching",
        ),
        ("dress code", "all", "2026-11-24", "The due date 2026-11-24 is in the past"),
        (
            "dress code",
            "all",
            "next friday",
            "'next friday' is not a date: give the due date as YYYY-MM-DD",
        ),
    ],
)
def test_bad_input_is_refused_with_what_to_fix_and_nothing_is_sent(
    staffed, settings, policy, audience, due, error
):
    with pytest.raises(CampaignError, match=error):
        staffed.publish(HEAD, policy, audience, due)
    with sqlite3.connect(settings.db_path) as db:
        assert db.execute("SELECT COUNT(*) FROM campaigns").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM campaign_recipients").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0


def test_a_copy_of_the_database_names_no_member_of_staff(staffed, service, settings):
    ref = staffed.publish(HEAD, "dress code", "all", "2026-12-04", "Thanks, Kate").reference
    service.deliver_due()
    staffed.confirm(ANN, ref)
    store = staffed.store
    with store._lock:
        store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = settings.db_path.read_bytes()
    for secret in (b"Ann Teacher", b"U0ANN0001", b"ann@hilltop", b"Gina", b"Thanks, Kate"):
        assert secret not in raw
