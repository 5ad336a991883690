"""Fixtures: a fake Slack Web API, a real data dir + TOML config, the real runtime (BM25-only
assistant) and the real Slack app served over loopback."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from handlers.slack.server import SlackServer
from tests.clocks import running_from
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import BOT_TOKEN, SIGNING_SECRET, SlackApp

HEAD, CHAIR, DSL = "U0HEAD", "U0CHAIR", "U0DSL"
STAFF, OTHER = "U0STAFF", "U0OTHER"

CONFIG = f"""
[school]
name = "Hill Top Primary"

[people.headteacher]
name = "Kate Baskeyfield"
slack_user = "{HEAD}"

[people.chair_of_governors]
name = "Elizabeth Dunstan"
slack_user = "{CHAIR}"

[people.safeguarding_lead]
name = "Sam Patel"
slack_user = "{DSL}"
"""


@pytest.fixture
def fake():
    fake = FakeSlack()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def env(tmp_path):
    config = tmp_path / "policybot.toml"
    config.write_text(CONFIG)
    return {
        "POLICYBOT_CONFIG": str(config),
        "POLICYBOT_DATA_DIR": str(tmp_path / "data"),
        "POLICYBOT_KEY": Fernet.generate_key().decode(),
    }


@pytest.fixture
def runtime(env):
    from bot.runtime import Runtime

    runtime = Runtime.from_env(env, embedder="none", clock=running_from())  # a fixed calendar
    # retries in tests come after milliseconds, not Slack-friendly seconds
    runtime.reports.backoff_base = 0.05
    runtime.reports.backoff_cap = 0.2
    yield runtime
    runtime.close()


@pytest.fixture
def slack(fake, runtime):
    server = SlackServer(token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=fake.base_url)
    server.attach(runtime)
    app = SlackApp(server=server, fake=fake).start()
    yield app
    app.stop()
    server.stop()
