"""The database file alone reveals no report text; forwarded text cannot ping, mention, link
or format; logs hold no report text or pupils' names."""

import logging
import re

import pytest
from cryptography.fernet import Fernet

from bot.errors import KeyMissing, WrongKey
from bot.reports.models import ConcernForm, DeclarationForm, Evidence
from bot.reports.neutralise import clean, slack_escape, teams_escape
from bot.store import Store

from .conftest import HEAD, STAFF

SECRETS = [
    "Ofsted-unique-description-8c1f",
    "Jayden Whitworth-Pryce",
    "Year 5 Kestrels",
    "Mr Unique Involved",
    "wobbly-evidence-file.png",
    "Sam Teacher",
    "note about Jayden 42",
    "unique-place-Snapchat-story",
]


def submit_everything(service):
    ref = service.submit_concern(
        ConcernForm(
            "contact_with_student",
            f"{SECRETS[0]} messages from {SECRETS[3]}",
            where=SECRETS[7],
            link="https://example.com/secret-path-77",
            people_involved=SECRETS[3],
            evidence=[Evidence(SECRETS[4], "F0123ABC")],
        ),
        STAFF,
    ).reference
    service.declare_relationship(DeclarationForm(SECRETS[1], SECRETS[2], "sibling"), STAFF)
    service.add_note(ref, HEAD, SECRETS[6])
    service.deliver_due()
    return ref


def test_the_database_files_contain_none_of_the_submitted_text(service, slack, settings):
    ref = submit_everything(service)
    blobs = b"".join(p.read_bytes() for p in settings.data_dir.iterdir() if p.is_file())
    assert ref.encode() in blobs  # the files really hold the records...
    for secret in [*SECRETS, "secret-path-77"]:
        assert secret.encode() not in blobs, secret  # ...but none of their text


def test_the_database_file_is_private(service, settings):
    assert settings.db_path.stat().st_mode & 0o777 == 0o600
    assert settings.data_dir.stat().st_mode & 0o777 == 0o700


def test_a_wrong_key_is_a_clear_error_not_garbage(service, slack, settings):
    submit_everything(service)
    with pytest.raises(WrongKey, match="does not match the key .* was created with"):
        Store(settings.db_path, Fernet.generate_key())


def test_a_missing_key_is_a_clear_error(service, slack, settings):
    ref = submit_everything(service)
    from bot.reports.service import ReportService

    keyless = ReportService(Store(settings.db_path, None), settings)
    with pytest.raises(KeyMissing, match="POLICYBOT_KEY or POLICYBOT_KEY_FILE"):
        keyless.get(ref, HEAD)


def test_logs_hold_no_report_text(service, slack, caplog):
    with caplog.at_level(logging.DEBUG):
        ref = submit_everything(service)
    assert ref in caplog.text
    for secret in SECRETS:
        assert secret not in caplog.text


def test_a_reporter_cannot_ping_mention_link_or_format_through_the_form(service, slack):
    hostile = "<!channel> @here <@U0HEAD001> *bold* _it_ ~s~ `code` <https://evil.com|click>"
    service.submit_concern(ConcernForm("trolling", hostile, link="https://evil.com/x"), STAFF)
    service.deliver_due()
    (notice,) = slack.inbox(HEAD.user_id)
    lines = dict(notice.lines)
    assert lines["Link"] == "hxxps://evil[.]com/x"
    assert "https://" not in notice.text

    rendered = slack_escape(lines["Description"])
    for live in ("<!channel>", "<@U0HEAD001>", "<https", "@here", "*bold*", "_it_", "`code`"):
        assert live not in rendered
    assert "&lt;!channel&gt;" in rendered

    in_teams = teams_escape("<at>Kate</at> **bold** [click](https://x.y) @everyone")
    for live in ("<at>", "**bold**", "[click](", "@everyone"):
        assert live not in in_teams


def test_clean_strips_control_characters_but_keeps_lines():
    assert clean("one\r\ntwo\x07\x1b[0m\u202ethree\tfour") == "one\ntwo[0mthree four"
    assert len(clean("x" * 5000, 100)) == 100


@pytest.mark.parametrize(
    "typed",
    [
        "https://evil.example.photography/x",  # any top-level domain, not a fixed list
        "evil.example.zip",
        "bit.ly/3abc",
        "see grooming-site.xyz now",
        "пример.рф/фото",
        "a.xn--p1ai",
        "x。com",  # an ideographic full stop, which browsers accept as a dot
        "http://192.168.0.1:8080/pics",
        "10.0.0.7/share",
        "mum@privatemail.example",
        "javascript:alert(1)",
        "data:text/html,hi",
    ],
)
def test_every_url_like_string_is_inert(typed):
    cleaned = clean(typed)
    assert not re.search(r"\w[.。]\w{2,}", cleaned), cleaned  # no host name left whole
    assert not re.search(r"(?i)\b(https?|javascript|data):", cleaned), cleaned


def test_ordinary_sentences_stay_readable():
    text = "On 3.5.2026 in Year 5. Then e.g. 2.5 hours later he said so."
    assert clean(text) == text
