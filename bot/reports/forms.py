"""Validate and normalise submitted forms. Every problem is reported against the form field
it belongs to (FormError.errors), all at once, before anything is stored. The small inputs that
come with a form (the sender's display name, a form id, a typed reference) are cleaned here too;
a bad form id never refuses a report (a report is never lost over its key)."""

from __future__ import annotations

import re
from typing import Any

from bot.errors import FormError
from bot.reports.models import (
    CONCERN_CATEGORIES,
    LIMITS,
    RELATIONSHIPS,
    ConcernForm,
    DeclarationForm,
    Evidence,
    accepts_evidence,
)
from bot.reports.neutralise import clean, has_control_chars

LABELS = {
    "category": "Category",
    "description": "Description",
    "occurred_on": "When it happened",
    "where": "Where",
    "link": "Link",
    "people_involved": "People involved",
    "evidence": "Evidence",
    "student_name": "Pupil's name",
    "year_group": "Class or year group",
    "relationship": "Relationship",
    "platforms": "Social media contact",
    "notes": "Notes",
    "note": "Note",
}
REQUIRED_MESSAGES = {
    "description": "Please describe what happened.",
    "student_name": "Please enter the pupil's name.",
    "year_group": "Please enter the pupil's class or year group.",
    "note": "Please write a note.",
}


def check_text(
    errors: dict[str, str], name: str, value: Any, *, required: bool = False, limit_key: str = ""
) -> str:
    """Trimmed text, or "" with a message added to errors."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[name] = f"{LABELS.get(name, name)} must be text."
        return ""
    text = value.replace("\r\n", "\n").strip()
    limit = LIMITS[limit_key or name]
    if required and not text:
        errors[name] = REQUIRED_MESSAGES.get(name, f"Please fill in {LABELS.get(name, name)}.")
    elif has_control_chars(text):
        errors[name] = (
            f"{LABELS.get(name, name)} contains control or invisible characters; "
            "please retype it without them."
        )
    elif len(text) > limit:
        errors[name] = (
            f"{LABELS.get(name, name)} is {len(text):,} characters; the limit is {limit:,}."
        )
    return text


def _check_choice(errors: dict[str, str], name: str, value: Any, choices: dict[str, str]) -> str:
    if not isinstance(value, str) or not value.strip():
        errors[name] = f"Please choose a {LABELS[name].lower()}."
        return ""
    key = value.strip()
    if key not in choices:
        errors[name] = (
            f"Unknown {LABELS[name].lower()} {key[:40]!r}; choose one of: "
            + ", ".join(choices.values())
            + "."
        )
        return ""
    return key


def clean_concern(form: ConcernForm) -> dict[str, Any]:
    errors: dict[str, str] = {}
    data: dict[str, Any] = {
        "category": _check_choice(errors, "category", form.category, CONCERN_CATEGORIES),
        "description": check_text(errors, "description", form.description, required=True),
        "occurred_on": check_text(errors, "occurred_on", form.occurred_on),
        "where": check_text(errors, "where", form.where),
        "link": check_text(errors, "link", form.link),
        "people_involved": check_text(errors, "people_involved", form.people_involved),
        "immediate_risk": bool(form.immediate_risk),
        "about_headteacher": bool(form.about_headteacher),
        "evidence": _clean_evidence(errors, form.evidence),
    }
    if errors:
        raise FormError(errors)
    if not accepts_evidence(data["category"]):
        data["evidence"] = []  # never even a file's name: the receipt says none was kept
    return data


def _clean_evidence(errors: dict[str, str], evidence: Any) -> list[dict[str, str]]:
    """The names of the files on the form (stored with the record; the files themselves come
    after filing, bot/reports/evidence.py)."""
    items = list(evidence or [])
    if len(items) > LIMITS["evidence"]:
        errors["evidence"] = (
            f"{len(items)} files attached; the limit is {LIMITS['evidence']}. "
            "Please send the rest to the headteacher separately."
        )
        return []
    cleaned: list[dict[str, str]] = []
    for item in items:
        if not isinstance(item, Evidence):
            errors["evidence"] = "Evidence must be uploaded files."
            return []
        sub: dict[str, str] = {}
        name = check_text(sub, "evidence", item.name, required=False, limit_key="evidence_name")
        ref = check_text(sub, "evidence", item.ref, required=False, limit_key="evidence_ref")
        if not sub and not ref:
            sub["evidence"] = f"The file {name[:60]!r} did not upload; please attach it again."
        if sub:
            errors["evidence"] = sub["evidence"]
            return []
        cleaned.append({"name": name or "(unnamed file)"})
    return cleaned


def clean_declaration(form: DeclarationForm) -> dict[str, Any]:
    errors: dict[str, str] = {}
    data: dict[str, Any] = {
        "student_name": check_text(errors, "student_name", form.student_name, required=True),
        "year_group": check_text(errors, "year_group", form.year_group, required=True),
        "relationship": _check_choice(errors, "relationship", form.relationship, RELATIONSHIPS),
        "platforms": _clean_platforms(errors, form.platforms),
        "notes": check_text(errors, "notes", form.notes),
    }
    if errors:
        raise FormError(errors)
    return data


def _clean_platforms(errors: dict[str, str], platforms: Any) -> list[str]:
    if isinstance(platforms, str):
        platforms = [p for p in platforms.replace("\n", ",").split(",")]
    items = list(platforms or [])
    if len(items) > LIMITS["platforms"]:
        errors["platforms"] = f"{len(items)} platforms listed; the limit is {LIMITS['platforms']}."
        return []
    out: list[str] = []
    for item in items:
        sub: dict[str, str] = {}
        text = check_text(sub, "platforms", item, limit_key="platform")
        if sub:
            errors["platforms"] = sub["platforms"]
            return []
        if text and text.casefold() not in {p.casefold() for p in out}:
            out.append(text)
    return out


def display_name(name: str) -> str:
    """The sender's display name as stored with the record (cleaned, capped)."""
    return clean(name or "", LIMITS["display_name"])


def clean_reference(reference: str) -> str:
    """A typed or clicked reference ("c-2026-0001 ") in its stored form ("C-2026-0001")."""
    return str(reference or "").strip().upper()[:40]


_SUBMISSION_KEY = re.compile(r"[A-Za-z0-9_.:-]{1,100}")


def clean_submission_key(key: str | None) -> str | None:
    """A front end's form id, or None when absent or not a plain token (then no de-duplication,
    never a refusal: a report is never lost over its key)."""
    if not isinstance(key, str) or not _SUBMISSION_KEY.fullmatch(key):
        return None
    return key
