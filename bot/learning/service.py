"""The school teaches it: the use cases Slack, Teams and the command line call.

- Staff: :meth:`Learning.offer` ("Was it one of these?": the rule first given and up to three
  other rules the ranking found) and :meth:`Learning.pick` (show the rule picked at once and file
  a suggestion). Nothing is offered, and no pick is kept, for a question the feedback filter
  refuses to store (it points to /report-concern or /declare-relationship, or names a person, a
  role or a year group: bot/feedback.py), checked again at the pick since a button can be forged.
  A pick is checked against the offer made again, so a forged one names no arbitrary clause.
- Reviewers (the role ``[feedback] shown_to`` names, and any ``[learning] reviewers``):
  :meth:`Learning.to_review`, :meth:`Learning.approve`, :meth:`Learning.reject`; the command line
  also :meth:`Learning.remove`. Nothing a member of staff does changes what others are told until
  a reviewer approves it. Bad input (an unknown number, approving twice, someone who is not a
  reviewer) gets a message saying so and changes nothing.
- Answers: :meth:`Learning.attach` gives the assistant the approved links and the curated
  questions (bot/assistant.py answers with them) after :meth:`Learning.reconcile` has held or
  dropped the links whose clause changed or went.

Per school: the suggestions live in the school's database, the curated questions in its policy
folder.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.answers import NOT_COVERED, TWO_POLICIES, Answer, Citation
from bot.corpus.model import Document
from bot.feedback import invites_feedback, keeps_question, normalise, people_names
from bot.learning.curated import Curated, read_curated
from bot.learning.matching import Taught
from bot.learning.suggestions import (
    APPROVED,
    DROPPED,
    PENDING,
    REJECTED,
    REVIEW,
    Rule,
    Suggestion,
    Suggestions,
)
from bot.learning.targets import digest, find, label, target_of
from bot.people import Actor
from bot.quoting import cite, lexical
from bot.retrieval.vocabulary import tokens

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.store import Store

log = logging.getLogger(__name__)

CLI = "command line"  # who decided, for a decision taken from the command line


@dataclass(frozen=True)
class Offer:
    """ "Was it one of these?" for one question."""

    question: str
    given: Citation | None  # the rule the reply put first (None: it quoted none)
    choices: list[Citation]  # up to three other rules, best first
    inline: bool  # the reply itself carries it (two policies, or not covered with a nearest rule)


@dataclass(frozen=True)
class Picked:
    citation: Citation | None  # the rule picked, quoted for the question (None: refused)
    message: str  # what the person is told


@dataclass(frozen=True)
class Decision:
    ok: bool
    message: str


@dataclass(frozen=True)
class ReviewItem:
    """One suggestion as a reviewer sees it."""

    number: int
    status: str  # pending or review (held: the clause was reworded since it was approved)
    question: str
    given: str  # the rule first given, as cited ("" when none was)
    picked: str  # the rule picked, as cited
    picked_lines: list[str]  # the picked rule as it reads now, quoted for the question
    votes: int
    note: str = ""


@dataclass(frozen=True)
class Review:
    allowed: bool
    items: list[ReviewItem] = field(default_factory=list)
    message: str = ""  # why not, when not allowed


NO_RULE = "no rule (the policies were taken not to cover it)"


def given_text(item: ReviewItem) -> str:
    return item.given or NO_RULE


def offered_inline(answer: Answer) -> bool:
    """Whether "Was it one of these?" belongs under the reply itself: a *two policies* reply, or
    a *not covered* one that showed a nearest rule. A question plainly outside the policies
    (nothing came near) is not followed by three unrelated rules; *Not helpful* offers them."""
    return answer.outcome == TWO_POLICIES or (answer.outcome == NOT_COVERED and bool(answer.quoted))


def inline_offer(answer: Answer) -> Offer | None:
    """ "Was it one of these?" under the reply itself (`offered_inline`), when it has rules to
    offer and its question may be kept (bot/feedback.py's check on what is quoted; the pick
    checks again against the whole handbook and the school's names)."""
    if not offered_inline(answer) or not answer.candidates:
        return None
    if not invites_feedback(answer):
        return None
    quoted = answer.quoted
    return Offer(answer.question, quoted[0] if quoted else None, list(answer.candidates), True)


class Learning:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        assistant: Callable[[], Any],
        vocabulary: Callable[[], frozenset[str]] = frozenset,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.assistant = assistant  # the loaded assistant (may raise while the policies load)
        self.vocabulary = vocabulary  # the handbook's capitals (bot/feedback.py policy_terms)
        self.suggestions = Suggestions(store, clock)
        self._names = people_names(settings)
        self._curated: tuple[int, Curated] | None = None
        self._taught: tuple[Hashable, list[Taught]] | None = None
        self._lock = threading.Lock()

    # ---- who reviews ---------------------------------------------------------------------
    @property
    def reviewer_roles(self) -> tuple[str, ...]:
        return tuple(
            dict.fromkeys((self.settings.feedback_viewer, *self.settings.learning_reviewers))
        )

    def reviewers_label(self) -> str:
        """ "the headteacher", "the headteacher or the safeguarding lead"."""
        return " or ".join("the " + r.replace("_", " ") for r in self.reviewer_roles)

    def may_review(self, actor: Actor) -> bool:
        if actor.platform == "cli":
            return True  # the command line holds the key: it can do everything anyway
        return bool(actor.user_id) and any(
            (person := self.settings.people.get(role)) is not None
            and person.address(actor.platform) == actor.user_id
            for role in self.reviewer_roles
        )

    def _role_of(self, actor: Actor) -> str:
        if actor.platform == "cli":
            return CLI
        for role in self.reviewer_roles:
            person = self.settings.people.get(role)
            if person is not None and person.address(actor.platform) == actor.user_id:
                return role
        return ""

    # ---- staff: was it one of these? ------------------------------------------------------
    def keeps(self, question: str, answer: Answer | None = None) -> bool:
        """Whether a suggestion may be filed for this question (the feedback filter's rule)."""
        command = answer.suggested_command if answer is not None else None
        return keeps_question(question, command, self._names, self.vocabulary())

    def offer(self, question: str) -> Offer | None:
        """The rule first given and up to three others, or None: nothing to offer, or a
        question that may not be kept."""
        question = normalise(question)
        if not question:
            return None
        answer: Answer = self.assistant().ask(question, candidates=True)
        if not answer.candidates or not self.keeps(question, answer):
            return None
        quoted = answer.quoted
        return Offer(
            question=question,
            given=quoted[0] if quoted else None,
            choices=list(answer.candidates),
            inline=offered_inline(answer),
        )

    def pick(self, question: str, source: str, clause: str, actor: Actor) -> Picked:
        """Show the rule picked and file it as a suggestion (question → clause)."""
        offer = self.offer(question)
        if offer is None:
            if not self.keeps(normalise(question)):
                return Picked(None, NOT_KEPT)
            return Picked(None, GONE)
        choice = next((c for c in offer.choices if c.source == source and c.clause == clause), None)
        if choice is None:
            return Picked(None, GONE)
        if not self.store.has_key or not actor.user_id:
            return Picked(choice, NO_KEY)
        documents = self.assistant().documents
        picked = self._rule(documents, target_of(choice, documents))
        given = self._rule(documents, target_of(offer.given, documents)) if offer.given else None
        if picked is None:
            return Picked(None, GONE)
        filed = self.suggestions.file(
            offer.question, given, picked, f"{actor.platform}:{actor.user_id}"
        )
        log.info("suggestion #%d %s", filed.number, "filed" if filed.new else "voted for again")
        return Picked(choice, THANKS.format(who=self.reviewers_label()))

    @staticmethod
    def _rule(documents: Sequence[Document], target: Any) -> Rule | None:
        found = find(documents, target)
        if found is None:
            return None
        doc = documents[found[0]]
        return Rule(target, label(doc, found[1]), digest(found[1]))

    # ---- reviewers ------------------------------------------------------------------------
    def to_review(self, actor: Actor) -> Review:
        """What waits for a reviewer: new suggestions and links held for re-review."""
        if not self.may_review(actor):
            return Review(False, message=self.not_a_reviewer())
        if not self.store.has_key:
            return Review(True)
        documents = self.documents()
        items = [self.review_item(s, documents) for s in self.suggestions.select([PENDING, REVIEW])]
        return Review(True, items)

    def not_a_reviewer(self) -> str:
        return f"Only {self.reviewers_label()} can review what staff suggest."

    def review_item(self, s: Suggestion, documents: Sequence[Document] | None) -> ReviewItem:
        """A suggestion as a reviewer sees it: the picked rule as it reads now, quoted for the
        question (no quote when the policies are not loaded)."""
        lines: list[str] = []
        if documents is not None and (found := find(documents, s.picked.target)):
            doc = documents[found[0]]
            lines = cite(doc, found[1], lexical(tokens(s.question))).lines
        return ReviewItem(
            number=s.number,
            status=s.status,
            question=s.question,
            given=s.given.label if s.given else "",
            picked=s.picked.label,
            picked_lines=lines,
            votes=s.votes,
            note=s.note,
        )

    def approve(self, number: int, actor: Actor) -> Decision:
        refused = self._check(number, actor)
        if isinstance(refused, Decision):
            return refused
        if refused.status == APPROVED:
            return Decision(False, f"Suggestion #{number} is already approved.")
        documents = self.documents()
        picked = self._rule(documents, refused.picked.target) if documents is not None else None
        if picked is None:
            return Decision(
                False,
                f"Suggestion #{number} cannot be approved: {refused.picked.label} is not in the "
                "policies as they are loaded now. Nothing was changed.",
            )
        self.suggestions.decide(number, APPROVED, self._role_of(actor), picked)
        return Decision(
            True,
            f"Approved #{number}: “{refused.question}” and questions like it now get "
            f"{picked.label} first, for everyone.",
        )

    def reject(self, number: int, actor: Actor) -> Decision:
        refused = self._check(number, actor)
        if isinstance(refused, Decision):
            return refused
        if refused.status == REJECTED:
            return Decision(False, f"Suggestion #{number} is already rejected.")
        self.suggestions.decide(number, REJECTED, self._role_of(actor))
        return Decision(True, f"Rejected #{number}: answers stay as they were.")

    def remove(self, number: int, actor: Actor) -> Decision:
        if not self.may_review(actor):
            return Decision(False, self.not_a_reviewer())
        if not self.suggestions.remove(number):
            return Decision(False, f"There is no suggestion #{number}.")
        return Decision(True, f"Removed #{number}.")

    def _check(self, number: int, actor: Actor) -> Suggestion | Decision:
        if not self.may_review(actor):
            return Decision(False, self.not_a_reviewer())
        if not self.store.has_key:
            return Decision(False, NO_KEY)
        suggestion = self.suggestions.get(number)
        if suggestion is None:
            return Decision(False, f"There is no suggestion #{number}.")
        if suggestion.status == DROPPED:
            return Decision(
                False, f"Suggestion #{number} was dropped: {suggestion.note}. Nothing was changed."
            )
        return suggestion

    def documents(self) -> Sequence[Document] | None:
        """The policies as the assistant holds them; None while they load."""
        try:
            return list(self.assistant().documents)
        except Exception:  # the policies are loading, or unreadable: decide later
            return None

    # ---- answering ------------------------------------------------------------------------
    def attach(self, assistant: Any) -> None:
        """Give `assistant` what the school taught it, after holding or dropping the links
        whose clause changed or went."""
        self.reconcile(assistant.documents)
        assistant.teach(self.teaching)

    def reconcile(self, documents: Sequence[Document]) -> list[Suggestion]:
        if not self.store.has_key:
            return []
        changed = self.suggestions.reconcile(documents)
        held = sum(1 for s in changed if s.status == REVIEW)
        dropped = sum(1 for s in changed if s.status == DROPPED)
        if held or dropped:
            log.warning(
                "policies changed: %d learned link(s) held for re-review, %d dropped", held, dropped
            )
        return changed

    def curated(self, documents: Sequence[Document]) -> Curated:
        """The policy folder's curated questions, read once per set of documents."""
        with self._lock:
            if self._curated is None or self._curated[0] != id(documents):
                curated = read_curated(self.settings.corpus_dir, documents)
                for failure in curated.failures:
                    log.warning("curated questions: %s", failure.line())
                self._curated = (id(documents), curated)
            return self._curated[1]

    def teaching(self, documents: Sequence[Document]) -> tuple[Hashable, list[Taught]]:
        """(A key that changes when the taught questions do, the taught questions)."""
        curated = self.curated(documents)
        version = self.suggestions.version() if self.store.has_key else 0
        key = (version, id(curated))
        with self._lock:
            if self._taught is None or self._taught[0] != key:
                links = self.suggestions.links() if self.store.has_key else []
                self._taught = (key, [*curated.taught, *links])
            return self._taught


NOT_KEPT = (
    "This question isn't kept: it may be about someone. If it is a concern, raise it privately "
    "with /report-concern."
)
GONE = "That rule is no longer among those offered for this question: please ask it again."
NO_KEY = "Here it is. Suggestions can't be kept yet: the school has not set up an encryption key."
THANKS = (
    "Thanks: {who} will see your suggestion. Until it is approved, everyone else is answered "
    "as before."
)


@dataclass(frozen=True)
class HandbookNotes:
    """What `policybot corpus` and `check` say about what the school taught: a ✘ line per broken
    curated entry, a count of the curated questions, and the learned links held or dropped."""

    curated: int  # curated questions that name a clause
    failures: list[Any]  # bot.corpus.Failure, one per broken entry (or an unreadable file)
    links: list[Suggestion]  # links held for re-review or dropped
    links_error: str = ""  # why the links could not be checked (no key, wrong key)


def handbook_notes(settings: Settings, documents: Sequence[Document]) -> HandbookNotes:
    """Read the curated questions against `documents` and, when the school's database can be
    opened, hold or drop the links whose clause changed or went (as at a re-index)."""
    from bot.errors import StoreError
    from bot.store import Store

    curated = read_curated(settings.corpus_dir, documents)
    links: list[Suggestion] = []
    error = ""
    if settings.key is None:
        error = "no encryption key is configured, so no suggestion is kept"
    elif settings.db_path.exists():
        try:
            store = Store.configured(settings)
        except StoreError as exc:
            error = str(exc)
        else:
            try:
                suggestions = Suggestions(store)
                suggestions.reconcile(documents)
                links = suggestions.select([REVIEW, DROPPED])
            finally:
                store.close()
    return HandbookNotes(len(curated.taught), curated.failures, links, error)


def link_line(s: Suggestion) -> str:
    """ "⚠ learned link #4 dropped: Staff Code of Conduct §4.2 is no longer in the policies"."""
    what = "held for re-review" if s.status == REVIEW else "dropped"
    return f"⚠ learned link #{s.number} {what}: {s.note}"
