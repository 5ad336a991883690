"""`policybot` Q&A commands, run through the real entry point."""

import json

import pytest

from bot.cli import main


@pytest.fixture(autouse=True)
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("POLICYBOT_CONFIG", raising=False)
    monkeypatch.delenv("POLICYBOT_CORPUS_DIR", raising=False)


def test_ask_readable(capsys):
    assert (
        main(["ask", "--no-model", "A parent sent me a friend request on Facebook, can I accept?"])
        == 0
    )
    out = capsys.readouterr().out
    assert "§6.xi" in out and "Adults must be cautious" in out


def test_ask_json(capsys):
    assert main(["ask", "--json", "--no-model", "How do I book annual leave?"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["answered"] is False and data["citations"] == []
    assert data["question"] == "How do I book annual leave?"


def test_ask_batch_keeps_order_and_reports_bad_lines(tmp_path, capsys):
    batch = tmp_path / "qs.jsonl"
    batch.write_text(
        '{"q": "Can I be friends with a pupil on Facebook?"}\n'
        "not json\n"
        "\n"
        '{"q": "What does trolling mean?"}\n'
    )
    assert main(["ask", "--json", "--no-model", "--batch", str(batch)]) == 1
    captured = capsys.readouterr()
    lines = [json.loads(x) for x in captured.out.splitlines()]
    assert [x["question"] for x in lines] == [
        "Can I be friends with a pupil on Facebook?",
        None,
        "What does trolling mean?",
    ]
    assert lines[2]["citations"][0]["clause"].startswith("9.ii")
    assert "line 2" in captured.err


def test_ask_without_question_is_a_clear_error(capsys):
    assert main(["ask"]) == 2
    assert "ask needs a question" in capsys.readouterr().err


def test_corpus_listing(capsys):
    assert main(["corpus"]) == 0
    out = capsys.readouterr().out
    assert "Social Media Policy" in out and "73 clauses" not in out  # headings aren't clauses
    assert "next review September 2026" in out and "OVERDUE" in out


def test_eval_reports_metrics(tmp_path, capsys):
    qs = tmp_path / "q.jsonl"
    qs.write_text(
        '{"q": "Can I post a video of the school play on YouTube?", "gold": ["6.xviii"]}\n'
        '{"q": "Where is the first aid kit kept?", "gold": []}\n'
    )
    assert main(["eval", "--json", "--no-model", str(qs)]) == 0
    m = json.loads(capsys.readouterr().out)
    assert m["in_scope"] == 1 and m["out_of_scope"] == 1
    assert m["hit@1"] == 1.0 and m["out_of_scope_not_covered"] == 1.0


def test_eval_bad_file(tmp_path, capsys):
    qs = tmp_path / "q.jsonl"
    qs.write_text('{"question": "x"}\n')
    assert main(["eval", "--no-model", str(qs)]) == 2
    assert 'needs a "q" string' in capsys.readouterr().err


def test_chat_console(monkeypatch, capsys):
    import io

    monkeypatch.setattr(
        "sys.stdin", io.StringIO("help\nCan I friend a parent on Facebook?\nquit\n")
    )
    assert main(["chat", "--no-model"]) == 0
    out = capsys.readouterr().out
    assert "Ask in your own words" in out
    assert "bot> “Adults must be cautious" in out and "§6.xi" in out
