"""The build context (`docker build -f deploy/Dockerfile .`) never holds the school's secrets:
every place the README, compose and the env examples tell an admin to put a key, a config, an
.env, a backup or an export stays out, while everything the Dockerfile copies gets in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.deploy.dockerignore import excluded, load, parse

ROOT = Path(__file__).resolve().parents[2]
PATTERNS = load(ROOT)
DOCS = [ROOT / "README.md", ROOT / ".env.example", ROOT / "deploy" / "systemd" / "policybot.env"]
COMPOSE = ROOT / "deploy" / "compose.yaml"
# Folders the build lets through, where a file dropped by mistake must still stay out.
LET_THROUGH = ("", "deploy/", "bot/", "handlers/", "policy_corpus/", "requirements/")
# Files holding secrets, personal data or school settings, by how the docs name them.
SECRET_FILE = re.compile(r"[\w$.{}/-]*?[\w.-]+\.(?:key|toml|env|db|csv|zip)\b|\.env\b")


def test_the_matcher_follows_dockers_documented_examples():
    # The examples of Docker's .dockerignore reference.
    rules = parse("# comment\n*/temp*\n*/*/temp*\ntemp?\n")
    assert excluded(rules, "somedir/temporary.txt") and excluded(rules, "somedir/temp")
    assert excluded(rules, "somedir/subdir/temporary.txt")
    assert excluded(rules, "tempa") and not excluded(rules, "temp")
    assert not excluded(rules, "temporary.txt") and not excluded(rules, "a/b/c/temp")
    assert excluded(parse("**/*.go"), "a/b/main.go") and excluded(parse("**/*.go"), "main.go")
    readmes = parse("*.md\n!README*.md\nREADME-secret.md\n")
    assert excluded(readmes, "notes.md") and excluded(readmes, "README-secret.md")
    assert not excluded(readmes, "README.md") and not excluded(readmes, "README-ops.md")
    readmes = parse("*.md\nREADME-secret.md\n!README*.md\n")
    assert not excluded(readmes, "README-secret.md")
    # a pattern that matches a folder covers everything inside it
    assert excluded(parse("deploy/policybot"), "deploy/policybot/policybot.key")
    assert excluded(parse("/.git"), ".git/config")


def named_secret_paths() -> set[str]:
    """Relative paths (and bare file names) the docs and compose name for secrets and data."""
    names: set[str] = set()
    for doc in DOCS:
        for match in SECRET_FILE.finditer(doc.read_text()):
            path = match.group(0)
            path = re.sub(r"^\$(?:PWD|\{PWD\})/", "", path)
            if path.startswith(("/", "~", "$", "http")) or path.endswith("pyproject.toml"):
                continue  # outside the build context (or the one settings file it needs)
            names.add(path)
    compose = COMPOSE.read_text()
    for source in re.findall(r"^\s*-\s*(\.{1,2}/[^:\s]+):", compose, re.M):
        names.add(str((COMPOSE.parent / source).resolve().relative_to(ROOT)) + "/x.key")
    for env_file in re.findall(r"env_file:\s*(\S+)", compose):
        names.add(str((COMPOSE.parent / env_file).resolve().relative_to(ROOT)))
    return names


def test_the_docs_name_the_secret_places_this_test_checks():
    names = named_secret_paths()
    # the ones the issue found in the image, so the extraction above cannot quietly miss them
    for expected in (
        ".env",
        "deploy/policybot/policybot.key",
        "deploy/policybot/policybot.toml",
        "deploy/policybot/x.key",
        "staff.csv",
        "receipts.csv",
    ):
        assert expected in names


@pytest.mark.parametrize("name", sorted(named_secret_paths()))
def test_no_secret_named_in_the_docs_can_reach_the_build_context(name):
    places = {name} | {folder + Path(name).name for folder in LET_THROUGH}
    reaching = [p for p in sorted(places) if not excluded(PATTERNS, p)]
    assert not reaching, f"would be sent to the Docker engine: {reaching}"


@pytest.mark.parametrize(
    "path",
    [
        ".git/config",
        ".venv/bin/python",
        ".venv-lock/bin/pip-compile",
        "deploy/policybot/policybot.key",
        "deploy/policybot/policybot.toml",
        "deploy/systemd/policybot.env",
        "backups/policybot-20260101.db",
        "data/policybot.db",
        ".policybot/policybot.db",
        "policybot.egg-info/PKG-INFO",
        "build/lib/bot/__init__.py",
        "bot/__pycache__/config.cpython-311.pyc",
        "policy_corpus/.env",
        "policy_corpus/policybot.toml",
        "bot/policybot.key",
    ],
)
def test_keys_configs_data_git_venvs_and_caches_stay_out(path):
    assert excluded(PATTERNS, path)


def copied_by_the_dockerfile() -> list[str]:
    sources = []
    for line in (ROOT / "deploy" / "Dockerfile").read_text().splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(w.startswith("--from") for w in words):
            sources += [w for w in words[1:-1] if not w.startswith("--")]
    return sources


def test_everything_the_dockerfile_copies_is_in_the_context():
    sources = copied_by_the_dockerfile()
    assert {"bot", "handlers", "policy_corpus", "requirements/lock.txt"} <= set(sources)
    for source in sources:
        path = ROOT / source
        assert path.exists(), source
        files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
        shipped = [f for f in files if "__pycache__" not in f.parts]
        assert shipped, source
        for f in shipped:
            assert not excluded(PATTERNS, str(f.relative_to(ROOT))), f


def test_the_dockerfile_never_copies_deploy_wholesale():
    # deploy/ is where compose keeps the school's key and config (deploy/policybot/)
    assert not [s for s in copied_by_the_dockerfile() if s.rstrip("/") in ("deploy", ".")]
