"""Evidence on Slack, end to end through the real bolt app over signed HTTP, with a fake Slack
that implements the documented files APIs: the form's file field (gone for indecent images),
files.info and the private download with the bot token, and the external upload flow that puts
each file into exactly the recipients' DMs."""

from __future__ import annotations

import json

from tests import logcapture
from tests.evidence_files import pdf, png
from tests.slack.conftest import CHAIR, DSL, HEAD, STAFF
from tests.slack.test_concerns import dm, notices_for, open_modal

SHOT = png("MARKER-slack-screenshot", size=32, extra=300_000)  # many network chunks
LETTER = pdf("MARKER-slack-letter")
SECRET_NAME = "Quilla-Poppins-chat"  # a file name that must never reach a log

everything_logged = logcapture.everything_logged


def inputs(view: dict) -> dict[str, dict]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def choose_category(slack, user: str, view: dict, category: str) -> dict:
    """Pick a category in the open form, as Slack sends it (the input dispatches an action);
    returns the view the app updated the form to."""
    before = len(slack.fake.calls_to("views.update"))
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower()},
        "trigger_id": "trigger.cat",
        "container": {"type": "view", "view_id": "VFORM1"},
        "view": {**view, "id": "VFORM1", "hash": "1700000000.abc", "state": {"values": {}}},
        "actions": [
            {
                "type": "static_select",
                "action_id": "category",
                "block_id": "category",
                "selected_option": {"value": category},
                "action_ts": "1700000000.1",
            }
        ],
    }
    assert slack.interact(payload).status == 200
    (update,) = slack.fake.wait_for(lambda: slack.fake.calls_to("views.update")[before:])
    assert update.args["view_id"] == "VFORM1" and update.args["hash"] == "1700000000.abc"
    return update.args["view"]


def submit_with_files(slack, files: list[dict], user: str = STAFF, **answers):
    opened = open_modal(slack, user=user)
    answers = {"category": "cyberbullying", "description": "Abuse in the class chat.", **answers}
    return slack.submit(user, opened["view"], {**answers, "evidence": files})


def channels_with_files(slack) -> set[str]:
    return {
        c for c, messages in slack.fake.channels.items() if any(m.get("files") for m in messages)
    }


def test_the_form_offers_files_except_for_indecent_images_where_it_gives_the_guidance(slack):
    view = open_modal(slack)["view"]
    fields = inputs(view)
    assert fields["evidence"]["element"]["type"] == "file_input"
    assert fields["evidence"]["element"]["max_files"] == 5  # [evidence] max_files
    assert fields["category"]["dispatch_action"] is True

    updated = choose_category(slack, STAFF, view, "indecent_images")
    assert "evidence" not in inputs(updated)
    guidance = json.dumps(updated["blocks"])
    assert "Do not copy, screenshot, save or forward the image" in guidance
    assert "the device, the website or app, and the date and time" in guidance
    assert "Tell the headteacher now" in guidance
    kept = inputs(updated)
    assert kept["category"]["element"]["initial_option"]["value"] == "indecent_images"
    assert set(kept) == set(inputs(view)) - {"evidence"}  # same block ids: what was typed stays

    back = choose_category(slack, STAFF, updated, "trolling")
    assert inputs(back)["evidence"]["element"]["type"] == "file_input"


def test_a_png_and_a_pdf_reach_exactly_the_heads_dm_byte_for_byte(slack, runtime):
    files = [
        slack.fake.add_file("F0SHOT", "chat.png", SHOT, "image/png"),
        slack.fake.add_file("F0LETTER", "letter.pdf", LETTER, "application/pdf"),
    ]
    resp = submit_with_files(slack, files)
    assert resp.status == 200 and "Attaching your 2 file(s)" in resp.text

    shared = slack.fake.wait_for(lambda: len(slack.fake.files_shared_in(dm(HEAD))) == 2)
    assert shared
    assert sorted(slack.fake.files_shared_in(dm(HEAD))) == [
        ("chat.png", SHOT),
        ("letter.pdf", LETTER),
    ]
    assert channels_with_files(slack) == {dm(HEAD)}  # never a channel, never anyone else
    completes = slack.fake.calls_to("files.completeUploadExternal")
    assert {c.args["channel_id"] for c in completes} == {dm(HEAD)}
    comments = [c.args["initial_comment"] for c in completes]
    assert any("chat.png (PNG image" in c for c in comments)
    assert any("letter.pdf (PDF document" in c for c in comments)

    notice = slack.fake.wait_for(lambda: notices_for(slack, HEAD))[0]
    assert "2 file(s) named on the form" in json.dumps(notice["blocks"])
    receipt = slack.fake.wait_for(
        lambda: [p for p in slack.fake.posts_to(dm(STAFF)) if "received" in p.args["text"]]
    )[0]
    assert "2 file(s) received for" in receipt.args["text"]
    downloads = slack.fake.calls_to("files-pri")
    assert len(downloads) == 2  # each fetched once, with the bot token (the fake checks it)


def test_the_files_of_a_concern_about_the_head_go_to_the_chair_never_the_head(slack):
    files = [slack.fake.add_file("F0POST", "post.png", SHOT, "image/png")]
    submit_with_files(slack, files, about_headteacher=True)
    slack.fake.wait_for(lambda: slack.fake.files_shared_in(dm(CHAIR)))
    assert slack.fake.files_shared_in(dm(CHAIR)) == [("post.png", SHOT)]
    slack.fake.wait_for(lambda: notices_for(slack, CHAIR))
    assert channels_with_files(slack) == {dm(CHAIR)}
    assert notices_for(slack, HEAD) == [] and notices_for(slack, DSL) == []


def test_a_file_sent_anyway_with_indecent_images_is_never_fetched_nor_kept(slack, runtime):
    files = [slack.fake.add_file("F0IMG", "image.png", SHOT, "image/png")]
    resp = submit_with_files(slack, files, category="indecent_images")
    assert resp.status == 200
    receipt = slack.fake.wait_for(
        lambda: [p for p in slack.fake.posts_to(dm(STAFF)) if "kept" in p.args["text"]]
    )[0]
    assert "None of the files was kept" in receipt.args["text"]
    assert "Do not copy, screenshot, save or forward the image" in receipt.args["text"]
    slack.fake.wait_for(lambda: notices_for(slack, HEAD) and notices_for(slack, DSL))
    assert slack.fake.calls_to("files.info") == [] and slack.fake.calls_to("files-pri") == []
    assert runtime.store.query("SELECT COUNT(*) AS n FROM evidence")[0]["n"] == 0
    assert channels_with_files(slack) == set()
    assert "image.png" not in json.dumps(notices_for(slack, HEAD))


def test_a_file_that_cannot_be_downloaded_is_named_and_the_concern_still_filed(
    slack, runtime, everything_logged
):
    files = [
        slack.fake.add_file("F0LOST", f"{SECRET_NAME}-lost.png", SHOT, "image/png"),
        slack.fake.add_file("F0KEPT", f"{SECRET_NAME}-kept.pdf", LETTER, "application/pdf"),
    ]
    slack.fake.fail("files-pri", 1, 500)  # the first download fails
    submit_with_files(slack, files)

    receipt = slack.fake.wait_for(
        lambda: [p for p in slack.fake.posts_to(dm(STAFF)) if "Not attached" in p.args["text"]]
    )[0]
    assert f"{SECRET_NAME}-lost.png (it could not be downloaded" in receipt.args["text"]
    assert "1 file(s) received" in receipt.args["text"]
    slack.fake.wait_for(lambda: slack.fake.files_shared_in(dm(HEAD)))
    assert slack.fake.files_shared_in(dm(HEAD)) == [(f"{SECRET_NAME}-kept.pdf", LETTER)]
    assert notices_for(slack, HEAD)  # the concern itself reached the head

    logged = everything_logged()
    assert "could not be fetched from Slack" in logged  # the failure is logged…
    assert SECRET_NAME not in logged  # …without the file's name, at any level
    assert "files-pri" not in logged and "MARKER-" not in logged  # nor its URL or content
