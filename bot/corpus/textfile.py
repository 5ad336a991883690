"""Reading a text-based policy file (.txt, .md, .html) as text, or saying why it is not one.

Schools save text as UTF-8 (with or without a byte-order mark), as UTF-16 (Notepad's and Word's
"Unicode" text) or, from Notepad and older Word exports, as Windows-1252; all are read. A binary
file with a text name (a renamed Word file, a corrupt upload) is refused rather than quoted as
gibberish.
"""

from __future__ import annotations

from pathlib import Path

from bot.errors import UnreadableFile

_CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\r", "\f"}


class NotText(UnreadableFile):
    """See bot/errors.py."""


def read_text_file(path: Path) -> tuple[str, list[str]]:
    """The file's text and any note for the IT admin about how it was read."""
    raw = Path(path).read_bytes()
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Notepad's "Unicode", Word's Unicode text
        try:
            return raw.decode("utf-16"), []
        except UnicodeDecodeError:
            pass
    try:
        text, notes = raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        text, notes = (
            raw.decode("cp1252", errors="replace"),
            ["read as Windows-1252 text, not UTF-8"],
        )
    sample = text[:20000]
    if "\x00" in sample or sum(ch in _CONTROL for ch in sample) > len(sample) * 0.01:
        raise NotText(
            f"not a text file, though named {Path(path).suffix}",
            "open it in the program that made it and save it as .docx, .pdf or plain text",
        )
    return text, notes
