"""When a policy is read again: a link to a clause whose wording changed is held for re-review
(shown to the reviewer as such, and not used meanwhile); a link to a clause that went is dropped
and listed among `policybot corpus`'s warnings. A restart is a re-index: the service reads the
policies again at start."""

from __future__ import annotations

from bot.cli import main
from bot.learning.suggestions import APPROVED, DROPPED, REVIEW
from bot.people import Actor
from tests.learning.conftest import HEAD, SEESAW, SMP, staff

HEAD_ = Actor(platform="slack", user_id=HEAD)
RULE = (
    "Adults must take responsibility for their personal telephones and any personal electronic "
    "devices and must keep their personal telephone numbers, login details, passwords, pin "
    "details and personal email addresses private and secure."
)


def approved_link(runtime) -> int:
    runtime.learning.pick(SEESAW, SMP, "6.i", staff())
    (suggestion,) = runtime.learning.suggestions.select()
    assert runtime.learning.approve(suggestion.number, HEAD_).ok
    assert runtime.ask(SEESAW).best.clause == "6.i"
    return suggestion.number


def edit(policies, old: str, new: str) -> None:
    path = policies / SMP
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_reworded_clause_holds_its_link_until_a_reviewer_looks_again(
    runtime, start, policies, capsys
):
    number = approved_link(runtime)
    edit(policies, RULE, RULE.replace("private and secure", "private, secure and up to date"))
    restarted = start()  # the service reads the policies again
    assert restarted.ask(SEESAW).best.clause == "6.vi"  # not used while held
    (item,) = restarted.learning.to_review(HEAD_).items
    assert item.status == REVIEW and item.number == number
    assert item.note == "the wording of Social Media Policy §6.i changed since it was approved"
    assert any("up to date" in line for line in item.picked_lines)  # the new wording
    assert main(["corpus"]) == 0
    out = capsys.readouterr().out
    assert f"⚠ learned link #{number} held for re-review: the wording of" in out

    assert restarted.learning.approve(number, HEAD_).ok  # looked at again: used again
    assert restarted.learning.suggestions.get(number).status == APPROVED
    assert restarted.ask(SEESAW).best.clause == "6.i"
    assert start().ask(SEESAW).best.clause == "6.i"  # and stays so after another restart


def test_a_clause_that_went_drops_its_link_and_corpus_lists_it(runtime, start, policies, capsys):
    number = approved_link(runtime)
    edit(policies, f"- i. {RULE}\n", "")
    restarted = start()
    assert restarted.learning.suggestions.get(number).status == DROPPED
    assert restarted.learning.to_review(HEAD_).items == []
    assert restarted.ask(SEESAW).best.clause == "6.vi"
    refused = restarted.learning.approve(number, HEAD_)
    assert not refused.ok
    assert refused.message == (
        f"Suggestion #{number} was dropped: Social Media Policy §6.i is no longer in the "
        "policies. Nothing was changed."
    )
    assert main(["corpus"]) == 0
    out = capsys.readouterr().out
    assert (
        f"⚠ learned link #{number} dropped: Social Media Policy §6.i is no longer in the policies"
        in out
    )
