"""Which school a command acts on: the command line's edge.

Without a trust file (``POLICYBOT_TRUST``) a command acts on the one school the environment
configures, as it always has. With one, a command that reads or changes a school's data takes
``--school NAME`` (optional when the trust has one school) and everything it opens is that
school's: its config, data directory, policies (over the trust's) and key.

The key: a school's comes from the trust file. Someone who holds only their own school's key
may name it with ``POLICYBOT_KEY`` / ``POLICYBOT_KEY_FILE`` instead; it is used only for the
school it belongs to. Given for another school it is refused before anything is opened
("this key is not school B's"), and where that school's key cannot be read to compare, its
database refuses it (WrongKey), so one school's key never opens another's data, nor creates a
database for it.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.config import Settings, load_settings
from bot.errors import ConfigError
from bot.keys import load_key, parse_keys
from bot.trust.config import SchoolEntry, TrustConfig, load_trust, trust_path

if TYPE_CHECKING:
    from bot.corpus.model import Document
    from bot.runtime import Runtime
    from bot.trust.handbook import Shadow

KEY_VARIABLES = ("POLICYBOT_KEY", "POLICYBOT_KEY_FILE")
OPTION = "--school"


@dataclass(frozen=True)
class CommandSchool:
    """The school a command acts on, and the environment its settings are read from."""

    env: Mapping[str, str]
    trust: TrustConfig | None = None
    entry: SchoolEntry | None = None

    @property
    def label(self) -> str:
        return f"school {self.entry.name}" if self.entry else "the school"

    def settings(self) -> Settings:
        if self.trust is None or self.entry is None:
            return load_settings(self.env)
        from bot.trust.root import school_settings

        return school_settings(self.trust, self.entry, self.env)

    def runtime(self, clock: Callable[[], datetime] | None = None) -> Runtime:
        from bot.runtime import Runtime

        if self.trust is None or self.entry is None:
            return Runtime.from_env(self.env, load_assistant=False, clock=clock)
        from bot.trust.root import school_runtime

        return school_runtime(self.trust, self.entry, self.env, clock=clock)

    def documents(self, settings: Settings) -> list[Document]:
        """The policies the school answers from (the trust's under its own), parse-cached."""
        from bot.handbook import Handbook, parse_cache

        own = Handbook(settings.corpus_dir, parse_cache(settings.data_dir))
        if self.trust is None:
            return own.documents()
        from bot.trust.handbook import SchoolHandbook, trust_handbook

        trust = trust_handbook(self.trust.policies, parse_cache(self.trust.data_dir))
        return SchoolHandbook(trust, own).documents()

    def shadows(self, settings: Settings) -> tuple[list[Document], list[Shadow]]:
        """(the trust's policies the school answers from, the ones its own replace)."""
        if self.trust is None or self.trust.policies is None:
            return [], []
        from bot.corpus import read_corpus
        from bot.trust.handbook import layer

        trust = read_corpus(self.trust.policies).documents
        own = read_corpus(settings.corpus_dir).documents
        merged, shadows = layer(trust, own)
        return [d for d in merged if any(d is t for t in trust)], shadows


def add_school_option(parser: argparse.ArgumentParser) -> None:
    """``--school NAME`` on a command that acts on one school's data (at any level of its
    sub-commands: ``reports --school a list`` and ``reports list --school a`` both work)."""
    parser.add_argument(
        OPTION,
        dest="school_name",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="in a trust: the school to act on (`policybot schools list`)",
    )
    parser.set_defaults(school_scoped=True)


def resolve(args: argparse.Namespace, env: Mapping[str, str] = os.environ) -> CommandSchool:
    """The school this command acts on (ConfigError naming what is wrong)."""
    name = getattr(args, "school_name", None)
    path = trust_path(env)
    if path is None:
        if name is not None:
            raise ConfigError(
                f"{OPTION} {name}: this is a single school's setup (no POLICYBOT_TRUST, the "
                "trust's file of schools), so there is no other school to name"
            )
        return CommandSchool(env)
    if not getattr(args, "school_scoped", False):  # `schools add` may create the file
        return CommandSchool(env, load_trust(path) if path.exists() else None)
    trust = load_trust(path)
    entry = trust.school(name)
    return CommandSchool(_with_held_key(entry, entry.env(env), env), trust, entry)


def _with_held_key(
    entry: SchoolEntry, school_env: dict[str, str], env: Mapping[str, str]
) -> dict[str, str]:
    held_env = {k: env[k] for k in KEY_VARIABLES if env.get(k, "").strip()}
    if not held_env:
        return school_env
    held, source = load_key(held_env)
    assert held is not None
    try:
        own, _ = load_key({"POLICYBOT_KEY_FILE": str(entry.key_file)})
    except ConfigError:
        own = None  # not readable by whoever runs this: the database will judge the key
    if own is not None and not set(parse_keys(held)) & set(parse_keys(own)):
        raise ConfigError(
            f"{source}: this key is not school {entry.name}'s (its key file is "
            f"{entry.key_file}), and a school's key opens only its own school's data. Unset "
            f"{' and '.join(held_env)} to use the trust file's key, or name your own school."
        )
    if own is None and not (entry.data_dir / "policybot.db").exists():
        raise ConfigError(
            f"school {entry.name} has no database yet, and {source} cannot be compared with its "
            f"key ({entry.key_file}): run this without {' or '.join(held_env)} so its own key "
            "creates it"
        )
    out = {k: v for k, v in school_env.items() if k not in KEY_VARIABLES}
    out.update(held_env)
    return out
