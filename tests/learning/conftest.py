"""A school for the learning tests: its own copy of the bundled policy (so a test can reword or
remove a clause, or add questions.toml beside it), a real data directory and key, and the real
runtime answering with BM25 (the tests that need the embedding model load it themselves)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.people import Actor
from tests.slack.conftest import CHAIR, CONFIG, DSL, HEAD, OTHER, STAFF  # one school for both

__all__ = ["CHAIR", "DSL", "HEAD", "OTHER", "STAFF"]  # the learning tests name these people

ROOT = Path(__file__).resolve().parents[2]

# Answered "not covered" from BM25 alone, with the nearest rule (6.vi, giving out a personal
# number) shown; 6.i (looking after a personal phone) is one of the rules offered next.
# Typed as staff often type it: "Seesaw" capitalised reads as someone's name to the feedback
# filter, which keeps nothing then (tests/learning/test_suggestions.py).
SEESAW = "Can I message my class on seesaw from my own phone?"
SMP = "social-media-policy.txt"


def staff(user: str = STAFF) -> Actor:
    return Actor(platform="slack", user_id=user)


@pytest.fixture
def policies(tmp_path) -> Path:
    folder = tmp_path / "policies"
    folder.mkdir()
    for f in (ROOT / "policy_corpus").iterdir():
        if f.is_file():
            shutil.copy(f, folder / f.name)
    return folder


@pytest.fixture
def config(tmp_path) -> Path:
    path = tmp_path / "policybot.toml"
    path.write_text(CONFIG)
    return path


@pytest.fixture
def env(tmp_path, policies, config, monkeypatch) -> dict[str, str]:
    """The school's environment, also set for the command line."""
    values = {
        "POLICYBOT_CONFIG": str(config),
        "POLICYBOT_DATA_DIR": str(tmp_path / "data"),
        "POLICYBOT_KEY": Fernet.generate_key().decode(),
        "POLICYBOT_CORPUS_DIR": str(policies),
    }
    for name in ("POLICYBOT_KEY_FILE", "POLICYBOT_MODEL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def start(env):
    """start() -> the school's runtime (BM25 answers), as the service builds it; call it again
    for a restart (after a policy changed)."""
    from bot.runtime import Runtime

    started: list[Runtime] = []

    def make() -> Runtime:
        runtime = Runtime.from_env(env, embedder="none")
        started.append(runtime)
        return runtime

    yield make
    for runtime in started:
        runtime.close()


@pytest.fixture
def runtime(start):
    return start()
