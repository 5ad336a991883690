"""``/declare-relationship``: a private modal; the headteacher is sent the declaration with the
same acknowledge flow as a concern."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from handlers.slack import modals, reporting
from handlers.slack.util import display_name


def register(app: AsyncApp) -> None:
    app.command("/declare-relationship")(open_declaration_modal)
    app.view(modals.DECLARE_RELATIONSHIP)(submit_declaration)


async def open_declaration_modal(
    ack: AsyncAck, command: dict, client: AsyncWebClient, respond: AsyncRespond, context: dict
) -> None:
    await ack()
    if await reporting.refuse_if_unavailable(context["runtime"], respond):
        return
    name = await display_name(client, command["user_id"])
    await client.views_open(
        trigger_id=command["trigger_id"], view=modals.declaration_modal(meta={"name": name})
    )


async def submit_declaration(
    ack: AsyncAck, body: dict, view: dict, client: AsyncWebClient, context
):
    await reporting.submit(
        ack=ack,
        body=body,
        client=client,
        context=context,
        submit_fn=context["runtime"].reports.declare_relationship,
        form=modals.declaration_form(view),
        fields=modals.DECLARATION_FIELDS,
        fallback_field="notes",
        kind="declaration",
    )
