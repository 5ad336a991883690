"""A key file's text: several Fernet keys, first one encrypting; parsed, loaded, written.

A key file (or POLICYBOT_KEY) may hold several Fernet keys, one per line (or comma separated;
lines starting with # are comments). The FIRST key encrypts everything written from now on;
every key can decrypt. A malformed key is named by its line, never echoed. New key files are
created 0600 and never overwrite an existing file: a lost key is every report lost.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Mapping
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet

from bot.errors import BadKey, ConfigError, KeyFileExists, KeyFileUnwritable

_SPLIT = re.compile(r"[\s,]+")


def parse_keys(raw: bytes | str) -> list[bytes]:
    """The keys in a key file's text, first (the encrypting one) first. Raises BadKey naming the
    line of a malformed key."""
    text = raw.decode() if isinstance(raw, bytes) else raw
    keys: list[bytes] = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        for part in filter(None, _SPLIT.split(line)):
            try:
                Fernet(part.encode())
            except (ValueError, TypeError):
                where = f"line {n}: " if len(text.splitlines()) > 1 else ""
                raise BadKey(
                    f"{where}not a valid Fernet key (32 url-safe base64-encoded bytes; create one "
                    "with `policybot key generate`)"
                ) from None
            keys.append(part.encode())
    if not keys:
        raise BadKey("no key found")
    return keys


def fernet_for(raw: bytes | str) -> MultiFernet:
    """Encrypts with the first key; decrypts with any of them."""
    return MultiFernet([Fernet(k) for k in parse_keys(raw)])


def key_file_text(keys: list[bytes]) -> str:
    lines = ["# policybot encryption keys: the first encrypts, every line can decrypt."]
    lines += [k.decode() for k in keys]
    return "\n".join(lines) + "\n"


def new_key() -> bytes:
    """A fresh Fernet key."""
    return Fernet.generate_key()


def refuse_existing(path: Path) -> None:
    """KeyFileExists when ``path`` exists: a key file is never overwritten."""
    if path.exists():
        raise KeyFileExists(f"{path} already exists; not overwriting a key.")


def write_key_file(path: Path, keys: list[bytes], *, bare: bool = False) -> None:
    """Create ``path`` (0600) holding ``keys``, flushed to disk before returning: rotation
    re-encrypts nothing until the key that will open it exists on disk. Never overwrites a file
    (KeyFileExists). ``bare`` writes the single key alone, as `key generate` always has."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        refuse_existing(path)
        raise
    except OSError as exc:
        raise KeyFileUnwritable(_unwritable(path, exc)) from None
    with os.fdopen(fd, "w") as fh:
        fh.write(keys[0].decode() + "\n" if bare else key_file_text(keys))
        fh.flush()
        os.fsync(fh.fileno())


def _unwritable(path: Path, exc: OSError) -> str:
    """One line: why ``path`` cannot be created and what to do instead."""
    folder = path.parent
    if exc.errno == errno.ENOENT:
        return (
            f"cannot write {path}: the folder {folder} does not exist. Create it first "
            f"(e.g. `sudo install -d -m 0750 {folder}`) or choose another --file."
        )
    if exc.errno == errno.EROFS:
        return (
            f"cannot write {path}: {folder} is read-only here (in Docker, compose mounts it "
            "read-only). Print the key instead and save it on the host: `policybot key "
            "generate > FILE` (README, 'Secrets, settings and the encryption key')."
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (
            f"cannot write {path}: no permission to create files in {folder} as user "
            f"{os.getuid()}. Run the command as that folder's owner (e.g. with sudo), or choose "
            "a folder you can write."
        )
    return f"cannot write {path}: {exc.strerror or exc}."


def load_key(env: Mapping[str, str]) -> tuple[bytes | None, str]:
    """The configured key text (POLICYBOT_KEY, else the file POLICYBOT_KEY_FILE names) and where
    it came from, or (None, "") when neither is set. ConfigError names the variable (and the
    line) of anything unreadable or malformed."""
    raw = env.get("POLICYBOT_KEY", "").strip()
    source = "POLICYBOT_KEY"
    if not raw:
        key_file = env.get("POLICYBOT_KEY_FILE", "").strip()
        if not key_file:
            return None, ""
        path = Path(key_file).expanduser()
        source = str(path)
        try:
            raw = path.read_text().strip()
        except FileNotFoundError:
            raise ConfigError(
                f"POLICYBOT_KEY_FILE: {path}: file not found "
                "(create one with `policybot key generate --file PATH`)"
            ) from None
        except OSError as exc:
            raise ConfigError(f"POLICYBOT_KEY_FILE: {path}: cannot read: {exc.strerror}") from None
    try:
        parse_keys(raw)
    except BadKey as exc:
        raise ConfigError(f"{source}: {exc}") from None
    return raw.encode(), source
