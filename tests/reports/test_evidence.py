"""Evidence on a concern, in the core: a screenshot and a PDF reach exactly the people the
concern went to, byte for byte; a file is judged by its content, its size and how many came
with it, and whatever is refused is named to its sender; an indecent-images concern never
keeps a file; the files are deleted after the retention period, with a fake clock."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import EvidenceLimits
from bot.reports.evidence import IncomingFile
from bot.reports.models import Actor, ConcernForm, DeclarationForm, Evidence
from tests.evidence_files import pdf, png

from .conftest import CHAIR, DSL, HEAD, STAFF, STAFF_TEAMS, STRANGER, FakeNotifier

SHOT = png("MARKER-screenshot-of-the-group-chat")
LETTER = pdf("MARKER-letter-from-the-parent")


def files_for(notifier: FakeNotifier, user_id: str) -> dict[str, bytes]:
    """What reached this person as files: name -> bytes."""
    return {
        f.name: f.content
        for n in notifier.inbox(user_id)
        if n.notice_type == "evidence"
        for f in n.files
    }


def stored_rows(service) -> int:
    return service.store.query("SELECT COUNT(*) AS n FROM evidence")[0]["n"]


def audit_actions(service) -> list[str]:
    return [r["action"] for r in service.store.query("SELECT action FROM audit ORDER BY id")]


def test_a_screenshot_and_a_pdf_reach_exactly_the_head_byte_for_byte(service, slack):
    receipt = service.submit_concern(ConcernForm("cyberbullying", "Group chat abuse."), STAFF)
    assert receipt.accepts_evidence
    result = service.evidence.attach(
        receipt.reference,
        STAFF,
        [IncomingFile("chat.png", SHOT), IncomingFile("letter.pdf", LETTER)],
    )
    service.deliver_due()

    assert result.ok and result.refused == ()
    assert "2 file(s) received for " + receipt.reference in result.message
    assert "chat.png (PNG image" in result.message and "letter.pdf (PDF document" in result.message
    assert files_for(slack, HEAD.user_id) == {"chat.png": SHOT, "letter.pdf": LETTER}
    for nobody in (CHAIR, DSL, STAFF, STRANGER):
        assert files_for(slack, nobody.user_id) == {}
    notice = next(n for n in slack.inbox(HEAD.user_id) if n.notice_type == "evidence")
    assert ("Type", "PNG image") in notice.lines and notice.title.startswith("Evidence 1 for")
    assert "evidence" in audit_actions(service)


def test_the_files_of_a_concern_about_the_head_go_to_the_chair_never_the_head(service, slack):
    receipt = service.submit_concern(
        ConcernForm("trolling", "Posts by the head.", about_headteacher=True), STAFF
    )
    service.evidence.attach(receipt.reference, STAFF, [IncomingFile("post.png", SHOT)])
    service.deliver_due()
    assert files_for(slack, CHAIR.user_id) == {"post.png": SHOT}
    assert files_for(slack, HEAD.user_id) == {}


def test_an_urgent_concern_sends_its_files_to_the_dsl_too(service, slack):
    receipt = service.submit_concern(
        ConcernForm("cyberbullying", "Threats.", immediate_risk=True), STAFF
    )
    service.evidence.attach(receipt.reference, STAFF, [IncomingFile("threat.png", SHOT)])
    service.deliver_due()
    assert files_for(slack, HEAD.user_id) == files_for(slack, DSL.user_id) == {"threat.png": SHOT}


def test_a_file_is_judged_by_its_content_and_every_refusal_is_named(service, slack, settings):
    service.settings = dataclasses.replace(
        settings, evidence=EvidenceLimits(max_files=3, max_file_mb=1)
    )
    receipt = service.submit_concern(ConcernForm("trolling", "Posts."), STAFF)
    result = service.evidence.attach(
        receipt.reference,
        STAFF,
        [
            IncomingFile("looks-like-a.pdf", SHOT),  # a PNG, whatever its name says
            IncomingFile("macro.docm", b"PK\x03\x04 a zipped Word file"),
            IncomingFile("huge.png", png() + b"\0" * (1024 * 1024)),
            IncomingFile("lost.png", None),
            IncomingFile("../../etc/passwd\x07.pdf", LETTER),
            IncomingFile("fourth.png", SHOT),
        ],
    )
    kept = [(f.name, f.media_type) for f in result.received]
    assert kept == [
        ("looks-like-a.pdf", "image/png"),  # a PNG, whatever its name says
        ("passwd.pdf", "application/pdf"),  # no path, no control character
        ("fourth.png", "image/png"),
    ]
    message = result.message
    assert "macro.docm (not a screenshot or PDF" in message
    assert "huge.png (1.0 MB; the limit is 1 MB)" in message
    assert "lost.png (it could not be downloaded" in message
    assert set(result.refused) == {"macro.docm", "huge.png", "lost.png"}

    more = service.evidence.attach(receipt.reference, STAFF, [IncomingFile("a.png", SHOT)])
    assert not more.ok and "a.png (a concern carries at most 3 files)" in more.message
    assert stored_rows(service) == 3
    assert service.submit_concern(ConcernForm("other", "Still filed."), STAFF).reference


def test_an_indecent_images_concern_never_keeps_a_file_nor_its_name(service, slack):
    form = ConcernForm(
        "indecent_images", "Saw an image on a pupil's phone.", evidence=[Evidence("x.png", "F1")]
    )
    receipt = service.submit_concern(form, STAFF)
    assert not receipt.accepts_evidence
    assert "Do not copy, screenshot, save or forward the image" in receipt.message
    assert "the Headteacher must be informed immediately" in receipt.message

    result = service.evidence.attach(receipt.reference, STAFF, [IncomingFile("x.png", SHOT)])
    assert not result.ok and result.refused == ("x.png",)
    assert "None of the files was kept" in result.message
    assert stored_rows(service) == 0
    service.deliver_due()
    detail = service.get(receipt.reference, HEAD)
    assert "x.png" not in str(detail.fields) and detail.evidence == []
    assert all(n.notice_type != "evidence" for n in slack.inbox(HEAD.user_id))
    assert "x.png" not in str(slack.inbox(HEAD.user_id))


def test_only_the_sender_adds_files_and_never_to_a_closed_record(service, slack):
    receipt = service.submit_concern(ConcernForm("trolling", "Posts."), STAFF)
    declared = service.declare_relationship(DeclarationForm("Amy", "Y2", "child"), STAFF)
    for reference, who in ((receipt.reference, HEAD), (receipt.reference, STRANGER),
                           (declared.reference, STAFF), ("C-2026-0000", STAFF)):  # fmt: skip
        result = service.evidence.attach(reference, who, [IncomingFile("a.png", SHOT)])
        assert not result.ok and "Only the person who sent a concern" in result.message
    service.deliver_due()
    assert service.close(receipt.reference, HEAD).ok
    closed = service.evidence.attach(receipt.reference, STAFF, [IncomingFile("a.png", SHOT)])
    assert not closed.ok and "is closed" in closed.message
    assert stored_rows(service) == 0


def test_on_teams_files_sent_after_filing_go_to_that_concern_until_the_window_closes(
    service, clock
):
    teams = FakeNotifier("teams")
    service.register_notifier(teams)
    stray = service.evidence.attach_sent(STAFF_TEAMS, [IncomingFile("early.png", SHOT)])
    assert not stray.ok and "press Add evidence" in stray.message

    receipt = service.submit_concern(ConcernForm("trolling", "Posts."), STAFF_TEAMS)
    sent = service.evidence.attach_sent(STAFF_TEAMS, [IncomingFile("now.png", SHOT)])
    assert sent.ok and sent.received[0].reference == receipt.reference

    clock.advance(minutes=11)
    late = service.evidence.attach_sent(STAFF_TEAMS, [IncomingFile("late.png", SHOT)])
    assert not late.ok and late.refused == ("late.png",)
    assert service.evidence.open_window(receipt.reference, STAFF_TEAMS).ok
    again = service.evidence.attach_sent(STAFF_TEAMS, [IncomingFile("late.png", SHOT)])
    assert again.ok and [f.number for f in again.received] == [2]
    assert not service.evidence.open_window(receipt.reference, STRANGER).ok


def test_files_follow_an_escalation_to_the_next_role(service, clock):
    slack = FakeNotifier("slack", refused={HEAD.user_id: "user_not_found"})
    service.register_notifier(slack)
    receipt = service.submit_concern(ConcernForm("radicalisation", "Leaflets."), STAFF)
    service.evidence.attach(receipt.reference, STAFF, [IncomingFile("leaflet.png", SHOT)])
    service.deliver_due()
    service.deliver_due()
    assert files_for(slack, DSL.user_id) == {"leaflet.png": SHOT}
    assert files_for(slack, CHAIR.user_id) == {"leaflet.png": SHOT}  # escalated from the head


def test_files_are_deleted_after_the_retention_period_and_the_record_says_when(
    service, slack, clock, capsys
):
    receipt = service.submit_concern(ConcernForm("trolling", "Posts."), STAFF)
    service.evidence.attach(receipt.reference, STAFF, [IncomingFile("post.png", SHOT)])
    service.deliver_due()
    assert service.close(receipt.reference, HEAD).ok
    closed_on = clock.now

    assert service.evidence.delete_expired(closed_on + timedelta(days=29)) == 0
    service.deliver_due(clock.advance(days=30, minutes=1))  # the worker's pass deletes them
    (row,) = service.store.query("SELECT content, deleted_at FROM evidence")
    assert row["content"] is None and row["deleted_at"].startswith("2026-12-25")
    assert "evidence_delete" in audit_actions(service)

    assert main(["reports", "show", receipt.reference], clock=clock) == 0
    out = capsys.readouterr().out
    assert "Evidence 1: post.png (PNG image" in out
    assert "evidence deleted on 2026-12-25 (30 days after closing)" in out
    assert main(["reports", "evidence", receipt.reference, "--out", "/nonexistent"]) == 0
    assert "was deleted on 2026-12-25" in capsys.readouterr().err


def test_reports_evidence_writes_the_files_0600_for_a_recipient_and_is_audited(
    service, slack, tmp_path, capsys, settings
):
    receipt = service.submit_concern(ConcernForm("trolling", "Posts."), STAFF)
    service.evidence.attach(
        receipt.reference,
        STAFF,
        [IncomingFile("chat.png", SHOT), IncomingFile("notes.exe", LETTER)],
    )
    out = tmp_path / "evidence"

    assert main(["reports", "evidence", receipt.reference, "--out", str(out)]) == 0
    written = sorted(out.iterdir())
    assert [p.name for p in written] == ["1-chat.png", "2-notes.exe.pdf"]
    assert [p.read_bytes() for p in written] == [SHOT, LETTER]
    assert {p.stat().st_mode & 0o777 for p in written} == {0o600}
    assert out.stat().st_mode & 0o777 == 0o700
    with sqlite3.connect(settings.db_path) as db:
        (action, reference) = db.execute(
            "SELECT action, reference FROM audit ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert (action, reference) == ("evidence_open", receipt.reference)

    # the chair did not receive it: refused, nothing written, and it does not say it exists
    other = tmp_path / "chair"
    assert main(["reports", "--as", "chair_of_governors", "evidence", receipt.reference,
                 "--out", str(other)]) == 1  # fmt: skip
    assert f"There is no report {receipt.reference} that you can act on" in capsys.readouterr().err
    assert not other.exists()
    # never over an existing file
    assert main(["reports", "evidence", receipt.reference, "--out", str(out)]) == 1
    assert [p.read_bytes() for p in sorted(out.iterdir())] == [SHOT, LETTER]


def test_a_file_deleted_before_it_was_sent_is_never_sent(service, clock):
    slack = FakeNotifier("slack", unreachable={HEAD.user_id})
    service.register_notifier(slack)
    receipt = service.submit_concern(ConcernForm("trolling", "Posts."), STAFF)
    service.evidence.attach(receipt.reference, STAFF, [IncomingFile("post.png", SHOT)])
    assert service.close(receipt.reference, HEAD).ok
    assert service.evidence.delete_expired(clock.advance(days=40)) == 1
    slack.unreachable.clear()
    service.deliver_due(clock.advance(hours=1))
    assert files_for(slack, HEAD.user_id) == {}
    statuses = [s.status for s in service.delivery_status(receipt.reference)]
    assert statuses.count("failed") == 1  # the file's notice, refused for good


def test_a_new_head_gets_the_files_the_former_head_received(service, slack, clock, school):
    receipt = service.submit_concern(ConcernForm("trolling", "Posts."), STAFF)
    service.evidence.attach(receipt.reference, STAFF, [IncomingFile("post.png", SHOT)])
    service.deliver_due()
    config = Path(school["POLICYBOT_CONFIG"])
    config.write_text(config.read_text().replace(HEAD.user_id, "U0NEWHEAD"))
    from bot.config import load_settings

    service.settings = load_settings(school)
    assert service.reassign("headteacher", Actor("cli", display_name="IT", role="headteacher")).ok
    service.deliver_due()
    assert files_for(slack, "U0NEWHEAD") == {"post.png": SHOT}


def test_files_on_disk_are_never_world_readable(service, slack, settings):
    receipt = service.submit_concern(ConcernForm("trolling", "Posts."), STAFF)
    service.evidence.attach(receipt.reference, STAFF, [IncomingFile("post.png", SHOT)])
    for path in settings.data_dir.rglob("*"):
        if path.is_file():
            assert os.stat(path).st_mode & 0o077 == 0, path


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\xff\xd8\xff\xe0", "image/jpeg"),
        (b"GIF89a", "image/gif"),
        (b"RIFF\0\0\0\0WEBPVP8 ", "image/webp"),
        (b"\0\0\0\x18ftypheic", "image/heic"),
        (b"\n%PDF-1.7", "application/pdf"),
        (b"<html>", None),
        (b"MZ\x90\0", None),
    ],
)
def test_types_are_read_from_the_first_bytes(head, kind):
    from bot.reports.evidence import sniff

    assert sniff(head + b"\0" * 32) == kind


def test_what_staff_are_told_quotes_the_policy_word_for_word():
    import re

    from bot.reports.notices import INDECENT_IMAGES_GUIDANCE

    root = Path(__file__).resolve().parents[2]
    policy = " ".join((root / "policy_corpus" / "social-media-policy.txt").read_text().split())
    readme = (root / "README.md").read_text()
    section = readme.split("### Evidence: what to attach", 1)[1].split("\n### ", 1)[0]
    quotes = re.findall(r"[\"“]([A-Z][^\"”]{40,})[\"”]", " ".join(section.split()))
    quotes += re.findall(r"“([^”]+)”", INDECENT_IMAGES_GUIDANCE)
    assert len(quotes) == 4  # §9.i.b, §9.ii.b and §7.i in the README; §7.i in the guidance
    for quote in quotes:
        assert quote in policy, quote
