"""`policybot check` names a curated question (questions.toml, beside the policies) whose clause
does not exist or matches two, as it names an unreadable policy file."""

from __future__ import annotations

import shutil
from pathlib import Path

import bot.cli

ROOT = Path(__file__).resolve().parents[2]


def test_check_gives_a_cross_line_for_each_broken_curated_entry(
    deployed, tmp_path, monkeypatch, capsys
):
    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policy_corpus", policies)
    (policies / "questions.toml").write_text(
        "[[clause]]\n"
        'ref = "Social Media Policy §6.xix"\n'
        'questions = ["Can I put my staff ID photo on LinkedIn?"]\n\n'
        "[[clause]]\n"
        'ref = "Social Media Policy §6.xxxx"\n'
        'questions = ["Can I film the nativity?"]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("POLICYBOT_CORPUS_DIR", str(policies))
    assert bot.cli.main(["check", "--platform", "slack"]) == 1
    out = capsys.readouterr().out
    (line,) = [ln for ln in out.splitlines() if "curated questions" in ln]
    assert line.startswith("✘ curated questions: questions.toml: entry 2")
    assert "no clause '6.xxxx' in the Social Media Policy" in line
    assert "policy file" not in out  # the questions file is not taken for an unreadable policy

    (policies / "questions.toml").write_text(
        '[[clause]]\nref = "Social Media Policy §6.xix"\nquestions = ["Can I be on LinkedIn?"]\n',
        encoding="utf-8",
    )
    assert bot.cli.main(["check", "--platform", "slack"]) == 0
    out = capsys.readouterr().out
    assert "✔ curated questions: 1 questions" in out
