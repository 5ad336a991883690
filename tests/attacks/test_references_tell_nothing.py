"""A reference is shown to the reporter and to every recipient. If references counted up, the
headteacher, who receives every concern except those about them, would read a concern about
them from the gap between two of theirs (C-2026-0004, then C-2026-0006), and a reporter would
read how many concerns colleagues filed between two of their own. So a reference is unguessable
and tells no order."""

from __future__ import annotations

from bot.reports.models import Actor
from tests.slack.conftest import CHAIR, HEAD, STAFF
from tests.slack.test_concerns import notices_for, submit_concern


def number(reference: str) -> int:
    return int(reference.rsplit("-", 1)[1])


def test_the_head_cannot_count_concerns_about_them_from_the_gaps_in_their_references(
    slack, runtime
):
    submit_concern(slack)
    submit_concern(slack, about_headteacher=True)
    submit_concern(slack)
    slack.fake.wait_for(lambda: len(notices_for(slack, HEAD)) == 2)
    slack.fake.wait_for(lambda: notices_for(slack, CHAIR))

    heads = [s.reference for s in runtime.reports.list_for_recipient(Actor("slack", HEAD))]
    filed = [s.reference for s in runtime.reports.list_for_submitter(Actor("slack", STAFF))]
    (about_head,) = set(filed) - set(heads)
    assert len(heads) == 2
    first, second = sorted(heads, key=lambda r: filed.index(r), reverse=True)
    # a counter would give n, n+1, n+2 in filing order: the head's two would straddle the gap
    assert [number(first), number(about_head), number(second)] != list(
        range(number(first), number(first) + 3)
    )


def test_references_filed_in_a_row_are_not_consecutive(slack, runtime):
    for _ in range(4):
        submit_concern(slack)
    filed = [s.reference for s in runtime.reports.list_for_submitter(Actor("slack", STAFF))]
    numbers = sorted(number(r) for r in filed)
    assert len(set(filed)) == 4
    assert numbers != list(range(numbers[0], numbers[0] + 4))
