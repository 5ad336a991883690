"""A multi-academy trust of two schools on disk, made as the trust's IT admin makes it: each
school's own config and policy folder, then `policybot schools add` for each (which writes the
trust file and each school's key). The trust's own policies are the bundled Social Media
Policy, the Acceptable Use of IT Policy and the Confidentiality Policy; Hill Top also has a
Swimming Policy, Valley a Minibus Policy and its own Confidentiality Policy (which replaces
the trust's for Valley alone).

Hill Top consents to the trust's view and lets the trust's safeguarding lead receive its
urgent concerns; Valley consents to neither."""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.cli import main
from bot.reports.service import ReportService
from bot.trust.config import load_trust
from bot.trust.root import Trust
from tests.teams.conftest import connector, loop_thread  # noqa: F401 - the Teams fixtures

ROOT = Path(__file__).resolve().parents[2]
HANDBOOK = ROOT / "tests" / "fixtures" / "handbook"

HILLTOP_TEAM, VALLEY_TEAM = "T0HILLTOP", "T0VALLEY"
HILLTOP_TENANT = "11111111-1111-4111-8111-111111111111"
VALLEY_TENANT = "22222222-2222-4222-8222-222222222222"
TRUST_DSL_SLACK = "U0TRUSTDSL"  # the trust's safeguarding lead, as Hill Top's workspace knows her
TRUST_DSL_AAD = "99999999-0000-4000-8000-000000000001"


@dataclass(frozen=True)
class Person:
    name: str
    slack: str
    aad: str
    teams_id: str


HILLTOP = {
    "headteacher": Person("Kate Baskeyfield", "U0HEADA", "aaaa0001-0000-4000-8000-00000000000a",
                          "29:1headA"),
    "chair_of_governors": Person("Elizabeth Dunstan", "U0CHAIRA",
                                 "aaaa0002-0000-4000-8000-00000000000a", "29:1chairA"),
    "safeguarding_lead": Person("Sam Patel", "U0DSLA", "aaaa0003-0000-4000-8000-00000000000a",
                                "29:1dslA"),
}  # fmt: skip
VALLEY = {
    "headteacher": Person("Omar Haddad", "U0HEADB", "bbbb0001-0000-4000-8000-00000000000b",
                          "29:1headB"),
    "chair_of_governors": Person("Ruth Marsh", "U0CHAIRB", "bbbb0002-0000-4000-8000-00000000000b",
                                 "29:1chairB"),
    "safeguarding_lead": Person("Lee Cho", "U0DSLB", "bbbb0003-0000-4000-8000-00000000000b",
                                "29:1dslB"),
}  # fmt: skip
HILLTOP_STAFF = Person("Tom Reed", "U0STAFFA", "aaaa0009-0000-4000-8000-00000000000a", "29:1tomA")
VALLEY_STAFF = Person("Nia Jones", "U0STAFFB", "bbbb0009-0000-4000-8000-00000000000b", "29:1niaB")

SWIMMING = """# Swimming Policy

Approved: 1 March 2025

## 1. Swimming lessons

1.1 Every pupil must wear a swimming cap in the learner pool at Hill Top.

1.2 Goggles may be worn only with a note from a parent or carer.
"""
MINIBUS = """# Minibus Policy

Approved: 1 March 2025

## 1. Driving the minibus

1.1 Only staff who hold a D1 licence may drive the school minibus.

1.2 The minibus keys are signed out from the Valley school office.
"""
VALLEY_CONFIDENTIALITY = """# Confidentiality Policy

Approved: 1 February 2026

## 1. Papers

1.1 Staff must lock confidential papers in the grey cabinet in the Valley office every evening.
"""


def school_config(name: str, people: dict[str, Person], extra: str = "") -> str:
    out = [f'[school]\nname = "{name}"\n']
    for role, p in people.items():
        out.append(
            f'[people.{role}]\nname = "{p.name}"\nslack_user = "{p.slack}"\n'
            f'teams_user = "{p.aad}"\n'
        )
    return "\n".join(out) + extra


@dataclass
class TrustFiles:
    root: Path
    trust_file: Path
    env: dict[str, str]

    def trust(self, **kw) -> Trust:
        return Trust(load_trust(self.trust_file), self.env, **kw)


def cli(*argv: str) -> int:
    return main(list(argv))


@pytest.fixture
def trust_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TrustFiles:
    for name in ("POLICYBOT_KEY", "POLICYBOT_KEY_FILE", "POLICYBOT_CONFIG", "POLICYBOT_DATA_DIR",
                 "POLICYBOT_CORPUS_DIR", "POLICYBOT_AUDIT_HEAD_FILE"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    etc, srv = tmp_path / "etc", tmp_path / "srv"
    trust_policies = srv / "trust-policies"
    trust_policies.mkdir(parents=True)
    shutil.copy(ROOT / "policy_corpus" / "social-media-policy.txt", trust_policies)
    shutil.copy(HANDBOOK / "acceptable-use-it.md", trust_policies)
    shutil.copy(HANDBOOK / "confidentiality.txt", trust_policies)
    (etc / "schools").mkdir(parents=True)
    trust_file = etc / "trust.toml"
    trust_file.write_text(
        "[trust]\n"
        'name = "Oak Learning Trust"\n'
        f'policies = "{trust_policies}"\n'
        f'data_dir = "{tmp_path / "var"}"\n'
        f'keys_dir = "{etc / "keys"}"\n'
        f'audit_dir = "{tmp_path / "log"}"\n'
        'contact = "the Trust IT service desk (it@oak.example.org)"\n\n'
        "[trust.people.trust_safeguarding_lead]\n"
        'name = "Amina Shah"\n'
        f'teams_user = "{TRUST_DSL_AAD}"\n'
    )
    (tmp_path / "log").mkdir()
    hill, valley = srv / "hill-top", srv / "valley"
    hill.mkdir()
    valley.mkdir()
    (hill / "swimming.md").write_text(SWIMMING)
    (valley / "minibus.md").write_text(MINIBUS)
    (valley / "confidentiality.md").write_text(VALLEY_CONFIDENTIALITY)
    consent = (
        '\n[trust]\noverview = true\nsafeguarding_lead_receives = ["urgent"]\n'
        f'[trust.accounts.trust_safeguarding_lead]\nslack_user = "{TRUST_DSL_SLACK}"\n'
    )
    (etc / "schools" / "hill-top.toml").write_text(
        school_config("Hill Top Primary", HILLTOP, consent)
    )
    (etc / "schools" / "valley.toml").write_text(school_config("Valley Academy", VALLEY))
    monkeypatch.setenv("POLICYBOT_TRUST", str(trust_file))
    for name, team, tenant, folder in (
        ("hill-top", HILLTOP_TEAM, HILLTOP_TENANT, hill),
        ("valley", VALLEY_TEAM, VALLEY_TENANT, valley),
    ):
        assert cli("schools", "add", name, "--config", str(etc / "schools" / f"{name}.toml"),
                   "--policies", str(folder), "--slack-team", team,
                   "--teams-tenant", tenant) == 0  # fmt: skip
    return TrustFiles(tmp_path, trust_file, {"POLICYBOT_TRUST": str(trust_file)})


def quick_reports(store, settings) -> ReportService:
    """A school's report service with retries after milliseconds, not seconds."""
    return ReportService(store, settings, backoff_base=0.05, backoff_cap=0.5)


@pytest.fixture
def trust(trust_files: TrustFiles):
    trust = trust_files.trust(embedder="none", reports=quick_reports)
    trust.start()
    assert trust.wait(60)
    yield trust
    trust.close()


# ---- the browser side of Slack's install flow ------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # the test follows redirects itself
        return None


def browse(url: str, cookie: str = "") -> tuple[int, str, dict[str, str]]:
    """GET as a browser would, without following redirects: (status, body, headers)."""
    opener = urllib.request.build_opener(NoRedirect)
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with opener.open(req, timeout=30) as resp:
            return resp.status, resp.read().decode(), dict(resp.headers.items())
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(), dict(err.headers.items())
