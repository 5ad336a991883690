"""Make user-typed text inert before it is forwarded into chat.

A reporter must not be able to ping ``@channel``, mention users, inject links or formatting
through report fields. The core strips control characters and defangs links in every
:class:`~bot.reports.models.Notice` (``clean``); front ends then escape for their markup:
``slack_escape`` for Slack mrkdwn, ``teams_escape`` for Teams markdown / HTML. Prefer Slack
``plain_text`` objects where the layout allows; they need no escaping.
"""

from __future__ import annotations

import re
import unicodedata

WORD_JOINER = "\u2060"
# Bidi overrides/isolates can reorder what a recipient sees; zero-width chars can hide text.
_INVISIBLE = {
    *(chr(c) for c in range(0x202A, 0x202F)),
    *(chr(c) for c in range(0x2066, 0x206A)),
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u2060",
    "\ufeff",
}
_BROADCAST_RE = re.compile(r"@(channel|here|everyone|all|team)\b", re.IGNORECASE)
_SCHEME_RE = re.compile(r"\b(h)(ttps?)(://)", re.IGNORECASE)
_OTHER_SCHEME_RE = re.compile(r"\b(ftp|file|javascript|data|mailto|slack|msteams)(:)", re.I)
# Anything shaped like a host name: labels joined by dots (or look-alike dots), ending in a
# label of letters: "x.com", "evil.example.co.uk", "пример.рф", "bit.ly/abc". Every such dot is
# defanged, whatever the top-level domain: new ones appear every year, so no list can be complete.
_DOTS = "[.\u3002\uff0e\uff61]"  # ".", and the ideographic / fullwidth dots browsers accept
_DOMAIN_RE = re.compile(
    rf"(?<![\w-])((?:[\w-]+{_DOTS})+)(xn--[\w-]+|[^\W\d_]{{2,63}})(?![\w-])", re.IGNORECASE
)
_IPV4_RE = re.compile(r"(?<![\w.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\w.])")


def has_control_chars(text: str) -> bool:
    """True if text holds a control or invisible formatting character other than
    newline / tab / carriage return (what form validation rejects)."""
    return any(
        (unicodedata.category(ch) == "Cc" and ch not in "\n\r\t") or ch in _INVISIBLE for ch in text
    )


def strip_controls(text: str) -> str:
    """Remove control and invisible characters except newline; tabs become spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return "".join(
        ch
        for ch in text
        if ch == "\n" or (unicodedata.category(ch) != "Cc" and ch not in _INVISIBLE)
    )


def defang_links(text: str) -> str:
    """``https://x.com/a`` → ``hxxps://x[.]com/a``: readable, never a clickable link, for every
    URL-like string: any scheme, any host name whatever its top-level domain, IPv4 addresses.
    (Recipients of an indecent-images report must not be one click from the material.)"""
    text = _SCHEME_RE.sub(lambda m: f"{m.group(1)}xx{m.group(2)[2:]}{m.group(3)}", text)
    text = _OTHER_SCHEME_RE.sub(lambda m: f"{m.group(1)}[:]", text)
    text = _DOMAIN_RE.sub(lambda m: re.sub(_DOTS, "[.]", m.group(1)) + m.group(2), text)
    return _IPV4_RE.sub(lambda m: "[.]".join(m.groups()), text)


def clean(text: str, limit: int = 4000) -> str:
    """Plain text safe to forward: no control chars, links defanged, length capped."""
    text = defang_links(strip_controls(str(text))).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def clean_filename(name: str, limit: int = 200) -> str:
    """A file's name as people are shown it: the last part of any path, no control or invisible
    characters, no link scheme; its dots stay ("chat.png" is how every name is written, so a
    host-shaped name is expected here, not a link)."""
    base = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = _OTHER_SCHEME_RE.sub(lambda m: f"{m.group(1)}[:]", strip_controls(base))
    text = _SCHEME_RE.sub(lambda m: f"{m.group(1)}xx{m.group(2)[2:]}{m.group(3)}", text)
    text = " ".join(text.split()).lstrip(".")
    return text[:limit]


def _break_broadcasts(text: str) -> str:
    return _BROADCAST_RE.sub(lambda m: "@" + WORD_JOINER + m.group(1), text)


_SLACK_FORMAT = str.maketrans({"*": "∗", "_": "ˍ", "~": "∼", "`": "ˋ"})


def slack_escape(text: str) -> str:
    """For Slack mrkdwn: ``& < >`` escaped (so ``<!channel>``, ``<@U…>``, ``<http…|x>`` are
    inert), ``@channel``/``@here``/``@everyone`` broken with a word joiner, and the
    formatting characters ``* _ ~ ` `` swapped for look-alikes so they cannot format."""
    text = strip_controls(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _break_broadcasts(text)
    return text.translate(_SLACK_FORMAT)


_TEAMS_MD = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


def teams_escape(text: str) -> str:
    """For Teams message markdown / Adaptive Card TextBlocks: HTML special characters become
    entities (so ``<at>`` mentions and tags are inert), markdown punctuation is
    backslash-escaped, and ``@channel``-style words are broken with a word joiner."""
    text = strip_controls(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace('"', "&quot;")
    text = _TEAMS_MD.sub(r"\\\1", text)
    text = re.sub(r"^(\s*\d+)\.", r"\1\\.", text, flags=re.MULTILINE)
    return _break_broadcasts(text)
