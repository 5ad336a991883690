"""Every error policybot raises on purpose, in one tree.

Each one's message is for a person: it names what is wrong and how to fix it, and never holds
a secret, report text or a pupil's name. That is why the command line can catch the base once
(bot/cli/__init__.py), print ``policybot: <message>`` and exit with the error's ``exit_code``
(2: the setup is wrong; 1: this one operation was refused), instead of each command catching
its own tuple. Anything not in this tree is a bug and keeps its traceback.

    PolicybotError
    ├── ConfigError            bad configuration; names the file (or variable) and the key
    │   └── TeamsConfigError   (handlers/teams/server.py) bad Teams settings in the environment
    ├── BadKey                 a key file line that is not a Fernet key (also a ValueError)
    ├── KeyFileExists          a new key file would overwrite a file (exit 1)
    ├── KeyFileUnwritable      a new key file's folder is missing, read-only or not ours (exit 1)
    ├── StoreError             the database cannot be used
    │   ├── KeyMissing         no encryption key configured
    │   └── WrongKey           the key does not open this database
    ├── OpsError               a backup or restore that cannot go ahead (exit 1)
    ├── SubmissionRefused      a report not accepted; nothing stored; the message is for the user
    │   └── FormError          bad form input, per field (also a ValueError)
    ├── DeliveryError          a notifier could not deliver a notice (the outbox decides what next)
    │   ├── RecipientUnreachable    not *yet* (no Teams conversation): stays queued
    │   ├── PermanentDeliveryError  never at this address: stop retrying, tell people
    │   └── DeliveryFailed     (handlers/teams/notifier.py) the Bot Connector refused: retry
    ├── CampaignError          a policy round refused (exit 1); ``field`` names the bad input
    ├── StaffImportError       a staff CSV refused as a whole, every bad row named (exit 1)
    ├── PoliciesLoading        (bot/handbook.py) asked before the policies have loaded (exit 1)
    ├── PackageError           (handlers/teams/package.py) the Teams app package cannot be built
    ├── CorpusError            the policy folder (or one file in it) cannot be read
    │   └── UnreadableFile     a reader knows why one file cannot be used (reason + fix)
    │       ├── NotText        (bot/corpus/textfile.py) a .txt/.md/.html file that is not text
    │       ├── UnreadablePdf  (bot/corpus/pdf.py) an encrypted or image-only PDF
    │       └── TooLarge       (bot/corpus/limits.py) beyond a size, count or time bound
    ├── EvalFileError          a question file for `policybot eval` is malformed (also ValueError)
    └── ModelGraphError        no ONNX graph of the embedding model: the torch path answers instead
        ├── GraphUnavailable   (bot/retrieval/onnx_graph.py) none sound here and none can be made
        └── ExportFailed       (bot/retrieval/onnx_export.py) the export failed or differs from torch
"""

from __future__ import annotations


class PolicybotError(Exception):
    """Base of every deliberate policybot error; ``str(exc)`` is the message for a person."""

    exit_code = 2  # what the command line exits with when this reaches it


class ConfigError(PolicybotError):
    """Bad configuration; the message names the file (or variable) and the key."""


class BadKey(PolicybotError, ValueError):
    """A key (file) that does not hold valid Fernet keys; the message names the line."""


class KeyFileExists(PolicybotError):
    """A new key file would overwrite an existing file: never done, the old key may be needed."""

    exit_code = 1


class KeyFileUnwritable(PolicybotError):
    """A new key file cannot be created where it was asked for (no such folder, a read-only
    mount, no permission); the message names the folder and what to do instead."""

    exit_code = 1


class StoreError(PolicybotError):
    """The store cannot be used; the message says why and what to do."""


class KeyMissing(StoreError):
    """No encryption key is configured, so report text cannot be read or written."""


class WrongKey(StoreError):
    """The configured key does not decrypt what is stored."""


class OpsError(PolicybotError):
    """A backup or restore that cannot go ahead; the message says why and what to do."""

    exit_code = 1


class SubmissionRefused(PolicybotError):
    """The report was not accepted and nothing was stored; ``str(exc)`` is for the user."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class FormError(SubmissionRefused, ValueError):
    """Bad input. ``errors`` maps form field name -> message to show on that field."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__(" ".join(self.errors.values()) or "Please check the form.")


class CampaignError(PolicybotError):
    """A "read and understood" round refused (bot/campaigns/): nothing was stored or sent.
    ``str(exc)`` says what is wrong and how to fix it; ``field`` names the input at fault
    ("policy", "audience", "due", "message") or is "", so a form can show it on the field."""

    exit_code = 1

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class StaffImportError(PolicybotError):
    """A staff list refused and nothing imported (bot/staff/); the message names every bad row
    by its line number with what is wrong."""

    exit_code = 1

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            "Nothing was imported; fix these rows and run the import again:\n"
            + "\n".join(f"  {p}" for p in problems)
        )


class DeliveryError(PolicybotError):
    """A notifier could not deliver a notice; the outbox decides whether to retry."""


class RecipientUnreachable(DeliveryError):
    """Raised by a notifier when it cannot reach the person *yet* (e.g. Teams has no
    conversation reference for them until they open the bot). The outbox keeps the notice
    queued; ``ReportService.wake()`` retries at once when the notifier learns the address."""


class PermanentDeliveryError(DeliveryError):
    """Raised by a notifier when the platform says this notice can NEVER reach this person at
    this address (Slack: user_not_found, account_inactive, cannot_dm_bot, invalid_auth; Teams:
    403/404 on the conversation). The outbox stops retrying it, tells the submitter to speak to
    the person directly, and escalates an urgent concern (bot/reports/escalation.py).
    ``reason`` is a short platform code for the admin, never report text."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class CorpusError(PolicybotError):
    """A policy file could not be read; the message names the file and the reason."""


class UnreadableFile(CorpusError):
    """Raised by a format's reader that knows why the file cannot be used; the loader adds the
    file's name. ``reason`` says what is wrong, ``fix`` how to convert or repair it."""

    def __init__(self, reason: str, fix: str) -> None:
        super().__init__(reason)
        self.reason, self.fix = reason, fix


class EvalFileError(PolicybotError, ValueError):
    """A question file for ``policybot eval`` is malformed; the message names the line."""


class ModelGraphError(PolicybotError):
    """The embedding model has no usable ONNX graph; the message says why, for the one log line
    that names the path answers take (torch, or BM25 alone when torch cannot load either)."""
