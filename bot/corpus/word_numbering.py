"""Word's automatic numbering, computed as staff see it.

Word does not store "4.2 (b)" in the text: the number comes from the numbering definitions
(word/numbering.xml). We replay them — per level numFmt, lvlText ("%1.%2", "(%3)"), start,
lvlRestart, and each list instance's startOverride — so a clause shown as "4.2 (b)" in Word is
cited as §4.2(b). Numbering may sit on the paragraph or be inherited from its style (numbered
headings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.corpus.word_xml import W, attr, child_at


def _roman(n: int) -> str:
    out = ""
    for value, digits in (
        (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
        (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    ):  # fmt: skip
        while n >= value:
            out, n = out + digits, n - value
    return out


def _letters(n: int) -> str:
    # Word repeats the letter after z: aa, bb…
    return chr(97 + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    if fmt == "lowerLetter":
        return _letters(n)
    if fmt == "upperLetter":
        return _letters(n).upper()
    if fmt == "lowerRoman":
        return _roman(n)
    if fmt == "upperRoman":
        return _roman(n).upper()
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str = ""
    start: int = 1
    restart: int | None = None  # lvlRestart: reset after this (1-based) level; 0 = never
    legal: bool = False  # isLgl: every level shown as a decimal ("1.1.1", not "I.a.i")


@dataclass
class Numbering:
    """Word's list definitions and the running counters, replayed in document order."""

    abstract: dict[str, dict[int, _Level]] = field(default_factory=dict)
    nums: dict[str, str] = field(default_factory=dict)  # numId → abstractNumId
    overrides: dict[str, dict[int, int]] = field(default_factory=dict)  # numId → ilvl → start
    counters: dict[str, dict[int, int]] = field(default_factory=dict)  # per abstractNum
    started: set[str] = field(default_factory=set)

    @classmethod
    def from_part(cls, root: Any, style_num: dict[str, str] | None = None) -> Numbering:
        """`style_num` maps a list style's name to its numId, for definitions that only link
        to a list style (w:numStyleLink), as Word's built-in multilevel lists do."""
        out = cls()
        if root is None:
            return out
        links: dict[str, str] = {}
        for an in root.findall(f"{W}abstractNum"):
            levels: dict[int, _Level] = {}
            for lvl in an.findall(f"{W}lvl"):
                restart = attr(child_at(lvl, "lvlRestart"), "val")
                legal = child_at(lvl, "isLgl") is not None  # "legal" numbering: all decimal
                levels[int(attr(lvl, "ilvl") or 0)] = _Level(
                    fmt=attr(child_at(lvl, "numFmt"), "val") or "decimal",
                    text=attr(child_at(lvl, "lvlText"), "val") or "",
                    start=int(attr(child_at(lvl, "start"), "val") or 1),
                    restart=int(restart) if restart is not None else None,
                    legal=legal,
                )
            abstract_id = attr(an, "abstractNumId") or ""
            out.abstract[abstract_id] = levels
            link = attr(child_at(an, "numStyleLink"), "val")
            if link and not levels:
                links[abstract_id] = link
        for num in root.findall(f"{W}num"):
            num_id = attr(num, "numId") or ""
            out.nums[num_id] = attr(child_at(num, "abstractNumId"), "val") or ""
            for ov in num.findall(f"{W}lvlOverride"):
                start = attr(child_at(ov, "startOverride"), "val")
                if start is not None:
                    out.overrides.setdefault(num_id, {})[int(attr(ov, "ilvl") or 0)] = int(start)
        for abstract_id, style in links.items():  # follow the link to the style's own list
            target = out.nums.get((style_num or {}).get(style, ""), "")
            if target and out.abstract.get(target):
                out.abstract[abstract_id] = out.abstract[target]
        return out

    def label(self, num_id: str, ilvl: int) -> tuple[str, bool]:
        """The next number printed for a paragraph in list `num_id` at level `ilvl`, and whether
        it is a bullet. Calling it advances the counters, as Word does paragraph by paragraph."""
        abstract_id = self.nums.get(num_id)
        levels = self.abstract.get(abstract_id or "", {})
        if abstract_id is None or ilvl not in levels:
            return "", False
        level = levels[ilvl]
        if level.fmt == "bullet":
            return "", True
        if level.fmt == "none":
            return level.text.strip(), False
        # Instances of one list definition continue each other's numbering; an instance that
        # restarts (startOverride) counts on its own, as Word shows it.
        key = f"num:{num_id}" if num_id in self.overrides else abstract_id
        counters = self.counters.setdefault(key, {})
        if num_id not in self.started:  # a list instance that restarts its numbering
            self.started.add(num_id)
            for restart_level, start in self.overrides.get(num_id, {}).items():
                counters[restart_level] = start - 1
                for deeper in [k for k in counters if k > restart_level]:
                    del counters[deeper]
        counters[ilvl] = counters.get(ilvl, level.start - 1) + 1
        for deeper, lv in levels.items():
            if (
                deeper > ilvl
                and (lv.restart is None or lv.restart != 0)
                and (lv.restart is None or lv.restart - 1 >= ilvl)
            ):
                counters.pop(deeper, None)
        text = level.text
        for k in range(len(levels) - 1, -1, -1):
            token = f"%{k + 1}"
            if token in text:
                shown = levels.get(k, _Level())
                fmt = "decimal" if level.legal else shown.fmt
                text = text.replace(token, format_number(counters.get(k, shown.start), fmt))
        return text.strip(), False


def list_styles(document: Any) -> dict[str, str]:
    """List styles' names (and ids) → the numId they carry."""
    out: dict[str, str] = {}
    for style in document.styles.element.findall(f"{W}style"):
        num_id = attr(child_at(style, "pPr", "numPr", "numId"), "val")
        if num_id:
            out[attr(style, "styleId") or ""] = num_id
            name = attr(child_at(style, "name"), "val")
            if name:
                out[name] = num_id
    return out


def num_pr(paragraph: Any) -> tuple[str, int] | None:
    """(numId, ilvl) from the paragraph, or inherited through its style chain."""
    p_pr = paragraph._p.pPr
    num_pr = p_pr.numPr if p_pr is not None else None
    ilvl: int | None = None
    num_id: str | None = None
    if num_pr is not None:
        if num_pr.numId is not None:
            num_id = str(num_pr.numId.val)
        if num_pr.ilvl is not None:
            ilvl = int(num_pr.ilvl.val)
    style = paragraph.style
    while num_id is None and style is not None:
        s_pr = style.element.pPr
        s_num = s_pr.numPr if s_pr is not None else None
        if s_num is not None:
            if s_num.numId is not None:
                num_id = str(s_num.numId.val)
            if ilvl is None and s_num.ilvl is not None:
                ilvl = int(s_num.ilvl.val)
        style = style.base_style
    if num_id is None or num_id == "0":
        return None
    return num_id, ilvl or 0
