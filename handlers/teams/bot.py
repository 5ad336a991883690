"""The Teams bot: translates Teams activities into core calls and core replies into cards.

No business rule lives here. Routing, validation, who may acknowledge what, and delivery are the
core's (``bot.reports``); answers are ``bot.assistant``'s. Blocking core calls (retrieval is
CPU-bound, reports do SQLite and crypto) run in the default executor (``handlers.threads``) so
the event loop keeps serving other turns.

Where things are answered:

* personal chat: everything;
* channel / group chat: only when the bot is @mentioned (Teams only sends us those); questions are
  answered in the thread, but report and declaration forms are never posted there — the user is
  sent to the 1:1 chat, because a concern must not be typed where colleagues can read it.

Who is acting (issue 22): only an activity on the Teams channel (``channelId == "msteams"``)
that carries ``from.aadObjectId`` acts as a person, and that object id is who they are. The Bot
Framework token binds the bot, the service URL and the channel, not the user: on the Teams
channel Teams itself sets ``from.aadObjectId`` and the tenant, but on Web Chat or Direct Line
(on by default for an Azure Bot) the client chooses ``from.id`` and ``channelData``. The server
refuses other channels before a turn runs (handlers/teams/server.py); a Teams activity without
an object id is told politely that it cannot be served, and nothing of it is remembered. Only
``serve teams --local-testing`` lets the Bot Framework Emulator (channel ``emulator``, which has
no Entra ID) act as its ``from.id``.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount

from bot.errors import FormError, SubmissionRefused
from bot.feedback import vote_note
from bot.reports.models import LIMITS, Actor, not_sent_message
from bot.reports.service import actor_id
from handlers.teams import campaign_cards, campaigns, cards, evidence, learning_cards, roster, views
from handlers.teams.forms import FORMS, TeamsForm, clipped
from handlers.teams.references import ReferenceStore
from handlers.threads import off_loop

if TYPE_CHECKING:
    from bot.feedback import FeedbackLog
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

_AT_TAG = re.compile(r"<at[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)
_COMMANDS = {
    "help": "help",
    "?": "help",
    "hi": "help",
    "hello": "help",
    "start": "help",
    "report concern": "concern",
    "report a concern": "concern",
    "report-concern": "concern",
    "concern": "concern",
    "declare relationship": "declaration",
    "declare a relationship": "declaration",
    "declare-relationship": "declaration",
    **views.ALIASES,  # the head's view: "open items", "register", "my reports", …
    **views.SUGGESTION_ALIASES,  # typed: Teams' command menu holds ten, all taken
    "publish": "publish",
    "publish policy": "publish",
    "receipts": "receipts",
    "sync staff": "sync staff",
    "trust overview": "trust overview",  # a trust's people: each school's counts (bot/trust/)
}
# "Read and understood" rounds: the command and what answers it (both name staff or policies
# sent to someone, so they are answered in the 1:1 chat only).
CAMPAIGN_COMMANDS: dict[str, Callable[[Runtime, Actor], Activity]] = {
    "publish": campaigns.publish_form,
    "receipts": campaigns.receipts,
}

VIEWS_PRIVATE = (
    "Lists of reports are private, so I only show them in our 1:1 chat. "
    "Open a chat with me (Chat → New chat → my name) and type `{command}`."
)
PRIVATE_ONLY = (
    "Reports and declarations are private, so I only take them in our 1:1 chat. "
    "Open a chat with me (Chat → New chat → my name) and type `{command}`."
)
ASK_PROMPT = (
    "What would you like to ask? Type your question, e.g. *Can I friend a parent on Facebook?*"
)
SORRY = "Sorry, something went wrong on my side. Please try again in a minute."
TRUST_ONLY = "The trust overview is for the trust's safeguarding lead and chief executive."


def strip_mentions(activity: Activity) -> str:
    """The message text without the bot's @mention.

    ``TurnContext.remove_recipient_mention`` feeds the mention's display name to ``re.sub`` as a
    pattern (a bot named "Policy Bot (beta)" would not be stripped) and leaves other markup, so
    we remove each mention entity's literal ``<at>…</at>`` text, then any leftover tags.
    """
    text = activity.text or ""
    bot_id = activity.recipient.id if activity.recipient else None
    for mention in TurnContext.get_mentions(activity):
        props = getattr(mention, "additional_properties", None) or {}
        mentioned = props.get("mentioned") or {}
        if mentioned.get("id") == bot_id and props.get("text"):
            text = text.replace(props["text"], " ")
    text = _AT_TAG.sub(" ", text)
    text = text.replace("&nbsp;", " ").replace("\u00a0", " ")
    return " ".join(text.split())


def bot_was_mentioned(activity: Activity) -> bool:
    bot_id = activity.recipient.id if activity.recipient else None
    for mention in TurnContext.get_mentions(activity):
        props = getattr(mention, "additional_properties", None) or {}
        if (props.get("mentioned") or {}).get("id") == bot_id:
            return True
    return False


def parse_command(text: str) -> tuple[str, str]:
    """("help"|"concern"|"declaration"|a view's command|"ask", rest)."""
    stripped = text.strip()
    lowered = stripped.lower().lstrip("/").rstrip(".!")
    if not lowered:
        return "help", ""
    if lowered in _COMMANDS:
        return _COMMANDS[lowered], ""
    if lowered == "ask":
        return "ask", ""
    if lowered.startswith("ask "):
        return "ask", stripped.lstrip("/")[4:].strip()
    return "ask", stripped


def is_personal(activity: Activity) -> bool:
    conversation = activity.conversation
    if conversation is None:
        return True
    kind = conversation.conversation_type or ("groupChat" if conversation.is_group else "personal")
    return kind == "personal"


TEAMS_CHANNEL = "msteams"
EMULATOR_CHANNEL = "emulator"  # the Bot Framework Emulator: --local-testing only
NO_IDENTITY = (
    "Sorry, I can't tell which Microsoft Teams account this message comes from, so I can't "
    "answer it or show you anything. Please message me from Teams, signed in with your school "
    "account."
)


def tenant_of(activity: Activity) -> str | None:
    """The tenant Teams puts in ``channelData.tenant.id``: only on the Teams channel, where Teams
    sets it (elsewhere ``channelData`` is whatever the client sent)."""
    if activity.channel_id != TEAMS_CHANNEL:
        return None
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = data.get("tenant") if isinstance(data.get("tenant"), dict) else {}
    return tenant.get("id") or None


def actor_for(activity: Activity, *, local_testing: bool = False) -> Actor | None:
    """The core's identity for whoever sent the activity: their Entra ID (Azure AD) object id,
    lower case as config holds it, when the Teams channel carries one; None otherwise — never a
    client-chosen ``from.id`` (Web Chat and Direct Line let the client set it). Under
    ``--local-testing`` only, the Emulator (which has no Entra ID) acts as its ``from.id``."""
    user = activity.from_property or ChannelAccount(id="")
    name = (user.name or "")[:200]
    aad = (user.aad_object_id or "").strip().lower()
    if activity.channel_id == TEAMS_CHANNEL and aad:
        return Actor(platform="teams", user_id=aad, display_name=name)
    if local_testing and activity.channel_id == EMULATOR_CHANNEL and (user.id or "").strip():
        return Actor(platform="teams", user_id=(user.id or "").strip(), display_name=name)
    return None


def served_channel(channel_id: str | None, *, local_testing: bool = False) -> bool:
    """The channels whose activities reach the bot: Teams, and the Emulator for local testing."""
    return channel_id == TEAMS_CHANNEL or (local_testing and channel_id == EMULATOR_CHANNEL)


class PolicyTeamsBot(ActivityHandler):
    def __init__(
        self,
        runtime: Runtime,
        references: ReferenceStore,
        *,
        feedback: FeedbackLog | None = None,
        on_new_personal_reference: Callable[[], None] | None = None,
        local_testing: bool = False,
    ) -> None:
        self.runtime = runtime
        self.local_testing = local_testing
        self.references = references
        self.feedback = feedback
        self.on_new_personal_reference = on_new_personal_reference
        self.publisher = campaigns.Publisher()
        # teams_id -> (conversation id, service url) last written: skip the write when unchanged.
        self._known: dict[str, tuple[str, str, str]] = {}

    # --- every turn: remember how to reach this user ------------------------------------

    def _actor(self, turn_context: TurnContext) -> Actor:
        """Who is acting in this turn (``on_turn`` lets no turn without one go further)."""
        actor = actor_for(turn_context.activity, local_testing=self.local_testing)
        assert actor is not None, "on_turn stops a turn that has no identity"
        return actor

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if actor_for(activity, local_testing=self.local_testing) is None:
            # nobody we can name: nothing is answered, shown, filed or remembered
            log.warning("ignored a Teams %s activity without an Entra ID object id", activity.type)
            if activity.type == ActivityTypes.message:
                await turn_context.send_activity(NO_IDENTITY)
            return
        if activity.type in (ActivityTypes.message, ActivityTypes.conversation_update):
            self._remember(activity, activity.from_property)
        await super().on_turn(turn_context)

    def remember(self, activity: Activity) -> None:
        """Keep how to reach the sender (a trust person whom several schools' notices reach)."""
        if actor_for(activity, local_testing=self.local_testing) is not None:
            self._remember(activity, activity.from_property)

    def _remember(self, activity: Activity, user: ChannelAccount | None) -> None:
        if user is None or not user.id or not activity.service_url:
            return
        reference = TurnContext.get_conversation_reference(activity)
        reference.user = user
        if reference.conversation is not None and not reference.conversation.tenant_id:
            # Teams sends conversation.tenantId, which botbuilder's schema maps as "tenantID"
            # and so drops; the tenant also comes in channelData.tenant.id.
            reference.conversation.tenant_id = tenant_of(activity)
        conversation_id = reference.conversation.id if reference.conversation else ""
        signature = (conversation_id, reference.service_url, user.aad_object_id or "")
        if self._known.get(user.id) == signature:
            return
        reference.activity_id = None  # proactive messages start a new post, never a reply
        try:
            _, new_personal = self.references.remember(reference)
        except Exception as exc:  # never fail a user's turn over bookkeeping
            log.error("could not store a Teams conversation reference: %s", type(exc).__name__)
            return
        self._known[user.id] = signature
        if new_personal and self.on_new_personal_reference is not None:
            self.on_new_personal_reference()

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        bot_added = any(m.id == bot_id for m in members_added)
        for member in members_added:
            if member.id != bot_id:
                self._remember(activity, member)
        if bot_added and is_personal(activity):
            await turn_context.send_activity(cards.help_message())

    # --- messages -------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if isinstance(activity.value, dict) and activity.value.get("action"):
            await self._on_submit(turn_context, activity.value)
            return
        if evidence.sent_files(activity):  # files for a concern (handlers/teams/evidence.py)
            personal = is_personal(activity)
            if personal or bot_was_mentioned(activity):
                await evidence.receive(self.runtime, turn_context, actor_for(activity), personal)
            return
        if not is_personal(activity) and not bot_was_mentioned(activity):
            return  # a channel message not addressed to us (resource-specific consent)
        command, rest = parse_command(strip_mentions(activity))
        if command == "help":
            await turn_context.send_activity(cards.help_message())
        elif command in FORMS:
            await self._send_form(turn_context, FORMS[command])
        elif command in views.VIEWS:
            await self._send_view(turn_context, views.VIEWS[command])
        elif command == views.SUGGESTIONS.command:
            await self._send_view(turn_context, views.SUGGESTIONS)
        elif command == "sync staff":
            await self._sync_staff(turn_context)
        elif command == "trust overview":
            await self._trust_overview(turn_context)
        elif command in CAMPAIGN_COMMANDS:
            await self._campaign_command(turn_context, command)
        elif not rest:
            await turn_context.send_activity(ASK_PROMPT)
        else:
            answer = await off_loop(self.runtime.ask, rest)
            await turn_context.send_activity(learning_cards.answer_message(answer))

    async def _send_form(self, turn_context: TurnContext, form: TeamsForm) -> None:
        if not is_personal(turn_context.activity):
            await turn_context.send_activity(PRIVATE_ONLY.format(command=form.command))
            return
        refused = self.runtime.settings.reports_unavailable()
        if refused:
            await turn_context.send_activity(refused)
            return
        await turn_context.send_activity(cards.message(form.card(), form.title))

    async def _send_view(self, turn_context: TurnContext, view: views.View) -> None:
        if not is_personal(turn_context.activity):
            await turn_context.send_activity(VIEWS_PRIVATE.format(command=view.command))
            return
        actor = self._actor(turn_context)
        reply = await off_loop(view.render, self.runtime, self.feedback, actor)
        await turn_context.send_activity(reply)

    async def _campaign_command(self, turn_context: TurnContext, command: str) -> None:
        if not is_personal(turn_context.activity):
            await turn_context.send_activity(VIEWS_PRIVATE.format(command=command))
            return
        actor = self._actor(turn_context)
        reply = await off_loop(CAMPAIGN_COMMANDS[command], self.runtime, actor)
        await turn_context.send_activity(reply)

    async def _trust_overview(self, turn_context: TurnContext) -> None:
        """Each school's counts for the trust's people (bot/trust/overview.py), 1:1 only."""
        if not is_personal(turn_context.activity):
            await turn_context.send_activity(VIEWS_PRIVATE.format(command="trust overview"))
            return
        trust = getattr(self.runtime, "trust", None)
        actor = self._actor(turn_context)
        counts = None
        if trust is not None:
            counts = await off_loop(trust.for_actor, self.runtime.settings, actor)
        if trust is None or counts is None:
            await turn_context.send_activity(TRUST_ONLY)
            return
        from bot.trust.overview import overview_text

        await turn_context.send_activity(overview_text(trust.name, counts))

    async def _sync_staff(self, turn_context: TurnContext) -> None:
        """The staff directory from this team's members (handlers/teams/roster.py)."""
        actor = self._actor(turn_context)
        campaigns_ = self.runtime.campaigns
        if not campaigns_.may_publish(actor):
            await turn_context.send_activity(campaigns.refusal(self.runtime, actor))
            return
        if not roster.in_a_team(turn_context):
            await turn_context.send_activity(roster.IN_A_TEAM)
            return
        members = await roster.team_members(turn_context)
        users = roster.as_workspace_users(members)
        staff, gone = await off_loop(
            campaigns_.directory.sync_workspace, "teams", users, actor_id(actor), campaigns_.now()
        )
        # so the notifier can open a 1:1 chat with staff who never opened the bot
        if await off_loop(roster.remember_members, turn_context, self.references, members):
            await off_loop(self.runtime.reports.wake)  # what waited for them is due now
        await turn_context.send_activity(roster.SYNCED.format(staff=staff, gone=gone))

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        """A recipient answered an evidence file's consent card (handlers/teams/evidence.py)."""
        if turn_context.activity.name == evidence.CONSENT_INVOKE:
            activity = turn_context.activity
            personal = is_personal(activity)
            return await evidence.file_consent(
                self.runtime, turn_context, actor_for(activity), personal
            )
        return await super().on_invoke_activity(turn_context)

    # --- card submits (Action.Submit arrives as a message whose value holds the inputs) ----

    async def _on_submit(self, turn_context: TurnContext, value: dict) -> None:
        action = value.get("action")
        opened = next((f for f in FORMS.values() if action == f.opens), None)
        submitted = next((f for f in FORMS.values() if action == f.submits), None)
        if opened is not None:
            await self._send_form(turn_context, opened)
        elif submitted is not None:
            await self._submit(turn_context, value, submitted)
        elif action in (cards.ACKNOWLEDGE, cards.ADD_NOTE, views.CLOSE):
            await self._recipient_action(turn_context, value, action)
        elif action == views.VIEW:
            await self._view_record(turn_context, value)
        elif action == campaign_cards.OPEN_PUBLISH:
            await self._campaign_command(turn_context, "publish")
        elif action in CAMPAIGN_SUBMITS:
            actor = self._actor(turn_context)
            if action == campaign_cards.PUBLISH and not is_personal(turn_context.activity):
                await turn_context.send_activity(VIEWS_PRIVATE.format(command="publish"))
                return
            call = CAMPAIGN_SUBMITS[action](self)
            reply = await off_loop(call, self.runtime, actor, value)
            await turn_context.send_activity(reply)
        elif action == evidence.ADD_EVIDENCE:
            actor = actor_for(turn_context.activity)
            await evidence.add_evidence_pressed(self.runtime, turn_context, actor, value)
        elif action == cards.FEEDBACK:
            await self._feedback(turn_context, value)
        elif action in learning_cards.SUBMITS:
            await self._learning(turn_context, value, action)
        elif action == cards.CANCEL:
            await turn_context.send_activity("Cancelled. Nothing was sent.")
        else:
            await turn_context.send_activity(cards.help_message())

    async def _submit(self, turn_context: TurnContext, value: dict, form: TeamsForm) -> None:
        activity = turn_context.activity
        if not is_personal(activity):
            await turn_context.send_activity(PRIVATE_ONLY.format(command=form.command))
            return
        actor = self._actor(turn_context)
        kind = form.kind
        call, filled = form.filed_by(self.runtime.reports), form.read(value)
        form_id = clipped(value.get("form_id"), 100).strip() or None
        try:
            receipt = await off_loop(call, filled, actor, form_id)
        except FormError as err:
            title = "Please check the form"
            card = form.card(form.values(value), err.errors, form_id)
            await turn_context.send_activity(cards.message(card, title))
            return
        except SubmissionRefused as err:
            await turn_context.send_activity(
                cards.message(cards.notice_text_card("Not sent", err.message), err.message)
            )
            return
        except Exception as exc:  # the store locked, a disk full: say so, never a generic "sorry"
            log.error("%s could not be filed on Teams: %s", kind, type(exc).__name__)
            message = not_sent_message(kind)
            await turn_context.send_activity(
                cards.message(cards.notice_text_card("Not sent", message), message)
            )
            return
        await turn_context.send_activity(cards.receipt_message(receipt))

    async def _recipient_action(self, turn_context: TurnContext, value: dict, action: str) -> None:
        reference = clipped(value.get("reference"), 50).strip()
        actor = self._actor(turn_context)
        if not reference:
            await turn_context.send_activity("That card has no report reference.")
            return
        reports = self.runtime.reports
        if action == cards.ADD_NOTE:
            text = clipped(value.get("note"), LIMITS["note"]).strip()
            result = await off_loop(reports.add_note, reference, actor, text)
        elif action == views.CLOSE:
            result = await off_loop(reports.close, reference, actor)
        else:
            result = await off_loop(reports.acknowledge, reference, actor)
        await turn_context.send_activity(result.message)

    async def _view_record(self, turn_context: TurnContext, value: dict) -> None:
        """One record, from a view's View button: its fields reach only the 1:1 chat."""
        if not is_personal(turn_context.activity):
            await turn_context.send_activity(VIEWS_PRIVATE.format(command="my reports"))
            return
        reference = clipped(value.get("reference"), 50).strip()
        if not reference:
            await turn_context.send_activity("That card has no report reference.")
            return
        actor = self._actor(turn_context)
        reply = await off_loop(views.record, self.runtime, reference, actor)
        await turn_context.send_activity(reply)

    async def _feedback(self, turn_context: TurnContext, value: dict) -> None:
        question = clipped(value.get("question"), 1000)
        helpful = cards.truthy(value.get("helpful"))
        kept = await self._record_vote(self._actor(turn_context), question, helpful)
        note = vote_note(self.runtime.settings, helpful=helpful, kept=kept)
        if kept and not helpful:  # "Was it one of these?" (never for a question not kept)
            offer = await off_loop(self.runtime.learning.offer, question)
            if offer is not None and not offer.inline:
                await turn_context.send_activity(learning_cards.offer_message(offer, note))
                return
        await turn_context.send_activity(note)

    async def _record_vote(self, actor: Actor, question: str, helpful: bool) -> bool:
        """A Helpful / Not helpful vote (or "None of these") through the core's feedback filter;
        whether the question was kept."""
        if self.feedback is None or not question:
            return False
        return bool(
            await off_loop(
                self.feedback.record,
                question=question,
                helpful=helpful,
                platform="teams",
                user_id=actor.user_id,
            )
        )

    async def _learning(self, turn_context: TurnContext, value: dict, action: str) -> None:
        """A pick or "None of these" (staff), Approve or Reject (a reviewer): the core decides
        (bot/learning/service.py), including who may review."""
        actor = self._actor(turn_context)
        learning = self.runtime.learning
        question = clipped(value.get("question"), 1000)
        if action == learning_cards.PICK:
            source, clause = clipped(value.get("source"), 500), clipped(value.get("clause"), 200)
            picked = await off_loop(learning.pick, question, source, clause, actor)
            await turn_context.send_activity(learning_cards.picked_message(picked))
        elif action == learning_cards.NONE:
            kept = await self._record_vote(actor, question, helpful=False)
            await turn_context.send_activity(
                vote_note(self.runtime.settings, helpful=False, kept=kept)
            )
        else:
            if not is_personal(turn_context.activity):
                await turn_context.send_activity(VIEWS_PRIVATE.format(command="suggestions"))
                return
            try:
                number = int(str(value.get("number", "")))
            except ValueError:
                number = 0
            decide = learning.approve if action == learning_cards.APPROVE else learning.reject
            decision = await off_loop(decide, number, actor)
            review = await off_loop(learning.to_review, actor)
            await turn_context.send_activity(
                learning_cards.review_message(review, note=decision.message)
            )


# A policy card's buttons and the publish card's Send: the core call each one makes.
CAMPAIGN_SUBMITS: dict[
    str, Callable[[PolicyTeamsBot], Callable[[Runtime, Actor, dict], Activity]]
] = {
    campaign_cards.CONFIRM: lambda bot: campaigns.confirm,
    campaign_cards.READ: lambda bot: campaigns.read,
    campaign_cards.PUBLISH: lambda bot: bot.publisher.publish,
}


async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    """Log without the message text (it can quote what a user typed), then apologise."""
    frames = "".join(traceback.format_tb(error.__traceback__))
    log.error("unhandled error in a Teams turn: %s\n%s", type(error).__name__, frames)
    if turn_context.activity.type == ActivityTypes.message:
        try:
            await turn_context.send_activity(SORRY)
        except Exception as exc:
            log.error("could not send the apology either: %s", type(exc).__name__)
