"""SQLite store (sqlite-utils): one connection per process behind a lock, WAL, migrations,
Fernet encryption of sensitive fields."""

from __future__ import annotations

from pathlib import Path


class Store:
    def __init__(self, path: Path, key: bytes | None) -> None:
        raise NotImplementedError
