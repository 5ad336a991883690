"""Curated questions: `questions.toml` beside the policies, where the policy owner names a clause
as staff cite it and the questions it answers. A curated question asked again is answered with
its clause first; an entry that names no clause, or two, is a ✘ line naming it in `policybot
corpus` (and `check`: tests/ops/test_check_curated.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.corpus import load_corpus
from bot.learning.curated import read_curated
from bot.learning.targets import Target, resolve

ROOT = Path(__file__).resolve().parents[2]
LINKEDIN = "Can I put my staff ID photo on LinkedIn?"


def curate(policies: Path, text: str) -> None:
    (policies / "questions.toml").write_text(text, encoding="utf-8")


def test_a_curated_question_is_answered_with_its_clause_first(start, policies):
    before = start().ask(LINKEDIN)
    assert before.best.clause == "6.xviii"  # photographs of pupils: not what was asked
    curate(
        policies, f'[[clause]]\nref = "Social Media Policy §6.xix"\nquestions = ["{LINKEDIN}"]\n'
    )
    answer = start().ask("can I put my staff ID photo on linkedin")  # read at (re)start
    assert answer.outcome == "answered"
    assert answer.best.label == "Social Media Policy §6.xix"
    assert "job title" in answer.best.shown
    assert "Social Media Policy §6.xviii" in [c.label for c in answer.see_also]


def test_the_questions_file_is_not_taken_for_a_policy(env, policies, capsys):
    curate(
        policies, f'[[clause]]\nref = "Social Media Policy §6.xix"\nquestions = ["{LINKEDIN}"]\n'
    )
    assert main(["corpus"]) == 0
    out = capsys.readouterr().out
    assert "✘" not in out
    assert "✔ questions.toml: 1 curated questions" in out


def test_a_broken_entry_gets_a_cross_line_naming_it_and_the_others_still_count(
    env, policies, capsys
):
    curate(
        policies,
        "[[clause]]\n"
        'ref = "Social Media Policy §6.xix"\n'
        f'questions = ["{LINKEDIN}"]\n\n'
        "[[clause]]\n"
        'ref = "Social Media Policy §6.xxx"\n'
        'questions = ["Can I film the nativity?"]\n\n'
        "[[clause]]\n"
        'ref = "Staff Handbook §2.1"\n'
        'questions = ["Can I park in the visitors\' bay?"]\n',
    )
    assert main(["corpus"]) == 1
    out = capsys.readouterr().out
    assert (
        "✘ questions.toml: entry 2 ('Social Media Policy §6.xxx'): no clause '6.xxx' in the "
        "Social Media Policy — name the clause as a citation does" in out
    )
    assert (
        "✘ questions.toml: entry 3 ('Staff Handbook §2.1'): no policy titled 'Staff Handbook'"
        in out
    )
    assert "✔ questions.toml: 1 curated questions" in out


def test_a_file_that_is_not_toml_is_named_with_the_fix(env, policies, capsys):
    curate(policies, '[[clause]\nref = "Social Media Policy §6.xix"\n')
    assert main(["corpus"]) == 1
    out = capsys.readouterr().out
    assert "✘ questions.toml: cannot be read: " in out and "save it again as UTF-8 TOML" in out


@pytest.fixture(scope="module")
def handbook() -> list:
    return load_corpus(ROOT / "tests" / "fixtures" / "handbook")


@pytest.mark.parametrize(
    ("reference", "target"),
    [
        ("Staff Code of Conduct §4.2", Target("staff-code-of-conduct.pdf", "4.2")),
        ("staff code of conduct §4.2", Target("staff-code-of-conduct.pdf", "4.2")),
        ("Staff Code of Conduct § 4.2", Target("staff-code-of-conduct.pdf", "4.2")),
        ("staff-code-of-conduct.pdf §4.2", Target("staff-code-of-conduct.pdf", "4.2")),
        ("Staff Code §4.2", Target("staff-code-of-conduct.pdf", "4.2")),  # a title's start
        ("Safeguarding and Child Protection Policy §5.2(d)",
         Target("safeguarding-child-protection.docx", "5.2(d)")),
        ("Safeguarding and Child Protection Policy §5.2 (D)",
         Target("safeguarding-child-protection.docx", "5.2(d)")),
        ("Behaviour Policy — Reasonable force, item 2",
         Target("behaviour.md", "Reasonable force, item 2")),
        ("Behaviour Policy - reasonable force, item 2",
         Target("behaviour.md", "Reasonable force, item 2")),
    ],
)  # fmt: skip
def test_a_clause_is_named_as_staff_cite_it(handbook, reference, target):
    assert resolve(reference, handbook).target == target


@pytest.mark.parametrize(
    ("reference", "problem"),
    [
        ("Staff Code of Conduct §4.9", "no clause '4.9' in the Staff Code of Conduct"),
        ("Staff Code of Conduct", "name the policy and the clause as staff cite them"),
        ("Staff Code of Conduct §", "no clause number or place after the policy's title"),
        ("Parking Policy §1.1", "no policy titled 'Parking Policy'"),
        ("§4.2", "'4.2' matches two clauses: "),  # the Code of Conduct's, Data Protection's, …
        ("S §1.1", "'S' matches two policies: "),
    ],
)
def test_a_reference_to_no_clause_or_to_two_says_which(handbook, reference, problem):
    resolved = resolve(reference, handbook)
    assert resolved.target is None and resolved.problem.startswith(problem)


def test_a_reference_matching_two_clauses_is_a_cross_line(tmp_path):
    folder = tmp_path / "policies"
    shutil.copytree(ROOT / "tests" / "fixtures" / "outcomes", folder)
    curate(folder, '[[clause]]\nref = "§1.1"\nquestions = ["Can I take photos on my phone?"]\n')
    curated = read_curated(folder, load_corpus(folder))
    assert curated.taught == []
    (failure,) = curated.failures
    assert failure.line().startswith(
        "✘ questions.toml: entry 1 ('§1.1'): '1.1' matches two clauses: Mobile Phone Policy §1.1, "
        "Photography Policy §1.1 and Site Safety Policy §1.1"
    )
