"""Encryption keys for report records: one key, or several during a rotation.

A key file (or POLICYBOT_KEY) may hold several Fernet keys, one per line (or comma separated;
lines starting with # are comments). The FIRST key encrypts everything written from now on;
every key can decrypt. That is what makes rotation safe: `policybot key rotate` writes a new
file holding the new key first and the old one after it, re-encrypts the stored records under
the new key, and anything the still-running service writes with the old key before its restart
stays readable. `policybot key reencrypt` later moves such stragglers to the first key, after
which the old line can be deleted.

Everything about the key lives in this package:

- ``keyfile``: parse a key file's text, load the configured key, write a new key file;
- ``derived``: the HKDF/HMAC keys for lookup tags and the audit chain (``Keyring``);
- ``check``: the check value that tells a wrong key from a right one at open and at restore;
- ``rotation``: rotate to a new key and re-encrypt everything stored (imports the store, so
  it is imported by name, not from here).
"""

from __future__ import annotations

from bot.keys.derived import AUDIT, LOOKUP, Keyring, derive, key_id
from bot.keys.keyfile import (
    fernet_for,
    key_file_text,
    load_key,
    new_key,
    parse_keys,
    write_key_file,
)

__all__ = [
    "AUDIT",
    "LOOKUP",
    "Keyring",
    "derive",
    "fernet_for",
    "key_file_text",
    "key_id",
    "load_key",
    "new_key",
    "parse_keys",
    "write_key_file",
]
