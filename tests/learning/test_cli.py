"""`policybot learned list | approve | reject | remove`: the policy owner's review from the
command line, on the school's database; bad input is named and changes nothing."""

from __future__ import annotations

import json

from bot.cli import main
from tests.learning.conftest import OTHER, SEESAW, SMP, staff


def run(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(["learned", *args])
    out, err = capsys.readouterr()
    return rc, out, err


def test_the_owner_lists_approves_rejects_and_removes_from_the_command_line(runtime, capsys):
    runtime.learning.pick(SEESAW, SMP, "6.i", staff())
    runtime.learning.pick(SEESAW, SMP, "6.i", staff(OTHER))
    rc, out, _ = run(capsys, "list")
    assert rc == 0
    assert out.splitlines() == [
        f"#1    pending   “{SEESAW}”",
        "      first given: Social Media Policy §6.vi; picked: Social Media Policy §6.i (2 staff)",
    ]
    rc, out, _ = run(capsys, "list", "--json")
    (row,) = json.loads(out)
    assert (row["number"], row["status"], row["votes"]) == (1, "pending", 2)
    assert any("personal telephones" in line for line in row["picked_quote"])

    rc, out, _ = run(capsys, "approve", "1")
    assert rc == 0 and out.startswith(f"Approved #1: “{SEESAW}”")
    assert runtime.ask(SEESAW).best.clause == "6.i"  # the running service's next question
    rc, _, err = run(capsys, "approve", "1")
    assert rc == 1 and err == "policybot: Suggestion #1 is already approved.\n"
    rc, _, err = run(capsys, "reject", "7")
    assert rc == 1 and err == "policybot: There is no suggestion #7.\n"

    rc, out, _ = run(capsys, "remove", "1")
    assert rc == 0 and out.startswith("Removed #1.")
    assert runtime.ask(SEESAW).best.clause == "6.vi"  # answers as they were
    rc, out, _ = run(capsys, "list")
    assert out == "No suggestions yet.\n"


def test_rejected_suggestions_are_listed_only_when_asked_for(runtime, capsys):
    runtime.learning.pick(SEESAW, SMP, "6.i", staff())
    assert run(capsys, "reject", "1")[0] == 0
    assert run(capsys, "list")[1] == "No suggestions yet.\n"
    rc, out, _ = run(capsys, "list", "--all")
    assert out.startswith(f"#1    rejected  “{SEESAW}”")
