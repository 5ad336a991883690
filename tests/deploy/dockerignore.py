"""Docker's .dockerignore rules, for checking what a build context holds without a Docker engine.

As Docker reads the file (moby's patternmatcher, used by both the classic builder and BuildKit):
lines are trimmed, `#` lines and blank lines skipped; a leading `!` makes an exception; each
pattern is cleaned like a path and a leading `/` dropped, so every pattern is anchored at the
context root. `*` matches any run of characters except `/`, `?` one such character, `**` any
number of directories (zero included); `[...]` and `\\` escapes as in Go's filepath.Match. A
path is excluded when a pattern matches it *or one of its parent folders*, and the last pattern
that matches decides.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Pattern:
    text: str
    exception: bool
    regex: re.Pattern[str]


def compile_pattern(text: str) -> re.Pattern[str]:
    out, i = "^", 0
    while i < len(text):
        ch = text[i]
        if ch == "*":
            if text[i + 1 : i + 2] == "*":
                i += 1
                if text[i + 1 : i + 2] == "/":
                    i += 1  # "**/" is treated as "**"
                out += ".*" if i + 1 == len(text) else "(.*/)?"
            else:
                out += "[^/]*"
        elif ch == "?":
            out += "[^/]"
        elif ch == "[":
            end = text.index("]", i + 1)
            body = text[i + 1 : end]
            out += "[" + ("^" + body[1:] if body.startswith("!") else body) + "]"
            i = end
        elif ch == "\\" and i + 1 < len(text):
            i += 1
            out += re.escape(text[i])
        else:
            out += re.escape(ch)
        i += 1
    return re.compile(out + "$")


def parse(text: str) -> list[Pattern]:
    patterns = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        if exception:
            line = line[1:].strip()
        line = posixpath.normpath(line).lstrip("/")
        if line in ("", "."):
            continue
        patterns.append(Pattern(line, exception, compile_pattern(line)))
    return patterns


def excluded(patterns: list[Pattern], path: str) -> bool:
    """Whether `path` (relative to the context root, with /) stays out of the build context."""
    path = posixpath.normpath(path)
    parts = path.split("/")
    candidates = [path] + ["/".join(parts[:n]) for n in range(1, len(parts))]
    result = False
    for pattern in patterns:
        if any(pattern.regex.match(c) for c in candidates):
            result = not pattern.exception
    return result


def load(root: Path) -> list[Pattern]:
    return parse((root / ".dockerignore").read_text())
