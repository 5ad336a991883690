"""`policybot eval` scores answers across several policies: a hit needs the right document and
a clause matching the gold id as people write it."""

import json

from bot.cli import main
from bot.evaluation import clause_matches, read_questions
from tests.corpus.conftest import DOCS, corpus_of


def test_ids_compare_loosely_as_people_write_them():
    assert clause_matches("4.2(b)", "4.2.b")
    assert clause_matches("4.2 (b)", "4.2(B)")
    assert clause_matches("4.2(b)", "4.2")  # a parent matches its child, both ways
    assert clause_matches("4.2", "4.2(b)(ii)")
    assert clause_matches("Risk assessments, item 2", "Risk assessments")
    assert clause_matches("9.i.b", "9.i")
    assert not clause_matches("4.2", "4.20")
    assert not clause_matches("Risk assessments, item 2", "Risk assessments, item 3")


def test_both_gold_formats_are_read(tmp_path):
    qs = tmp_path / "q.jsonl"
    qs.write_text(
        '{"q": "Old style?", "gold": ["6.xi"]}\n'
        '{"q": "New style?", "doc": "phones.md", "gold": ["Emergencies"]}\n'
    )
    assert read_questions(qs) == [
        {"q": "Old style?", "gold": ["6.xi"], "doc": ""},
        {"q": "New style?", "doc": "phones.md", "gold": ["Emergencies"]},
    ]


def test_a_hit_needs_the_right_document(cli_env, tmp_path, capsys):
    corpus_of(cli_env, DOCS / "phones.md", DOCS / "lost-property.txt")
    qs = tmp_path / "q.jsonl"
    question = "Can staff use their own phone to call in an emergency on a trip?"
    qs.write_text(
        json.dumps({"q": question, "doc": "phones.md", "gold": ["Emergencies"]})
        + "\n"
        + json.dumps({"q": question, "doc": "lost-property.txt", "gold": ["Emergencies"]})
        + "\n"
    )
    assert main(["eval", "--json", "--no-model", str(qs)]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["in_scope"] == 2
    assert metrics["hit@1"] == 0.5  # the same clause id, but only one names the right file


def test_a_bad_doc_field_is_a_clear_error(tmp_path, capsys):
    qs = tmp_path / "q.jsonl"
    qs.write_text('{"q": "x", "doc": 3, "gold": []}\n')
    assert main(["eval", "--no-model", str(qs)]) == 2
    assert '"doc" must be the policy\'s file name' in capsys.readouterr().err
