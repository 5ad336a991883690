"""Evidence on Teams, end to end through the real CloudAdapter over HTTP, with a fake Bot
Connector that also plays OneDrive as Teams' documentation describes it: files the reporter sends
in the 1:1 chat (file.download.info attachments) are attached after Add evidence and acknowledged
by name; each reaches exactly the people the concern went to as a file consent card, and is
uploaded to their OneDrive when they press Allow; never for indecent images."""

from __future__ import annotations

from tests import logcapture
from tests.evidence_files import pdf, png
from tests.teams.conftest import CHAIR, DSL, HEAD, OTHER, TEACHER
from tests.teams.test_reports import concern, submit, to

CONSENT = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO = "application/vnd.microsoft.teams.card.file.info"
SHOT = png("MARKER-teams-screenshot", size=32, extra=300_000)  # many network chunks
LETTER = pdf("MARKER-teams-letter")
SECRET_NAME = "Wilhelmina-Quartz-chat"  # a file name that must never reach a log

everything_logged = logcapture.everything_logged


def last_reply(teams, user):
    return to(user)(teams.connector.sent())[-1]


def say(teams, user, activity: dict):
    """Send an activity and wait for the bot's next reply to ``user``."""
    before = len(to(user)(teams.connector.sent()))
    teams.client.send(activity)
    return to(user)(teams.connector.wait_for(lambda calls: len(to(user)(calls)) > before))[before]


def send_files(teams, user, attachments: list[dict]):
    activity = teams.client.personal(user)
    activity["attachments"] = attachments
    return say(teams, user, activity)


def consent_cards(teams, user=None) -> list[tuple[str, dict]]:
    """(conversation, attachment) of every file consent card the bot sent."""
    return [
        (c.conversation_id, a)
        for c in teams.connector.sent()
        for a in c.body.get("attachments") or []
        if a.get("contentType") == CONSENT
        and (user is None or c.conversation_id == user.personal_conversation)
    ]


def allow(teams, user, card: dict):
    """``user`` presses Allow on a consent card: the invoke Teams sends, with an upload URL."""
    activity = teams.client.personal(user)
    activity.update(
        type="invoke",
        name="fileConsent/invoke",
        value={
            "type": "fileUpload",
            "action": "accept",
            "context": card["content"]["acceptContext"],
            "uploadInfo": teams.connector.upload_info(card["name"]),
        },
    )
    response = teams.client.post(activity)
    assert response.status_code == 200
    return activity["value"]["uploadInfo"]


def reachable(teams, *users):
    for user in users:
        teams.client.send(teams.client.install(user))
        teams.connector.wait_for(to(user))


def file_concern_with_evidence(teams, files: list[tuple[str, bytes]], **fields) -> str:
    reference = submit(teams, TEACHER, concern(**fields))
    pressed = say(teams, TEACHER, teams.client.personal(TEACHER, value={
        "action": "add_evidence", "reference": reference}))  # fmt: skip
    assert "Send the files now" in pressed.text
    reply = send_files(teams, TEACHER, [teams.connector.download_info(n, b) for n, b in files])
    assert f"{len(files)} file(s) received for {reference}" in reply.text
    return reference


def test_the_receipt_offers_add_evidence_and_each_file_is_acknowledged_by_name(teams):
    reference = submit(teams, TEACHER, concern())
    receipt = last_reply(teams, TEACHER)
    assert {"action": "add_evidence", "reference": reference} in [
        a["data"] for a in receipt.submit_actions()
    ]
    pressed = say(teams, TEACHER, teams.client.personal(TEACHER, value={
        "action": "add_evidence", "reference": reference}))  # fmt: skip
    assert "the next 10 minutes" in pressed.text
    files = [("chat.png", SHOT), ("letter.pdf", LETTER), ("notes.txt", b"just words")]
    reply = send_files(teams, TEACHER, [teams.connector.download_info(n, b) for n, b in files])
    assert "chat.png (PNG image" in reply.text and "letter.pdf (PDF document" in reply.text
    assert "notes.txt (not a screenshot or PDF" in reply.text
    record = say(teams, TEACHER, teams.client.personal(TEACHER, value={
        "action": "view_record", "reference": reference}))  # fmt: skip
    listed = [b for b in record.text_blocks() if "chat.png" in b]
    assert listed and "PNG image" in listed[0]  # the record lists the files it holds


def test_a_png_and_a_pdf_reach_exactly_the_heads_chat_byte_for_byte(teams):
    reachable(teams, HEAD, CHAIR, DSL)
    file_concern_with_evidence(teams, [("chat.png", SHOT), ("letter.pdf", LETTER)])
    teams.connector.wait_for(lambda _: len(consent_cards(teams)) == 2)
    cards = consent_cards(teams)
    assert {conversation for conversation, _ in cards} == {HEAD.personal_conversation}
    by_name = {card["name"]: card for _, card in cards}
    assert by_name["chat.png"]["content"]["sizeInBytes"] == len(SHOT)
    assert "PNG image" in by_name["chat.png"]["content"]["description"]

    uploaded = {name: allow(teams, HEAD, card) for name, card in by_name.items()}
    for name, content in (("chat.png", SHOT), ("letter.pdf", LETTER)):
        session = uploaded[name]["uniqueId"]
        assert teams.connector.uploads[session] == content  # byte for byte, whole
    file_cards = [
        (c.conversation_id, a)
        for c in teams.connector.sent()
        for a in c.body.get("attachments") or []
        if a.get("contentType") == FILE_INFO
    ]
    assert {c for c, _ in file_cards} == {HEAD.personal_conversation}
    assert sorted(a["name"] for _, a in file_cards) == ["chat.png", "letter.pdf"]


def test_nobody_else_can_take_a_file_by_answering_its_consent_card(teams):
    reachable(teams, HEAD)
    file_concern_with_evidence(teams, [("chat.png", SHOT)])
    teams.connector.wait_for(lambda _: consent_cards(teams))
    (_, card), *_ = consent_cards(teams)
    for intruder in (OTHER, CHAIR, TEACHER):
        allow(teams, intruder, card)
    assert teams.connector.uploads == {}
    assert "There is no report" in last_reply(teams, OTHER).text


def test_the_files_of_a_concern_about_the_head_go_to_the_chair_never_the_head(teams):
    reachable(teams, HEAD, CHAIR)
    file_concern_with_evidence(teams, [("post.png", SHOT)], about_headteacher="true")
    teams.connector.wait_for(lambda _: consent_cards(teams))
    ((conversation, card),) = consent_cards(teams)
    assert conversation == CHAIR.personal_conversation
    session = allow(teams, CHAIR, card)["uniqueId"]
    assert teams.connector.uploads[session] == SHOT
    assert consent_cards(teams, HEAD) == []


def test_indecent_images_offer_no_add_evidence_and_a_file_sent_anyway_is_never_kept(teams):
    reachable(teams, HEAD)
    reference = submit(teams, TEACHER, concern(category="indecent_images"))
    receipt = last_reply(teams, TEACHER)
    assert "add_evidence" not in str(receipt.submit_actions())
    assert "Do not copy, screenshot, save or forward the image" in receipt.card_text()

    reply = send_files(teams, TEACHER, [teams.connector.download_info("image.png", SHOT)])
    assert "None of the files was kept" in reply.text and "image.png" in reply.text
    assert "Tell the headteacher now" in reply.text
    pressed = say(
        teams,
        TEACHER,
        teams.client.personal(TEACHER, value={"action": "add_evidence", "reference": reference}),
    )  # a forged press: refused too
    assert "None of the files was kept" in pressed.text
    assert teams.connector.file_calls() == []  # never even downloaded
    assert teams.runtime.store.query("SELECT COUNT(*) AS n FROM evidence")[0]["n"] == 0
    assert consent_cards(teams) == []


def test_files_with_no_concern_open_are_refused_unread(teams):
    reply = send_files(teams, TEACHER, [teams.connector.download_info("stray.png", SHOT)])
    assert "These files were not kept" in reply.text and "Add evidence" in reply.text
    assert teams.connector.file_calls() == []


def test_a_failed_download_is_named_the_concern_stands_and_no_log_names_a_file(
    teams, everything_logged
):
    reachable(teams, HEAD)
    reference = submit(teams, TEACHER, concern())
    teams.connector.fail_downloads = 1
    files = [(f"{SECRET_NAME}-lost.png", SHOT), (f"{SECRET_NAME}-kept.pdf", LETTER)]
    reply = send_files(teams, TEACHER, [teams.connector.download_info(n, b) for n, b in files])
    assert f"{SECRET_NAME}-lost.png (it could not be downloaded" in reply.text
    assert f"1 file(s) received for {reference}" in reply.text
    teams.connector.wait_for(lambda _: consent_cards(teams, HEAD))
    (_, card), *_ = consent_cards(teams, HEAD)
    allow(teams, HEAD, card)
    teams.connector.wait_for(lambda _: teams.connector.uploads)

    logged = everything_logged()
    assert "could not be fetched from Teams" in logged
    assert SECRET_NAME not in logged and "MARKER-" not in logged
    assert "/onedrive/" not in logged  # no file URL either


def test_a_picture_pasted_into_the_chat_is_taken_too(teams):
    reachable(teams, HEAD)
    reference = submit(teams, TEACHER, concern())
    reply = send_files(teams, TEACHER, [teams.connector.pasted_picture(SHOT)])
    assert f"1 file(s) received for {reference}" in reply.text and "PNG image" in reply.text
    teams.connector.wait_for(lambda _: consent_cards(teams, HEAD))
    ((_, card),) = consent_cards(teams, HEAD)
    assert teams.connector.uploads[allow(teams, HEAD, card)["uniqueId"]] == SHOT
