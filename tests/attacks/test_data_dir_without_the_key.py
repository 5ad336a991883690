"""Someone who copies the whole data directory and a backup, but not the key, after real use
through the real apps (a concern about the head, an urgent one, a declaration, a note, a vote,
Teams conversation references): no byte of any file names the pupil, repeats the report text,
or carries the reporter's or a recipient's account id or display name. Every file is read as
raw bytes (the SQLite file, its -wal/-shm, the Teams and feedback files, the backup), since an
attacker need not open them with SQLite."""

from __future__ import annotations

from pathlib import Path

from bot.cli import main as cli
from bot.reports.models import Actor
from tests.slack.conftest import CHAIR, HEAD, STAFF
from tests.slack.test_concerns import dm, notices_for, submit_concern
from tests.slack.test_declarations_and_home import declare
from tests.teams.conftest import CHAIR as T_CHAIR
from tests.teams.conftest import HEAD as T_HEAD
from tests.teams.conftest import TEACHER
from tests.teams.test_reports import concern, submit, to, wait_sent

PUPIL = "Poppy Quenneville-Marsh"
MARKER = "Xylophone-Kestrel-2291"


def every_byte(*roots: Path) -> dict[Path, bytes]:
    paths = [p for root in roots for p in ([root] if root.is_file() else sorted(root.rglob("*")))]
    return {p: p.read_bytes() for p in paths if p.is_file()}


def leaks(files: dict[Path, bytes], secrets: list[str]) -> list[tuple[str, str]]:
    found = []
    for path, data in files.items():
        for secret in secrets:
            for form in (secret.encode(), secret.encode("utf-16-le")):
                if form in data:
                    found.append((path.name, secret))
    return found


def published_policies(files: dict[Path, bytes]) -> dict[Path, bytes]:
    """Take out the parse cache (``cache/policies``): the school's own published policies, read
    once so a restart does not parse them again. Their text names whoever signed them (the
    bundled policy names its headteacher and chair of governors), so they are checked for
    report data only."""
    cached = {p: data for p, data in files.items() if p.parent.name == "policies"}
    assert all(p.suffix == ".json" and p.parent.parent.name == "cache" for p in cached)
    for p in cached:
        del files[p]
    return cached


def backup(env: dict, monkeypatch, dest: Path) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("bot.logs.configure_logging", lambda **_: None)
    assert cli(["backup", str(dest)]) == 0


def test_after_real_use_through_slack_no_file_or_backup_names_anyone(
    slack, runtime, env, tmp_path, monkeypatch
):
    submit_concern(
        slack,
        about_headteacher=True,
        description=f"{MARKER} the head shouted at {PUPIL}",
        people_involved=PUPIL,
    )
    submit_concern(slack, immediate_risk=True, description=f"{MARKER} {PUPIL} was threatened")
    declare(slack)
    notice = slack.fake.wait_for(lambda: notices_for(slack, HEAD))[0]
    reference = runtime.reports.list_for_recipient(Actor("slack", HEAD))[0].reference
    slack.click(HEAD, "acknowledge", reference, message=notice, channel=dm(HEAD))
    assert runtime.reports.add_note(reference, Actor("slack", HEAD), f"{MARKER} saw {PUPIL}").ok
    slack.fake.wait_for(lambda: notices_for(slack, CHAIR))
    slack.fake.wait_for(lambda: len(notices_for(slack, STAFF)) >= 1)
    backup(env, monkeypatch, tmp_path / "backup.db")

    files = every_byte(Path(env["POLICYBOT_DATA_DIR"]), tmp_path / "backup.db")
    assert {"policybot.db", "feedback.db", "backup.db"} <= {p.name for p in files}
    policies = published_policies(files)
    assert leaks(files, [PUPIL, MARKER, STAFF, HEAD, CHAIR, "u0staff", "Kate Baskeyfield"]) == []
    assert leaks(policies, [PUPIL, MARKER, STAFF, HEAD, CHAIR, "u0staff"]) == []


def test_after_real_use_through_teams_no_file_or_backup_names_anyone(
    teams, teams_env, tmp_path, monkeypatch
):
    for user in (T_HEAD, T_CHAIR, TEACHER):
        teams.client.send(teams.client.install(user))
    teams.connector.wait_for(lambda calls: all(to(u)(calls) for u in (T_HEAD, T_CHAIR, TEACHER)))
    about = submit(
        teams,
        TEACHER,
        concern(
            about_headteacher="true",
            description=f"{MARKER} the head shouted at {PUPIL}",
            people_involved=PUPIL,
        ),
    )
    wait_sent(teams, about, {"chair_of_governors"})
    backup(teams_env, monkeypatch, tmp_path / "backup.db")

    files = every_byte(Path(teams_env["POLICYBOT_DATA_DIR"]), tmp_path / "backup.db")
    assert {"policybot.db", "teams.db", "backup.db"} <= {p.name for p in files}
    policies = published_policies(files)
    secrets = [PUPIL, MARKER]
    for user in (T_HEAD, T_CHAIR, TEACHER):
        secrets += [user.name, user.aad, user.teams_id, user.personal_conversation]
    assert leaks(files, secrets) == []
    signatories = (T_HEAD.name, T_CHAIR.name)  # the bundled policy is signed by both
    assert leaks(policies, [s for s in secrets if s not in signatories]) == []


# --- what the school teaches it (issue 20) -----------------------------------------------------

# Answered "not covered" with a nearest rule, so the reply itself asks "Was it one of these?"; the
# odd word stands for whatever a question may say (it would never be written down in plain text).
TAUGHT = "can I message my class about the xylophonekestrel trip from my own phone?"
TAUGHT_MARK = "xylophonekestrel"


def test_a_suggestion_picked_and_approved_on_slack_leaves_no_trace_without_the_key(
    slack, runtime, env, tmp_path, monkeypatch
):
    import json

    event = {"type": "message", "channel": dm(STAFF), "channel_type": "im", "user": STAFF,
             "text": TAUGHT, "ts": "1700000777.000100", "event_ts": "1700000777.000100"}  # fmt: skip
    slack.event(event)
    answer = slack.fake.wait_for(lambda: slack.fake.posts_to(dm(STAFF)))[0].args
    picks = [b["accessory"] for b in answer["blocks"] if b.get("accessory", {}).get(
        "action_id") == "learn_pick"]  # fmt: skip
    (rule,) = [p for p in picks if json.loads(p["value"])["c"] == "6.i"]
    slack.click(STAFF, "learn_pick", rule["value"], channel=dm(STAFF))
    slack.fake.wait_for(lambda: runtime.learning.suggestions.select())
    assert runtime.learning.approve(1, Actor("slack", HEAD)).ok
    assert runtime.ask(TAUGHT).best.clause == "6.i"
    backup(env, monkeypatch, tmp_path / "backup.db")

    files = every_byte(Path(env["POLICYBOT_DATA_DIR"]), tmp_path / "backup.db")
    published_policies(files)
    assert leaks(files, [TAUGHT, TAUGHT_MARK, STAFF, "u0staff", HEAD]) == []


def test_a_suggestion_picked_and_approved_on_teams_leaves_no_trace_without_the_key(
    teams, teams_env, tmp_path, monkeypatch
):
    teams.client.send(teams.client.personal(TEACHER, TAUGHT))
    (answer,) = teams.connector.wait_for(lambda calls: len(calls) >= 1)
    (rule,) = [a["data"] for a in answer.submit_actions()
               if a["data"].get("action") == "learn_pick" and a["data"]["clause"] == "6.i"]  # fmt: skip
    teams.client.send(teams.client.personal(TEACHER, value=rule))
    runtime = teams.runtime
    teams.connector.wait_for(lambda calls: runtime.learning.suggestions.select())
    assert runtime.learning.approve(1, Actor("teams", T_HEAD.aad)).ok
    backup(teams_env, monkeypatch, tmp_path / "backup.db")

    files = every_byte(Path(teams_env["POLICYBOT_DATA_DIR"]), tmp_path / "backup.db")
    published_policies(files)
    secrets = [TAUGHT, TAUGHT_MARK, TEACHER.name, TEACHER.aad, TEACHER.teams_id]
    assert leaks(files, secrets) == []
