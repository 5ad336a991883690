"""Votes on answers: what is kept, what is shown, and what never is."""

import sqlite3
from dataclasses import replace

from cryptography.fernet import Fernet

from bot.answers import Answer
from bot.feedback import NOT_KEPT, FeedbackLog, invites_feedback, keeps_question


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
    question = "May I give parents my mobile number?"
    FeedbackLog(tmp_path / "a.db", key).record(
        question=question, helpful=False, platform="slack", user_id="U1"
    )
    assert b"mobile" not in (tmp_path / "a.db").read_bytes()
    assert FeedbackLog(tmp_path / "a.db", key).unclear()[0].question == question
    plain = FeedbackLog(tmp_path / "b.db", None)
    plain.record(question=question, helpful=False, platform="slack", user_id="U1")
    assert plain.unclear()[0].question == NOT_KEPT
    assert b"mobile" not in (tmp_path / "b.db").read_bytes()


# --- a concern in disguise is never kept --------------------------------------------------

CONCERNS_IN_DISGUISE = [
    "The head keeps messaging a Y9 pupil on Instagram, what do I do?",  # a role and a year group
    "Mr Davies follows pupils on TikTok, is that allowed?",  # a title and a name
    "Is it OK that Jamie Fox's mum sends me photos?",  # a name mid-sentence
    "My TA shares pupils' photos on her Facebook",  # a school role
    "A pupil is being bullied in a group chat",  # the core would suggest /report-concern
    "My niece is in Year 4, do I need to tell anyone?",  # a year group; a relationship
]
GENERAL_QUESTIONS = [
    "Can I accept a friend request from a parent on Facebook?",
    "Can I post photos of the school play?",
    "What is the lunch menu?",
    "Is WhatsApp allowed for parent groups?",
]


def test_questions_that_look_like_concerns_are_never_stored(tmp_path):
    log = FeedbackLog(tmp_path / "feedback.db", Fernet.generate_key())
    for question in CONCERNS_IN_DISGUISE:
        kept = log.record(question=question, helpful=False, platform="slack", user_id="U1")
        assert kept is False, question
    assert log.unclear() == []
    rows = sqlite3.connect(tmp_path / "feedback.db").execute("SELECT COUNT(*) FROM feedback")
    assert rows.fetchone() == (0,)


def test_general_policy_questions_are_still_kept(tmp_path):
    log = FeedbackLog(tmp_path / "feedback.db", Fernet.generate_key())
    for question in GENERAL_QUESTIONS:
        assert log.record(question=question, helpful=False, platform="slack", user_id="U1")
    assert sorted(u.question for u in log.unclear()) == sorted(GENERAL_QUESTIONS)


def test_an_answer_pointing_to_report_concern_invites_no_feedback():
    plain = Answer(question="Can I post photos of the school play?", answered=True, text="…")
    assert invites_feedback(plain)
    assert not invites_feedback(replace(plain, suggested_command="/report-concern"))
    assert not invites_feedback(replace(plain, suggested_command="/declare-relationship"))
    assert not keeps_question(plain.question, "/report-concern")


def test_a_question_stored_before_the_rule_is_not_shown(tmp_path):
    key = Fernet.generate_key()
    log = FeedbackLog(tmp_path / "feedback.db", key)
    with log._db:  # as an older version wrote it, without the check
        log._db.execute(
            "INSERT INTO feedback (at, question_hash, question_enc, helpful, platform, user_hash)"
            " VALUES ('2026-01-01', 'h', ?, 0, 'slack', 'u')",
            (log._fernet.encrypt(CONCERNS_IN_DISGUISE[0].encode()),),
        )
    assert log.unclear() == []
