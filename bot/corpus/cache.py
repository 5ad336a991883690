"""Parsed policies kept on disk, so a restart does not re-read every PDF.

Reading a PDF takes most of a second (text extraction), so a school with fifty PDF policies
would wait most of a minute at every start. A parsed Document is stored as JSON (never pickle:
the cache folder must not be a way to run code) under a key made of the file's content hash and
a hash of the parser's own source, so a changed file or a changed parser is simply read again.
Policies are published documents, not report data, so the cache holds nothing secret.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
from functools import lru_cache
from pathlib import Path

from bot.corpus.model import Clause, Document

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def parser_version() -> str:
    """A hash of bot/corpus's source: any change to how files are read invalidates the cache."""
    h = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        h.update(source.read_bytes())
    return h.hexdigest()[:16]


def key(path: Path, source: str) -> str:
    h = hashlib.sha256(Path(path).read_bytes())
    h.update(source.encode())
    return f"{parser_version()}-{h.hexdigest()[:32]}"


def load(cache_dir: Path, cache_key: str) -> Document | None:
    file = Path(cache_dir) / f"{cache_key}.json"
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        clauses = [
            Clause(**{**c, "path": tuple(c["path"]), "columns": tuple(c["columns"])})
            for c in data.pop("clauses")
        ]
        date = data.pop("next_review_date")
        return Document(
            **data, clauses=clauses, next_review_date=dt.date.fromisoformat(date) if date else None
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError) as e:  # a damaged entry is re-parsed
        log.warning(
            "parsed-policy cache entry %s unusable (%s): reading the file again",
            file.name,
            type(e).__name__,
        )
        return None


def save(cache_dir: Path, cache_key: str, doc: Document) -> None:
    data = dataclasses.asdict(doc)
    date = doc.next_review_date
    data["next_review_date"] = date.isoformat() if date else None
    try:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        tmp = Path(cache_dir) / f"{cache_key}.json.tmp"
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        tmp.replace(Path(cache_dir) / f"{cache_key}.json")
    except OSError as e:  # a read-only data folder only costs speed
        log.warning("could not write the parsed-policy cache: %s", e.strerror)
