"""A confirmation is of a policy version, whichever round's button was pressed: after the head
sends the same version again, "who has confirmed version X" is one answer in every round of X,
in the head's view, the receipts export and the reminders. Rounds recorded before this rule are
brought in line when the database is upgraded."""

from __future__ import annotations

import csv
import io

import sqlite_utils
from cryptography.fernet import Fernet

from bot.cli import main
from bot.migrations import migrations
from bot.reports import audit
from bot.store import Store

from .conftest import ANN, BOB, HEAD, STAFF


def progress(staffed, reference):
    p = staffed.progress(HEAD, reference)
    return p, {r.name: r for r in p.rows}


def test_confirming_in_the_newer_round_confirms_in_the_older_one_too(
    staffed, slack, service, clock
):
    first = staffed.publish(HEAD, "dress code", "all", "2026-12-18")
    service.deliver_due()
    staffed.confirm(STAFF, first.reference)  # Sam confirms at once
    clock.advance(days=3)
    again = staffed.publish(HEAD, "dress code", "all", "2026-12-18")  # the same version, resent
    assert (again.version, again.already_confirmed, again.sent_to) == (first.version, 1, 2)
    service.deliver_due()
    clock.advance(hours=1)

    ann = staffed.confirm(ANN, again.reference)  # Ann presses the new message's button

    for reference in (first.reference, again.reference):
        p, rows = progress(staffed, reference)
        assert rows["Ann Teacher"].confirmed_at == ann.confirmed_at == "2026-11-28T10:00:00Z"
        assert rows["Ann Teacher"].confirmed_in == again.reference
        assert "Ann Teacher" not in p.outstanding
    first_view, _ = progress(staffed, first.reference)
    assert first_view.summary == "2 of 4 confirmed; outstanding: Bob Support, Gina Governor"
    counts = {c.reference: (c.confirmed, c.total) for c in staffed.campaigns(HEAD)}
    assert counts == {first.reference: (2, 4), again.reference: (1, 3)}  # Sam was not resent


def test_pressing_the_older_messages_button_confirms_the_newer_round_and_stops_its_reminders(
    staffed, slack, service, clock
):
    first = staffed.publish(HEAD, "dress code", "all", "2026-12-18")
    again = staffed.publish(HEAD, "dress code", "teaching", "2026-12-18")
    service.deliver_due()

    bob = staffed.confirm(BOB, first.reference)  # support: only in the first round
    ann = staffed.confirm(ANN, first.reference)  # the old message's button

    _, rows = progress(staffed, again.reference)
    assert rows["Ann Teacher"].confirmed_at == ann.confirmed_at
    assert rows["Ann Teacher"].confirmed_in == first.reference
    assert staffed.confirm(ANN, again.reference).message.startswith(
        "You already confirmed 'Staff Dress Code'"
    )
    assert bob.ok and "Bob Support" not in progress(staffed, again.reference)[1]
    # up to the due date, the only person ever reminded (in either round) is Sam
    clock.advance(days=23)
    staffed.send_reminders()
    service.deliver_due()
    reminded = {
        to.user_id
        for to, notice in slack.delivered.values()
        if notice.notice_type == "policy_reminder"
    }
    assert reminded == {STAFF.user_id}
    # one press each, in the audit log, naming every round it counts for
    with staffed.store.read() as db:
        confirms = [e for e in audit.entries(staffed.store, db) if e.action == "confirm"]
    assert len(confirms) == 2
    assert f"(counts for {first.reference}, {again.reference})" in confirms[-1].detail


def test_the_receipts_export_gives_the_same_answer_for_every_round_of_a_version(
    staffed, service, clock, capsys
):
    first = staffed.publish(HEAD, "dress code", "all", "2026-12-18")
    again = staffed.publish(HEAD, "dress code", "all", "2026-12-18")
    staffed.confirm(ANN, again.reference)

    assert main(["policies", "receipts", "dress code", "--csv"], clock=clock) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    ann = [r for r in rows if r["name"] == "Ann Teacher"]
    assert [(r["round"], r["confirmed_at"], r["confirmed_in"]) for r in ann] == [
        (first.reference, "2026-11-25T09:00:00Z", again.reference),
        (again.reference, "2026-11-25T09:00:00Z", again.reference),
    ]
    assert main(["policies", "receipts", "dress code"], clock=clock) == 0
    out = capsys.readouterr().out
    assert out.count("1 of 4 confirmed; outstanding: Bob Support, Gina Governor, Sam Teacher") == 2


def test_rounds_recorded_before_the_rule_are_brought_in_line_when_the_database_is_upgraded(
    tmp_path,
):
    key = Fernet.generate_key()
    path = tmp_path / "policybot.db"
    old = sqlite_utils.Database(path)
    migrations.apply(old, stop_before="m007_confirmations_per_version")
    old["policy_versions"].insert({"id": 1, "title": "Staff Dress Code", "content_hash": "ab" * 32,
                                   "clauses": "[]", "created_at": "2026-11-01T09:00:00Z"})  # fmt: skip
    for cid, reference in ((1, "RU-2026-0001"), (2, "RU-2026-0002")):
        old["campaigns"].insert({"id": cid, "reference": reference, "version_id": 1,
                                 "audience": "all", "due": "2026-12-18",
                                 "created_at": f"2026-11-0{cid}T09:00:00Z"})  # fmt: skip
    recipients = [  # (round, number, person, confirmed_at)
        (1, 1, "ann", None),  # Ann confirmed only in the second round
        (2, 1, "ann", "2026-11-03T10:00:00Z"),
        (1, 2, "bob", "2026-11-01T11:00:00Z"),  # Bob, in the first
        (2, 2, "bob", None),
        (1, 3, "sam", None),  # Sam never did
    ]
    for campaign, number, person, at in recipients:
        old["campaign_recipients"].insert({"campaign_id": campaign, "number": number,
                                           "person_tag": person, "sealed": "x",
                                           "confirmed_at": at})  # fmt: skip
    old.close()

    store = Store(path, key)

    assert "m007_confirmations_per_version" in store.applied_migrations()
    rows = store.query(
        "SELECT c.reference, r.person_tag, r.confirmed_at, r.confirmed_round "
        "FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id "
        "ORDER BY r.person_tag, c.reference"
    )
    assert [tuple(r.values()) for r in rows] == [
        ("RU-2026-0001", "ann", "2026-11-03T10:00:00Z", "RU-2026-0002"),
        ("RU-2026-0002", "ann", "2026-11-03T10:00:00Z", "RU-2026-0002"),
        ("RU-2026-0001", "bob", "2026-11-01T11:00:00Z", "RU-2026-0001"),
        ("RU-2026-0002", "bob", "2026-11-01T11:00:00Z", "RU-2026-0001"),
        ("RU-2026-0001", "sam", None, None),
    ]
    store.close()
