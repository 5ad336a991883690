"""The private forms, one row each: ``/report-concern [text]`` (a modal prefilled with the text)
and ``/declare-relationship``. On submit the core stores and routes the form, the sender is told
the reference by DM and recipients get DMs; a declaration goes to the headteacher with the same
acknowledge flow as a concern.

Both forms behave the same way and differ only in what the table below names (command, modal,
how the submitted view becomes the core's form, which core call files it), so a third form is a
row, not a module. What happens on submit is :mod:`handlers.slack.reporting`'s."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.reports.models import Actor, Evidence, Receipt
from handlers.slack import evidence, modals, reporting
from handlers.slack.context import runtime_of
from handlers.slack.util import display_name

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.reports.service import ReportService

Listener = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class SlackForm:
    kind: str  # "concern" | "declaration": the core's word, used in logs and "not sent" DMs
    command: str  # the slash command that opens the modal
    callback_id: str  # the modal's callback_id, which its submission arrives under
    # (text typed after the command, metadata, the school's settings) -> the view
    modal: Callable[[str, dict, Settings], dict]
    read: Callable[[dict], Any]  # the submitted view -> the core's form
    files: Callable[[Any], list[Evidence]]  # the files named on the form, fetched after filing
    fields: tuple[str, ...]  # the modal's block_ids, where field errors can be shown
    fallback_field: str  # where an error about a field the modal does not show goes
    filed_by: Callable[[ReportService], Callable[..., Receipt]]  # the core call that files it


FORMS = (
    SlackForm(
        kind="concern",
        command="/report-concern",
        callback_id=modals.REPORT_CONCERN,
        modal=lambda text, meta, settings: modals.concern_modal(
            prefill=text, meta=meta, max_files=settings.evidence.max_files
        ),
        read=modals.concern_form,
        files=lambda form: list(form.evidence),
        fields=modals.CONCERN_FIELDS,
        fallback_field="description",
        filed_by=lambda reports: reports.submit_concern,
    ),
    SlackForm(
        kind="declaration",
        command="/declare-relationship",
        callback_id=modals.DECLARE_RELATIONSHIP,
        modal=lambda _text, meta, _settings: modals.declaration_modal(meta=meta),
        read=modals.declaration_form,
        files=lambda _form: [],
        fields=modals.DECLARATION_FIELDS,
        fallback_field="notes",
        filed_by=lambda reports: reports.declare_relationship,
    ),
)


def register(app: AsyncApp) -> None:
    for form in FORMS:
        app.command(form.command)(opener(form))
        app.view(form.callback_id)(submitter(form))


def opener(form: SlackForm) -> Listener:
    """The slash command's listener: refuse early if reports are not set up, else open the
    modal, with the sender's real name in its metadata for the recipients."""

    async def open_modal(
        ack: AsyncAck, command: dict, client: AsyncWebClient, respond: AsyncRespond, context: dict
    ) -> None:
        await ack()
        runtime = runtime_of(context)
        if await reporting.refuse_if_unavailable(runtime, respond):
            return
        name = await display_name(client, command["user_id"])
        text = (command.get("text") or "").strip()
        await client.views_open(
            trigger_id=command["trigger_id"],
            view=form.modal(text, {"name": name}, runtime.settings),
        )

    open_modal.__name__ = f"open_{form.kind}_modal"  # bolt names the listener's logger after it
    return open_modal


def submitter(form: SlackForm) -> Listener:
    """The modal's submission listener: hand the form to the core (handlers.slack.reporting)."""

    async def submit(
        ack: AsyncAck, body: dict, view: dict, client: AsyncWebClient, context: dict
    ) -> None:
        filled = form.read(view)
        named = form.files(filled)

        async def attach(actor: Actor, receipt: Receipt) -> str:
            return await evidence.attach_after_filing(client, context, actor, receipt, named)

        await reporting.submit(
            ack=ack,
            body=body,
            client=client,
            context=context,
            submit_fn=form.filed_by(runtime_of(context).reports),
            form=filled,
            fields=form.fields,
            fallback_field=form.fallback_field,
            kind=form.kind,
            followup=attach if named else None,
            followup_note=evidence.attaching_note(len(named)),
        )

    submit.__name__ = f"submit_{form.kind}"
    return submit
