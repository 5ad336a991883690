"""Keys derived from the Fernet keys for keyed hashes (HKDF-SHA256, then HMAC-SHA256).

Lookups that need equality (was this form sent already? which row is this Teams user?) and the
audit chain use HMAC-SHA256 under keys derived (HKDF) from each Fernet key, one per purpose, so
a value's tag means nothing without the key file and a leaked tag never reveals the Fernet key.
Every derived key has a short public id, stored beside what it signed, so rotation can tell
which rows still carry an old key's tags and `reencrypt` recomputes them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.keys.keyfile import parse_keys

LOOKUP = "lookup"
AUDIT = "audit chain"


def derive(key: bytes, purpose: str) -> bytes:
    """A 32-byte key for one purpose, derived from one Fernet key."""
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
