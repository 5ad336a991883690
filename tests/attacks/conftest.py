"""The attack tests reuse the real harnesses: the Slack app (bolt behind our aiohttp server,
signed requests, fake Slack Web API) and the Teams app (CloudAdapter over HTTP, fake Bot
Connector), each on a real data dir with a real SQLite file."""

from __future__ import annotations

from tests.slack.conftest import env, fake, runtime, slack  # noqa: F401
from tests.teams.conftest import (  # noqa: F401
    connector,
    loop_thread,
    start_bot,
    teams,
    teams_env,
)
