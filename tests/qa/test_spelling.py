"""Staff type fast: a misspelt question is read as the same question spelt the policies' way,
and answered as that question would be; a real English word is never "corrected"."""

from __future__ import annotations

import pytest

from bot.retrieval.spelling import is_real_word


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("can i frend a parnt on facebok", "can i friend a parent on facebook"),
        ("wat do i do if im being troled", "what do i do if I'm being trolled"),
        ("is it ok to acept a freind request", "is it ok to accept a friend request"),
        ("can i critisise the school on twiter", "can i criticise the school on twitter"),
        ("my neice is in year 2", "my niece is in year 2"),  # a word of the school vocabulary
        ("whats the wifi pasword", "what's the wifi password"),
    ],
)
def test_misspelt_words_are_read_as_the_policies_spell_them(bm25_bot, typed, read):
    assert bm25_bot.index.spell(typed) == read


@pytest.mark.parametrize(
    "question",
    [
        "Can I present my opinions as the school's?",  # "present" is no typo of "prevent"
        "Can I take pupils to the zoo?",  # a word the policy never uses is still a word
        "Is it OK to post about a migraine?",
    ],
)
def test_real_words_and_words_the_policies_use_are_left_alone(bm25_bot, question):
    assert bm25_bot.index.spell(question) == question


def test_an_inflected_english_word_is_real_but_a_misspelt_one_is_not():
    assert is_real_word("trolled") and is_real_word("lessons")
    assert not is_real_word("troled") and not is_real_word("pupill")


def test_a_misspelt_question_gets_the_answer_of_the_question_spelt_right(bm25_bot):
    typed = bm25_bot.ask("can i frend a parnt on facebok")
    spelt = bm25_bot.ask("can i friend a parent on facebook")
    assert typed.outcome == spelt.outcome == "answered"
    assert typed.best.clause == spelt.best.clause == "6.xi"
    assert typed.question == "can i frend a parnt on facebok"  # what staff typed is kept
