"""Structured logs: one JSON object per line, secrets redacted, and filing a concern never
puts its text or anyone's name in the log."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.logs import JsonFormatter, configure_logging, default_format, redact
from bot.reports.models import ConcernForm, DeclarationForm
from tests.reports.conftest import HEAD, STAFF


@pytest.fixture
def captured():
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    stream = io.StringIO()
    configure_logging("json", "DEBUG", stream=stream)
    yield stream
    for h in root.handlers[:]:
        root.removeHandler(h)
    for h in saved[0]:
        root.addHandler(h)
    root.setLevel(saved[1])


def records(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_filing_a_concern_logs_no_report_text_and_no_names(captured, service, slack, clock):
    description = "Zebracorn incident behind the quinoa shed"
    pupil = "Tobias Quillfeather"
    receipt = service.submit_concern(
        ConcernForm(
            "contact_with_student",
            f"{description}: a parent messaged {pupil}",
            where="Snapchat group Marmalade Owls",
            people_involved=pupil,
        ),
        STAFF,
    )
    declaration = service.declare_relationship(
        DeclarationForm(pupil, "Year 5 Kestrels", "niece_nephew", notes="Aunt Philippa"), STAFF
    )
    service.deliver_due()
    service.acknowledge(receipt.reference, HEAD)
    service.add_note(receipt.reference, HEAD, "Called Mrs Grimsditch about it")
    clock.advance(minutes=5)
    service.deliver_due()

    text = captured.getvalue()
    logged = records(captured)
    assert logged, "the service logged nothing: the capture is not working"
    assert receipt.reference in text and declaration.reference in text  # references are fine
    for secret in (
        "Zebracorn", "quinoa", "Tobias", "Quillfeather", "Marmalade", "Kestrels", "Philippa",
        "Grimsditch", STAFF.display_name, "Sam", "Kate Baskeyfield", "Baskeyfield",
    ):  # fmt: skip
        assert secret not in text, secret


def test_json_lines_carry_time_level_logger_message_and_extra_fields(captured):
    logging.getLogger("policybot.test").warning(
        "delivered %s", "C-2026-0001", extra={"role": "dsl"}
    )
    (rec,) = [r for r in records(captured) if r["logger"] == "policybot.test"]
    assert rec["level"] == "WARNING"
    assert rec["msg"] == "delivered C-2026-0001"
    assert rec["role"] == "dsl"
    assert rec["ts"].endswith("+00:00")


def test_secrets_are_redacted_in_messages_arguments_extras_and_tracebacks(captured):
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    log = logging.getLogger("policybot.test")
    log.info("token xoxb-123456-abcdef and %s", "xapp-1-A0B1-999-abc")
    log.info("header %s", "Authorization: Bearer eyJhbGciOi.JIUzI1NiJ9.sig", extra={"k": key})
    try:
        raise RuntimeError(f"failed with key {key}")
    except RuntimeError:
        log.exception("boom")
    text = captured.getvalue()
    for secret in ("xoxb-123456", "xapp-1-A0B1", "eyJhbGciOi", key):
        assert secret not in text
    assert text.count("[REDACTED]") >= 5
    assert "RuntimeError" in text


def test_redact_leaves_ordinary_text_and_references_alone():
    assert redact("concern C-2026-0001 to headteacher") == "concern C-2026-0001 to headteacher"
    assert redact("client_secret=abc&scope=x") == "client_secret=[REDACTED]&scope=x"


def test_format_defaults_to_text_on_a_terminal_and_json_otherwise():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert default_format({}, Tty()) == "text"
    assert default_format({}, io.StringIO()) == "json"
    assert default_format({"POLICYBOT_LOG_FORMAT": "json"}, Tty()) == "json"
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging(
            stream=stream, env={"POLICYBOT_LOG_FORMAT": "text", "POLICYBOT_LOG_LEVEL": "WARNING"}
        )
        logging.getLogger("x").info("hidden")
        logging.getLogger("x").warning("shown")
    finally:
        for h in root.handlers[:]:
            root.removeHandler(h)
        for h in saved[0]:
            root.addHandler(h)
        root.setLevel(saved[1])
    assert "hidden" not in stream.getvalue()
    assert "WARNING x: shown" in stream.getvalue()
    assert isinstance(JsonFormatter().format(logging.makeLogRecord({"msg": "m"})), str)
