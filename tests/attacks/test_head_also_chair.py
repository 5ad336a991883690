"""One account configured as both headteacher and chair of governors (a mistake, or a small
school's stop-gap): a concern about the head would be routed "to the chair", which is the head.
It must never reach them: the config is refused with a message naming the clash, or the form
is refused on the spot (nothing saved, "tell them in person") and the head receives nothing."""

from __future__ import annotations

import json
import time

import pytest
from cryptography.fernet import Fernet

from bot.config import ConfigError, load_settings
from bot.reports.models import Actor
from tests.slack.conftest import CHAIR, CONFIG, HEAD, STAFF
from tests.slack.test_concerns import dm, notices_for, submit_concern

HEAD_IS_CHAIR = CONFIG.replace(f'slack_user = "{CHAIR}"', f'slack_user = "{HEAD}"')


@pytest.fixture
def env(tmp_path):
    config = tmp_path / "policybot.toml"
    config.write_text(HEAD_IS_CHAIR)
    return {
        "POLICYBOT_CONFIG": str(config),
        "POLICYBOT_DATA_DIR": str(tmp_path / "data"),
        "POLICYBOT_KEY": Fernet.generate_key().decode(),
    }


def test_a_concern_about_a_head_who_is_also_the_chair_never_reaches_them(env, fake):
    try:
        load_settings(env)
    except ConfigError as exc:
        assert "chair_of_governors" in str(exc) and "headteacher" in str(exc)
        return
    from bot.runtime import Runtime
    from handlers.slack.server import SlackServer
    from tests.slack.harness import BOT_TOKEN, SIGNING_SECRET, SlackApp

    runtime = Runtime.from_env(env, embedder="none")
    server = SlackServer(token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=fake.base_url)
    server.attach(runtime)
    slack = SlackApp(server=server, fake=fake).start()
    try:
        resp = submit_concern(slack, about_headteacher=True)
        assert resp.status == 200
        assert "nothing was saved" in json.dumps(resp.json())
        assert runtime.reports.list_for_submitter(Actor("slack", STAFF)) == []
        runtime.reports.deliver_due()
        time.sleep(0.3)
        assert notices_for(slack, HEAD) == []
        assert "Jamie" not in str(slack.fake.posts_to(dm(HEAD)))
    finally:
        slack.stop()
        server.stop()
        runtime.close()
