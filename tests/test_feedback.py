from cryptography.fernet import Fernet

from bot.feedback import NOT_KEPT, FeedbackLog


def test_not_helpful_questions_are_listed_most_unclear_first(tmp_path):
    log = FeedbackLog(tmp_path / "feedback.db", Fernet.generate_key())
    log.record(question="Can I friend a parent?", helpful=False, platform="slack", user_id="U1")
    log.record(question="can I  friend a parent?", helpful=False, platform="teams", user_id="A1")
    log.record(question="Can I post photos?", helpful=False, platform="slack", user_id="U1")
    log.record(question="What is trolling?", helpful=True, platform="slack", user_id="U2")
    unclear = log.unclear()
    assert [u.question.casefold() for u in unclear] == [
        "can i friend a parent?",
        "can i post photos?",
    ]
    assert unclear[0].not_helpful == 2


def test_a_second_vote_by_the_same_person_replaces_the_first(tmp_path):
    log = FeedbackLog(tmp_path / "feedback.db", Fernet.generate_key())
    log.record(question="Can I post photos?", helpful=False, platform="slack", user_id="U1")
    log.record(question="Can I post photos?", helpful=True, platform="slack", user_id="U1")
    assert log.unclear() == []


def test_question_text_is_encrypted_at_rest_and_not_kept_without_a_key(tmp_path):
    key = Fernet.generate_key()
    FeedbackLog(tmp_path / "a.db", key).record(
        question="Is Jamie Smith allowed my number?", helpful=False, platform="slack", user_id="U1"
    )
    assert b"Jamie" not in (tmp_path / "a.db").read_bytes()
    assert FeedbackLog(tmp_path / "a.db", key).unclear()[0].question.startswith("Is Jamie")
    plain = FeedbackLog(tmp_path / "b.db", None)
    plain.record(question="Is Jamie allowed?", helpful=False, platform="slack", user_id="U1")
    assert plain.unclear()[0].question == NOT_KEPT
    assert b"Jamie" not in (tmp_path / "b.db").read_bytes()
