"""What a question asks for is read once, from its form alone (bot/retrieval/intent.py)."""

from bot.retrieval.intent import QuestionIntent, classify, clause_kinds


def test_who_do_i_tell_asks_who_to_tell():
    intent = classify("Who do I tell if a parent messages me on Facebook?")
    assert intent.asks_who_to_tell
    assert not intent.asks_logistics and not intent.small_talk


def test_what_should_i_do_asks_what_to_do_not_for_a_definition():
    intent = classify("What should I do if I am being trolled?")
    assert intent.asks_what_to_do and not intent.asks_definition


def test_what_counts_as_asks_for_the_definition():
    assert classify("What counts as cyberbullying?").asks_definition
    assert not classify("Can I accept a friend request from a parent?").asks_definition


def test_is_x_covered_asks_about_the_policys_scope():
    assert classify("Is YouTube covered by the policy?").asks_scope
    assert classify("Do volunteers have to follow this policy?").asks_scope


def test_who_is_the_dsl_asks_for_the_person_in_a_role_not_who_is_responsible():
    assert classify("Who is the DSL?").asks_who_holds
    assert classify("who's our SENCO").asks_who_holds
    assert not classify("Who is responsible for this policy?").asks_who_holds
    assert not classify("Who do I tell if a child discloses abuse?").asks_who_holds
    kinds = clause_kinds(["The DSL is Mrs Priya Lomax.", "The DSL keeps records securely."])
    assert list(kinds.names_a_person) == [1.0, 0.0]


def test_asking_for_a_password_or_a_door_code_is_asking_for_a_credential():
    assert classify("What's the staff wifi password?").asks_for_credential
    assert classify("what's the door code for the staff room").asks_for_credential
    assert classify("whats the wifi password for visitors?").asks_for_credential
    assert classify("what's the code for the staff toilet door?").asks_for_credential
    assert not classify("What's the code of conduct say about gifts?").asks_for_credential
    assert not classify("What is the password policy?").asks_for_credential
    assert not classify("How long must my password be?").asks_for_credential
    assert not classify("What should I do if someone knows my password?").asks_for_credential


def test_how_do_i_book_asks_about_logistics_but_when_do_i_need_to_asks_a_rule():
    assert classify("How do I book the minibus?").asks_logistics
    assert not classify("When do I need to tell the headteacher?").asks_logistics


def test_hello_and_thanks_are_small_talk_but_a_question_after_hi_is_not():
    assert classify("Hello!").greeting and classify("Hello!").small_talk
    assert classify("thanks a lot").thanks
    assert not classify("Hi, can I friend a parent on Facebook?").small_talk


def test_a_plain_rule_question_asks_for_nothing_in_particular():
    assert classify("Can I post photos of the school play?") == QuestionIntent()


def test_each_clause_is_read_once_for_what_kind_of_thing_it_says():
    kinds = clause_kinds(
        [
            "Staff must inform the headteacher of any concern.",
            "Cyberbullying can be defined as bullying using technology.",
            "This policy applies to all staff and volunteers.",
            "Photographs of pupils are stored on the school network.",
        ]
    )
    assert list(kinds.names_who_to_tell) == [1.0, 0.0, 0.0, 0.0]
    assert list(kinds.directs_action) == [1.0, 0.0, 0.0, 0.0]
    assert list(kinds.defines) == [0.0, 1.0, 0.0, 0.0]
    assert list(kinds.states_scope) == [0.0, 0.0, 1.0, 0.0]
