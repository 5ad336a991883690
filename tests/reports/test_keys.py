"""Rotating the encryption key: the IT admin moves the records to a new key without losing one,
even if the service keeps writing with the old key until it is restarted."""

import re
import sqlite3
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken

from bot.cli import main
from bot.errors import BadKey, WrongKey
from bot.feedback import FeedbackLog
from bot.keys import parse_keys
from bot.reports.evidence import IncomingFile
from bot.reports.models import ConcernForm, DeclarationForm
from bot.store import ENCRYPTED_COLUMNS, Store
from tests.evidence_files import png

from .conftest import HEAD, STAFF

SECRET = "Trolling on the PTA page about Amy."


@pytest.fixture
def filed(service, slack, settings):
    """A concern with a note, a declaration, both delivered, and a feedback vote."""
    ref = service.submit_concern(ConcernForm("trolling", SECRET), STAFF).reference
    shot = IncomingFile("amy.png", png("Amy's screenshot"))
    assert service.evidence.attach(ref, STAFF, [shot]).ok  # evidence is re-keyed too
    service.declare_relationship(DeclarationForm("Amy Reed", "Year 2", "child", []), STAFF)
    service.deliver_due()
    assert service.add_note(ref, HEAD, "Spoke to the parent.").ok
    votes = FeedbackLog(settings.data_dir / "feedback.db", settings.key)
    votes.record(
        question="Can I post photos of the school play?",
        helpful=False,
        platform="slack",
        user_id="U1",
    )
    votes.close()
    return ref


def ciphertexts(db_path: Path) -> dict[tuple[str, str], list[str]]:
    """Every stored value that is a Fernet token, by (table, column)."""
    found: dict[tuple[str, str], list[str]] = {}
    with sqlite3.connect(db_path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
            for column in columns:
                for (value,) in db.execute(f"SELECT {column} FROM {table}"):
                    if isinstance(value, str) and value.startswith("gAAAAA"):
                        found.setdefault((table, column), []).append(value)
    return found


def test_every_encrypted_column_is_known_to_rotation(filed, settings):
    listed = {(table, column) for table, _, column in ENCRYPTED_COLUMNS}
    assert set(ciphertexts(settings.db_path)) <= listed


def test_a_key_file_may_hold_several_keys_and_the_first_one_encrypts(tmp_path):
    old, new = Fernet.generate_key(), Fernet.generate_key()
    store = Store(tmp_path / "p.db", old)
    token = store.encrypt("Amy")
    store.close()
    both = Store(tmp_path / "p.db", b"# comment\n" + new + b"\n" + old)
    assert both.decrypt(token) == "Amy"  # written under the old key
    fresh = both.encrypt("Ben")
    both.close()
    assert Fernet(new).decrypt(fresh.encode()) == b"Ben"
    with pytest.raises(InvalidToken):
        Fernet(old).decrypt(fresh.encode())


def test_a_bad_second_key_is_named_by_its_line():
    with pytest.raises(BadKey, match="line 2: not a valid Fernet key"):
        parse_keys(Fernet.generate_key().decode() + "\nnot-a-key\n")


def test_rotate_moves_every_record_to_a_new_key(
    filed, settings, school, tmp_path, monkeypatch, capsys
):
    old = Path(school["POLICYBOT_KEY_FILE"]).read_text().strip().encode()
    new_file = tmp_path / "secrets" / "policybot-2.key"

    assert main(["key", "rotate", "--new-key-file", str(new_file)]) == 0
    out = capsys.readouterr().out
    assert f"POLICYBOT_KEY_FILE={new_file}" in out and "policybot key reencrypt" in out

    assert new_file.stat().st_mode & 0o777 == 0o600
    keys = parse_keys(new_file.read_bytes())
    assert len(keys) == 2 and keys[1] == old  # new first, the current one kept after it
    new = Fernet(keys[0])
    for values in ciphertexts(settings.db_path).values():
        for value in values:
            new.decrypt(value.encode())  # every record is under the new key alone
    assert b"Amy" not in settings.db_path.read_bytes()

    # the new key alone opens everything; the old key alone no longer opens the database
    only_new = tmp_path / "only-new.key"
    only_new.write_bytes(keys[0])
    Store(settings.db_path, keys[0]).close()
    votes = FeedbackLog(settings.data_dir / "feedback.db", keys[0])
    assert [u.question for u in votes.unclear()] == ["Can I post photos of the school play?"]
    votes.close()
    with pytest.raises(WrongKey):
        Store(settings.db_path, old)

    # the head's tools work with the new file, and the rotation is in the audit log
    monkeypatch.setenv("POLICYBOT_KEY_FILE", str(only_new))
    assert main(["reports", "show", filed]) == 0
    assert SECRET in capsys.readouterr().out
    assert main(["audit", "verify"]) == 0
    with sqlite3.connect(settings.db_path) as db:
        actions = [r[0] for r in db.execute("SELECT action FROM audit ORDER BY id")]
    assert "key_rotate" in actions


def test_what_the_running_service_writes_before_its_restart_is_not_lost(
    filed, service, settings, school, tmp_path, monkeypatch, capsys
):
    new_file = tmp_path / "secrets" / "policybot-2.key"
    assert main(["key", "rotate", "--new-key-file", str(new_file)]) == 0
    # the service was started with the old key and keeps using it until it is restarted
    late = service.submit_concern(ConcernForm("other", "Filed during the rotation."), STAFF)

    monkeypatch.setenv("POLICYBOT_KEY_FILE", str(new_file))
    capsys.readouterr()
    assert main(["reports", "show", late.reference]) == 0  # the old key, kept second, reads it
    assert "Filed during the rotation." in capsys.readouterr().out

    assert main(["key", "reencrypt"]) == 0
    assert "1 older key(s)" in capsys.readouterr().out
    first = Fernet(parse_keys(new_file.read_bytes())[0])
    for values in ciphertexts(settings.db_path).values():
        for value in values:
            first.decrypt(value.encode())


def test_rotate_refuses_to_overwrite_and_needs_the_current_key(
    filed, school, tmp_path, monkeypatch, capsys
):
    existing = tmp_path / "secrets" / "taken.key"
    existing.write_text("keep me")
    assert main(["key", "rotate", "--new-key-file", str(existing)]) == 1
    assert existing.read_text() == "keep me"

    monkeypatch.setenv("POLICYBOT_KEY_FILE", str(tmp_path / "secrets" / "wrong.key"))
    (tmp_path / "secrets" / "wrong.key").write_text(Fernet.generate_key().decode())
    fresh = tmp_path / "secrets" / "fresh.key"
    assert main(["key", "rotate", "--new-key-file", str(fresh)]) == 2
    assert "does not match the key" in capsys.readouterr().err
    assert not fresh.exists()  # nothing written when the current key is wrong

    monkeypatch.delenv("POLICYBOT_KEY_FILE")
    assert main(["key", "rotate", "--new-key-file", str(fresh)]) == 2
    assert re.search(r"no encryption key is configured", capsys.readouterr().err)


def test_every_audit_entry_is_stamped_in_one_format_whoever_wrote_it(
    filed, settings, school, tmp_path, monkeypatch, capsys
):
    # the service (filing, notes), the head's CLI, a key rotation, a backup restored over it
    assert main(["reports", "list"]) == 0
    new_file = tmp_path / "secrets" / "policybot-2.key"
    assert main(["key", "rotate", "--new-key-file", str(new_file)]) == 0
    monkeypatch.setenv("POLICYBOT_KEY_FILE", str(new_file))
    backup = tmp_path / "backup.db"
    assert main(["backup", str(backup)]) == 0
    assert main(["restore", "--force", str(backup)]) == 0
    assert main(["audit", "verify"]) == 0

    with sqlite3.connect(settings.db_path) as db:
        rows = db.execute("SELECT action, at FROM audit ORDER BY id").fetchall()
    assert {"create", "note", "list", "key_rotate", "verify"} <= {action for action, _ in rows}
    one_format = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
    assert [(action, at) for action, at in rows if not one_format.fullmatch(at)] == []
