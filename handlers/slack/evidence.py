"""Evidence on Slack: the concern form's file field, fetching the files after filing, and putting
each into a recipient's DM. The rules (what may be attached, to which category, who gets it)
are the core's (bot/reports/evidence.py); this module only moves bytes.

- The category select dispatches an action: choosing a category that never carries files
  updates the open modal (``views.update``) to drop the file field and show the guidance in
  its place; choosing another brings the field back.
- After a concern is filed, each file named on the form is fetched: ``files.info`` (the bot
  has ``files:read``), then its ``url_private_download`` with the bot token, only from Slack's
  own hosts and never more than the size limit. The core checks, seals and routes them; the
  reporter's DM receipt says what was received and names any file that could not be attached.
  For a concern that takes no files nothing is downloaded at all.
- A recipient's evidence notice is uploaded into their DM with the bot through Slack's external
  upload flow: ``files.getUploadURLExternal``, POST the bytes to the URL it gives,
  ``files.completeUploadExternal`` with the DM's ``channel_id``. Never anywhere else.
- Logs name references and error types only: never a file's name, content or URL.
"""

from __future__ import annotations

import logging
import urllib.request
from urllib.parse import urlparse

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient

from bot.reports.evidence import IncomingFile
from bot.reports.models import Actor, Evidence, Notice, Receipt
from handlers.downloads import read_capped
from handlers.slack import blocks as bk
from handlers.slack import modals
from handlers.slack.context import http_of, runtime_of
from handlers.threads import off_loop

log = logging.getLogger("policybot.slack.evidence")

SLACK_FILE_HOSTS = ("files.slack.com",)  # where url_private_download points
DOWNLOAD_TIMEOUT = 60.0  # seconds, per file
UPLOAD_TIMEOUT = 60  # seconds, per file
HISTORY_LIMIT = 100


def register(app: AsyncApp) -> None:
    app.action({"action_id": "category", "block_id": "category"})(category_chosen)


async def category_chosen(ack: AsyncAck, body: dict, client: AsyncWebClient, context: dict) -> None:
    """The concern form's category changed: rebuild the form for it (the file field, or the
    guidance where a category never carries files)."""
    await ack()
    view = body.get("view") or {}
    if view.get("callback_id") != modals.REPORT_CONCERN or not view.get("id"):
        return
    action = (body.get("actions") or [{}])[0]
    category = str((action.get("selected_option") or {}).get("value") or "")
    values = (view.get("state") or {}).get("values") or {}
    typed = ((values.get("description") or {}).get("description") or {}).get("value") or ""
    settings = runtime_of(context).settings
    rebuilt = modals.concern_modal(
        prefill=typed,
        meta=modals.metadata(view),
        category=category,
        max_files=settings.evidence.max_files,
    )
    try:
        await client.views_update(view_id=view["id"], hash=view.get("hash"), view=rebuilt)
    except Exception as exc:  # the person typed on: Slack refuses a stale hash; no harm done
        log.warning("could not update the concern form: %s", type(exc).__name__)


def attaching_note(count: int) -> str:
    """What the form's confirmation says while the files are being fetched."""
    if not count:
        return ""
    return f"Attaching your {count} file(s) now: I'll confirm them in our direct messages."


async def attach_after_filing(
    client: AsyncWebClient,
    context: dict,
    actor: Actor,
    receipt: Receipt,
    named: list[Evidence],
) -> str:
    """Fetch the files named on the form and give them to the core; returns what the reporter's
    DM receipt adds. Never raises: the concern is filed whatever happens to its files."""
    runtime = runtime_of(context)
    try:
        if receipt.accepts_evidence:
            session = http_of(context).get()
            limit = runtime.settings.evidence.max_bytes
            files = [await fetch(client, session, f, limit, receipt.reference) for f in named]
        else:  # the core refuses them with the guidance; nothing is even downloaded
            files = [IncomingFile(f.name, None) for f in named]
        result = await off_loop(runtime.reports.evidence.attach, receipt.reference, actor, files)
    except Exception as exc:
        log.error(
            "%s: its evidence could not be attached: %s", receipt.reference, type(exc).__name__
        )
        return (
            f"Your files could not be attached to {receipt.reference} (something went wrong on "
            "our side); the concern itself is filed. Please show them to the headteacher."
        )
    return result.message


async def fetch(
    client: AsyncWebClient,
    session: aiohttp.ClientSession,
    named: Evidence,
    limit: int,
    reference: str,
) -> IncomingFile:
    """One file named on the form, or ``content=None`` (the core names it to the reporter)."""
    try:
        info = (await client.files_info(file=named.ref)).get("file") or {}
        size = int(info.get("size") or 0)
        if size > limit:
            return IncomingFile(named.name, None, size)  # too big: not downloaded
        url = str(info.get("url_private_download") or info.get("url_private") or "")
        if not _from_slack(url, str(client.base_url)):
            raise ValueError("not a Slack file address")
        headers = {"Authorization": f"Bearer {client.token}"}
        timeout = aiohttp.ClientTimeout(total=DOWNLOAD_TIMEOUT)
        async with session.get(url, headers=headers, timeout=timeout) as resp:
            if resp.status != 200:
                raise ConnectionError(f"HTTP {resp.status}")
            content = await read_capped(resp, limit)
        return IncomingFile(named.name, content, max(size, len(content)))
    except (TimeoutError, Exception) as exc:
        log.warning(
            "%s: an evidence file could not be fetched from Slack: %s",
            reference,
            type(exc).__name__,
        )
        return IncomingFile(named.name, None)


def _from_slack(url: str, api_url: str) -> bool:
    """The bot token goes only to Slack's file host (or the API's own host, e.g. a test's)."""
    parsed, api = urlparse(url), urlparse(api_url)
    if parsed.scheme != "https" and parsed.netloc != api.netloc:
        return False
    return parsed.hostname in SLACK_FILE_HOSTS or parsed.netloc == api.netloc


# --- delivery: the notifier's side (a worker thread, the synchronous client) -----------------
def upload(client: WebClient, channel: str, notice: Notice) -> None:
    """Put an evidence notice's file into the recipient's DM (``channel``), with the notice as
    its comment, unless an earlier attempt already did (the comment names the record and the
    file's number, so it is unique in that DM)."""
    comment = bk.notice_fallback(notice)
    if already_shared(client, channel, comment):
        log.info("evidence for %s already in the DM; not sending it again", notice.reference)
        return
    for file in notice.files:
        got = client.files_getUploadURLExternal(filename=file.name, length=len(file.content))
        _post_bytes(str(got["upload_url"]), file.content)
        client.files_completeUploadExternal(
            files=[{"id": str(got["file_id"]), "title": file.name}],
            channel_id=channel,
            initial_comment=comment,
        )
    log.info("sent evidence for %s", notice.reference)


def already_shared(client: WebClient, channel: str, comment: str) -> bool:
    history = client.conversations_history(channel=channel, limit=HISTORY_LIMIT)
    return any(m.get("files") and m.get("text") == comment for m in history.get("messages") or [])


def _post_bytes(url: str, content: bytes) -> None:
    """Step two of the external upload: the bytes, POSTed to the URL Slack gave for them."""
    request = urllib.request.Request(url, data=content, method="POST")
    request.add_header("Content-Type", "application/octet-stream")
    with urllib.request.urlopen(request, timeout=UPLOAD_TIMEOUT) as resp:
        resp.read()
        if resp.status != 200:
            raise ConnectionError(f"upload answered HTTP {resp.status}")
