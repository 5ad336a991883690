"""Encryption keys for report records: one key, or several during a rotation.

A key file (or POLICYBOT_KEY) may hold several Fernet keys, one per line (or comma separated;
lines starting with # are comments). The FIRST key encrypts everything written from now on;
every key can decrypt. That is what makes rotation safe: `policybot key rotate` writes a new
file holding the new key first and the old one after it, re-encrypts the stored records under
the new key, and anything the still-running service writes with the old key before its restart
stays readable. `policybot key reencrypt` later moves such stragglers to the first key, after
which the old line can be deleted.
"""

from __future__ import annotations

import re

from cryptography.fernet import Fernet, MultiFernet

_SPLIT = re.compile(r"[\s,]+")


class BadKey(ValueError):
    pass


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
