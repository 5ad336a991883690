"""Someone with write access to the database but not the key cuts the newest audit entries
off the end (the ones that record what they did) and makes the database agree with itself. The
head kept beside the key file catches it; deleting that head file as well must not turn
`policybot audit verify` back to "intact"."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.cli import main as cli
from bot.store import AUDIT_ANCHOR_NAME
from tests.slack.conftest import CONFIG, HEAD, STAFF
from tests.slack.test_concerns import dm, notices_for, submit_concern


@pytest.fixture
def env(tmp_path):
    """As deployed: the key in a file of its own, outside the data directory."""
    config = tmp_path / "policybot.toml"
    config.write_text(CONFIG)
    keys = tmp_path / "keys"
    keys.mkdir(mode=0o700)
    (keys / "policybot.key").write_text(Fernet.generate_key().decode())
    (keys / "policybot.key").chmod(0o600)
    return {
        "POLICYBOT_CONFIG": str(config),
        "POLICYBOT_DATA_DIR": str(tmp_path / "data"),
        "POLICYBOT_KEY_FILE": str(keys / "policybot.key"),
    }


def cut_the_tail(db_path: Path, rows: int) -> None:
    with sqlite3.connect(db_path) as db:
        (last,) = db.execute("SELECT MAX(id) FROM audit").fetchone()
        db.execute("DROP TRIGGER IF EXISTS audit_no_delete")
        db.execute("DELETE FROM audit WHERE id > ?", [last - rows])
        (kept,) = db.execute("SELECT hash FROM audit WHERE id = ?", [last - rows]).fetchone()
        db.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", [f"{last - rows}:{kept}"])


@pytest.fixture
def verify(env, monkeypatch, capsys):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("POLICYBOT_KEY", raising=False)
    monkeypatch.setattr("bot.logs.configure_logging", lambda **_: None)

    def run() -> tuple[int, str]:
        code = cli(["audit", "verify"])
        out, err = capsys.readouterr()
        return code, out + err

    return run


def acknowledged_concern(slack, runtime) -> None:
    submit_concern(slack)
    notice = slack.fake.wait_for(lambda: notices_for(slack, HEAD))[0]
    reference = notice["blocks"][-1]["elements"][0]["value"]
    slack.click(HEAD, "acknowledge", reference, message=notice, channel=dm(HEAD))
    slack.fake.wait_for(lambda: slack.fake.calls_to("chat.update"))
    slack.fake.wait_for(lambda: notices_for(slack, STAFF))  # the reporter is told
    # Then nothing more is in flight: the attack edits a database the service is not writing.
    slack.fake.wait_for(lambda: all_sent(runtime.settings.db_path))


def all_sent(db_path: Path) -> bool:
    with sqlite3.connect(db_path) as db:
        (waiting,) = db.execute("SELECT COUNT(*) FROM outbox WHERE status != 'sent'").fetchone()
    return waiting == 0


def test_the_untouched_log_verifies(slack, runtime, verify):
    acknowledged_concern(slack, runtime)
    code, said = verify()
    assert code == 0 and "intact" in said


def test_cutting_the_tail_is_caught(slack, runtime, env, verify):
    acknowledged_concern(slack, runtime)
    cut_the_tail(runtime.settings.db_path, 2)
    code, said = verify()
    assert code == 1 and "cut off the end" in said


def test_cutting_the_tail_and_deleting_the_head_file_is_still_caught(slack, runtime, env, verify):
    acknowledged_concern(slack, runtime)
    anchor = Path(env["POLICYBOT_KEY_FILE"]).parent / AUDIT_ANCHOR_NAME
    assert anchor.exists()
    cut_the_tail(runtime.settings.db_path, 2)
    anchor.unlink()
    code, said = verify()
    assert code != 0, said
    assert str(anchor) in said
