"""`policybot check`: each problem is named with its fix, the exit code says whether any
failed, and no secret is ever printed. The chat APIs are a local fake server."""

from __future__ import annotations

import os
import stat
import sys

import pytest
from cryptography.fernet import Fernet

import bot.cli
from bot.store import Store
from tests.ops.conftest import GOOD_APP_SECRET, GOOD_SLACK_TOKEN, OLD_SCOPES_TOKEN


def run(capsys, *args: str) -> tuple[int, str]:
    rc = bot.cli.main(["check", *args])
    out, err = capsys.readouterr()
    return rc, out + err


def line(output: str, name: str) -> str:
    (found,) = [ln for ln in output.splitlines() if ln[2:].startswith(name + ":")]
    return found


def test_a_good_setup_passes_every_check_and_reaches_both_apis(deployed, chat_apis, capsys):
    rc, out = run(capsys)
    assert rc == 0, out
    assert "✘" not in out
    assert line(out, "Slack API").startswith("✔")
    assert "Hill Top" in line(out, "Slack API")
    assert line(out, "Microsoft login").startswith("✔")
    assert line(out, "encryption key").startswith("✔")
    assert line(out, "data directory").startswith("✔")
    assert line(out, "embedding model").startswith("✔")
    assert "/api/auth.test" in chat_apis.calls
    assert "/botframework.com/oauth2/v2.0/token" in chat_apis.calls
    for secret in (GOOD_SLACK_TOKEN, GOOD_APP_SECRET, "signing-secret-value"):
        assert secret not in out


def test_missing_key_fails_with_how_to_make_one(deployed, monkeypatch, capsys):
    monkeypatch.delenv("POLICYBOT_KEY_FILE")
    rc, out = run(capsys, "--platform", "slack")
    assert rc == 1
    assert line(out, "encryption key").startswith("✘")
    assert "policybot key generate" in out


def test_wrong_key_for_an_existing_database_fails(deployed, settings, monkeypatch, capsys):
    Store(settings.db_path, settings.key).close()  # the database belongs to the first key
    other = Fernet.generate_key().decode()
    monkeypatch.delenv("POLICYBOT_KEY_FILE")
    monkeypatch.setenv("POLICYBOT_KEY", other)
    rc, out = run(capsys, "--platform", "slack")
    assert rc == 1
    assert line(out, "encryption key").startswith("✘")
    assert "does not match" in out
    assert other not in out and settings.key.decode() not in out


def test_world_readable_data_dir_and_database_fail(deployed, settings, capsys):
    Store(settings.db_path, settings.key).close()
    os.chmod(settings.data_dir, 0o755)
    os.chmod(settings.db_path, 0o644)
    rc, out = run(capsys, "--platform", "slack")
    assert rc == 1
    assert line(out, "data directory").startswith("✘")
    assert f"chmod 700 {settings.data_dir}" in out
    assert f"chmod 600 {settings.db_path}" in out


def test_a_readable_teams_or_feedback_database_fails(deployed, settings, capsys):
    from bot.feedback import FeedbackLog

    FeedbackLog(settings.data_dir / "feedback.db", settings.key).close()
    assert stat.S_IMODE((settings.data_dir / "feedback.db").stat().st_mode) == 0o600
    os.chmod(settings.data_dir / "feedback.db", 0o644)
    rc, out = run(capsys, "--platform", "slack")
    assert rc == 1
    assert f"chmod 600 {settings.data_dir / 'feedback.db'}" in out


def test_missing_slack_token_fails_and_the_api_is_not_tried(
    deployed, chat_apis, monkeypatch, capsys
):
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    rc, out = run(capsys, "--platform", "slack")
    assert rc == 1
    assert line(out, "SLACK_BOT_TOKEN").startswith("✘")
    assert "OAuth & Permissions" in out
    assert line(out, "Slack API").startswith("✘")
    assert chat_apis.calls == []


def test_a_revoked_slack_token_is_reported_from_the_api(deployed, monkeypatch, capsys):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-9999-revoked-token")
    rc, out = run(capsys, "--platform", "slack")
    assert rc == 1
    assert "invalid_auth" in line(out, "Slack API")
    assert "xoxb-9999-revoked-token" not in out


def test_a_slack_app_installed_before_evidence_is_told_to_reinstall(deployed, monkeypatch, capsys):
    monkeypatch.setenv("SLACK_BOT_TOKEN", OLD_SCOPES_TOKEN)
    rc, out = run(capsys, "--platform", "slack")
    assert rc == 1
    assert "the app lacks files:write" in line(out, "Slack API")
    assert "reinstall it to the workspace" in out
    assert OLD_SCOPES_TOKEN not in out


def test_wrong_teams_secret_is_refused_by_the_login_endpoint(deployed, monkeypatch, capsys):
    monkeypatch.setenv("MicrosoftAppPassword", "not-the-secret-value")
    rc, out = run(capsys, "--platform", "teams")
    assert rc == 1
    assert "invalid_client" in line(out, "Microsoft login")
    assert "not-the-secret-value" not in out


def test_unreachable_api_is_a_failure_with_the_firewall_hint(deployed, monkeypatch, capsys):
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")  # nothing listens on 9
    rc, out = run(capsys, "--platform", "slack", "--timeout", "2")
    assert rc == 1
    assert line(out, "Slack API").startswith("✘ Slack API: cannot reach")
    assert "firewall" in out


def test_bad_config_stops_at_the_file_and_key(deployed, capsys):
    with open(deployed["POLICYBOT_CONFIG"], "a") as fh:
        fh.write("\n[people.caretaker]\nname = 'Bob'\n")
    rc, out = run(capsys)
    assert rc == 1
    assert line(out, "configuration").startswith("✘")
    assert "people.caretaker" in out


def test_teams_without_credentials_is_not_ready_for_production(deployed, monkeypatch, capsys):
    monkeypatch.setenv("MicrosoftAppId", "")
    monkeypatch.setenv("MicrosoftAppPassword", "")
    rc, out = run(capsys, "--platform", "teams")
    assert rc == 1
    assert "refuses to start" in line(out, "Teams credentials")


@pytest.mark.model
def test_a_deep_check_says_which_path_answers(deployed, chat_apis, capsys, monkeypatch):
    rc, out = run(capsys, "--deep", "--platform", "slack")
    assert rc == 0, out
    assert "answers use ONNX Runtime (graph " in line(out, "embedding model")
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if it were not installed
    rc, out = run(capsys, "--deep", "--platform", "slack")
    assert rc == 0, out
    assert line(out, "embedding model").endswith(
        "answers use torch (sentence-transformers), not ONNX Runtime: onnxruntime is not installed"
    )
