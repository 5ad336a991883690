"""Where the policies are read from: POLICYBOT_CORPUS_DIR when it names a folder, else the
bundled policy_corpus/ beside the `bot` package, never the working directory. An empty or blank
value (the `POLICYBOT_CORPUS_DIR=` line .env.example carries into the container) means unset."""

from __future__ import annotations

from pathlib import Path

import pytest

import bot
from bot.config import default_corpus_dir, load_settings
from bot.errors import ConfigError

BUNDLED = Path(bot.__file__).resolve().parents[1] / "policy_corpus"


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a working directory with a policy_corpus/ of its own
    (tmp_path / "policy_corpus").mkdir()
    return {"POLICYBOT_DATA_DIR": str(tmp_path / "data")}


@pytest.mark.parametrize("value", [None, "", "   "])
def test_unset_empty_or_blank_means_the_bundled_policies(env, value):
    if value is not None:
        env["POLICYBOT_CORPUS_DIR"] = value
    settings = load_settings(env)
    assert settings.corpus_dir == default_corpus_dir() == BUNDLED
    assert (settings.corpus_dir / "social-media-policy.txt").is_file()


def test_a_named_folder_is_used(env, tmp_path):
    school = tmp_path / "school-policies"
    school.mkdir()
    assert load_settings({**env, "POLICYBOT_CORPUS_DIR": str(school)}).corpus_dir == school


def test_a_folder_that_is_not_there_is_refused_with_what_to_do(env, tmp_path):
    with pytest.raises(ConfigError) as err:
        load_settings({**env, "POLICYBOT_CORPUS_DIR": str(tmp_path / "nope")})
    assert str(err.value) == (
        f"POLICYBOT_CORPUS_DIR: {tmp_path / 'nope'} is not a directory (make the folder and put "
        "the policies in it, or leave the variable empty for the bundled policies)"
    )
