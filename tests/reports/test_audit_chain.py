"""The audit log cannot be rewritten or cut short by someone who has the database file but not
the key, survives key rotation, and names the operating-system user behind every command."""

import hashlib
import json
import re
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import load_settings
from bot.reports import audit
from bot.reports.models import ConcernForm
from bot.store import AUDIT_ANCHOR_NAME, Store

from .conftest import HEAD, STAFF


@pytest.fixture
def filed(service, slack):
    """Two concerns delivered, one acknowledged: a dozen audit entries."""
    refs = [
        service.submit_concern(ConcernForm("trolling", f"Trolling {n}."), STAFF).reference
        for n in range(2)
    ]
    service.deliver_due()
    assert service.acknowledge(refs[0], HEAD).ok
    service.deliver_due()
    return refs


def entries(settings) -> list[audit.Entry]:
    store = Store(settings.db_path, settings.key, key_source=settings.key_source)
    try:
        with store.read() as db:
            return audit.entries(store, db)
    finally:
        store.close()


def rechain_without_the_key(db: sqlite3.Connection) -> None:
    """What an attacker with the file does: recompute every hash and the stored head."""
    prev = "0" * 64
    for row in db.execute("SELECT * FROM audit ORDER BY id").fetchall():
        row_id, at, action, reference, actor, detail = row[:6]
        payload = json.dumps([row_id, at, action, reference, actor, detail, prev],
                             separators=(",", ":"))  # fmt: skip
        digest = hashlib.sha256(payload.encode()).hexdigest()
        db.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", [prev, digest, row_id])
        prev = digest
    db.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", [f"{row_id}:{prev}"])


def test_rewriting_a_row_and_recomputing_the_chain_without_the_key_is_caught(
    filed, settings, capsys
):
    with sqlite3.connect(settings.db_path) as db:
        db.execute("DROP TRIGGER audit_no_update")
        db.execute("UPDATE audit SET reference = 'C-2026-0099' WHERE id = 2")
        rechain_without_the_key(db)

    assert main(["audit", "verify"]) == 1
    assert "audit row 1 was changed" in capsys.readouterr().err  # the very first re-hashed row


def test_rows_cut_off_the_end_are_caught_by_the_head_kept_beside_the_key(
    filed, settings, school, capsys
):
    anchor = Path(school["POLICYBOT_KEY_FILE"]).parent / AUDIT_ANCHOR_NAME
    assert anchor.stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(settings.db_path) as db:
        (head,) = db.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
        assert anchor.read_text().strip() == head
        (last,) = db.execute("SELECT MAX(id) FROM audit").fetchone()
        db.execute("DROP TRIGGER audit_no_delete")
        db.execute("DELETE FROM audit WHERE id > ?", [last - 3])
        # ...and point the stored head at the new last row, so the database agrees with itself
        (kept,) = db.execute("SELECT hash FROM audit WHERE id = ?", [last - 3]).fetchone()
        db.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", [f"{last - 3}:{kept}"])

    assert main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert f"audit rows {last - 2}-{last} were cut off the end" in err
    assert str(anchor) in err


def test_the_keyed_chain_survives_a_key_rotation(
    filed, service, settings, school, tmp_path, monkeypatch, capsys
):
    new_file = Path(school["POLICYBOT_KEY_FILE"]).parent / "policybot-2.key"
    assert main(["key", "rotate", "--new-key-file", str(new_file)]) == 0
    # the service still runs with the old key until it is restarted, and keeps auditing
    service.submit_concern(ConcernForm("other", "Filed during the rotation."), STAFF)

    monkeypatch.setenv("POLICYBOT_KEY_FILE", str(new_file))
    capsys.readouterr()
    assert main(["audit", "verify"]) == 0  # rows signed by either configured key
    assert main(["key", "reencrypt"]) == 0

    only_new = new_file.parent / "policybot-3.key"
    only_new.write_text(new_file.read_text().splitlines()[1] + "\n")  # the first (new) key
    monkeypatch.setenv("POLICYBOT_KEY_FILE", str(only_new))
    capsys.readouterr()
    assert main(["audit", "verify"]) == 0, capsys.readouterr().err
    assert "head matches" in capsys.readouterr().out
    with sqlite3.connect(settings.db_path) as db:
        assert len({r[0] for r in db.execute("SELECT key_id FROM audit")}) == 1


def test_every_audit_timestamp_has_one_format(filed, school, tmp_path, settings, monkeypatch):
    new_file = tmp_path / "secrets" / "k2"
    assert main(["key", "rotate", "--new-key-file", str(new_file)]) == 0
    monkeypatch.setenv("POLICYBOT_KEY_FILE", str(new_file))
    assert main(["audit", "verify"]) == 0
    ats = [e.at for e in entries(load_settings(dict(school, POLICYBOT_KEY_FILE=str(new_file))))]
    assert len(ats) >= 8  # the service's entries and the command line's
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", at) for at in ats), ats


def test_the_audit_names_the_os_user_behind_a_command_acting_as_a_role(
    filed, settings, monkeypatch, capsys
):
    monkeypatch.setenv("LOGNAME", "mallory")
    assert main(["reports", "--as", "chair_of_governors", "list"]) == 0
    assert main(["reports", "--as", "headteacher", "show", filed[1]]) == 0
    assert main(["audit", "verify"]) == 0

    actors = [(e.action, e.actor) for e in entries(settings)][-3:]
    assert actors == [
        ("list", "cli:chair_of_governors by os user mallory"),
        ("view", "cli:headteacher by os user mallory"),
        ("verify", "cli:- by os user mallory"),
    ]


def test_the_head_can_be_kept_in_a_directory_of_its_own(filed, school, tmp_path, monkeypatch,
                                                         capsys):  # fmt: skip
    elsewhere = tmp_path / "var-log-policybot"
    elsewhere.mkdir()
    monkeypatch.setenv("POLICYBOT_AUDIT_HEAD_FILE", str(elsewhere / "audit-head"))
    assert main(["reports", "list"]) == 0
    assert (elsewhere / "audit-head").stat().st_mode & 0o777 == 0o600
    capsys.readouterr()
    assert main(["audit", "verify"]) == 0
    assert f"its head matches {elsewhere / 'audit-head'}" in capsys.readouterr().out


def test_a_head_file_inside_the_data_directory_is_refused(school, monkeypatch, capsys):
    monkeypatch.setenv("POLICYBOT_AUDIT_HEAD_FILE", school["POLICYBOT_DATA_DIR"] + "/head")
    assert main(["audit", "verify"]) == 2
    assert "inside the data directory" in capsys.readouterr().err
