"""What a question asks for, and what kind of thing each clause says: the one home of both.

Why here: retrieval ranks by topic, but a policy answers some kinds of question with some kinds
of clause ("who do I tell?" with the clause naming the person, "what should I do?" with one that
directs action, "what does X mean?" with the definition, "is X covered?" with the scope). These
are general question-type priors, never phrases tuned to particular questions or documents.
A question is classified once (`classify`) and a clause once, at index time (`clause_kinds`);
ranking, abstention and small talk all read those results instead of matching text again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.retrieval.vocabulary import tokens

# "Who …?" questions want the clause that names the person to go to, not one that merely
# describes the topic: a general question-type prior, applied as a small bonus to the fused score.
_WHO_QUESTION = re.compile(r"^\s*who\b|\bwho (?:do|should|must|can|will|would) (?:i|we)\b", re.I)
_NAMES_WHO_TO_TELL = re.compile(
    r"\b(?:contact|inform|informed|report|reported|raise|raised|notify|tell|speak|discuss|"
    r"discussing|approved?|authorised|agreed)\b[^.]{0,80}?\b(?:headteacher|governing body|"
    r"safeguarding lead|line manager|leadership team|police)\b|\b(?:headteacher|governing body|"
    r"safeguarding lead|line manager)\b[^.]{0,40}?\b(?:must|should) be (?:informed|told|notified|"
    r"contacted)\b",
    re.I,
)
# "What should I do …?" wants a clause that tells staff what to do, not one that defines the
# problem; "What does … mean?" wants the definition. General question-type priors.
_ACTION_QUESTION = re.compile(
    r"\bwhat (?:should|must|do|can|shall) (?:i|we) do\b|\bwhat do i do\b|"
    r"\bhow (?:should|do|can|must) (?:i|we) (?:respond|deal|handle|react|report)\b|"
    r"\bwhat (?:action|steps) (?:should|must|do) (?:i|we)\b",
    re.I,
)
_DEFINITION_QUESTION = re.compile(
    r"\bwhat (?:does|do) .{1,40}? mean\b|\bwhat counts as\b|\bdefin(?:e|ition)\b|"
    r"\bmeaning of\b|^\s*what (?:is|are) (?:a |an )?[\w-]+(?: [\w-]+)?\s*\??\s*$|"
    r"\b(?:considered|consider|classed|regarded|treated) (?:to be|as)\b|\bwhat is meant by\b",
    re.I,
)
# A policy sets rules: it answers "may I / must I / what should I do / who do I tell / what counts
# as". Questions about logistics (how do I get something done, how many, when, where, what is the
# procedure), the calendar (which day, what time, which room, who is on duty) and staff benefits
# ("do staff get …", "can I claim …") are usually about school life the policies do not cover,
# so they need stronger evidence before a clause is quoted as their answer. Normative forms
# ("when do I need to", "how should I") are not logistics.
_LOGISTICS_QUESTION = re.compile(
    r"^\s*(?:how (?:do|can|would) (?:i|we|you)\b(?! (?:need|have) to)|how (?:many|much|long|often)\b|"
    r"what time\b|when (?:is|are|does|do|will)\b(?! (?:i|we) (?:need|have|must|should))|"
    r"where (?:is|are|do|does|can)\b|what(?: is|'s) the (?:procedure|process)\b|"
    r"when(?:'s|’s|s)\b|where(?:'s|’s|s)\b|what (?:day|date)\b|which (?:day|date|room|week|term)\b|"
    r"who(?:'s|’s| is| are) on\b|has anyone\b)",
    re.I,
)
# "How many / how long / how often …" may ask what a rule sets ("how long do we keep records?");
# the other logistics forms ask about the day-to-day running of the school.
_QUANTITY_QUESTION = re.compile(r"^\s*how (?:many|much|long|often)\b", re.I)
_BENEFITS_QUESTION = re.compile(
    r"\b(?:do|can|will|does|could|would|are) (?:i|we|you|staff|teachers|support staff|"
    r"office staff|employees|governors|teaching assistants|tas) (?:get|receive|qualify for|claim|"
    r"be paid|get paid)\b(?! (?:in|into) trouble)",
    re.I,
)
_DIRECTS_ACTION = re.compile(
    r"\b(?:should|must|are advised to|need to)\b[^.]{0,60}?\b(?:keep|report|take|record|contact|"
    r"inform|raise|follow|notify|discuss|seek|tell)\b|\bmust be (?:informed|reported|raised)\b",
    re.I,
)
# A question that asks for a time or an amount ("how long …", "how many …", "what time …",
# "when is …", "parents keep asking when …", "what's on next Thursday?") is answered only by a
# clause that states one: a rule says "within five school days", "every Monday at 8.00am",
# "one adult to every six children". A clause that states neither cannot be its answer however
# close its topic ("When are the school photos being taken?" and the clause on photo consent).
# "When …?" may also be answered by an occasion ("before leaving school, when getting on and off
# transport"). A question pinned to a day ("what's on … next Thursday?", "what are the … for next
# term?") asks what happens then: the calendar, which rules do not hold.
_WEEKDAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_A_DAY = (
    rf"(?:next|this|last|on) (?:{_WEEKDAYS}|week|term|month|year|half[- ]term)|tomorrow|today|"
    rf"tonight|(?:before|after|by) (?:easter|christmas|half[- ]term)|{_WEEKDAYS}s?"
)
_ASKS_WHEN = r"(?:ask|asking|asked|know|wondering|find out|tell (?:me|us|them)) when"
_TIME_OR_AMOUNT_QUESTION = re.compile(
    r"^\s*(?:how (?:many|much|long|often|soon|quickly|far in advance)\b|what time\b|"
    r"(?:what|which) (?:days?|dates?)\b|when(?:'s|’s|s)\b|"
    r"when (?:is|are|does|do|will)\b(?! (?:i|we|you) (?:need|have|must|should)))|"
    rf"\b(?:{_ASKS_WHEN}|(?:ask|asking|asked|know|wondering|find out|tell (?:me|us|them)) "
    r"(?:what time|how (?:long|many|much|often)))\b|"
    rf"^\s*what(?:'s|’s| is| are) (?:on|for|the)\b(?=.*\b(?:{_A_DAY})\b)",
    re.I,
)
_WHEN_QUESTION = re.compile(rf"^\s*when\b|\b{_ASKS_WHEN}\b", re.I)
_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|sixty|hundred|once|twice"
)
_TIME_UNITS = r"day|week|fortnight|month|term|half[- ]term|year|morning|afternoon|evening|lesson|session|hour|minute"
# Months that are also common words ("may", "march") are left out: a date gives itself away by
# its digits.
_STATES_TIME_OR_AMOUNT = re.compile(
    rf"\d|£|%|\b(?:{_NUMBER_WORDS}|{_WEEKDAYS}|january|february|april|june|july|august|"
    r"september|october|november|december|daily|weekly|fortnightly|monthly|annually|yearly|"
    rf"termly|hourly|(?:every|each|per|a) (?:{_TIME_UNITS})|within|immediately|straight away|"
    rf"same day|noon|midday|end of (?:the )?(?:{_TIME_UNITS}))\b",
    re.I,
)
_STATES_OCCASION = re.compile(
    r"\b(?:before|after|when|whenever|while|during|until|as soon as)\b", re.I
)
_DEFINES = re.compile(r"\b(?:can be defined as|is defined as|definitions apply)\b", re.I)
# "Is YouTube covered by the policy?", "Do volunteers have to follow this policy?" want the
# clause that states the policy's scope and names the thing asked about, not every clause that
# happens to mention it: a general question-type prior like the ones above.
_SCOPE_QUESTION = re.compile(
    r"\b(?:covered|included|bound) (?:by|in|under) (?:this|the|our)\b[^?]{0,30}?\b(?:policy|rules)\b"
    r"|\b(?:does|do|will) (?:this|the|our|it)\b(?:[^?]{0,30}?\bpolicy)? (?:apply|cover|include)\b"
    r"|\b(?:have|need) to (?:follow|comply with|obey|stick to) (?:this|the|our)\b[^?]{0,30}?"
    r"\b(?:policy|rules)\b|^\s*(?:is|are) (?:[\w'-]+ ){1,4}(?:covered|included)\b",
    re.I,
)
_STATES_SCOPE = re.compile(
    r"\bthis policy (?:also )?(?:applies|covers)\b|\bincludes,? but is not limited to\b|"
    r"\bthe following definitions apply\b",
    re.I,
)
# The words of a scope question itself ("is it covered by the policy?"): not what it is about.
SCOPE_WORDS = frozenset(
    tokens(
        "policy policies cover covered covers apply applies include included follow comply rules"
    )
)
# "Who is the DSL?", "Who's our SENCO?" want the clause that names the person in that role
# ("The DSL is Mrs Priya Lomax"), not every clause about the role's duties: a question-type prior.
_WHO_HOLDS_QUESTION = re.compile(
    r"^\s*who(?:'s|’s| is| are)\s+(?!(?:responsible|in charge|allowed|able|entitled|expected|"
    r"required|meant|supposed)\b)(?:the |our |my |this |the school'?s )?[\w'’ -]{2,60}?\s*\??\s*$",
    re.I,
)
# A person named with a title, as policies name the people who hold a role.
_NAMES_A_PERSON = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z][a-z'’-]+")
# "What's the wifi password?", "What's the door code for the staff room?": a request for a
# credential. Policies set rules about passwords; they never hold one (and must not), so such a
# question is never answered from a clause about passwords. "What is the password policy?" asks
# about the rules and is not this.
_CREDENTIAL_QUESTION = re.compile(
    r"^\s*(?:what(?:'s|’s|s| is| are)|tell me|give me|send me|i need|can i (?:have|get)|"
    r"does anyone (?:know|have))\b[^?]{0,50}?\b(?:passwords?|passcodes?|pins?|pin (?:number|code)|"
    r"(?:door|access|alarm|key|gate|entry|safe|wi-?fi|lock|keypad) ?codes?|log-?in details|"
    r"wi-?fi keys?|codes?(?= (?:for|to|on)\b))"
    r"(?:\s+(?:for|to|on|of)\b[^?]{1,50})?\s*\??\s*$",
    re.I,
)
# "What are the steps …?", "What goes in a risk assessment?", "What should the record include?":
# the question asks for a whole list, so a list is shown whole rather than the item that matches
# best. ("What must I not do …?" may want one item or all: quoting.py decides by how many match.)
_LIST_QUESTION = re.compile(
    r"\b(?:steps|stages|checklist|list of|all the (?:things|rules|ways))\b"
    r"|\bwhat (?:goes|go|should go|must go|needs? to go) (?:in|on|into)\b"
    r"|\bwhat (?:should|must|does|do|will|needs? to|has to|have to)\b[^?]{0,50}?\binclude\b"
    r"|\bwhat (?:do|should|must) (?:i|we|staff|you) (?:need to |have to )?"
    r"(?:record|include|write down|bring|pack|check)\b"
    r"|\bwhat (?:are|is) (?:the|our) (?:rules|duties|responsibilities|principles|conditions|"
    r"requirements|options|types|kinds|signs)\b"
    r"|\bwhich (?:things|items|documents|details|information|records)\b",
    re.I,
)
_GREETING = re.compile(
    r"^(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening))\b[\s!.,]*$", re.I
)
_THANKS = re.compile(r"^(?:thanks|thank you|thx|cheers|ta)\b.{0,20}$", re.I)


@dataclass(frozen=True)
class QuestionIntent:
    """What kind of answer a question wants (several may hold at once)."""

    asks_who_to_tell: bool = False  # "Who do I tell if …?"
    asks_what_to_do: bool = False  # "What should I do if …?"
    asks_definition: bool = False  # "What counts as …?" (never together with asks_what_to_do)
    asks_scope: bool = False  # "Is YouTube covered by the policy?"
    asks_who_holds: bool = False  # "Who is the DSL?": the person in a role
    # "How do I book …?", "When is …?", "Do staff get a discount …?": school life, not rules
    asks_logistics: bool = False
    # … and not "how many / long / often", which may ask what a rule sets
    asks_school_life: bool = False
    asks_for_credential: bool = False  # "What's the wifi password?": no policy holds one
    asks_for_list: bool = False  # "What are the steps …?": a list is shown whole
    # "How long …?", "When is …?": only a clause that states a time or an amount answers
    asks_time_or_amount: bool = False
    asks_when: bool = False  # "When …?": … or one that states an occasion ("before leaving")
    greeting: bool = False  # "Hello!"
    thanks: bool = False  # "Thanks!"

    @property
    def small_talk(self) -> bool:
        return self.greeting or self.thanks


def classify(question: str) -> QuestionIntent:
    """The question's intent, read from its form alone (never from the policies)."""
    what_to_do = bool(_ACTION_QUESTION.search(question))
    logistics = bool(_LOGISTICS_QUESTION.search(question) or _BENEFITS_QUESTION.search(question))
    return QuestionIntent(
        asks_who_to_tell=bool(_WHO_QUESTION.search(question)),
        asks_what_to_do=what_to_do,
        asks_definition=not what_to_do and bool(_DEFINITION_QUESTION.search(question)),
        asks_scope=bool(_SCOPE_QUESTION.search(question)),
        asks_who_holds=bool(_WHO_HOLDS_QUESTION.match(question)),
        asks_logistics=logistics,
        asks_school_life=logistics
        and not _QUANTITY_QUESTION.search(question)
        or bool(_BENEFITS_QUESTION.search(question)),
        asks_for_credential=bool(_CREDENTIAL_QUESTION.match(question)),
        asks_for_list=bool(_LIST_QUESTION.search(question)),
        asks_time_or_amount=bool(_TIME_OR_AMOUNT_QUESTION.search(question)),
        asks_when=bool(_WHEN_QUESTION.search(question)),
        greeting=bool(_GREETING.match(question)),
        thanks=bool(_THANKS.match(question)),
    )


@dataclass(frozen=True)
class ClauseKinds:
    """Per clause (1.0 or 0.0, aligned with the index's units): what kind of thing it says."""

    directs_action: np.ndarray  # "staff should report …"
    defines: np.ndarray  # "… is defined as …"
    states_scope: np.ndarray  # "this policy applies to …"
    names_who_to_tell: np.ndarray  # "… must inform the headteacher"
    names_a_person: np.ndarray  # "The DSL is Mrs Priya Lomax"
    states_time_or_amount: np.ndarray  # "within five school days", "every Monday at 8.00am"
    states_occasion: np.ndarray  # "before leaving school", "when getting on transport"


def clause_kinds(texts: Sequence[str]) -> ClauseKinds:
    """Each clause's kinds, computed once when the index is built."""

    def flag(pattern: re.Pattern[str]) -> np.ndarray:
        return np.array([bool(pattern.search(t)) for t in texts], dtype=float)

    return ClauseKinds(
        directs_action=flag(_DIRECTS_ACTION),
        defines=flag(_DEFINES),
        states_scope=flag(_STATES_SCOPE),
        names_who_to_tell=flag(_NAMES_WHO_TO_TELL),
        names_a_person=flag(_NAMES_A_PERSON),
        states_time_or_amount=flag(_STATES_TIME_OR_AMOUNT),
        states_occasion=flag(_STATES_OCCASION),
    )


def states_what_is_asked(intent: QuestionIntent, kinds: ClauseKinds, i: int) -> bool:
    """Whether clause `i` can answer the question by what it states: a question asking for a
    time or an amount needs a clause that states one (or, for "when …?", an occasion)."""
    if not intent.asks_time_or_amount:
        return True
    return bool(kinds.states_time_or_amount[i]) or (
        intent.asks_when and bool(kinds.states_occasion[i])
    )
