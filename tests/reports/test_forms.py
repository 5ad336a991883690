"""Bad input gets a message on the field it concerns, and nothing is half-stored."""

import pytest

from bot.errors import FormError, SubmissionRefused
from bot.reports.models import ConcernForm, DeclarationForm, Evidence

from .conftest import STAFF


def rows(service):
    return {
        t: service.store.query(f"SELECT COUNT(*) AS n FROM {t}")[0]["n"]
        for t in ("reports", "outbox", "recipients", "audit", "counters")
    }


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        (ConcernForm("cyberbullying", ""), "description", "Please describe what happened."),
        (ConcernForm("cyberbullying", "  \n\t "), "description", "Please describe what happened."),
        (
            ConcernForm("cyberbullying", "x" * 5214),
            "description",
            "Description is 5,214 characters; the limit is 4,000.",
        ),
        (ConcernForm("cyberbullying", "bad\x1b[31m text"), "description", "control"),
        (ConcernForm("cyberbullying", "hidden\u202eltr"), "description", "invisible"),
        (ConcernForm("sexting", "A concern."), "category", "Unknown category 'sexting'"),
        (ConcernForm("", "A concern."), "category", "Please choose a category."),
        (ConcernForm("other", "ok", where="w" * 201), "where", "the limit is 200"),
        (
            ConcernForm(
                "other", "ok", evidence=[Evidence(f"f{i}.png", f"F{i}") for i in range(11)]
            ),
            "evidence",
            "limit is 10",
        ),
        (DeclarationForm("", "Year 3", "child"), "student_name", "Please enter the pupil's name."),
        (DeclarationForm("Tom", " ", "child"), "year_group", "class or year group"),
        (DeclarationForm("Tom", "Year 3", "cousin"), "relationship", "Unknown relationship"),
        (DeclarationForm("Tom", "Year 3", "child", ["Face\x00book"]), "platforms", "control"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(service, form, field, message):
    before = rows(service)
    submit = (
        service.submit_concern if isinstance(form, ConcernForm) else service.declare_relationship
    )
    with pytest.raises(FormError) as caught:
        submit(form, STAFF)
    assert field in caught.value.errors
    assert message in caught.value.errors[field]
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, SubmissionRefused)
    assert rows(service) == before


def test_every_problem_is_reported_at_once(service):
    with pytest.raises(FormError) as caught:
        service.submit_concern(ConcernForm("nope", " ", link="l" * 1001), STAFF)
    assert set(caught.value.errors) == {"category", "description", "link"}


def test_text_is_trimmed_and_platforms_deduplicated(service, slack):
    ref = service.declare_relationship(
        DeclarationForm(
            "  Tom Smith ", "Year 4", "child", ["Facebook", " facebook", "", "WhatsApp"]
        ),
        STAFF,
    ).reference
    service.deliver_due()
    (notice,) = slack.delivered.values()
    lines = dict(notice[1].lines)
    assert lines["Pupil"] == "Tom Smith"
    assert lines["Social media contact"] == "Facebook, WhatsApp"
    assert ref.startswith("R-")


def test_a_failed_submission_does_not_use_up_a_reference(service, slack):
    with pytest.raises(FormError):
        service.submit_concern(ConcernForm("other", ""), STAFF)
    assert service.store.query("SELECT id FROM reports") == []
    assert service.submit_concern(ConcernForm("other", "Real one"), STAFF).reference
