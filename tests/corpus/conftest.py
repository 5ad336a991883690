"""Corpus folders built from the committed fixture files (see fixtures/make_fixtures.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DOCS, BAD, DUPS = FIXTURES / "docs", FIXTURES / "bad", FIXTURES / "dups"


def corpus_of(folder: Path, *files: Path) -> Path:
    """A corpus folder holding copies of `files` (keeping sub-folders below their fixture set)."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        base = next(p for p in (DOCS, BAD, DUPS) if f.is_relative_to(p))
        dest = folder / f.relative_to(base)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(f, dest)
    return folder


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    """`policybot` run as the IT admin would, against a corpus folder the test fills."""
    corpus = tmp_path / "policies"
    corpus.mkdir()
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("POLICYBOT_CORPUS_DIR", str(corpus))
    monkeypatch.delenv("POLICYBOT_CONFIG", raising=False)
    return corpus
