"""Word tables as the blocks a reader sees in them: a local-authority template whose body is a
"number | text" table is its numbered clauses, labels over values are the policy's details, a
version history is no text, and any other table is rows of cells."""

from __future__ import annotations

import re
from typing import Any

from bot.corpus import limits
from bot.corpus.blocks import Block
from bot.corpus.dates import is_control_label, leading_date, meta_field
from bot.corpus.labels import is_history_header
from bot.corpus.word_styles import Styles, paragraph_type
from bot.corpus.word_xml import W, all_bold, visible_text

_NUMBER_CELL = re.compile(r"^\(?(?:\d{1,2}(?:\.\d{1,2})*|[a-z]|[ivx]{1,5}|[A-Z])[.)]?$")


def _cell_text(cell: Any) -> str:
    return " ".join(" ".join(visible_text(p) for p in cell._tc.iter(f"{W}p")).split())


def table_rows(table: Any, styles: Styles) -> list[tuple[list[str], bool]]:
    """Each row's cells as written (a merged cell once) and whether the row is all bold."""
    Paragraph = paragraph_type()  # python-docx's, with the styles looked up once

    out = []
    for row in table.rows:
        cells: list[str] = []
        bold = True
        row_cells = row.cells
        limits.count("table cells", len(row_cells))
        for cell in row_cells:
            t = _cell_text(cell)
            if not cells or t != cells[-1]:  # merged cells repeat their text
                cells.append(t)
            for p in cell._tc.iter(f"{W}p"):
                para = Paragraph(p, table, styles)
                if visible_text(p).strip() and not all_bold(para):
                    bold = False
        out.append((cells, bold))
    return out


def table_blocks(rows: list[tuple[list[str], bool]]) -> list[Block]:
    """A Word table as the blocks a reader sees in it."""
    filled = [(c, b) for c, b in rows if any(c)]
    if not filled:
        return []
    if is_history_header(filled[0][0]):
        return []  # Version | Date | Changes: the document's history, never policy text
    numbered = [c for c, _ in filled if len(c) >= 2 and _NUMBER_CELL.match(c[0])]
    worded = [c for c in numbered if len(" ".join(c[1:]).split()) >= 3]
    if (
        len(numbered) >= max(2, (len(filled) + 1) // 2)
        and len(worded) * 2 >= len(numbered)  # sentences beside the numbers, not figures
        and all(len(c) <= 2 for c, _ in filled)  # a third column makes it a data table
    ):
        # A local-authority template whose body is a table: number cell | text cell.
        out = []
        for cells, bold in filled:
            num = cells[0] if _NUMBER_CELL.match(cells[0]) else ""
            text = " ".join(c for c in (cells[1:] if num else cells) if c)
            if not text:
                continue
            line = f"{num} {text}" if num else text
            short = len(text.split()) <= 10 and not text.endswith((".", ";", ":", ","))
            if short and (bold or re.fullmatch(r"\d{1,2}\.?", num)) and text[:1].isupper():
                level = num.rstrip(".").count(".") + 1 if num else 1
                out.append(Block("heading", line, level=level))
            elif num.isdigit():  # "3 | The governors will…": clause 3, as a reader cites it
                out.append(Block("para", f"{num}. {text}"))
            else:
                out.append(Block("para", line))
        return out
    first = filled[0][0]
    if (
        len(filled) == 2
        and len(first) == len(filled[1][0])
        and all(is_control_label(c) or meta_field(c) for c in first if c)
        and any(
            meta_field(k) in {"approval_date", "next_review"} and leading_date(v)
            for k, v in zip(first, filled[1][0], strict=True)
        )
    ):  # labels across the top, values below: "Date adopted | Review date" / "5 Feb 2025 | …"
        return [
            Block("row", cells=(k, v)) for k, v in zip(first, filled[1][0], strict=True) if k and v
        ]
    out = []
    for cells, _ in filled:
        if len(cells) >= 2:
            out.append(Block("row", cells=tuple(cells)))
        elif cells[0]:
            out.append(Block("para", cells[0]))
    return out
