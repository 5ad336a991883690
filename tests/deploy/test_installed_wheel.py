"""policybot as a school installs it: a wheel built from this repository, installed into a fresh
virtualenv where the editable install of the repository is not visible, answering `policybot
ask` over the bundled policy from an unrelated working directory.

This is the path Docker (`pip install` of the built wheel) and systemd (`pip install
/path/to/policybot` into /opt/policybot) both take. The fresh venv sees the dependencies the
test environment already has through a plain path line in a .pth file: Python appends such a
line to sys.path without running the .pth files found there, so the editable install's finder
(`__editable__…pth` in that site-packages) is never installed and cannot supply `bot`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "A parent sent me a friend request on Facebook, can I accept?"
# Not needed to build the wheel; copying them would only make the test slower.
NOT_SHIPPED = (
    ".git", ".venv*", "__pycache__", "*.egg-info", "build", "dist", ".*_cache",
    "tests", "benchmarks", "deploy", ".env", "*.db",
)  # fmt: skip


def run(argv: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False, **kw)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding only the wheel built from the repository (and the dependencies)."""
    work = tmp_path_factory.mktemp("installed")
    # Build from a copy: building in the repository would leave build/ and *.egg-info there.
    src = work / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(*NOT_SHIPPED))
    built = run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--wheel-dir", str(work / "dist"), str(src)]
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = (work / "dist").glob("policybot-*.whl")

    venv = work / "venv"
    made = run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    purelib = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    deps = sysconfig.get_paths()["purelib"]  # this test environment's dependencies
    Path(purelib.stdout.strip(), "dependencies.pth").write_text(deps + "\n")

    # Proof the repository cannot answer for the wheel: before it is installed, the fresh venv
    # finds the dependencies but no `bot`.
    probe = (
        "import importlib.util as u; print(u.find_spec('bot'), u.find_spec('slack_bolt') is None)"
    )
    before = run([str(python), "-c", probe], cwd=work)
    assert before.stdout.split() == ["None", "False"], before.stdout + before.stderr

    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    done = run([*pip, "install", "--quiet", "--no-deps", "--no-index", str(wheel)])
    assert done.returncode == 0, done.stderr
    return venv


def as_installed(venv: Path, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """`policybot ARGS` run from an empty folder with a minimal environment, as a service user
    would, and with the empty POLICYBOT_CORPUS_DIR= line that .env.example carries."""
    elsewhere = home / "elsewhere"
    elsewhere.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "POLICYBOT_CORPUS_DIR": "",
    }
    return run([str(venv / "bin" / "policybot"), *args], cwd=elsewhere, env=env)


def test_the_installed_wheel_answers_from_the_bundled_policy_anywhere(installed, tmp_path):
    asked = as_installed(installed, "ask", "--json", "--no-model", QUESTION, home=tmp_path)
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert answer["answered"] is True
    best = answer["citations"][0]
    assert best["document"] == "Social Media Policy" and best["clause"] == "6.xi"
    assert best["source"] == "social-media-policy.txt"

    # ...read from the copy the wheel installed, not from the repository.
    listed = as_installed(installed, "corpus", "--json", home=tmp_path)
    assert listed.returncode == 0, listed.stderr
    folder = Path(json.loads(listed.stdout)["folder"])
    assert folder.is_relative_to(installed) and folder.name == "policy_corpus"
    assert not folder.is_relative_to(ROOT)
    shipped = (folder / "social-media-policy.txt").read_text()
    assert best["quote"] in shipped
    assert shipped == (ROOT / "policy_corpus" / "social-media-policy.txt").read_text()


def test_the_installed_code_is_the_wheel_not_the_repository(installed, tmp_path):
    where = run(
        [str(installed / "bin" / "python"), "-c", "import bot, handlers; print(bot.__file__); "
         "print(handlers.__file__)"],
        cwd=tmp_path,
    )  # fmt: skip
    assert where.returncode == 0, where.stderr
    for line in where.stdout.split():
        assert Path(line).is_relative_to(installed), line


def test_the_installed_wheel_builds_the_teams_app_package(installed, tmp_path):
    # README, Teams step 3, run where policybot is installed (container, /opt/policybot)
    out = tmp_path / "policybot-teams.zip"
    made = as_installed(
        installed, "teams", "package", "--app-id", "3f2b7c1e-8a4d-4c61-9a7e-2b1f0c9d8e77",
        "--out", str(out), home=tmp_path,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["id"] == "3f2b7c1e-8a4d-4c61-9a7e-2b1f0c9d8e77"
