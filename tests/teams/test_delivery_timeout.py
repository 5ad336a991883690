"""A Bot Connector that answers too slowly must not make a notice arrive twice: the send that
timed out may still land, so the retry asks it how it ended before sending anything new."""

from __future__ import annotations

from handlers.teams.server import NOTIFIER_KEY
from tests.teams.conftest import HEAD, TEACHER
from tests.teams.test_reports import concern, submit, to, wait_sent


def test_a_send_that_times_out_but_lands_is_not_sent_again(teams):
    teams.client.send(teams.client.install(HEAD))
    teams.connector.wait_for(to(HEAD))
    notifier = teams.client.app[NOTIFIER_KEY]
    notifier.timeout = 0.3
    teams.connector.slow_once[HEAD.personal_conversation] = 1.5  # lands, answers 1.5 s later

    reference = submit(teams, TEACHER, concern())
    wait_sent(teams, reference, {"headteacher"})

    (status,) = [
        s for s in teams.runtime.reports.delivery_status(reference) if s.role == "headteacher"
    ]
    assert status.attempts >= 2  # it did time out and retry
    posts = [c for c in teams.connector.calls if c.conversation_id == HEAD.personal_conversation]
    assert len([c for c in posts if reference in c.text]) == 1
