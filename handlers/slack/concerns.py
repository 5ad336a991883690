"""``/report-concern [text]``: a private modal prefilled with the text; on submit the core
stores and routes it, the reporter is told the reference by DM and recipients get DMs."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from handlers.slack import modals, reporting
from handlers.slack.util import display_name


def register(app: AsyncApp) -> None:
    app.command("/report-concern")(open_concern_modal)
    app.view(modals.REPORT_CONCERN)(submit_concern)


async def open_concern_modal(
    ack: AsyncAck, command: dict, client: AsyncWebClient, respond: AsyncRespond, context: dict
) -> None:
    await ack()
    if await reporting.refuse_if_unavailable(context["runtime"], respond):
        return
    name = await display_name(client, command["user_id"])
    await client.views_open(
        trigger_id=command["trigger_id"],
        view=modals.concern_modal(prefill=(command.get("text") or "").strip(), meta={"name": name}),
    )


async def submit_concern(ack: AsyncAck, body: dict, view: dict, client: AsyncWebClient, context):
    await reporting.submit(
        ack=ack,
        body=body,
        client=client,
        context=context,
        submit_fn=context["runtime"].reports.submit_concern,
        form=modals.concern_form(view),
        fields=modals.CONCERN_FIELDS,
        fallback_field="description",
        kind="concern",
    )
