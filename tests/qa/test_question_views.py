"""Each rule also gets the question it answers, from its own grammar."""

from bot.retrieval.questions import questions_for


def test_a_prohibition_becomes_can_i():
    assert questions_for("Adults must not request any personal information about a student.") == [
        "Can I request any personal information about a student?"
    ]


def test_a_condition_becomes_what_should_i_do_and_pronouns_become_first_person():
    views = questions_for("If trolling occurs, adults should not delete their evidence.")
    assert views == ["What should I do if trolling occurs?", "Can I delete my evidence?"]


def test_a_definition_becomes_what_is():
    assert questions_for("Trolling can be defined as 'sowing discord'.")[0] == "What is trolling?"


def test_a_passive_rule_and_whom_to_tell():
    assert questions_for("Photographs of students must not be published on social media.") == [
        "Can photographs of students be published on social media?"
    ]
    views = questions_for("All concerns about social contact must be raised with the Headteacher.")
    assert "Who should I tell about all concerns about social contact?" in views


def test_plain_statements_get_no_question():
    assert questions_for("The internet is a fast moving technology.") == []


def test_a_what_is_the_policy_on_question_is_embedded_as_its_topic():
    from bot.retrieval.questions import dense_query

    assert dense_query("What is the school's policy on homework?") == "What about homework?"
    assert (
        dense_query("What are the rules about photos of pupils") == "What about photos of pupils?"
    )
    assert dense_query("What does the policy say about trolling?") == "What about trolling?"
    assert dense_query("Is there a policy on mobile phones?") == "What about mobile phones?"
    # any other question goes to the model as the member of staff wrote it
    assert (
        dense_query("Can I follow a parent on Instagram?") == "Can I follow a parent on Instagram?"
    )
    assert (
        dense_query("Does this policy apply to governors?")
        == "Does this policy apply to governors?"
    )
