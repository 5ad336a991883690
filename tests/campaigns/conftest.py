"""A configured school (tests/reports/conftest.py: real SQLite file, fake clock, fake notifier
standing in for Slack), a handbook folder with one policy the head can edit, and a staff list."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.campaigns.service import CampaignService
from bot.config import load_settings
from bot.corpus.loader import load_corpus
from bot.people import Actor
from bot.staff import parse_csv
from tests.reports.conftest import (  # noqa: F401 - fixtures
    DSL,
    HEAD,
    STAFF,
    STRANGER,
    FakeClock,
    FakeNotifier,
    clock,
    open_service,
    school,
    service,
    slack,
)

ANN = Actor("slack", "U0ANN0001", "Ann Teacher")
BOB = Actor("slack", "U0BOB0001", "Bob Support")
STAFF_CSV = (
    "name,email,group,slack_user\n"
    "Sam Teacher,sam@hilltop.sch.uk,teaching,U0STAFF01\n"
    "Ann Teacher,ann@hilltop.sch.uk,teaching,U0ANN0001\n"
    "Bob Support,bob@hilltop.sch.uk,support,U0BOB0001\n"
    "Gina Governor,gina@example.org,governors,\n"
)

DRESS_CODE = (
    "# Staff Dress Code\n\n"
    "## Expectations\n\n"
    "Staff should dress smartly and appropriately for working with children.\n\n"
    "Trainers may be worn for PE lessons and on sports day.\n\n"
    "## Jewellery\n\n"
    "Large hooped earrings must not be worn when teaching PE.\n"
)
# The reviewed version: Expectations item 2 reworded, item 3 added, Jewellery removed with
# its section.
DRESS_CODE_REVIEWED = (
    "# Staff Dress Code\n\n"
    "## Expectations\n\n"
    "Staff should dress smartly and appropriately for working with children.\n\n"
    "Trainers may be worn for PE lessons, sports day and forest school.\n\n"
    "Lanyards must be worn at all times on site.\n"
)


@pytest.fixture
def handbook(school, tmp_path, monkeypatch) -> Path:  # noqa: F811 - after school clears the env
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "dress.md").write_text(DRESS_CODE)
    monkeypatch.setenv("POLICYBOT_CORPUS_DIR", str(folder))
    return folder


@pytest.fixture
def settings(school, handbook):  # noqa: F811 - the handbook folder joins the school
    return load_settings({**school, "POLICYBOT_CORPUS_DIR": str(handbook)})


@pytest.fixture
def campaigns(service, settings) -> CampaignService:  # noqa: F811
    return CampaignService(service, handbook=lambda: load_corpus(settings.corpus_dir))


@pytest.fixture
def staffed(campaigns, clock) -> CampaignService:  # noqa: F811
    campaigns.directory.import_csv(parse_csv(STAFF_CSV), "cli:test", clock())
    return campaigns


def review(handbook: Path) -> None:
    """The head edits the policy file after its review."""
    (handbook / "dress.md").write_text(DRESS_CODE_REVIEWED)


__all__ = ["ANN", "BOB", "DSL", "HEAD", "STAFF", "STRANGER", "FakeClock", "FakeNotifier", "review"]
