"""The school's config is validated once at start; errors name the file and the key."""

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

import bot
from bot.config import load_settings
from bot.errors import ConfigError

GOOD = """
[school]
name = "Hill Top Primary"
[people.headteacher]
name = "Kate Baskeyfield"
slack_user = "U0123ABCD"
teams_user = "3F2B7C1E-8A4D-4C61-9A7E-2B1F0C9D8E77"
email = "head@hilltop.sch.uk"
[retrieval]
model = "/opt/models/minilm"
"""


@pytest.fixture
def env(tmp_path):
    def make(toml: str | None = GOOD, **extra):
        e = {"POLICYBOT_DATA_DIR": str(tmp_path / "data")}
        if toml is not None:
            path = tmp_path / "policybot.toml"
            path.write_text(toml)
            e["POLICYBOT_CONFIG"] = str(path)
        e.update(extra)
        return e

    return make


def test_a_good_config(env, tmp_path):
    key = Fernet.generate_key().decode()
    s = load_settings(env(POLICYBOT_KEY=key))
    head = s.people["headteacher"]
    assert s.school_name == "Hill Top Primary"
    assert head.name == "Kate Baskeyfield"
    assert head.address("slack") == "U0123ABCD"
    assert head.address("teams") == "3f2b7c1e-8a4d-4c61-9a7e-2b1f0c9d8e77"
    assert s.model == "/opt/models/minilm"
    assert s.corpus_dir == Path(bot.__file__).resolve().parents[1] / "policy_corpus"
    assert s.db_path == tmp_path / "data" / "policybot.db"
    assert s.data_dir.stat().st_mode & 0o777 == 0o700
    assert s.reports_unavailable() is None
    assert key not in repr(s)


def test_without_a_config_chat_works_but_reports_say_why_not(env):
    s = load_settings(env(None))
    assert s.people == {}
    assert "POLICYBOT_CONFIG" in s.reports_unavailable()


def test_without_a_key_reports_say_why_not(env):
    assert "encryption key" in load_settings(env()).reports_unavailable()


def test_env_wins_over_the_file(env, tmp_path):
    s = load_settings(env(POLICYBOT_MODEL="tiny"))
    assert s.model == "tiny"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('slack_user = "U0123ABCD"', 'slack_user = "kate"'),
         "people.headteacher.slack_user: must be a Slack user id like U0123ABCD"),
        (('teams_user = "3F2B7C1E-8A4D-4C61-9A7E-2B1F0C9D8E77"', 'teams_user = "kate@school"'),
         "people.headteacher.teams_user: must be the person's Azure AD object id"),
        (("[people.headteacher]", "[people.deputy]"), "people.deputy: unknown role"),
        (('email = "head@hilltop.sch.uk"', 'phone = "0123"'), "people.headteacher.phone: unknown key"),
        (('name = "Kate Baskeyfield"', ""), "people.headteacher.name: required"),
        (("[retrieval]", "[retreival]"), "retreival: unknown section"),
        (('name = "Hill Top Primary"', "name = 3"), "school.name: must be a string"),
        (("[school]", "[school"), "not valid TOML"),
    ],
)  # fmt: skip
def test_bad_configs_name_the_file_and_the_key(env, tmp_path, change, message):
    e = env(GOOD.replace(*change))
    with pytest.raises(ConfigError) as caught:
        load_settings(e)
    assert str(caught.value).startswith(str(tmp_path / "policybot.toml"))
    assert message in str(caught.value)


def test_a_person_needs_a_way_to_be_reached(env):
    toml = '[people.safeguarding_lead]\nname = "Dee"\n'
    with pytest.raises(
        ConfigError, match="people.safeguarding_lead: needs slack_user or teams_user"
    ):
        load_settings(env(toml))


def test_missing_config_file(env, tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(env(None, POLICYBOT_CONFIG=str(tmp_path / "nope.toml")))


def test_key_file_problems(env, tmp_path):
    with pytest.raises(ConfigError, match="POLICYBOT_KEY_FILE: .*file not found"):
        load_settings(env(POLICYBOT_KEY_FILE=str(tmp_path / "missing.key")))
    bad = tmp_path / "bad.key"
    bad.write_text("not-a-key")
    with pytest.raises(ConfigError, match="not a valid Fernet key"):
        load_settings(env(POLICYBOT_KEY_FILE=str(bad)))
    good = tmp_path / "good.key"
    good.write_text(Fernet.generate_key().decode() + "\n")
    assert load_settings(env(POLICYBOT_KEY_FILE=str(good))).key_source == str(good)


def test_a_teams_chat_id_is_refused_with_where_to_find_the_object_id(env):
    """A 29: id reaches the person but cannot identify them when they press Acknowledge: refuse it
    at start rather than let the head discover it on their first report."""
    toml = GOOD.replace(
        'teams_user = "3F2B7C1E-8A4D-4C61-9A7E-2B1F0C9D8E77"', 'teams_user = "29:1head-AbCdEf"'
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(env(toml))
    message = str(caught.value)
    assert "people.headteacher.teams_user" in message
    assert "29:1head-AbCdEf" in message
    assert "Entra admin centre → Users → Kate Baskeyfield → Object ID" in message


def test_delivery_limits_have_defaults_and_can_be_set(env):
    s = load_settings(env())
    assert (s.undelivered_alert_minutes, s.escalate_urgent_after_minutes) == (60, 15)
    toml = GOOD + "[delivery]\nundelivered_alert_minutes = 30\nescalate_urgent_after_minutes = 5\n"
    s = load_settings(env(toml))
    assert (s.undelivered_alert_minutes, s.escalate_urgent_after_minutes) == (30, 5)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('undelivered_alert_minutes = "an hour"', "must be a number of minutes, e.g. 60"),
        ("escalate_urgent_after_minutes = 0", "must be between 1 and 10080 minutes"),
        ("undelivered_alert_minutes = 20000", "must be between 1 and 10080 minutes"),
        ("retry_forever = true", "delivery.retry_forever: unknown key"),
    ],
)
def test_bad_delivery_limits_say_what_to_write(env, tmp_path, line, message):
    with pytest.raises(ConfigError) as caught:
        load_settings(env(GOOD + f"[delivery]\n{line}\n"))
    assert str(caught.value).startswith(str(tmp_path / "policybot.toml"))
    assert message in str(caught.value)


def test_a_short_health_token_is_refused_and_a_good_one_is_never_printed(env):
    with pytest.raises(ConfigError, match="POLICYBOT_HEALTH_TOKEN: must be at least 24 characters"):
        load_settings(env(POLICYBOT_HEALTH_TOKEN="short"))
    token = "h" * 32
    s = load_settings(env(POLICYBOT_HEALTH_TOKEN=token))
    assert s.health_token == token and token not in repr(s)


def test_unclear_questions_are_shown_to_one_configured_role(env):
    from bot.feedback import may_see_unclear

    assert load_settings(env()).feedback_viewer == "headteacher"
    dsl = '[people.safeguarding_lead]\nname = "Dee"\nslack_user = "U0DSL"\n'
    settings = load_settings(env(GOOD + dsl + '[feedback]\nshown_to = "safeguarding_lead"\n'))
    assert settings.feedback_viewer == "safeguarding_lead"
    assert may_see_unclear(settings, "slack", "U0DSL")
    assert not may_see_unclear(settings, "slack", "U0123ABCD")  # the head, now
    with pytest.raises(ConfigError, match="feedback.shown_to: must be one of headteacher"):
        load_settings(env(GOOD + '[feedback]\nshown_to = "everyone"\n'))


def test_teams_tenants_can_be_restricted_in_the_config(env):
    tenant = "72F988BF-86F1-41AF-91AB-2D7CD011DB47"
    settings = load_settings(env(GOOD + f'[teams]\nallowed_tenants = ["{tenant}"]\n'))
    assert settings.teams_tenants == {tenant.lower()}
    assert load_settings(env()).teams_tenants == frozenset()
    with pytest.raises(ConfigError, match="teams.allowed_tenants: 'contoso.com' is not a tenant"):
        load_settings(env(GOOD + '[teams]\nallowed_tenants = ["contoso.com"]\n'))
    with pytest.raises(ConfigError, match="teams.allowed_tenants: must be a list"):
        load_settings(env(GOOD + f'[teams]\nallowed_tenants = "{tenant}"\n'))


def test_evidence_limits_and_retention_have_defaults_and_can_be_set(env):
    s = load_settings(env())
    limits = s.evidence
    assert (limits.max_files, limits.max_file_mb, limits.keep_days_after_close) == (5, 10, 30)
    assert limits.max_bytes == 10 * 1024 * 1024 and limits.add_minutes == 10
    toml = GOOD + "[evidence]\nmax_files = 3\nkeep_days_after_close = 365\n"
    s = load_settings(env(toml))
    assert (s.evidence.max_files, s.evidence.keep_days_after_close) == (3, 365)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("max_files = 11", "evidence.max_files: must be a whole number of files from 1 to 10"),
        ('max_file_mb = "10MB"', "evidence.max_file_mb: must be a whole number of megabytes"),
        ("keep_days_after_close = -1", "from 0 to 3650, got -1"),
        ("keep_forever = true", "evidence.keep_forever: unknown key"),
    ],
)
def test_bad_evidence_settings_say_what_to_write(env, tmp_path, line, message):
    with pytest.raises(ConfigError) as caught:
        load_settings(env(GOOD + f"[evidence]\n{line}\n"))
    assert str(caught.value).startswith(str(tmp_path / "policybot.toml"))
    assert message in str(caught.value)
