"""What the benchmarks share: the percentile they report, the questions the chat front ends
are asked, and the school (runtime and staff list) the policy-round benchmarks publish to."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GROUPS = ("teaching", "support", "governors", "volunteers")

CHAT_QUESTIONS = [
    "Can I accept a friend request from a parent on Facebook?",
    "What should I do if a pupil is being cyberbullied?",
    "Can I post photos of pupils on my own Instagram?",
    "What is trolling?",
    "Can I message a student on WhatsApp?",
    "What does the Prevent duty mean for social media?",
    "Who approves posts on the school's social media accounts?",
    "What happens if I breach the social media policy?",
]


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank p-th percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def school_runtime(folder: Path, head_account: str) -> Any:
    """A school in ``folder`` with its headteacher's account (``slack_user = "U…"`` or
    ``teams_user = "…"``), a fresh key and the bundled policy: the core runtime, no assistant."""
    from cryptography.fernet import Fernet

    from bot.runtime import Runtime

    config = folder / "policybot.toml"
    config.write_text(f'[people.headteacher]\nname = "Head"\n{head_account}\n')
    env = {
        "POLICYBOT_CONFIG": str(config),
        "POLICYBOT_DATA_DIR": str(folder / "data"),
        "POLICYBOT_KEY": Fernet.generate_key().decode(),
        "POLICYBOT_CORPUS_DIR": str(ROOT / "policy_corpus"),
        "POLICYBOT_AUDIT_HEAD_FILE": str(folder / "audit-head"),
    }
    os.environ.update(env)
    return Runtime.from_env(env, load_assistant=False)


def staff_csv(n: int, column: str, account: Callable[[int], str]) -> str:
    """A staff CSV of ``n`` people spread over the groups, each with a chat account in
    ``column`` (slack_user or teams_user)."""
    rows = [f"name,email,group,{column}"]
    for i in range(n):
        rows.append(
            f"Staff Member {i:05d},staff{i:05d}@trust.example.org,{GROUPS[i % 4]},{account(i)}"
        )
    return "\n".join(rows) + "\n"
