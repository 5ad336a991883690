"""The key check value: how a wrong key is told from a right one before anything is read.

Every database holds, in its ``meta`` table, a fixed text encrypted under the key it was made
with. Opening the store (bot/store.py) and restoring a backup (bot/ops/backup.py) both decrypt
it first, so a wrong key is a clear error at once instead of garbage, or a half-restored data
directory, later. This module is that one comparison; it reads no database itself.
"""

from __future__ import annotations

from cryptography.fernet import InvalidToken, MultiFernet

KEY_CHECK_PLAINTEXT = "policybot key check v1"


def check_value(fernet: MultiFernet) -> str:
    """The check value to store beside data encrypted with ``fernet``."""
    return fernet.encrypt(KEY_CHECK_PLAINTEXT.encode()).decode("ascii")


def opens(fernet: MultiFernet, value: str) -> bool:
    """Whether ``fernet`` (any of its keys) decrypts the stored check value."""
    try:
        return fernet.decrypt(value.encode()) == KEY_CHECK_PLAINTEXT.encode()
    except InvalidToken:
        return False
