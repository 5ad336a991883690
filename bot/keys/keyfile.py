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

import base64
import hashlib
import hmac
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


# --- keys derived for keyed hashes ------------------------------------------------------------
# Lookups that need equality (was this form sent already? which row is this Teams user?) and the
# audit chain use HMAC-SHA256 under keys derived (HKDF) from each Fernet key, one per purpose, so
# a value's tag means nothing without the key file and a leaked tag never reveals the Fernet key.
# Every derived key has a short public id, stored beside what it signed, so rotation can tell
# which rows still carry an old key's tags and `reencrypt` recomputes them.

LOOKUP = "lookup"
AUDIT = "audit chain"


def derive(key: bytes, purpose: str) -> bytes:
    """A 32-byte key for one purpose, derived from one Fernet key."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    raw = base64.urlsafe_b64decode(key)
    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"policybot v1 " + purpose.encode()
    )
    return hkdf.derive(raw)


def key_id(key: bytes) -> str:
    """A public name for a Fernet key (safe to store: it reveals nothing about the key)."""
    return derive(key, "key id")[:6].hex()


class Keyring:
    """The configured Fernet keys seen as HMAC keys: tags under the first, checks under any."""

    def __init__(self, raw: bytes | str) -> None:
        self.keys = parse_keys(raw)
        self.ids = [key_id(k) for k in self.keys]
        self._derived: dict[tuple[str, str], bytes] = {}
        for k, kid in zip(self.keys, self.ids, strict=True):
            for purpose in (LOOKUP, AUDIT):
                self._derived[(kid, purpose)] = derive(k, purpose)

    @property
    def first_id(self) -> str:
        return self.ids[0]

    def tag(self, purpose: str, value: str, kid: str | None = None) -> str:
        """HMAC of value under the first key (or the key named kid); KeyError if kid is unknown."""
        key = self._derived[(kid or self.first_id, purpose)]
        return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    def tags(self, purpose: str, value: str) -> list[str]:
        """The value's tag under every configured key (a lookup during a rotation)."""
        return [self.tag(purpose, value, kid) for kid in self.ids]
