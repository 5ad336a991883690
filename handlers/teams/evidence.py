"""Evidence on Teams: files a reporter sends in the 1:1 chat, and files offered to recipients.
The rules (which concern, which category, who receives) are the core's
(bot/reports/evidence.py); this module moves bytes between Teams and the core.

- The receipt of a concern whose category takes files carries **Add evidence**; pressing it
  (and filing itself) opens a few minutes in which the reporter's files go to that concern.
  Teams delivers a file sent to a bot that declares ``supportsFiles`` as an attachment of type
  ``application/vnd.microsoft.teams.file.download.info`` whose ``downloadUrl`` needs no token;
  a picture pasted into the message comes as ``image/*`` at a ``contentUrl`` on the Bot
  Connector, fetched with the bot's token. The core is asked first, so a file it would refuse
  (no window open, an indecent-images concern) is never downloaded; each file is acknowledged
  by name.
- A recipient's evidence notice becomes a file consent card (``FileConsentCard``): when they
  press Allow, Teams sends ``fileConsent/invoke`` with an upload URL in their OneDrive; the core
  gives the file to that person only if the record was sent to them (audited), it is PUT to the
  URL, and a ``FileInfoCard`` opens it in the chat.
- File URLs must be https whenever the Bot Connector's is (always, with credentials on).
- Logs name references and error types only: never a file's name, content or URL.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import aiohttp
from botbuilder.core import BotAdapter, InvokeResponse, TurnContext
from botbuilder.schema import Activity, ActivityTypes, Attachment

from bot.reports.evidence import IncomingFile
from bot.reports.models import ActionResult, EvidenceFile, Notice
from handlers.downloads import read_capped
from handlers.teams import cards
from handlers.threads import off_loop

if TYPE_CHECKING:
    from bot.people import Actor
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

ADD_EVIDENCE = cards.ADD_EVIDENCE  # the receipt card's Action.Submit
DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"
CONSENT = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO = "application/vnd.microsoft.teams.card.file.info"
CONSENT_INVOKE = "fileConsent/invoke"
TIMEOUT = aiohttp.ClientTimeout(total=60)
PERSONAL_ONLY = "Files are taken only in our 1:1 chat, so none of these was kept."


async def add_evidence_pressed(
    runtime: Runtime, turn_context: TurnContext, actor: Actor, value: dict
) -> None:
    reference = str(value.get("reference") or "")[:50]
    result: ActionResult = await off_loop(runtime.reports.evidence.open_window, reference, actor)
    await turn_context.send_activity(result.message)


# --- files the reporter sends ---------------------------------------------------------------
def sent_files(activity: Activity) -> list[Attachment]:
    """The attachments of a message that are files (not the message's own text or a card)."""
    return [
        a
        for a in activity.attachments or []
        if a.content_type == DOWNLOAD_INFO or str(a.content_type or "").startswith("image/")
    ]


async def receive(
    runtime: Runtime, turn_context: TurnContext, actor: Actor, personal: bool
) -> None:
    """Files sent in a chat: attached to the concern the core has open for this person, each
    acknowledged by name, or refused without being downloaded."""
    attachments = sent_files(turn_context.activity)
    names = [_name(a, i + 1) for i, a in enumerate(attachments)]
    evidence = runtime.reports.evidence
    refusal = PERSONAL_ONLY if not personal else await off_loop(evidence.window_refusal, actor)
    if refusal:
        await turn_context.send_activity(f"{refusal} ({', '.join(names)})")
        return
    limit = runtime.settings.evidence.max_bytes
    files = [
        await _fetch(turn_context, a, name, limit)
        for a, name in zip(attachments, names, strict=True)
    ]
    result = await off_loop(evidence.attach_sent, actor, files)
    await turn_context.send_activity(result.message)


def _name(attachment: Attachment, number: int) -> str:
    return str(attachment.name or f"pasted picture {number}")  # a pasted picture has no name


async def _fetch(
    turn_context: TurnContext, attachment: Attachment, name: str, limit: int
) -> IncomingFile:
    """One file's bytes (``content=None`` when it cannot be had: the core names it)."""
    activity = turn_context.activity
    try:
        if attachment.content_type == DOWNLOAD_INFO:
            content = attachment.content if isinstance(attachment.content, dict) else {}
            url, headers = str(content.get("downloadUrl") or ""), {}
        else:  # a pasted picture, on the Bot Connector: with the bot's token when it has one
            url = str(attachment.content_url or "")
            if urlparse(url).netloc != urlparse(str(activity.service_url)).netloc:
                raise ValueError("a picture not on the Bot Connector")
            headers = await _bot_token(turn_context)
        _check_scheme(url, str(activity.service_url))
        async with (
            aiohttp.ClientSession(timeout=TIMEOUT) as session,
            session.get(url, headers=headers) as resp,
        ):
            if resp.status != 200:
                raise ConnectionError(f"HTTP {resp.status}")
            declared = resp.content_length or 0
            if declared > limit:  # too big: not downloaded (the core names it with its size)
                return IncomingFile(name, None, declared)
            data = await read_capped(resp, limit)
        return IncomingFile(name, data, max(declared, len(data)))
    except Exception as exc:
        log.warning("an evidence file could not be fetched from Teams: %s", type(exc).__name__)
        return IncomingFile(name, None)


async def _bot_token(turn_context: TurnContext) -> dict[str, str]:
    """``Authorization`` for the Bot Connector's own attachment URLs; none in local testing."""
    client = turn_context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
    credentials = getattr(getattr(client, "config", None), "credentials", None)
    get_token = getattr(credentials, "get_access_token", None)
    if get_token is None or not getattr(credentials, "microsoft_app_id", ""):
        return {}  # no app id: authentication is off (local testing), as botbuilder decides
    token = await off_loop(get_token)
    return {"Authorization": f"Bearer {token}"} if token else {}


def _check_scheme(url: str, service_url: str) -> None:
    scheme = urlparse(url).scheme
    if scheme not in ("http", "https"):
        raise ValueError("not a web address")
    if service_url.lower().startswith("https://") and scheme != "https":
        raise ValueError("not https")


# --- files offered to recipients ------------------------------------------------------------
def consent_message(notice: Notice) -> Activity:
    """An evidence notice as Teams' file consent card: the file's name, type and size; Allow
    puts it in the recipient's OneDrive (file_consent below)."""
    file = notice.files[0]
    context = {"reference": file.reference, "number": file.number}
    card = {
        "description": notice.text[:500],
        "sizeInBytes": file.size,
        "acceptContext": context,
        "declineContext": context,
    }
    return Activity(
        type=ActivityTypes.message,
        text=cards.esc(notice.text),
        summary=notice.title[:200],
        attachments=[Attachment(content_type=CONSENT, name=file.name, content=card)],
    )


async def file_consent(
    runtime: Runtime, turn_context: TurnContext, actor: Actor, personal: bool
) -> InvokeResponse:
    """The recipient answered a consent card: on Allow, upload the file to the URL Teams gave
    (only if the record was sent to them, and only in their 1:1 chat) and show it there."""
    activity = turn_context.activity
    if not personal:
        await turn_context.send_activity("Evidence is given only in our 1:1 chat.")
        return InvokeResponse(status=200)
    value = activity.value if isinstance(activity.value, dict) else {}
    context = value.get("context") if isinstance(value.get("context"), dict) else {}
    reference = str(context.get("reference") or "")[:50]
    number = context.get("number")
    if value.get("action") != "accept" or not isinstance(number, int):
        await turn_context.send_activity(
            f"Not saved to your OneDrive. The file stays with {reference or 'the report'} until "
            "the report's files are deleted ([evidence] keep_days_after_close after closing)."
        )
        return InvokeResponse(status=200)
    where = "uploaded to their OneDrive from Teams"
    opened = await off_loop(runtime.reports.evidence.open_file, reference, number, actor, where)
    if isinstance(opened, ActionResult):
        await turn_context.send_activity(opened.message)
        return InvokeResponse(status=200)
    info = value.get("uploadInfo") if isinstance(value.get("uploadInfo"), dict) else {}
    try:
        await _upload(str(info.get("uploadUrl") or ""), opened, str(activity.service_url))
    except Exception as exc:
        log.warning(
            "%s: an evidence file could not be uploaded to Teams: %s", reference, type(exc).__name__
        )
        await turn_context.send_activity(
            f"Evidence {number} of {reference} could not be saved to your OneDrive just now. "
            "Please try Allow again in a minute."
        )
        return InvokeResponse(status=200)
    await turn_context.send_activity(_file_card(info, opened))
    log.info("%s: evidence %d uploaded to a recipient's OneDrive", reference, number)
    return InvokeResponse(status=200)


async def _upload(url: str, file: EvidenceFile, service_url: str) -> None:
    """The whole file in one PUT to the OneDrive upload session Teams created."""
    _check_scheme(url, service_url)
    size = len(file.content)
    headers = {"Content-Length": str(size), "Content-Range": f"bytes 0-{size - 1}/{size}"}
    async with (
        aiohttp.ClientSession(timeout=TIMEOUT) as session,
        session.put(url, data=file.content, headers=headers) as resp,
    ):
        if resp.status not in (200, 201):
            raise ConnectionError(f"HTTP {resp.status}")
        await resp.read()


def _file_card(info: dict[str, Any], file: EvidenceFile) -> Activity:
    card = Attachment(
        content_type=FILE_INFO,
        content_url=str(info.get("contentUrl") or ""),
        name=str(info.get("name") or file.name),
        content={"uniqueId": str(info.get("uniqueId") or ""), "fileType": file.extension},
    )
    return Activity(type=ActivityTypes.message, attachments=[card])
