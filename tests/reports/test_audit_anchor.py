"""Once the audit head has been kept outside the database, the log itself says so (a keyed
entry): from then on a missing head file is a failure of `policybot audit verify`, and a
process that finds it gone re-creates it only by recording a reset, which verify reports until
an operator accepts it. A database upgraded from before the file existed still verifies, and
its first anchoring is recorded."""

import json
import logging
from pathlib import Path

from bot.cli import main
from bot.reports import audit
from bot.reports.models import ConcernForm
from bot.reports.service import ReportService
from bot.store import AUDIT_ANCHOR_NAME, Store

from .conftest import STAFF
from .test_audit_chain import entries, filed  # noqa: F401 - the fixture, re-used


def head_file(school) -> Path:
    return Path(school["POLICYBOT_KEY_FILE"]).parent / AUDIT_ANCHOR_NAME


def anchor_entries(settings) -> list[audit.Entry]:
    return [e for e in entries(settings) if e.action.startswith("anchor")]


def test_the_first_time_the_head_is_kept_outside_the_database_is_recorded_in_the_log(
    filed,  # noqa: F811
    settings,
    school,
):
    log = entries(settings)
    assert log[0].action == "create"
    assert log[1].action == "anchor"  # right after the first entry: cutting it cuts everything
    assert json.loads(log[1].detail) == {
        "file": str(head_file(school)),
        "why": "first recorded outside the database",
    }
    assert [e.action for e in anchor_entries(settings)] == ["anchor"]  # once, not per entry


def test_a_database_upgraded_before_any_head_was_kept_verifies_then_records_its_first(
    settings, school, capsys
):
    # Written as before this release: the key from the environment, no head file anywhere.
    store = Store(settings.db_path, settings.key, key_source="POLICYBOT_KEY")
    ReportService(store, settings).submit_concern(ConcernForm("other", "Before."), STAFF)
    store.close()
    assert not head_file(school).exists()

    assert main(["audit", "verify"]) == 0
    assert "no head is recorded outside the database" in capsys.readouterr().out
    assert main(["audit", "verify"]) == 0  # the first check's own entry anchored it
    assert f"its head matches {head_file(school)}" in capsys.readouterr().out
    assert [json.loads(e.detail)["why"] for e in anchor_entries(settings)] == [
        "first recorded outside the database"
    ]


def test_a_missing_head_file_after_it_was_recorded_fails_verify_and_says_what_to_do(
    filed,  # noqa: F811
    school,
    capsys,
):
    head_file(school).unlink()

    assert main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert f"the audit head file {head_file(school)} is missing" in err
    assert "audit row 2 records that the head was kept there" in err
    assert "Restore the file from a backup" in err


def test_a_restart_that_finds_the_head_file_gone_records_a_reset_that_verify_reports(
    filed,  # noqa: F811
    open_service,
    settings,
    school,
    capsys,
    caplog,
):
    head_file(school).unlink()

    with caplog.at_level(logging.ERROR, logger="bot.reports.audit"):
        open_service().start_delivery_worker(interval=60).stop()
    assert head_file(school).exists()  # re-created, but not silently:
    reset = anchor_entries(settings)[-1]
    assert reset.action == "anchor_reset" and reset.actor == "system"
    assert str(head_file(school)) in caplog.text and "recorded as a reset" in caplog.text
    assert "Trolling" not in caplog.text

    assert main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert f"the audit head file {head_file(school)} was missing and was re-created" in err
    assert "--accept-reset" in err
    assert main(["audit", "verify"]) == 1  # it stays a failure until someone accepts it
    capsys.readouterr()


def test_an_operator_who_has_checked_a_reset_accepts_it_and_the_log_says_who(
    filed,  # noqa: F811
    open_service,
    settings,
    school,
    monkeypatch,
    capsys,
):
    head_file(school).unlink()
    open_service().start_delivery_worker(interval=60).stop()
    (reset,) = [e.id for e in entries(settings) if e.action == "anchor_reset"]
    monkeypatch.setenv("LOGNAME", "bursar")

    assert main(["audit", "verify", "--accept-reset"]) == 0
    out = capsys.readouterr().out
    assert f"Accepted the audit head resets at row {reset}" in out and "intact" in out
    accepted = [e for e in entries(settings) if e.action == "anchor_accept"]
    assert [(e.actor, e.detail) for e in accepted] == [
        ("cli:- by os user bursar", f"resets at row {reset}")
    ]
    assert main(["audit", "verify"]) == 0


def test_accepting_a_reset_never_hides_a_log_that_was_changed(
    filed,  # noqa: F811
    settings,
    capsys,
):
    import sqlite3

    with sqlite3.connect(settings.db_path) as db:
        db.execute("DROP TRIGGER audit_no_update")
        db.execute("UPDATE audit SET at = '2020-01-01T00:00:00Z' WHERE id = 3")

    assert main(["audit", "verify", "--accept-reset"]) == 1
    err = capsys.readouterr().err
    assert "No audit head reset to accept" in err and "audit row 3 was changed" in err
    assert [e for e in entries(settings) if e.action == "anchor_accept"] == []
