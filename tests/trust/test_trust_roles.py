"""The trust's people: a trust safeguarding lead receives a school's concerns only as its config
consents, exactly like a school role; a school's consent is checked like any other setting."""

from __future__ import annotations

import pytest

from bot.config import load_settings
from bot.errors import ConfigError
from bot.people import Person
from bot.reports.routing import route
from bot.trust.config import load_trust
from bot.trust.root import school_settings

HEAD = Person("headteacher", "Head", "U0HEAD", None)
CHAIR = Person("chair_of_governors", "Chair", "U0CHAIR", None)
DSL = Person("safeguarding_lead", "DSL", "U0DSL", None)
LEAD = Person("trust_safeguarding_lead", "Amina Shah", "U0TRUST", None)
PEOPLE = {p.role: p for p in (HEAD, CHAIR, DSL, LEAD)}


def roles(**kw) -> list[str]:
    kind = kw.pop("kind", "concern")
    routed = route(kind, submitter_platform="slack", people=PEOPLE, **kw)
    return [r.role_key for r in routed]


def test_the_trust_lead_receives_only_the_concerns_the_school_consents_to():
    urgent_only = frozenset({"urgent"})
    assert roles(urgent=True, about_headteacher=False, trust_routes=urgent_only) == [
        "headteacher", "safeguarding_lead", "trust_safeguarding_lead",
    ]  # fmt: skip
    assert roles(urgent=False, about_headteacher=False, trust_routes=urgent_only) == ["headteacher"]
    assert roles(urgent=False, about_headteacher=True, trust_routes=urgent_only) == [
        "chair_of_governors"
    ]
    about_head = frozenset({"about_headteacher"})
    assert roles(urgent=False, about_headteacher=True, trust_routes=about_head) == [
        "chair_of_governors", "trust_safeguarding_lead",
    ]  # fmt: skip
    assert roles(urgent=True, about_headteacher=False) == ["headteacher", "safeguarding_lead"]
    assert roles(kind="declaration", urgent=False, about_headteacher=False,
                 trust_routes=urgent_only) == ["headteacher"]  # fmt: skip


def test_a_schools_consent_is_checked_like_any_setting(tmp_path):
    config = tmp_path / "school.toml"
    env = {"POLICYBOT_CONFIG": str(config), "POLICYBOT_DATA_DIR": str(tmp_path / "d")}
    for table, message in (
        ('overview = "yes"', "trust.overview: must be true or false"),
        ('safeguarding_lead_receives = ["everything"]', "must be a list of 'urgent'"),
        ('[trust.accounts.deputy]\nslack_user = "U0X"', "unknown trust role"),
        ('[trust.accounts.trust_safeguarding_lead]\nslack_user = "bad"', "must be a Slack user id"),
    ):
        config.write_text(f"[trust]\n{table}\n")
        with pytest.raises(ConfigError, match=message):
            load_settings(env)
    config.write_text('[trust]\noverview = true\nsafeguarding_lead_receives = ["urgent"]\n')
    settings = load_settings(env)
    assert settings.trust_overview and settings.trust_routes == {"urgent"}


def test_consent_to_a_lead_the_trust_does_not_have_is_refused_at_start(trust_files):
    text = trust_files.trust_file.read_text()
    start = text.index("[trust.people.trust_safeguarding_lead]")
    end = text.index("[schools.")
    trust_files.trust_file.write_text(text[:start] + text[end:])
    trust = load_trust(trust_files.trust_file)
    with pytest.raises(ConfigError, match="names no \\[trust.people.trust_safeguarding_lead\\]"):
        school_settings(trust, trust.schools["hill-top"], trust_files.env)


def test_the_lead_is_reached_with_the_ids_the_school_gives_for_them(trust_files):
    trust = load_trust(trust_files.trust_file)
    hill = school_settings(trust, trust.schools["hill-top"], trust_files.env)
    valley = school_settings(trust, trust.schools["valley"], trust_files.env)
    lead = hill.people["trust_safeguarding_lead"]
    assert lead.name == "Amina Shah" and lead.slack_user == "U0TRUSTDSL"
    assert lead.teams_user == trust.people["trust_safeguarding_lead"].teams_user
    assert "trust_safeguarding_lead" not in valley.people  # Valley did not consent
    assert hill.school_id == "hill-top"
