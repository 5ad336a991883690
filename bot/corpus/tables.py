"""Tables as a reader sees them: typed out as text (grid, dashed "simple" and pipe tables), and
which row of any table is its header.

A table in a policy is read row by row: each row becomes a clause (see build.py) whose text is
its cells' own text, in order, separated by a tab, and whose column headers are its context. The
rules (`+----+`, `|`, the dashed lines under a header) are drawing, never text, so they are never
quoted. A tab is the separator because it is how Word's "Save as Plain Text" and every clipboard
already separate cells, it adds no character to the policy's words, and no cell holds one (a
cell's own spacing is collapsed), so splitting a row's text on tabs gives its cells back.

Text tables, as schools' files carry them:

- grid tables, as pandoc and Emacs draw them::

      +------------+-------------+
      | Area       | Staff       |
      +============+=============+      ("=" under the header; "-" in a table without one)
      | Classrooms | Not allowed |
      +------------+-------------+

  a cell may run over several lines of its row;
- "simple" tables, as `pandoc -t plain` writes them: a header line (or lines) with a dashed rule
  under it whose gaps mark the columns, then rows, one per line, or separated by blank lines when
  a cell wraps (then a full-width rule opens and closes the table); a table without a header
  opens and closes with the gapped rule;
- pipe tables (`| Area | Staff |` over `|---|---|`), with or without the outer pipes.

Tab-separated rows (Word's export) are found by the text reader itself; whether their first row
is a header is `looks_like_header`'s guess, as for Word and HTML tables that do not say.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_GRID_BORDER = re.compile(r"^\s*\+(?:[-=:]+\+)+\s*$")
_DASHES = re.compile(r"-{2,}")
_RULE = re.compile(r"^\s*-{2,}(?:\s+-{2,})*\s*$")
_PIPE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)+\|?\s*$")
_NUMBERY = re.compile(r"[\d£$€%]")


@dataclass
class TextTable:
    start: int  # first line of the table (its opening rule, or its header line)
    end: int  # the line after the table
    rows: list[tuple[str, ...]]  # the header (when `header`) then the data rows, cells as written
    header: bool | None  # the first row is the header (True), is not (False), cannot be told
    kind: str = "grid"  # "grid", "simple" (dashed) or "pipe"


def looks_like_header(first: tuple[str, ...], rest: list[tuple[str, ...]]) -> bool:
    """Whether a table's first row labels its columns ("Area | Staff phones | Visitor phones")
    rather than holding data: every cell a short label with no figure, no two alike, above rows
    that do not repeat it."""
    cells = [c.strip() for c in first]
    return (
        len(cells) >= 2
        and bool(rest)
        and all(cells)
        and len(set(c.lower() for c in cells)) == len(cells)
        and all(len(c.split()) <= 6 and not c.endswith((".", ";", ",")) for c in cells)
        and not any(_NUMBERY.search(c) for c in cells)
        and all(tuple(c.strip() for c in r) != tuple(cells) for r in rest)
    )


def find_tables(lines: list[str]) -> list[TextTable]:
    """The text tables among `lines`, in order; lines inside one are never read as anything
    else."""
    out: list[TextTable] = []
    i = 0
    while i < len(lines):
        table = _grid(lines, i) or _simple(lines, i) or _pipe(lines, i)
        if table is None:
            i += 1
            continue
        out.append(table)
        i = table.end
    return out


# --- grid tables --------------------------------------------------------------------------------
def _cuts(border: str) -> list[int]:
    return [k for k, ch in enumerate(border) if ch == "+"]


def _grid_cells(line: str, cuts: list[int]) -> list[str]:
    """One physical line of a grid row, cut at the border's "+" columns (or at its pipes, when a
    cell was typed a little wider than the border)."""
    if all(k < len(line) and line[k] == "|" for k in cuts):
        return [line[a + 1 : b] for a, b in zip(cuts, cuts[1:], strict=False)]
    return line.strip().strip("|").split("|")


def _grid(lines: list[str], i: int) -> TextTable | None:
    if not _GRID_BORDER.match(lines[i]):
        return None
    cuts = _cuts(lines[i].rstrip())
    groups: list[list[list[str]]] = []  # each row's physical lines, cut into cells
    current: list[list[str]] = []
    header_rows = 0
    j = i + 1
    while j < len(lines):
        line = lines[j].rstrip()
        if _GRID_BORDER.match(line):
            if current:
                groups.append(current)
                current = []
            if "=" in line and not header_rows:
                header_rows = len(groups)
            j += 1
            if j >= len(lines) or not lines[j].strip().startswith("|"):
                break  # the closing border
            continue
        if not line.strip().startswith("|"):
            return None  # a box drawn around a note, or a broken table
        current.append(_grid_cells(line, cuts))
        j += 1
    if current or not groups:
        return None  # never closed
    if not header_rows and len(groups) == 2 and len(groups[0]) == 1 and len(groups[1]) > 1:
        # "+---+ / header / +---+ / a line per row / +---+", as databases print tables
        return TextTable(i, j, [_merge(groups[0]), *(_merge([ln]) for ln in groups[1])], True)
    rows = [_merge(g) for g in groups]
    if header_rows:
        head = _merge([ln for g in groups[:header_rows] for ln in g])
        return TextTable(i, j, [head, *rows[header_rows:]], True)
    return TextTable(i, j, rows, None)


# --- simple ("dashed") tables -------------------------------------------------------------------
def _columns(rule: str) -> list[int]:
    return [m.start() for m in _DASHES.finditer(rule)]


def _slice(line: str, starts: list[int]) -> list[str]:
    """A line cut into cells at the rule's column starts. Text that begins a little left of its
    column (a right-aligned cell) stays with it: cuts fall on a space where one is near."""
    cuts: list[int] = []
    for s in starts[1:]:
        k = s
        while k > 0 and k < len(line) and line[k - 1] != " ":
            k -= 1
        cuts.append(k if k > (cuts[-1] if cuts else 0) else s)
    bounds = [0, *cuts, max(len(line), cuts[-1] if cuts else 0)]
    return [line[a:b].strip() for a, b in zip(bounds, bounds[1:], strict=False)]


def _gapped(line: str) -> bool:
    return bool(_RULE.match(line)) and len(_columns(line)) >= 2


def _full(line: str) -> bool:
    return bool(_RULE.match(line)) and len(_columns(line)) == 1 and len(line.strip()) >= 10


def _merge(group: list[list[str]]) -> tuple[str, ...]:
    """The physical lines of one row (a cell may wrap) → its cells, each one line of text."""
    width = max(len(ln) for ln in group)
    padded = [[*ln, *[""] * (width - len(ln))] for ln in group]
    return tuple(" ".join(" ".join(parts).split()) for parts in zip(*padded, strict=True))


def _simple(lines: list[str], i: int) -> TextTable | None:
    n = len(lines)
    line = lines[i]
    if _full(line):  # a multiline table: full rule, header lines, gapped rule, rows, full rule
        j = i + 1
        head: list[str] = []
        while j < n and lines[j].strip() and not _RULE.match(lines[j]):
            head.append(lines[j])
            j += 1
        if not head or j >= n or not _gapped(lines[j]):
            return None
        starts = _columns(lines[j])
        rows, end = _blocks(lines, j + 1, starts, closing=_full)
        if end is None or not rows:
            return None
        header = _merge([_slice(h, starts) for h in head])
        return TextTable(i, end, [header, *rows], True, "simple")
    if _gapped(line):  # a table without a header: gapped rule, rows, gapped rule
        starts = _columns(line)
        multiline = any(not ln.strip() for ln in _until(lines, i + 1, _gapped))
        if multiline:
            rows, end = _blocks(lines, i + 1, starts, closing=_gapped)
        else:
            rows, end = _lines(lines, i + 1, starts, closing=_gapped)
        if end is None or not rows:
            return None
        return TextTable(i, end, rows, False, "simple")
    if line.strip() and i + 1 < n and _gapped(lines[i + 1]) and not _RULE.match(line):
        starts = _columns(lines[i + 1])
        if len(line) - len(line.lstrip()) + 1 < starts[0] - 1:
            return None
        header = tuple(_slice(line, starts))
        if sum(1 for c in header if c) < 2:
            return None
        rows, end = _lines(lines, i + 2, starts, closing=_gapped)
        if not rows or end is None:
            return None
        return TextTable(i, end, [header, *rows], True, "simple")
    return None


_MAX_TABLE_LINES = 5000  # how far a table's closing rule is looked for


def _until(lines: list[str], j: int, closing: Callable[[str], bool]) -> list[str]:
    """The lines from `j` to the closing rule, or [] when there is none near enough (a stray
    dashed line looked for its partner through the whole file would make reading quadratic)."""
    out = []
    stop = min(len(lines), j + _MAX_TABLE_LINES)
    while j < stop and not closing(lines[j]):
        out.append(lines[j])
        j += 1
    return out if j < stop else []


def _lines(
    lines: list[str], j: int, starts: list[int], closing: Callable[[str], bool]
) -> tuple[list[tuple[str, ...]], int | None]:
    """One row per line, to a blank line or the closing rule (taken with the table)."""
    rows: list[tuple[str, ...]] = []
    while j < len(lines) and lines[j].strip():
        if closing(lines[j]):
            return rows, j + 1
        if _RULE.match(lines[j]):
            return [], None
        rows.append(tuple(_slice(lines[j], starts)))
        j += 1
    return rows, j


def _blocks(
    lines: list[str], j: int, starts: list[int], closing: Callable[[str], bool]
) -> tuple[list[tuple[str, ...]], int | None]:
    """Rows separated by blank lines (a cell may wrap), to the closing rule."""
    rows: list[tuple[str, ...]] = []
    group: list[list[str]] = []
    while j < len(lines):
        line = lines[j]
        if closing(line):
            if group:
                rows.append(_merge(group))
            return rows, j + 1
        if not line.strip():
            if group:
                rows.append(_merge(group))
            group = []
        else:
            group.append(_slice(line, starts))
        j += 1
    return [], None


# --- pipe tables --------------------------------------------------------------------------------
def _pipe_cells(line: str) -> tuple[str, ...]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    return tuple(c.strip() for c in re.split(r"(?<!\\)\|", s))


def _pipe(lines: list[str], i: int) -> TextTable | None:
    """A header row over a `|---|---|` rule, then rows to the first line with no pipe."""
    if "|" not in lines[i] or i + 1 >= len(lines) or not _PIPE_SEP.match(lines[i + 1]):
        return None
    header = _pipe_cells(lines[i])
    if len(header) < 2:
        return None
    rows = [header]
    j = i + 2
    while j < len(lines) and "|" in lines[j] and lines[j].strip():
        rows.append(_pipe_cells(lines[j]))
        j += 1
    return TextTable(i, j, rows, True, "pipe")
