"""A policy folder is often a synced share or a git checkout, where anyone with write access can
place a symbolic link. The service can read its own key and environment file, so a link to them
would have policybot quote them to any member of staff who asks. Nothing that resolves outside
the policy folder is read: each such link is a ✘ line in `policybot corpus` and `check`, and
`policybot ask` never quotes what it points to. Real links in real folders throughout."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.cli import main
from bot.corpus import read_corpus
from tests.corpus.conftest import DOCS

KEY = "Zm9yZ2VkLWtleS1mb3ItdGhlLXRlc3Qtb25seS0xMjM0NTY="
SIGNING_SECRET = "8f1e2d3c4b5a69788796a5b4c3d2e1f0"
BOT_TOKEN = "xoxb-1111-2222-SeCrEtToKeN"
ENV_FILE = f"SLACK_SIGNING_SECRET={SIGNING_SECRET}\nSLACK_BOT_TOKEN={BOT_TOKEN}\n"
GIT_TOKEN = "ghp_CheckoutTokenInGitConfig"
SECRETS = (KEY, SIGNING_SECRET, BOT_TOKEN, GIT_TOKEN, "OUTSIDE-SECRET")
# What each planted entry gets, word for word, in `policybot corpus`.
OUTSIDE = "a link to a file or folder outside the policy folder: not read"
REFUSED = {
    "key.md": OUTSIDE,  # -> <data dir>/policybot.key
    "staff-wellbeing.txt": OUTSIDE,  # -> /etc/policybot/policybot.env
    "hr": OUTSIDE,  # a folder link to a folder outside
    "dotdot.md": OUTSIDE,  # -> ../outside/notes.md
    "chain.md": OUTSIDE,  # -> hop.md -> the env file: a link to a link
    "hop.md": OUTSIDE,
    "sub/escape.md": OUTSIDE,  # -> ../../outside/notes.md from a sub-folder
    "git-notes.md": "a link to a hidden file or folder: not read",  # -> .git/config
    "gone.md": "a link to something that does not exist",
    "ouroboros.md": "a link that loops back on itself",
}


def link(at: Path, to: Path | str) -> None:
    at.parent.mkdir(parents=True, exist_ok=True)
    at.symlink_to(to)


@pytest.fixture
def planted(tmp_path, monkeypatch) -> Path:
    """A policy folder with one real policy and every kind of link an attacker could place."""
    data, etc, outside = tmp_path / "data", tmp_path / "etc", tmp_path / "outside"
    for d in (data, etc, outside / "hr"):
        d.mkdir(parents=True)
    (data / "policybot.key").write_text(KEY + "\n")
    (etc / "policybot.env").write_text(ENV_FILE)
    (outside / "notes.md").write_text("# Notes Policy\n\n1. The word is OUTSIDE-SECRET.\n")
    (outside / "hr" / "pay.md").write_text("# Pay Policy\n\n1. The key is OUTSIDE-SECRET.\n")

    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "phones.md").write_bytes((DOCS / "phones.md").read_bytes())
    (folder / ".git").mkdir()
    (folder / ".git" / "config").write_text(f"[remote]\nurl = https://x:{GIT_TOKEN}@host/r\n")
    link(folder / "key.md", data / "policybot.key")
    link(folder / "staff-wellbeing.txt", etc / "policybot.env")
    link(folder / "hr", outside / "hr")
    link(folder / "dotdot.md", "../outside/notes.md")
    link(folder / "hop.md", etc / "policybot.env")
    link(folder / "chain.md", "hop.md")
    link(folder / "sub" / "escape.md", "../../outside/notes.md")
    link(folder / "git-notes.md", ".git/config")
    link(folder / "gone.md", "nowhere.md")
    link(folder / "ouroboros.md", "ouroboros.md")
    # links that stay inside the folder are fine: a file is read under the link's name, and a
    # folder link (here to the folder itself) is not walked again, so it cannot loop
    link(folder / "current-phones.md", "phones.md")
    link(folder / "sub" / "again", "..")

    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(data))
    monkeypatch.setenv("POLICYBOT_CORPUS_DIR", str(folder))
    monkeypatch.delenv("POLICYBOT_CONFIG", raising=False)
    return folder


def test_nothing_outside_the_folder_is_read_and_each_link_is_named(planted):
    corpus = read_corpus(planted)
    assert sorted(d.source for d in corpus.documents) == ["current-phones.md", "phones.md"]
    assert {f.file: f.reason for f in corpus.failures} == REFUSED
    assert all("never follows a link out of the policy folder" in f.fix for f in corpus.failures)
    every_word = " ".join(c.text for d in corpus.documents for c in d.clauses)
    assert not [s for s in SECRETS if s in every_word]


def test_policybot_corpus_shows_a_cross_line_for_each_link(planted, capsys):
    assert main(["corpus"]) == 1
    out = capsys.readouterr().out
    for name, reason in REFUSED.items():
        assert f"✘ {name}: {reason} — policybot never follows a link" in out
    assert "(phones.md): 5 clauses" in out and "(current-phones.md): 5 clauses" in out
    assert not [s for s in SECRETS if s in out]


def test_policybot_check_names_each_link(planted, capsys):
    main(["check", "--platform", "slack"])
    out = capsys.readouterr().out
    for name, reason in REFUSED.items():
        assert f"✘ policy file: {name}: {reason}" in out
    assert not [s for s in SECRETS if s in out]


@pytest.mark.parametrize(
    "question",
    [
        "what is in the key policy",
        "what does the staff wellbeing policy say about the slack signing secret",
        "SLACK_SIGNING_SECRET SLACK_BOT_TOKEN",
        "what is the word in the notes policy",
        "what does the pay policy say",
        "what is the remote url",
    ],
)
def test_policybot_ask_never_quotes_what_a_link_points_to(planted, capsys, question):
    main(["ask", "--no-model", "--json", question])
    out = capsys.readouterr().out
    assert not [s for s in SECRETS if s in out]
    assert "staff-wellbeing" not in out and "key.md" not in out


def test_a_copy_of_the_same_text_in_the_folder_is_read(planted, capsys):
    """The control: the question above does reach a file's text when it really is a policy
    in the folder, so the test above would catch a link being followed."""
    (planted / "notes.md").write_text("# Notes Policy\n\n1. The word is INSIDE-WORD.\n")
    main(["ask", "--no-model", "what is the word in the notes policy"])
    assert "INSIDE-WORD" in capsys.readouterr().out


def test_a_named_pipe_is_refused_instead_of_blocking_the_reader(tmp_path):
    (tmp_path / "phones.md").write_bytes((DOCS / "phones.md").read_bytes())
    os.mkfifo(tmp_path / "policy.txt")
    corpus = read_corpus(tmp_path)  # returns: nothing opened the pipe
    assert [d.source for d in corpus.documents] == ["phones.md"]
    (failure,) = corpus.failures
    assert failure.line().startswith("✘ policy.txt: not a regular file")
