"""Nothing a reporter typed reaches any log, at any level, whatever goes wrong: stale and
mis-signed form submissions (bolt used to log their raw bodies), malformed bodies, and a whole
successful report at DEBUG (slack_sdk logs every Web API call's arguments there). Every logger
is captured at DEBUG, bolt's, slack_sdk's and aiohttp's included."""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import urlencode

from bot.logs import guard_library_logs
from tests import logcapture
from tests.slack.conftest import HEAD, STAFF
from tests.slack.harness import fill
from tests.slack.test_concerns import notices_for, open_modal

MARKER = "Zebedee-Quill-4417"  # in the report text, the pupil's name and the reporter's name
PUPIL = f"Jamie {MARKER}-pupil"
REPORTER = f"Ann {MARKER}-reporter"
FORM = "application/x-www-form-urlencoded"

everything_logged = logcapture.everything_logged  # the shared fixture


def submission(slack, opened_view: dict) -> str:
    view = {
        **opened_view,
        "id": "VSECRETFORM",
        "state": {
            "values": fill(
                opened_view,
                {
                    "category": "cyberbullying",
                    "description": f"{PUPIL} was sent threats. {MARKER}",
                    "people_involved": PUPIL,
                },
            )
        },
    }
    payload = {
        "type": "view_submission",
        "user": {"id": STAFF, "username": REPORTER, "name": REPORTER},
        "trigger_id": "trigger.1",
        "view": view,
    }
    return urlencode({"payload": json.dumps(payload)})


def test_rejected_and_malformed_submissions_leave_no_trace_in_any_log(slack, everything_logged):
    body = submission(slack, open_modal(slack, text="")["view"])
    stale = int(time.time()) - 6 * 60
    rejected = [
        slack.post(body, FORM, timestamp=stale),  # clock drift past five minutes
        slack.post(body, FORM, secret="the-old-rotated-signing-secret"),
        slack.post(body, FORM, headers={"X-Slack-Signature": "v0=" + "0" * 64}),
        slack.post(body, FORM, headers={"X-Slack-Request-Timestamp": MARKER}),
    ]
    assert [r.status for r in rejected] == [401, 401, 401, 401]
    malformed = [
        slack.post(f'payload={{"type": "view_submission", "{MARKER}', FORM),
        slack.post(f'{{"text": "{MARKER}"', "application/json"),
        slack.post("[" * 50_000 + f'"{MARKER}"' + "]" * 50_000, "application/json"),
    ]
    assert [r.status for r in malformed] == [400, 400, 400]
    assert MARKER not in everything_logged()


def test_a_whole_report_leaves_no_trace_in_any_log(slack, everything_logged):
    body = submission(slack, open_modal(slack, text="")["view"])
    assert slack.post(body, FORM).status == 200
    slack.fake.wait_for(lambda: notices_for(slack, HEAD))
    slack.fake.wait_for(lambda: slack.fake.posts_to("D" + STAFF))
    assert MARKER in str(notices_for(slack, HEAD))  # it was delivered, to the head only
    logged = everything_logged()
    assert "submitted on Slack" in logged  # the log is there, with the reference
    assert MARKER not in logged


def test_library_records_keep_their_lead_phrase_and_exception_type_only(caplog):
    guard_library_logs()
    caplog.set_level(logging.DEBUG)
    for name in ("slack_bolt.AsyncRequestVerification", "policybot.slack.bolt:on_submit"):
        logger = logging.getLogger(name)
        logger.info(f"Invalid request signature detected (body: {MARKER})")
        logger.info({"view": MARKER})
        try:
            raise KeyError(MARKER)
        except KeyError:
            logger.exception("Failed to run listener function %s", MARKER)
    assert MARKER not in caplog.text
    messages = [r.getMessage() for r in caplog.records]
    assert "Invalid request signature detected" in messages
    assert "Failed to run listener function [KeyError]" in messages
    logging.getLogger("policybot.slack").info("C-2026-0001 submitted on Slack")
    assert "C-2026-0001 submitted on Slack" in caplog.text  # our own records are untouched
