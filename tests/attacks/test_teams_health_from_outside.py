"""From the network, the Teams server's health endpoints say whether it runs and how many
notices wait, never which roles it cannot reach: "the chair is unreachable" next to "one notice
pending" while the head is reachable says a concern about the head is waiting for the chair.
Details stay for a request made on the server itself or carrying the health token."""

from __future__ import annotations

from tests.teams.conftest import HEAD, TEACHER
from tests.teams.test_reports import concern, submit, to

OUTSIDE = {"X-Forwarded-For": "203.0.113.9"}


def test_healthz_and_readyz_from_outside_name_no_role(teams):
    for user in (HEAD, TEACHER):  # the chair has never opened the app
        teams.client.send(teams.client.install(user))
    teams.connector.wait_for(lambda calls: all(to(u)(calls) for u in (HEAD, TEACHER)))
    reference = submit(teams, TEACHER, concern(about_headteacher="true"))

    for path in ("/healthz", "/readyz"):
        seen = teams.client.session.get(f"{teams.client.url}{path}", headers=OUTSIDE, timeout=30)
        assert seen.status_code in (200, 503)
        text = seen.text.lower()
        for word in ("chair", "governor", "headteacher", "safeguarding", reference.lower()):
            assert word not in text, (path, word, seen.text)

    on_the_server = teams.client.healthz()  # loopback, no proxy: the admin's view
    assert "chair_of_governors" in on_the_server["unreachable_recipients"]
