"""A reporter sees that their report was received and acknowledged, never what the recipients
wrote about it: a note added by the head reaches neither the reporter's DMs nor their App Home."""

from __future__ import annotations

from bot.reports.models import Actor
from tests.slack.conftest import HEAD, STAFF
from tests.slack.test_concerns import dm, notices_for, submit_concern
from tests.slack.test_declarations_and_home import home_views

NOTE = "Spoke to Jamie's mother; social worker Dana Whitlock informed"


def test_the_heads_note_never_reaches_the_reporter(slack, runtime):
    submit_concern(slack)
    notice = slack.fake.wait_for(lambda: notices_for(slack, HEAD))[0]
    (mine,) = runtime.reports.list_for_submitter(Actor("slack", STAFF))
    slack.click(HEAD, "acknowledge", mine.reference, message=notice, channel=dm(HEAD))
    assert runtime.reports.add_note(mine.reference, Actor("slack", HEAD), NOTE).ok
    slack.fake.wait_for(lambda: notices_for(slack, STAFF))
    runtime.reports.deliver_due()

    slack.event({"type": "app_home_opened", "user": STAFF, "channel": dm(STAFF), "tab": "home"})
    home = slack.fake.wait_for(lambda: home_views(slack, STAFF))[-1]
    assert mine.reference in str(home) and "acknowledged" in str(home).lower()
    to_reporter = [c.text_blob() for c in slack.fake.calls if dm(STAFF) in str(c.args)]
    assert to_reporter and not [t for t in to_reporter if "Whitlock" in t]
    assert "Whitlock" not in str(home)
