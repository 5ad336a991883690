"""The person a concern is about must learn nothing of it, by any door they hold: the
headteacher's Slack account (notices, App Home, buttons, escalation when the chair cannot be
reached), the command line as the headteacher (list, show, history, undelivered, ack, note,
close). Every test here runs the worst case: the head also holds the safeguarding lead's role
(one person, two roles), so routing an urgent concern "to the DSL too" would reach them."""

from __future__ import annotations

import time

import pytest

from bot.cli import main as cli
from bot.reports.models import Actor
from tests.slack.conftest import CHAIR, CONFIG, DSL, HEAD, STAFF
from tests.slack.test_concerns import dm, notices_for, submit_concern
from tests.slack.test_declarations_and_home import home_views

SECRET = "Jamie Fox in Year 5 was sent threatening messages"
HEAD_IS_DSL = CONFIG.replace(f'slack_user = "{DSL}"', f'slack_user = "{HEAD}"')


def reference_of(runtime) -> str:
    return runtime.reports.list_for_submitter(Actor("slack", STAFF))[0].reference


def everything_the_head_saw(slack) -> str:
    return "\n".join(
        c.text_blob()
        for c in slack.fake.calls
        if c.args.get("channel") == dm(HEAD) or c.args.get("user_id") == HEAD
    )


def open_home(slack, user):
    before = len(home_views(slack, user))
    slack.event({"type": "app_home_opened", "user": user, "channel": dm(user), "tab": "home"})
    return slack.fake.wait_for(lambda: home_views(slack, user)[before:])[-1]


def test_the_heads_app_home_never_lists_a_concern_about_them(slack, runtime):
    submit_concern(slack, about_headteacher=True, immediate_risk=True)
    slack.fake.wait_for(lambda: notices_for(slack, CHAIR))
    reference = reference_of(runtime)
    home = open_home(slack, HEAD)
    assert reference not in str(home) and "Jamie" not in str(home)
    assert reference in str(open_home(slack, CHAIR))


@pytest.fixture
def as_head_on_the_cli(env, monkeypatch, capsys):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("bot.logs.configure_logging", lambda **_: None)

    def run(*argv: str) -> tuple[int, str]:
        code = cli(["reports", "--as", "headteacher", *argv])
        out, err = capsys.readouterr()
        return code, out + err

    return run


def test_the_head_on_the_command_line_cannot_list_open_or_trace_a_concern_about_them(
    slack, runtime, as_head_on_the_cli
):
    slack.fake.refuse(CHAIR, "account_inactive")  # so it also sits among the undelivered
    submit_concern(slack, about_headteacher=True)
    reference = reference_of(runtime)
    runtime.reports.deliver_due()
    for argv in (
        ("list",),
        ("list", "--json"),
        ("show", reference),
        ("history", reference),
        ("undelivered",),
        ("undelivered", "--all"),
        ("ack", reference),
        ("note", reference, "seen it"),
        ("close", reference),
    ):
        code, said = as_head_on_the_cli(*argv)
        assert "Jamie" not in said, argv
        if argv[0] in ("show", "history", "ack", "note", "close"):
            assert code != 0, argv
        else:
            assert reference not in said, argv
    assert runtime.reports.get(reference, Actor("slack", CHAIR)).summary.status == "open"


@pytest.fixture
def env(tmp_path):
    """One person (HEAD) is both the headteacher and the safeguarding lead."""
    from cryptography.fernet import Fernet

    config = tmp_path / "policybot.toml"
    config.write_text(HEAD_IS_DSL)
    return {
        "POLICYBOT_CONFIG": str(config),
        "POLICYBOT_DATA_DIR": str(tmp_path / "data"),
        "POLICYBOT_KEY": Fernet.generate_key().decode(),
    }


def test_an_urgent_concern_about_a_head_who_is_also_the_dsl_reaches_only_the_chair(slack, runtime):
    submit_concern(slack, about_headteacher=True, immediate_risk=True, description=SECRET)
    slack.fake.wait_for(lambda: notices_for(slack, CHAIR))
    slack.fake.wait_for(lambda: slack.fake.posts_to(dm(STAFF)))
    runtime.reports.deliver_due()
    time.sleep(0.3)
    reference = reference_of(runtime)
    assert notices_for(slack, HEAD) == []
    assert "Jamie" not in everything_the_head_saw(slack)
    assert reference not in str(open_home(slack, HEAD))
    slack.click(HEAD, "acknowledge", reference, channel=dm(HEAD))
    time.sleep(0.3)
    assert runtime.reports.get(reference, Actor("slack", CHAIR)).summary.status == "open"


def test_when_the_chair_is_unreachable_escalation_skips_a_head_who_is_also_the_dsl(slack, runtime):
    slack.fake.refuse(CHAIR, "user_not_found")
    submit_concern(slack, about_headteacher=True, immediate_risk=True, description=SECRET)
    slack.fake.wait_for(lambda: slack.fake.posts_to(dm(STAFF)))
    for _ in range(3):
        runtime.reports.deliver_due()
        time.sleep(0.2)
    assert notices_for(slack, HEAD) == []
    assert "Jamie" not in everything_the_head_saw(slack)
    # the reporter is told it could not be delivered, so they can go to someone in person
    slack.fake.wait_for(lambda: len(notices_for(slack, STAFF)) >= 1)


def test_a_routine_concern_to_a_head_who_is_also_the_dsl_is_theirs_to_act_on(slack, runtime):
    submit_concern(slack, immediate_risk=True)
    notice = slack.fake.wait_for(lambda: notices_for(slack, HEAD))[0]
    reference = reference_of(runtime)
    slack.click(HEAD, "acknowledge", reference, message=notice, channel=dm(HEAD))
    slack.fake.wait_for(lambda: slack.fake.calls_to("chat.update"))
    assert runtime.reports.get(reference, Actor("slack", HEAD)).summary.status == "acknowledged"
