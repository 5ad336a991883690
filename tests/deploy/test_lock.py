"""The dependency locks: what pyproject.toml asks for is locked, with hashes, the same version in
both locks, torch as its CPU build; and every way of installing (make setup, so .ci/run; the
Dockerfile; the README's systemd steps) installs from them through requirements/install.sh.
A failure here after a change to pyproject.toml means: run `make lock` and commit the locks."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements" / "lock.txt"
DEV_LOCK = ROOT / "requirements" / "dev-lock.txt"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def entries(lock: Path) -> dict[str, tuple[Version, list[str]]]:
    """name -> (version, hashes) for each `name==version \\ --hash=…` entry."""
    text = lock.read_text().replace("\\\n", " ")
    out = {}
    for line in text.splitlines():
        pin = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line)
        if pin:
            hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", line)
            out[canonicalize_name(pin.group(1))] = (Version(pin.group(2)), hashes)
    return out


RUNTIME, DEV = entries(LOCK), entries(DEV_LOCK)


@pytest.mark.parametrize("lock", [RUNTIME, DEV], ids=["lock.txt", "dev-lock.txt"])
def test_every_locked_package_has_a_pinned_version_and_hashes(lock):
    assert len(lock) > 50
    unhashed = [name for name, (_, hashes) in lock.items() if not hashes]
    assert not unhashed


@pytest.mark.parametrize("spec", PROJECT["dependencies"])
def test_each_runtime_dependency_of_pyproject_is_locked_at_a_version_it_allows(spec):
    req = Requirement(spec)
    name = canonicalize_name(req.name)
    assert name in RUNTIME, f"{name} is not in requirements/lock.txt: run `make lock`"
    version = RUNTIME[name][0]
    assert req.specifier.contains(version, prereleases=True), (
        f"requirements/lock.txt has {name}=={version}, pyproject.toml asks {req.specifier}: "
        "run `make lock`"
    )


@pytest.mark.parametrize("spec", PROJECT["optional-dependencies"]["dev"])
def test_each_dev_dependency_is_in_the_dev_lock(spec):
    req = Requirement(spec)
    name = canonicalize_name(req.name)
    assert name in DEV, f"{name} is not in requirements/dev-lock.txt: run `make lock`"
    assert req.specifier.contains(DEV[name][0], prereleases=True)


def test_the_dev_lock_runs_the_same_versions_as_the_image():
    differ = {n: (v, DEV[n][0]) for n, (v, _) in RUNTIME.items() if DEV.get(n, (v,))[0] != v}
    missing = sorted(set(RUNTIME) - set(DEV))
    assert not differ and not missing


def test_torch_is_locked_as_its_cpu_build_and_the_build_backend_for_the_editable_install():
    assert RUNTIME["torch"][0].local == "cpu"
    assert "setuptools" in DEV  # make setup: pip install --no-build-isolation -e .
    assert not any(name.startswith("nvidia-") for name in DEV)  # no CUDA libraries


def test_every_install_goes_through_the_lock():
    install = "requirements/install.sh"
    assert (
        f"sh {install} $(BIN)/python requirements/dev-lock.txt" in (ROOT / "Makefile").read_text()
    )
    assert "make lint" in (ROOT / ".ci" / "run").read_text()  # and so make setup
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "sh /tmp/requirements/install.sh python /tmp/requirements/lock.txt" in dockerfile
    assert "pip install --quiet --no-deps /tmp/wheel/" in dockerfile
    readme = (ROOT / "README.md").read_text()
    assert f"sh {install} /opt/policybot/bin/python requirements/lock.txt" in readme
    # nothing installs dependencies by name behind the lock's back
    for text in (dockerfile, (ROOT / "Makefile").read_text()):
        assert not re.search(r"pip install[^\n]*torch", text)
