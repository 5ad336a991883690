"""What every CSV the school exports does to a cell, so a spreadsheet never runs it.

A cell beginning with ``=``, ``+``, ``-`` or ``@`` is a formula to Excel and LibreOffice, and a
leading tab or carriage return can hide one; names, pupils and notes are typed by staff, so any
of them could be ``=HYPERLINK("https://…", "Click")``. Such a cell gets a leading ``'`` (shown by
no spreadsheet, read back as text). An empty cell stays empty and a missing value is an empty
cell. One helper for every export (receipts, the relationships register), so they cannot drift.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """``value`` as CSV cell text that no spreadsheet treats as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
