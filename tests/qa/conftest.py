import datetime as dt
from pathlib import Path

import pytest

from bot.assistant import Assistant
from tests.fakes import HashingEmbedder

CORPUS = Path(__file__).resolve().parents[2] / "policy_corpus"


@pytest.fixture(scope="session")
def bm25_bot():
    return Assistant.load(CORPUS, embedder="none", today=lambda: dt.date(2026, 11, 25))


@pytest.fixture
def hashed_bot(tmp_path):
    return Assistant.load(
        CORPUS, tmp_path / "cache", embedder=HashingEmbedder(), today=lambda: dt.date(2026, 11, 25)
    )
