"""The trust's IT admin at the command line: `schools add|list|check`, every command that acts on
one school's data with `--school`, per-school backup, restore and key rotation, the trust's
counts-only overview, and one school's key opening nothing of another's."""

from __future__ import annotations

import json
import stat

import pytest

from bot.people import Actor
from bot.reports.models import ConcernForm, DeclarationForm
from tests.trust.conftest import HILLTOP_STAFF, VALLEY_STAFF, cli

SECRET = "Jamie Fox in Year 5 was sent threatening messages"


@pytest.fixture
def filed(trust_files):
    """One concern and one declaration in each school, filed through each school's runtime."""
    trust = trust_files.trust(embedder="none")
    refs = {}
    for name, staff in (("hill-top", HILLTOP_STAFF), ("valley", VALLEY_STAFF)):
        reports = trust.schools[name].runtime.reports
        actor = Actor("slack", staff.slack, staff.name)
        refs[name] = reports.submit_concern(ConcernForm("trolling", SECRET), actor).reference
        reports.declare_relationship(DeclarationForm("Amy Reed", "Year 4", "niece_nephew"), actor)
    trust.close()
    return refs


def out(capsys) -> tuple[str, str]:
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_schools_add_writes_the_trust_file_and_a_private_key_per_school(trust_files, capsys):
    assert cli("schools", "list") == 0
    text, _ = out(capsys)
    assert "hill-top: config" in text and "valley: config" in text
    assert "Slack T0HILLTOP" in text
    keys = sorted((trust_files.root / "etc" / "keys").glob("*.key"))
    assert [k.name for k in keys] == ["hill-top.key", "valley.key"]
    assert all(stat.S_IMODE(k.stat().st_mode) == 0o600 for k in keys)
    assert keys[0].read_text() != keys[1].read_text()


def test_schools_add_refuses_what_would_mix_two_schools_and_leaves_nothing_behind(
    trust_files, capsys
):
    etc = trust_files.root / "etc"
    before = trust_files.trust_file.read_text()
    code = cli("schools", "add", "oakfield", "--config", str(etc / "schools" / "valley.toml"),
               "--policies", str(trust_files.root / "srv" / "valley"),
               "--slack-team", "T0VALLEY")  # fmt: skip
    _, err = out(capsys)
    assert code == 2 and "T0VALLEY is also school valley's" in err
    assert cli("schools", "add", "valley", "--config", "x.toml", "--policies", ".") == 2
    assert "there is a school called 'valley' already" in out(capsys)[1]
    assert cli("schools", "add", "Bad Name", "--config", "x.toml", "--policies", ".") == 2
    assert "lower-case letters" in out(capsys)[1]
    assert trust_files.trust_file.read_text() == before
    assert not (etc / "keys" / "oakfield.key").exists()


def test_schools_check_gives_each_schools_lines(trust_files, capsys):
    code = cli("schools", "check", "--platform", "teams", "--timeout", "0.1")
    text, _ = out(capsys)
    assert "== trust: Oak Learning Trust" in text
    assert "✔ trust policies: 3 documents" in text
    for school in ("hill-top", "valley"):
        section = text.split(f"== school {school}")[1].split("== ")[0]
        for line in ("✔ configuration", "✔ people.headteacher", "✔ data directory",
                     "✔ encryption key", "✔ policies", "✔ key apart", "✔ Teams tenant"):  # fmt: skip
            assert line in section, (school, line, section)
    assert "✔ trust safeguarding lead: Amina Shah receives urgent concerns" in text
    assert code == 1  # no Teams credentials in this environment
    assert "✘ Teams credentials" in text


def test_schools_check_finds_two_schools_sharing_a_key(trust_files, capsys):
    keys = trust_files.root / "etc" / "keys"
    (keys / "valley.key").write_text((keys / "hill-top.key").read_text())
    assert cli("schools", "check", "--platform", "teams", "--timeout", "0.1") == 1
    text, _ = out(capsys)
    assert "✘ key apart" in text and "holds a key of hill-top" in text


def test_a_command_names_its_school_when_the_trust_has_several(trust_files, filed, capsys):
    assert cli("reports", "list") == 2
    assert "this trust has 2 schools: name one with --school NAME" in out(capsys)[1]
    assert cli("reports", "--school", "nowhere", "list") == 2
    assert "no school called 'nowhere'" in out(capsys)[1]
    assert cli("reports", "--school", "hill-top", "list") == 0
    listed, _ = out(capsys)
    assert filed["hill-top"] in listed and filed["valley"] not in listed
    assert cli("reports", "list", "--school", "valley") == 0  # after the sub-command too
    listed, _ = out(capsys)
    assert filed["valley"] in listed and filed["hill-top"] not in listed


def test_neither_head_reaches_the_others_reports_from_the_cli(
    trust_files, filed, capsys, monkeypatch
):
    hill_ref = filed["hill-top"]
    # Valley's head, with Valley's data, asks for Hill Top's report: it is not there
    for action in (["show", hill_ref], ["ack", hill_ref], ["history", hill_ref]):
        assert cli("reports", "--school", "valley", *action) == 1
        _, err = out(capsys)
        assert SECRET not in err
    # ... and with Valley's key against Hill Top's data: refused before anything is opened
    keys = trust_files.root / "etc" / "keys"
    monkeypatch.setenv("POLICYBOT_KEY_FILE", str(keys / "valley.key"))
    for argv in (["reports", "--school", "hill-top", "list"],
                 ["reports", "--school", "hill-top", "show", hill_ref],
                 ["reports", "--school", "hill-top", "ack", hill_ref],
                 ["reports", "--school", "hill-top", "export", "relationships"],
                 ["backup", "--school", "hill-top", str(trust_files.root / "b.db")]):  # fmt: skip
        assert cli(*argv) == 2, argv
        text, err = out(capsys)
        assert "is not school hill-top's" in err and SECRET not in text + err
        assert "Amy Reed" not in text
    assert not (trust_files.root / "b.db").exists()
    # the key opens its own school
    assert cli("reports", "--school", "valley", "list") == 0
    assert filed["valley"] in out(capsys)[0]


def test_a_single_schools_setup_has_no_other_school_to_name(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("POLICYBOT_TRUST", raising=False)
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(tmp_path / "data"))
    assert cli("reports", "--school", "valley", "list") == 2
    assert "single school's setup" in out(capsys)[1]


def test_backup_and_restore_are_per_school(trust_files, filed, capsys):
    backup = trust_files.root / "hill-top.db"
    assert cli("backup", "--school", "hill-top", str(backup)) == 0
    assert "Backed up 2 reports" in out(capsys)[0]
    # Hill Top's backup cannot become Valley's database: Valley's key does not open it
    assert cli("restore", "--school", "valley", "--force", str(backup)) == 1
    assert "does not decrypt" in out(capsys)[1]
    assert cli("reports", "--school", "valley", "list") == 0
    assert filed["valley"] in out(capsys)[0]
    # and it restores into Hill Top
    assert cli("restore", "--school", "hill-top", "--force", str(backup)) == 0
    assert "Audit log verified" in out(capsys)[0]
    assert cli("audit", "verify", "--school", "hill-top") == 0


def test_key_rotation_is_per_school(trust_files, filed, capsys):
    new = trust_files.root / "etc" / "keys" / "valley-2026.key"
    assert cli("key", "rotate", "--school", "valley", "--new-key-file", str(new)) == 0
    text, _ = out(capsys)
    assert "Re-encrypted" in text and "[schools.valley]" in text
    trust_file = trust_files.trust_file
    trust_file.write_text(trust_file.read_text() + f'key_file = "{new}"\n')  # Valley's table
    assert cli("reports", "--school", "valley", "list") == 0
    assert filed["valley"] in out(capsys)[0]
    assert cli("audit", "verify", "--school", "valley") == 0
    assert cli("audit", "verify", "--school", "hill-top") == 0  # Hill Top's key is untouched
    out(capsys)
    assert cli("schools", "check", "--platform", "teams", "--timeout", "0.1") == 1
    assert "✘ key apart" not in out(capsys)[0]


def test_corpus_says_which_trust_policy_a_schools_own_replaces(trust_files, capsys):
    assert cli("corpus", "--school", "valley") == 0
    text, _ = out(capsys)
    assert "The trust's policies in" in text
    assert "Social Media Policy" in text and "Acceptable Use of IT Policy" in text
    assert "Confidentiality Policy (confidentiality.txt): replaced by the school's own" in text
    assert "replaces the trust's Confidentiality Policy (confidentiality.txt)" in text
    assert cli("corpus", "--school", "valley", "--json") == 0
    data = json.loads(out(capsys)[0])
    own = {d["title"]: d["shadows"] for d in data["documents"]}
    assert own["Confidentiality Policy"] == {"title": "Confidentiality Policy",
                                             "file": "confidentiality.txt"}  # fmt: skip
    assert own["Minibus Policy"] is None
    assert "Confidentiality Policy" not in [d["title"] for d in data["trust_documents"]]
    assert cli("corpus", "--school", "hill-top") == 0
    assert "replaced by the school's own" not in out(capsys)[0]


def test_ask_answers_from_the_schools_policies_over_the_trusts(trust_files, capsys):
    question = "Where must confidential papers be locked away in the evening?"
    assert cli("ask", "--school", "valley", "--no-model", "--json", question) == 0
    valley = json.loads(out(capsys)[0])
    assert "grey cabinet" in valley["citations"][0]["quote"]
    assert cli("ask", "--school", "hill-top", "--no-model", "--json", question) == 0
    hill = json.loads(out(capsys)[0])
    assert all("grey cabinet" not in c["quote"] for c in hill["citations"])


def test_the_trust_overview_shows_counts_only_for_the_schools_that_share_them(
    trust_files, filed, capsys
):
    assert cli("trust", "overview") == 0
    text, _ = out(capsys)
    assert "Hill Top Primary (hill-top): open concerns 1 (1 under 1 day)" in text
    assert "undelivered notices 0" in text
    assert "Valley Academy (valley): not shared with the trust" in text
    assert SECRET not in text and "Amy Reed" not in text and filed["hill-top"] not in text
    assert cli("trust", "overview", "--json") == 0
    rows = {r["school"]: r for r in json.loads(out(capsys)[0])}
    assert rows["hill-top"]["open_total"] == 1 and rows["hill-top"]["policies"] == 4
    assert rows["valley"]["shared"] is False and rows["valley"]["open_total"] == 0


def test_check_with_a_school_gives_that_schools_lines_only(trust_files, capsys):
    assert cli("check", "--school", "valley", "--platform", "teams", "--timeout", "0.1") == 1
    text, _ = out(capsys)
    assert "== school valley" in text and "== school hill-top" not in text
    assert "✔ key apart" in text
