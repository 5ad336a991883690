"""The headteacher's command line, driven through `bot.cli.main` like a person would."""

import csv
import io
import json
import sqlite3

import pytest

from bot.cli import main
from bot.reports.models import ConcernForm, DeclarationForm

from .conftest import STAFF


@pytest.fixture
def reports(service, slack):
    """Two concerns (one about the head) and a declaration, already delivered."""
    refs = [
        service.submit_concern(
            ConcernForm("trolling", "Trolling on the PTA page."), STAFF
        ).reference,
        service.submit_concern(
            ConcernForm("other", "Concern about the head.", about_headteacher=True), STAFF
        ).reference,
        service.declare_relationship(
            DeclarationForm('=HYPERLINK("x")', "Year 2", "child", ["Facebook", "Instagram"]),
            STAFF,
        ).reference,
    ]
    service.deliver_due()
    return refs


def audit_actions(settings):
    with sqlite3.connect(settings.db_path) as db:
        return [r[0] for r in db.execute("SELECT action FROM audit ORDER BY id")]


def test_list_shows_the_heads_reports_but_not_the_one_about_them(reports, capsys, settings):
    concern, about_head, declaration = reports
    assert main(["reports", "list"]) == 0
    out = capsys.readouterr().out
    assert concern in out and declaration in out
    assert about_head not in out
    assert audit_actions(settings)[-1] == "list"


def test_list_json_as_the_chair(reports, capsys):
    assert main(["reports", "--as", "chair_of_governors", "list", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["reference"] == reports[1]
    assert row["about_headteacher"] is True


def test_show_ack_note_close(reports, capsys, settings):
    concern = reports[0]
    assert main(["reports", "show", concern.lower()]) == 0
    out = capsys.readouterr().out
    assert "Description: Trolling on the PTA page." in out
    assert "Delivery: headteacher on slack: sent" in out

    assert main(["reports", "ack", concern]) == 0
    assert f"You acknowledged {concern}" in capsys.readouterr().out
    assert main(["reports", "note", concern, "Phoned the parent."]) == 0
    assert main(["reports", "close", concern]) == 0
    capsys.readouterr()
    main(["reports", "show", concern])
    out = capsys.readouterr().out
    assert "Phoned the parent." in out and "Closed:" in out
    assert audit_actions(settings)[-5:] == ["view", "acknowledge", "note", "close", "view"]


def test_the_head_cannot_open_a_concern_about_themselves(reports, capsys):
    about_head = reports[1]
    assert main(["reports", "show", about_head]) == 1
    assert f"no report {about_head} that you can act on" in capsys.readouterr().err
    assert main(["reports", "ack", about_head]) == 1


def test_export_relationships_csv(reports, capsys, settings, tmp_path):
    assert main(["reports", "export", "relationships", "--csv"]) == 0
    (row,) = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert row["reference"] == reports[2]
    assert row["pupil"] == '\'=HYPERLINK("x")'  # no formula injection into spreadsheets
    assert row["relationship"] == "Child"
    assert row["social_media_contact"] == "Facebook; Instagram"
    assert row["declared_by"] == "Sam Teacher"
    assert audit_actions(settings)[-1] == "export"

    out = tmp_path / "register.csv"
    assert main(["reports", "export", "relationships", "--csv", "-o", str(out)]) == 0
    assert out.stat().st_mode & 0o777 == 0o600


def test_export_over_an_existing_readable_file_leaves_it_private(reports, tmp_path):
    out = tmp_path / "register.csv"
    out.write_text("last term's register\n")
    out.chmod(0o644)
    assert main(["reports", "export", "relationships", "-o", str(out)]) == 0
    assert out.stat().st_mode & 0o777 == 0o600
    assert reports[2] in out.read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_audit_verify_passes_then_names_an_edited_row(reports, capsys, settings):
    assert main(["audit", "verify"]) == 0
    assert "Audit log intact" in capsys.readouterr().out

    with sqlite3.connect(settings.db_path) as db:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("UPDATE audit SET actor = 'slack:U0NOBODY' WHERE id = 2")
        db.execute("DROP TRIGGER audit_no_update")  # someone with the file goes further
        db.execute("UPDATE audit SET actor = 'slack:U0NOBODY' WHERE id = 2")

    assert main(["audit", "verify"]) == 1
    assert "audit row 2 was changed" in capsys.readouterr().err


def test_audit_verify_names_a_deleted_row(reports, capsys, settings):
    with sqlite3.connect(settings.db_path) as db:
        db.execute("DROP TRIGGER audit_no_delete")
        db.execute("DELETE FROM audit WHERE id = 3")
    assert main(["audit", "verify"]) == 1
    assert "audit row 3 deleted" in capsys.readouterr().err


def test_audit_verify_notices_the_last_row_cut_off(reports, capsys, settings):
    with sqlite3.connect(settings.db_path) as db:
        (last,) = db.execute("SELECT MAX(id) FROM audit").fetchone()
        db.execute("DROP TRIGGER audit_no_delete")
        db.execute("DELETE FROM audit WHERE id = ?", [last])
    assert main(["audit", "verify"]) == 1
    assert f"audit row {last} deleted" in capsys.readouterr().err


def test_a_wrong_key_is_reported_plainly(reports, capsys, monkeypatch):
    from cryptography.fernet import Fernet

    monkeypatch.delenv("POLICYBOT_KEY_FILE")
    monkeypatch.setenv("POLICYBOT_KEY", Fernet.generate_key().decode())
    assert main(["reports", "list"]) == 2
    assert "does not match the key" in capsys.readouterr().err


def test_a_missing_key_is_reported_plainly(reports, capsys, monkeypatch):
    monkeypatch.delenv("POLICYBOT_KEY_FILE")
    assert main(["reports", "show", reports[0]]) == 2
    assert "No encryption key is configured" in capsys.readouterr().err


def test_key_generate_writes_a_private_key_file(school, tmp_path, capsys):
    path = tmp_path / "new.key"
    assert main(["key", "generate", "--file", str(path)]) == 0
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(path.read_text().strip()) == 44
    assert main(["key", "generate", "--file", str(path)]) == 1  # never overwrites a key
    assert main(["key", "generate"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()[-1]) == 44


def test_undelivered_lists_refused_and_overdue_notices_for_each_recipient(
    service, clock, capsys, settings
):
    from datetime import timedelta

    from .conftest import CHAIR, HEAD, FakeNotifier

    slack = FakeNotifier("slack", refused={CHAIR.user_id: "user_not_found"})
    slack.unreachable.add(HEAD.user_id)
    service.register_notifier(slack)
    now = clock.now  # the command line runs on the same clock (main(..., clock=))
    clock.now = now - timedelta(minutes=61)  # past undelivered_alert_minutes (60)
    overdue = service.submit_concern(ConcernForm("trolling", "Trolling."), STAFF).reference
    clock.now = now
    recent = service.submit_concern(ConcernForm("trolling", "More trolling."), STAFF).reference
    about_head = service.submit_concern(
        ConcernForm("other", "About the head.", about_headteacher=True), STAFF
    ).reference
    service.deliver_due()

    assert main(["reports", "undelivered"], clock=clock) == 1
    out = capsys.readouterr().out
    assert f"{overdue}  to headteacher on slack: unreachable, 61 min old" in out
    assert recent not in out  # still within the limit
    assert about_head not in out  # the head never learns a report about them exists
    assert main(["reports", "undelivered", "--all"], clock=clock) == 1
    assert f"{recent}  to headteacher on slack: unreachable, 0 min old" in capsys.readouterr().out

    assert main(["reports", "--as", "chair_of_governors", "undelivered"], clock=clock) == 1
    captured = capsys.readouterr()
    assert f"{about_head}  to chair_of_governors on slack: failed, 0 min old, 1 attempts" in (
        captured.out
    )
    assert "user_not_found" in captured.out
    assert "--as ROLE" in captured.err
    assert audit_actions(settings)[-1] == "list"

    assert main(["reports", "--as", "chair_of_governors", "close", about_head]) == 0
    capsys.readouterr()
    assert main(["reports", "--as", "chair_of_governors", "undelivered"], clock=clock) == 0
    assert "No undelivered notice needs attention" in capsys.readouterr().out


def test_history_tells_a_recipient_who_did_what_and_no_one_else(reports, capsys, monkeypatch):
    monkeypatch.setenv("LOGNAME", "it-admin")
    assert main(["reports", "--as", "chair_of_governors", "ack", reports[1]]) == 0
    capsys.readouterr()
    assert main(["reports", "--as", "chair_of_governors", "history", reports[1]]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines] == ["create", "deliver", "acknowledge"]
    assert "slack:U0STAFF01" in lines[0]
    assert "cli:chair_of_governors by os user it-admin" in lines[2]

    assert main(["reports", "history", reports[1]]) == 1  # the head: not theirs to see
    assert "no report" in capsys.readouterr().err


def test_the_register_export_guards_every_formula_start_and_leaves_empty_cells_empty(
    service, slack, capsys
):
    """The receipts export's guard, shared (bot/spreadsheets.py): an empty notes cell gets no
    stray apostrophe. (The form strips leading tabs and returns; the helper's own test below
    covers them for any value that keeps one.)"""
    typed = ["=cmd|' /C calc'!A0", "+44 7700 900123", "-2+3", "@SUM(A1)", "Plain Name"]
    for name in typed:
        service.declare_relationship(DeclarationForm(name, "Year 2", "child", [], ""), STAFF)
    service.deliver_due()
    assert main(["reports", "export", "relationships", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["pupil"] for r in rows] == ["'" + n for n in typed[:-1]] + ["Plain Name"]
    assert {r["notes"] for r in rows} == {""}
    assert {r["social_media_contact"] for r in rows} == {""}


@pytest.mark.parametrize(
    "value, cell",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("", ""),
        (None, ""),
        (3, "3"),
        ("Sam = Teacher", "Sam = Teacher"),
    ],
)
def test_a_cell_is_never_a_formula(value, cell):
    from bot.spreadsheets import safe_cell

    assert safe_cell(value) == cell
