"""[campaigns] in the school's config: who may publish, how many reminders, which time zone."""

from __future__ import annotations

import pytest

from bot.config import load_settings
from bot.errors import ConfigError


def settings_with(tmp_path, campaigns: str):
    config = tmp_path / "policybot.toml"
    config.write_text('[people.headteacher]\nname = "Kate"\nslack_user = "U0HEAD001"\n' + campaigns)
    return load_settings(
        {"POLICYBOT_CONFIG": str(config), "POLICYBOT_DATA_DIR": str(tmp_path / "d")}
    )


def test_by_default_only_the_headteacher_publishes_with_three_reminders_in_london_time(tmp_path):
    s = settings_with(tmp_path, "")
    assert (s.campaign_publishers, s.campaign_max_reminders, s.school_timezone) == (
        ("headteacher",), 3, "Europe/London",
    )  # fmt: skip


def test_the_config_can_let_the_dsl_publish_too_but_never_take_it_from_the_head(tmp_path):
    s = settings_with(tmp_path, '[campaigns]\npublishers = ["safeguarding_lead"]\n')
    assert s.campaign_publishers == ("headteacher", "safeguarding_lead")


@pytest.mark.parametrize(
    ("table", "error"),
    [
        ('publishers = ["deputy"]', "campaigns.publishers: must be a list of roles from"),
        ("max_reminders = 50", "campaigns.max_reminders: must be a whole number 0-10, got 50"),
        ('timezone = "Mars/Olympus"', "campaigns.timezone: 'Mars/Olympus' is not a time zone"),
        ("reminders = 2", "reminders"),
    ],
)
def test_a_bad_campaigns_setting_names_the_key(tmp_path, table, error):
    with pytest.raises(ConfigError, match=error):
        settings_with(tmp_path, "[campaigns]\n" + table + "\n")
