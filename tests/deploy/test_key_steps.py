"""Making the encryption key as the README says, for the user the service runs as.

`key generate --file` into a folder it cannot use (missing, mounted read-only as compose mounts
/etc/policybot, or not writable by this user) ends with one line saying what to do, not a
traceback. Then the README's own Docker and systemd key lines are run (paths moved into a
temporary folder) and the service user, uid 10001 as in the image or a member of the service
group, must be able to read the key: `policybot check` says ✔ encryption key.

Changing users and mounting read-only need root, as on CI and these machines (the image's
builder is root too); elsewhere those tests say why they did not run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
POLICYBOT = str(Path(sys.executable).with_name("policybot"))
CONTAINER_UID = 10001  # deploy/Dockerfile: useradd --uid 10001
SERVICE_UID, SERVICE_GID = 10002, 10002  # a stand-in for the systemd `policybot` user and group

as_root = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("setpriv"),
    reason="needs root and setpriv to act as the service user",
)


@pytest.fixture
def shared_tmp():
    """A temporary folder other users can reach (pytest's own tmp_path is root's, mode 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="policybot-keys-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def policybot(*args: str, user: tuple[int, int] | None = None, env: dict[str, str] | None = None):
    argv = [POLICYBOT, *args]
    if user is not None:
        uid, gid = user
        argv = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", *argv]
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_missing_folder_says_to_create_it(tmp_path):
    key = tmp_path / "etc" / "policybot" / "policybot.key"
    line = one_line_error(policybot("key", "generate", "--file", str(key)))
    assert line.startswith(f"policybot: cannot write {key}: the folder {key.parent} does not exist")
    assert f"install -d -m 0750 {key.parent}" in line
    assert not key.parent.exists()


@as_root
@pytest.mark.skipif(not shutil.which("unshare"), reason="needs unshare to mount read-only")
def test_a_read_only_folder_says_to_print_the_key_instead(tmp_path):
    folder = tmp_path / "policybot"
    folder.mkdir()
    # As compose mounts deploy/policybot at /etc/policybot: read-only.
    script = f'mount --bind -o ro "{folder}" "{folder}" && exec "$@"'
    result = subprocess.run(
        ["unshare", "--mount", "sh", "-c", script, "sh", POLICYBOT, "key", "generate",
         "--file", str(folder / "policybot.key")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    line = one_line_error(result)
    assert f"{folder} is read-only here" in line and "policybot key generate > FILE" in line
    assert list(folder.iterdir()) == []


@as_root
def test_a_folder_the_user_cannot_write_says_whose_it_is(shared_tmp):
    folder = shared_tmp / "etc-policybot"
    folder.mkdir(mode=0o755)  # root's, as /etc/policybot is
    line = one_line_error(
        policybot("key", "generate", "--file", str(folder / "k.key"), user=(CONTAINER_UID,) * 2)
    )
    assert f"no permission to create files in {folder} as user {CONTAINER_UID}" in line


def readme_block(heading: str) -> list[str]:
    """The lines of the first ```sh block after the README paragraph starting with `heading`."""
    after = README[README.index(heading) :]
    block = re.search(r"```sh\n(.*?)```", after, re.S)
    assert block, heading
    return block.group(1).splitlines()


def key_lines(block: list[str]) -> list[str]:
    return [line for line in block if re.search(r"key generate|\.key\b", line)]


def can_read_key(key: Path, user: tuple[int, int], home: Path) -> subprocess.CompletedProcess[str]:
    data = home / f"data-{user[0]}"  # the service user's own data directory
    data.mkdir(exist_ok=True)
    os.chown(data, *user)
    return policybot(
        "check",
        user=user,
        env={"HOME": str(home), "POLICYBOT_KEY_FILE": str(key), "POLICYBOT_DATA_DIR": str(data)},
    )


@as_root
def test_the_readme_docker_key_steps_give_the_container_user_the_key(shared_tmp):
    tmp_path = shared_tmp
    lines = key_lines(readme_block("**Docker**"))
    assert len(lines) == 2, lines  # print it into deploy/policybot/, then hand it to uid 10001
    folder = tmp_path / "deploy" / "policybot"
    folder.mkdir(parents=True)
    for line in lines:
        line = line.split("  #")[0]
        line = re.sub(
            r"docker compose -f deploy/compose.yaml run [^>]*? slack ", f"{POLICYBOT} ", line
        )
        line = line.replace("deploy/policybot/", f"{folder}/").replace("sudo ", "")
        done = subprocess.run(["sh", "-c", line], capture_output=True, text=True, cwd=tmp_path)
        assert done.returncode == 0, (line, done.stderr)
    key = folder / "policybot.key"
    assert key.stat().st_uid == CONTAINER_UID and key.stat().st_mode & 0o777 == 0o400

    checked = can_read_key(key, (CONTAINER_UID, CONTAINER_UID), tmp_path)
    assert f"✔ encryption key: valid key from {key}" in checked.stdout, checked.stdout

    # Another user on the Docker host cannot read it.
    other = can_read_key(key, (CONTAINER_UID + 7, CONTAINER_UID + 7), tmp_path)
    assert "Permission denied" in other.stdout and "✔ encryption key" not in other.stdout


@as_root
def test_the_readme_systemd_key_steps_give_the_service_group_the_key(shared_tmp):
    tmp_path = shared_tmp
    block = readme_block("**Linux server with systemd**")
    lines = [line for line in block if line.startswith("install -d ")] + key_lines(block)
    assert len(lines) == 3, lines  # the folder, the key, its group and mode
    etc = tmp_path / "etc-policybot"
    for line in lines:
        line = line.split("  #")[0].replace("/opt/policybot/bin/policybot", POLICYBOT)
        line = line.replace("/etc/policybot", str(etc))
        line = line.replace("-g policybot", f"-g {SERVICE_GID}")
        line = line.replace("chgrp policybot", f"chgrp {SERVICE_GID}")
        done = subprocess.run(["sh", "-c", line], capture_output=True, text=True)
        assert done.returncode == 0, (line, done.stderr)
    key = etc / "policybot.key"
    assert key.stat().st_gid == SERVICE_GID and key.stat().st_mode & 0o777 == 0o440

    checked = can_read_key(key, (SERVICE_UID, SERVICE_GID), tmp_path)
    assert f"✔ encryption key: valid key from {key}" in checked.stdout, checked.stdout
    outsider = can_read_key(key, (SERVICE_UID + 1, SERVICE_GID + 1), tmp_path)
    assert "✔ encryption key" not in outsider.stdout
