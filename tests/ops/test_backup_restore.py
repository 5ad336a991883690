"""Backup while the service is live, restore into a fresh data directory: every record,
note, delivery and audit entry comes back and the audit chain verifies."""

from __future__ import annotations

import sqlite3
import stat

import pytest
from cryptography.fernet import Fernet

import bot.cli
from bot.reports.evidence import IncomingFile
from bot.reports.models import ConcernForm, DeclarationForm
from bot.store import Store
from tests.evidence_files import png
from tests.reports.conftest import DSL, HEAD, STAFF

TABLES = ("reports", "notes", "outbox", "counters", "evidence")
SHOT = png("MARKER-backup-screenshot", size=48)


def snapshot(settings) -> dict[str, list[dict]]:
    store = Store(settings.db_path, settings.key, key_source=settings.key_source)
    try:
        out = {t: store.query(f"SELECT * FROM {t} ORDER BY rowid") for t in TABLES}
        out["audit"] = store.query("SELECT * FROM audit ORDER BY id")
        return out
    finally:
        store.close()


@pytest.fixture
def filled(service, slack, clock):
    """A school with history: a concern (acknowledged, with a note and a screenshot), a
    declaration, a safeguarding concern, all delivered."""
    first = service.submit_concern(
        ConcernForm("contact_with_student", "Messages from a parent late at night"), STAFF
    )
    service.declare_relationship(DeclarationForm("Pupil Name", "Year 4", "niece_nephew"), STAFF)
    service.submit_concern(
        ConcernForm("radicalisation", "A child said something worrying", immediate_risk=True), STAFF
    )
    service.evidence.attach(first.reference, STAFF, [IncomingFile("late-night.png", SHOT)])
    service.deliver_due()
    service.acknowledge(first.reference, HEAD)
    service.add_note(first.reference, HEAD, "Spoke to the member of staff")
    clock.advance(minutes=5)
    service.deliver_due()
    service.get(first.reference, DSL)  # a refused view still leaves the record as it was
    return service


def test_backup_then_restore_into_a_fresh_data_dir(
    filled, settings, school, tmp_path, monkeypatch, capsys
):
    before = snapshot(settings)
    assert len(before["reports"]) == 3 and before["notes"] and len(before["audit"]) > 5

    dest = tmp_path / "offsite" / "policybot-backup.db"
    dest.parent.mkdir()
    assert bot.cli.main(["backup", str(dest)]) == 0  # while the service's connection is open
    out, err = capsys.readouterr()
    assert "3 reports" in out
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert "useless without the encryption key" in err and "separately" in err

    fresh = tmp_path / "new-server-data"
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(fresh))
    assert bot.cli.main(["restore", str(dest)]) == 0
    out, _ = capsys.readouterr()
    assert "Audit log verified" in out

    restored = settings.__class__(**{**settings.__dict__, "data_dir": fresh})
    after = snapshot(restored)
    for table in TABLES:
        assert after[table] == before[table], table
    # Every audit entry is back, plus the restore's own verification at the end.
    assert after["audit"][: len(before["audit"])] == before["audit"]
    assert [r["action"] for r in after["audit"][len(before["audit"]) :]] == ["verify"]
    assert stat.S_IMODE((fresh / "policybot.db").stat().st_mode) == 0o600

    assert bot.cli.main(["audit", "verify"]) == 0
    # And the reports read back with the same key.
    assert bot.cli.main(["reports", "show", before["reports"][0]["reference"]]) == 0
    assert "Messages from a parent late at night" in capsys.readouterr().out


def test_a_backup_carries_the_evidence_sealed_and_a_restore_gives_it_back_byte_for_byte(
    filled, settings, tmp_path, monkeypatch, capsys
):
    dest = tmp_path / "offsite" / "policybot-backup.db"
    dest.parent.mkdir()
    assert bot.cli.main(["backup", str(dest)]) == 0
    raw = dest.read_bytes()
    assert b"MARKER-" not in raw and b"late-night" not in raw
    for start in range(0, len(SHOT) - 16, 8):  # no run of 16 of the file's bytes
        assert SHOT[start : start + 16] not in raw, start

    fresh = tmp_path / "new-server-data"
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(fresh))
    assert bot.cli.main(["restore", str(dest)]) == 0
    reference = snapshot(settings)["reports"][0]["reference"]
    out = tmp_path / "files"
    assert bot.cli.main(["reports", "evidence", reference, "--out", str(out)]) == 0
    assert (out / "1-late-night.png").read_bytes() == SHOT


def test_restore_refuses_to_overwrite_unless_forced_and_keeps_the_old_one(
    filled, settings, tmp_path, capsys
):
    dest = tmp_path / "b.db"
    assert bot.cli.main(["backup", str(dest)]) == 0
    assert bot.cli.main(["restore", str(dest)]) == 1
    assert "--force" in capsys.readouterr().err

    assert bot.cli.main(["restore", "--force", str(dest)]) == 0
    kept = list(settings.data_dir.glob("policybot.db.pre-restore-*"))
    assert len(kept) == 1
    out = capsys.readouterr().out
    assert "kept as" in out and "Audit log verified" in out


def test_restore_with_the_wrong_key_is_refused_before_touching_anything(
    filled, tmp_path, monkeypatch, capsys
):
    dest = tmp_path / "b.db"
    assert bot.cli.main(["backup", str(dest)]) == 0
    fresh = tmp_path / "fresh"
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(fresh))
    monkeypatch.delenv("POLICYBOT_KEY_FILE")
    monkeypatch.setenv("POLICYBOT_KEY", Fernet.generate_key().decode())
    assert bot.cli.main(["restore", str(dest)]) == 1
    assert "does not decrypt" in capsys.readouterr().err
    assert not (fresh / "policybot.db").exists()


def test_restore_refuses_a_file_that_is_not_a_database(school, tmp_path, capsys):
    junk = tmp_path / "junk.db"
    junk.write_text("this is not sqlite")
    assert bot.cli.main(["restore", str(junk)]) == 1
    assert "not a policybot backup" in capsys.readouterr().err


def test_a_tampered_backup_restores_but_fails_audit_verification(
    filled, tmp_path, monkeypatch, capsys
):
    dest = tmp_path / "b.db"
    assert bot.cli.main(["backup", str(dest)]) == 0
    conn = sqlite3.connect(dest)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("UPDATE audit SET actor = 'slack:U0SOMEONE' WHERE id = 2")
    conn.commit()
    conn.close()
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(tmp_path / "fresh"))
    assert bot.cli.main(["restore", str(dest)]) == 1
    assert "FAILED verification" in capsys.readouterr().err


def test_backup_with_no_database_yet_says_so(school, tmp_path, capsys):
    assert bot.cli.main(["backup", str(tmp_path / "b.db")]) == 1
    assert "nothing to back up" in capsys.readouterr().err


def test_the_teams_references_and_feedback_votes_come_back_with_a_restore(
    filled, settings, tmp_path, monkeypatch, capsys
):
    from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference

    from bot.feedback import FeedbackLog
    from handlers.teams.references import ReferenceStore

    teams = ReferenceStore(settings.data_dir / "teams.db", settings.key)
    teams.remember(
        ConversationReference(
            service_url="https://smba.example/", bot=ChannelAccount(id="28:bot"),
            user=ChannelAccount(id="29:1-head", name="Kate", aad_object_id="head-aad-id"),
            conversation=ConversationAccount(id="a:1-head-chat", conversation_type="personal"),
        )
    )  # fmt: skip
    votes = FeedbackLog(settings.data_dir / "feedback.db", settings.key)
    votes.record(question="Can I drive a pupil home?", helpful=False, platform="teams", user_id="x")

    dest = tmp_path / "b.db"
    assert bot.cli.main(["backup", str(dest)]) == 0  # while both files are open
    assert "with teams.db and feedback.db" in capsys.readouterr().out
    teams.close()
    votes.close()

    fresh = tmp_path / "new-server-data"
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(fresh))
    assert bot.cli.main(["restore", str(dest)]) == 0
    assert "Restored teams.db and feedback.db beside it." in capsys.readouterr().out

    for name in ("policybot.db", "teams.db", "feedback.db"):
        assert stat.S_IMODE((fresh / name).stat().st_mode) == 0o600, name
    back = ReferenceStore(fresh / "teams.db", settings.key)
    assert back.find("head-aad-id").personal.conversation.id == "a:1-head-chat"
    back.close()
    assert [q.question for q in FeedbackLog(fresh / "feedback.db", settings.key).unclear()] == [
        "Can I drive a pupil home?"
    ]
    with sqlite3.connect(fresh / "policybot.db") as db:  # the carrier table stays in the backup
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    assert not any("companion" in n for n in names)


def test_restoring_an_older_backup_says_in_the_log_how_far_it_had_reached(
    filled, settings, tmp_path, capsys
):
    dest = tmp_path / "older.db"
    assert bot.cli.main(["backup", str(dest)]) == 0
    filled.submit_concern(ConcernForm("other", "After the backup."), STAFF)
    filled.store.close()
    assert bot.cli.main(["restore", "--force", str(dest)]) == 0
    assert bot.cli.main(["audit", "verify"]) == 0  # the restored log is the log now

    store = Store(settings.db_path, settings.key, key_source=settings.key_source)
    from bot.reports import audit

    with store.read() as db:
        restored, anchored, _ = audit.entries(store, db)[-3:]  # before verify's own entry
    store.close()
    assert restored.action == "verify" and "the log had reached row" in restored.detail
    # The restored log's head is kept outside the database from here on: a new anchor,
    # recorded as such, not a reset that verify would report.
    assert anchored.action == "anchor" and "after a restore from older.db" in anchored.detail
