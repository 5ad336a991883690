"""Questions a clause answers, written from the clause's own wording.

Staff ask questions ("Can I …?", "What should I do if …?", "What is …?"); policies state rules
("Adults must not …", "If …, adults should …", "… can be defined as …"). A sentence embedding
model matches a question to a question far better than to a rule, so each policy sentence with one
of those general shapes also gets the question it answers, embedded beside it. This works on the
grammar of any policy, not on particular phrasings of particular questions.
"""

from __future__ import annotations

import re

_SUBJECT = (
    r"(?:all\s+)?(?:adults|employees|teachers|staff|members of staff|governors|volunteers|"
    r"adults working (?:in|within|at) (?:the )?school)"
)
_MODAL = re.compile(
    rf"^(?:.*?,\s*)?{_SUBJECT}\s+(?:(?:particularly|especially)[^,]*,\s*)?"
    r"(?:must|should|will|may|are|have|need to|can)\s+"
    r"(?:not\s+|never\s+|also\s+|only\s+|always\s+|at all times\s+)*(?P<rest>.*)$",
    re.I,
)
_CONDITION = re.compile(r"^(?:if|where|when|in cases where)\s+(?P<cond>.+?),\s+(?P<rest>.*)$", re.I)
_DEFINITION = re.compile(
    r"^(?P<term>.+?)\s+(?:can be defined as|is defined as|means|refers to)\b", re.I
)
_PASSIVE = re.compile(
    r"^(?P<subj>[A-Z][^;]{3,200}?)\s+(?:must|should|will|may)\s+(?:not\s+|never\s+|only\s+)?be\s+"
    r"(?P<verb>\w+(?:ed|en|wn))\b(?P<rest>.*)$"
)
_TELL = re.compile(
    r"\b(?:must|should)\s+(?:be\s+)?(?:raised with|reported (?:immediately )?to|informed|"
    r"report(?:ed)?|contact|notify|inform)\b",
    re.I,
)
_SUBJECT_ONLY = re.compile(rf"{_SUBJECT}", re.I)
_SWAPS = [
    (re.compile(r"\btheir\b", re.I), "my"),
    (re.compile(r"\bthemselves\b", re.I), "myself"),
    (re.compile(r"\bthey\b", re.I), "I"),
    (re.compile(r"\bthem\b", re.I), "me"),
]


def _first_person(text: str) -> str:
    for rx, repl in _SWAPS:
        text = rx.sub(repl, text)
    return text


def questions_for(sentence: str) -> list[str]:
    s = sentence.strip().rstrip(".;:")
    out: list[str] = []
    d = _DEFINITION.match(s)
    if d and len(d["term"].split()) <= 4:
        out.append(f"What is {d['term'].lower()}?")
    c = _CONDITION.match(s)
    if c:
        out.append(_first_person(f"What should I do if {c['cond']}?"))
        s = c["rest"]
    m = _MODAL.match(s)
    if m and m["rest"]:
        out.append(f"Can I {_first_person(m['rest'])}?")
    elif p := _PASSIVE.match(s):  # "Photographs … must not be published …"
        out.append(f"Can {p['subj'][0].lower()}{p['subj'][1:]} be {p['verb']}{p['rest']}?")
    tell = _TELL.search(s)
    if tell:  # "All concerns about … must be raised with the Headteacher immediately"
        before, after = s[: tell.start()].strip(), s[tell.end() :].strip()
        topic = after if _SUBJECT_ONLY.fullmatch(before) or not before else before
        if c:  # "Where X is found, the Headteacher must be informed": the topic is X
            topic = c["cond"]
        if len(topic.split()) > 3:
            out.append(_first_person(f"Who should I tell about {topic[0].lower()}{topic[1:]}?"))
    return out


# "What is the school's policy on X?" — the frame names no topic, yet "policy" pulls a sentence
# model towards every clause that says "this policy …". The dense side is asked about the topic.
_POLICY_FRAME = re.compile(
    r"^\s*(?:what(?: is|'s| are)|is there|are there|do we have|does the school have)\s+"
    r"(?:the\s+|a\s+|an\s+|any\s+|our\s+)?(?:school'?s\s+)?(?:\w+\s+)?"
    r"(?:polic(?:y|ies)|rules?|guidance|position|procedures?)\s+"
    r"(?:on|about|for|regarding|around)\s+(?P<topic>.+?)\s*\??\s*$"
    r"|^\s*what does (?:the|this|our) (?:\w+\s+)?(?:policy|guidance) say (?:about|on)\s+"
    r"(?P<topic2>.+?)\s*\??\s*$",
    re.I,
)


def dense_query(question: str) -> str:
    """The text the sentence model embeds for a question: the topic of a "what is the policy on
    …" question, asked plainly; any other question as it is."""
    m = _POLICY_FRAME.match(question)
    if not m:
        return question
    return f"What about {m['topic'] or m['topic2']}?"
