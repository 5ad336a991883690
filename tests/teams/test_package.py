"""`policybot teams package`: the upload zip Teams accepts, filled from config and env."""

from __future__ import annotations

import json
import zipfile

import pytest

from bot.cli import main
from handlers.teams.package import PackageError, build_package, png_size, template_dir

APP_ID = "4A1B2C3D-1234-4321-8ABC-0123456789AB"


def test_template_manifest_declares_the_bot_and_its_commands():
    manifest = json.loads((template_dir() / "manifest.json").read_text())
    assert float(manifest["manifestVersion"]) >= 1.16
    (bot,) = manifest["bots"]
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    titles = {c["title"] for lst in bot["commandLists"] for c in lst["commands"]}
    assert {"ask", "report concern", "declare relationship", "help"} <= titles
    for lst in bot["commandLists"]:
        for command in lst["commands"]:
            assert len(command["title"]) <= 32 and len(command["description"]) <= 128
    assert png_size(template_dir() / "color.png") == (192, 192)
    assert png_size(template_dir() / "outline.png") == (32, 32)


def test_package_fills_app_id_and_names(tmp_path):
    out = build_package(
        tmp_path / "app.zip", app_id=APP_ID, bot_name="HillTopBot", school_name="Hill Top Primary"
    )
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["id"] == APP_ID.lower()
    assert manifest["bots"][0]["botId"] == APP_ID.lower()
    assert manifest["name"]["short"] == "HillTopBot"
    assert "Hill Top Primary" in manifest["name"]["full"]


@pytest.mark.parametrize("app_id", ["", "not-a-guid", "00000000-0000-0000-0000-000000000000"])
def test_package_refuses_a_missing_or_bad_app_id(tmp_path, app_id):
    with pytest.raises(PackageError, match="App ID"):
        build_package(tmp_path / "app.zip", app_id=app_id)
    assert not (tmp_path / "app.zip").exists()


def test_cli_package_reads_env_and_config(tmp_path, monkeypatch, capsys):
    config = tmp_path / "school.toml"
    config.write_text('[school]\nname = "Hill Top Primary"\n')
    monkeypatch.setenv("POLICYBOT_CONFIG", str(config))
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MicrosoftAppId", APP_ID)
    out = tmp_path / "teams.zip"
    assert main(["teams", "package", "--out", str(out), "--version", "1.0.3"]) == 0
    assert "Wrote" in capsys.readouterr().out
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["version"] == "1.0.3"
    assert manifest["developer"]["name"] == "Hill Top Primary"
    assert "Hill Top Primary" in manifest["name"]["full"]


def test_cli_package_without_app_id_says_what_to_set(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("MicrosoftAppId", raising=False)
    monkeypatch.delenv("POLICYBOT_CONFIG", raising=False)
    assert main(["teams", "package", "--out", str(tmp_path / "x.zip")]) == 2
    err = capsys.readouterr().err
    assert "MicrosoftAppId" in err and "--app-id" in err


def test_cli_package_refuses_http_urls(tmp_path, capsys):
    code = main(
        [
            "teams",
            "package",
            "--app-id",
            APP_ID,
            "--out",
            str(tmp_path / "x.zip"),
            "--privacy-url",
            "http://insecure.example",
        ]
    )
    assert code == 2
    assert "https://" in capsys.readouterr().err
