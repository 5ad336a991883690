"""Policy rounds on Slack, through the real bolt app with signed requests and the fake Slack
(which refuses blocks over Block Kit's limits, as Slack does):

- the "what changed" DM quotes the policy's new wording exactly, as plain text Slack never
  turns into links, mentions or markup; only the head's typed message is made inert;
- "Read the policy" posts every clause of the bundled 65-clause policy and of the largest
  handbook policy word for word, in messages Slack accepts;
- after the same version is sent again, a confirmation counts in every round of it, whichever
  message's button was pressed.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.campaigns.versions import clauses_of
from bot.corpus.loader import load_document
from tests.slack.conftest import HEAD, STAFF
from tests.slack.test_campaigns import ANN, WORKSPACE, button, policy_dms
from tests.slack.test_concerns import dm

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "policy_corpus" / "social-media-policy.txt"
LARGEST = ROOT / "tests" / "fixtures" / "handbook" / "staff-code-of-conduct.pdf"
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
DUE = "2026-12-18"

ONLINE_SAFETY = (
    "Online Safety Policy (www.gov.uk model)\n\n"
    "1. Reporting\n\n"
    "1.1 Staff report concerns as set out in paragraph 2.vi of the safeguarding policy.\n\n"
    "1.2 Guidance for parents is at www.gov.uk/guidance.\n"
)
NEW_WORDING = (
    "Guidance for parents is at https://www.gov.uk/guidance & 192.168.0.10 <see the DSL> "
    "@channel :x: *now* _today_."
)
REVIEWED = ONLINE_SAFETY.replace("Guidance for parents is at www.gov.uk/guidance.", NEW_WORDING)
# A clause longer than any message section (about 7,000 characters) among many short ones.
LONG_CLAUSES = "Lettings Policy\n\n1. Terms\n\n" + "".join(
    f"1.{n} "
    + ("The hirer must leave the hall as they found it. " * (140 if n == 3 else 1))
    + "\n\n"
    for n in range(1, 61)
)


@pytest.fixture
def env(env, tmp_path, monkeypatch):
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "online.txt").write_text(ONLINE_SAFETY)
    shutil.copy(BUNDLED, folder)
    shutil.copy(LARGEST, folder)
    (folder / "lettings.txt").write_text(LONG_CLAUSES)
    return {**env, "POLICYBOT_CORPUS_DIR": str(folder)}


@pytest.fixture
def school(slack, fake, runtime):
    fake.users.extend(WORKSPACE)
    runtime.reports.clock = lambda: NOW  # the service's one clock, injected
    return slack


def publish(slack, policy: str, message: str = "") -> None:
    before = len(slack.fake.calls_to("views.open"))
    assert slack.command("/policy-publish", user=HEAD).status == 200
    view = slack.fake.wait_for(lambda: slack.fake.calls_to("views.open")[before:])[0].args["view"]
    answers = {"policy": policy, "audience": "all", "due": DUE, "message": message}
    response = slack.submit(HEAD, view, answers)
    assert response.status == 200 and response.json() is None, response.text


def confirm(slack, user, message) -> None:
    updates = len(slack.fake.calls_to("chat.update"))
    value = button(message, "confirm_read")["value"]
    slack.click(user, "confirm_read", value, message=message, channel=dm(user))
    slack.fake.wait_for(lambda: slack.fake.calls_to("chat.update")[updates:])


def plain_texts(blocks) -> list[str]:
    """The plain-text sections: what Slack shows exactly as given."""
    return [
        b["text"]["text"]
        for b in blocks
        if b["type"] == "section" and b["text"]["type"] == "plain_text"
    ]


def test_what_changed_holds_the_new_wording_verbatim_as_plain_text(school, runtime):
    publish(school, "Online Safety Policy (www.gov.uk model)")
    first = school.fake.wait_for(lambda: policy_dms(school, STAFF))[0]
    confirm(school, STAFF, first)
    (runtime.settings.corpus_dir / "online.txt").write_text(REVIEWED)

    publish(school, "Online Safety Policy (www.gov.uk model)", "See https://evil.example/x")

    second = school.fake.wait_for(lambda: policy_dms(school, STAFF)[1:])[0]
    blocks = second["blocks"]
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "emoji": False,
                 "text": "Please read: Online Safety Policy (www.gov.uk model)"},
    }  # fmt: skip
    texts = plain_texts(blocks)
    assert f"Reworded §1.2\n{NEW_WORDING}" in texts  # word for word, nothing escaped
    assert "Policy\nOnline Safety Policy (www.gov.uk model)" in texts
    assert all(b["text"]["emoji"] is False for b in blocks if b["type"] == "section"
               and b["text"]["type"] == "plain_text")  # fmt: skip
    assert not any("[.]" in t or "hxxp" in t for t in texts)
    # the head's own message is what staff typed: it stays inert, in escaped mrkdwn
    message = next(b for b in blocks if "*Message*" in (b.get("text") or {}).get("text", ""))
    assert message["text"] == {
        "type": "mrkdwn", "text": "*Message*\nSee hxxps://evil[.]example/x", "verbatim": True,
    }  # fmt: skip
    posted = next(
        c for c in school.fake.calls_to("chat.postMessage") if c.args.get("blocks") == blocks
    )
    assert posted.args["unfurl_links"] is False and posted.args["unfurl_media"] is False


def read_policy(slack, user, message) -> list[dict]:
    """Press "Read the policy"; return the thread's messages once the last part is in."""
    slack.click(
        user, "read_policy", button(message, "read_policy")["value"], message=message,
        channel=dm(user),
    )  # fmt: skip

    def complete():
        thread = [m for m in slack.fake.channels[dm(user)] if m.get("thread_ts") == message["ts"]]
        part = re.search(r"\(part (\d+) of (\d+)\)$", thread[-1]["text"]) if thread else None
        return thread if thread and (part is None or part[1] == part[2]) else None

    return slack.fake.wait_for(complete)


@pytest.mark.parametrize(
    ("title", "source", "messages"),
    [
        ("Social Media Policy", BUNDLED, 2),
        ("Staff Code of Conduct", LARGEST, 1),
        ("Lettings Policy", "lettings.txt", 2),  # one clause spans three sections
    ],
)
def test_read_the_policy_posts_every_clause_word_for_word_within_slacks_limits(
    school, runtime, title, source, messages
):
    source = runtime.settings.corpus_dir / source  # the school's copy
    publish(school, title)
    sent = school.fake.wait_for(lambda: policy_dms(school, ANN))[0]

    thread = read_policy(school, ANN, sent)

    assert len(thread) == messages
    assert all(c.status == 200 for c in school.fake.calls_to("chat.postMessage"))
    for message in thread:
        assert len(message["blocks"]) <= 50
        assert all(len(t) <= 3000 for t in plain_texts(message["blocks"]))
        assert message["unfurl_links"] is False
    assert thread[0]["blocks"][0]["text"]["text"] == title
    shown: dict[str, str] = {}
    for message in thread:
        for text in plain_texts(message["blocks"]):
            name, _, piece = text.partition("\n")
            clause_id = name.removesuffix(" (continued)")
            shown[clause_id] = shown.get(clause_id, "") + piece
    clauses = clauses_of(load_document(source))
    assert shown == dict(clauses)  # every clause, exactly, and nothing else
    assert list(shown) == [clause_id for clause_id, _ in clauses]  # in order


def test_a_confirmation_counts_in_every_round_of_the_version_on_the_heads_home(school, runtime):
    publish(school, "Online Safety Policy (www.gov.uk model)")
    first = school.fake.wait_for(lambda: policy_dms(school, STAFF))[0]
    school.fake.wait_for(lambda: policy_dms(school, ANN))
    publish(school, "Online Safety Policy (www.gov.uk model)")  # the same version, resent
    school.fake.wait_for(lambda: policy_dms(school, ANN)[1:])

    confirm(school, ANN, policy_dms(school, ANN)[1])  # the newer message's button
    confirm(school, STAFF, first)  # the older message's button

    school.event({"type": "app_home_opened", "user": HEAD, "tab": "home"})
    home = school.fake.wait_for(lambda: [c for c in school.fake.calls_to("views.publish")
                                         if c.args["user_id"] == HEAD])[-1]  # fmt: skip
    view = str(home.args["view"])
    assert view.count("2 of 3 confirmed; outstanding: Kate Baskeyfield") == 2
    # Sam's newer message: pressing it now says he already has
    confirm(school, STAFF, policy_dms(school, STAFF)[1])
    assert "You already confirmed" in str(school.fake.calls_to("chat.update")[-1].args["blocks"])
