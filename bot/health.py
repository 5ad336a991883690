"""Health for the servers' ``/healthz`` (alive) and ``/readyz`` (able to do its job).

Framework-free on purpose: a front end's route is a few lines —
``ok, details = await loop.run_in_executor(None, readiness, runtime)``, then
``web.json_response(shown_to(settings, peer, headers, details), status=200 if ok else 503)``.
Who sees what is decided here, once, not in each front end.

Details hold counts, roles, references and states only: never report text or names. Even so, a
reference or role waiting for delivery says something (a pending notice to the chair means a
concern about the headteacher exists), so ``/readyz`` is public with **counts only**; the details
go to a request made on the machine itself (loopback, not relayed by a proxy) or carrying the
``POLICYBOT_HEALTH_TOKEN`` bearer token. A probe never writes to the database: monitors poll
often, and the audit chain and backups should not churn with heartbeats.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import threading
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from bot.people import CHAT_PLATFORMS

STARTED = time.time()
STUCK_AFTER_MINUTES = 10.0


def liveness() -> dict[str, Any]:
    """Cheap and dependency-free: the process is up and its event loop answers."""
    return {
        "status": "ok",
        "pid": os.getpid(),
        "uptime_seconds": round(time.time() - STARTED, 1),
        "threads": threading.active_count(),
    }


def readiness(
    runtime: Any,
    *,
    platforms: Iterable[str] | None = None,
    unreachable_recipients: Iterable[str] | None = None,
    stuck_after_minutes: float = STUCK_AFTER_MINUTES,
    now: datetime | None = None,
) -> tuple[bool, dict[str, Any]]:
    """(ok, details). Not ready when the policy index is not loaded, the database cannot be
    written, a delivery has been due for more than ``stuck_after_minutes`` without being
    attempted (the delivery worker is dead or wedged), or a notice on a report not yet closed
    was refused for good or is still undelivered after the configured
    ``undelivered_alert_minutes`` (someone must act: ``policybot reports undelivered``). The dense model loading or being
    unavailable is reported, never a failure (answers fall back to BM25). Unreachable
    recipients (roles) are reported, not a failure: the outbox keeps their notices.

    ``platforms``: the outbox rows this process delivers (default: the platforms with a
    registered notifier, else all). ``unreachable_recipients``: roles the front end knows it
    cannot reach yet (the Teams server's recipients_status)."""
    checks: dict[str, Any] = {
        "index": _index(runtime),
        "database": _database(runtime),
        "outbox": _outbox(runtime, platforms, stuck_after_minutes, now),
    }
    unreachable = set(unreachable_recipients or ()) | set(checks["outbox"].pop("_unreachable", ()))
    ok = all(c.get("ok") for c in checks.values())
    details: dict[str, Any] = {
        "status": "ready" if ok else "not ready",
        **checks,
        "unreachable_recipients": sorted(unreachable),
    }
    return ok, details


def _assistant(runtime: Any) -> Any:
    # Runtime.assistant loads the index on first use; a readiness probe must not do that.
    if "_assistant" in vars(runtime):
        return vars(runtime)["_assistant"]
    return getattr(runtime, "assistant", None)


def policies_state(runtime: Any) -> str:
    """Where the policies are, for /healthz: "loaded", "loading" (bot/handbook.py: reports are
    taken meanwhile), "not loaded" or why they could not be ("error: …", naming the folder)."""
    if _assistant(runtime) is not None:
        return "loaded"
    handbook = getattr(runtime, "handbook", None)
    if handbook is not None and handbook.loading:
        return "loading"
    if handbook is not None and handbook.error:
        return f"error: {handbook.error}"
    return "not loaded"


def _index(runtime: Any) -> dict[str, Any]:
    assistant = _assistant(runtime)
    if assistant is None:
        state = policies_state(runtime)
        if state == "loading":
            return {"ok": False, "error": "policy index not loaded yet: the policies are loading"}
        if state.startswith("error"):
            return {"ok": False, "error": state}
        return {"ok": False, "error": "policy index not loaded yet"}
    index = getattr(assistant, "index", None)
    clauses = len(getattr(index, "units", ()) or ())
    documents = len(getattr(assistant, "documents", ()) or ())
    if getattr(assistant, "dense_ready", False):
        dense = "ready"
    elif getattr(assistant, "dense_available", True):
        dense = "loading"
    else:
        dense = "unavailable (answering with BM25 only)"
    out: dict[str, Any] = {
        "ok": clauses > 0,
        "documents": documents,
        "clauses": clauses,
        "dense_model": dense,
    }
    if clauses == 0:
        out["error"] = "the policy index has no clauses: add policies and run `policybot index`"
    return out


def _database(runtime: Any) -> dict[str, Any]:
    """Takes SQLite's write lock (BEGIN IMMEDIATE) and lets go without writing anything: proves
    the file and its WAL are writable and the lock is free, with no write per probe."""
    store = runtime.store
    try:
        with store.transaction() as db:
            db.execute("SELECT COUNT(*) FROM meta").fetchone()
        if not os.access(store.path, os.W_OK) or not os.access(store.path.parent, os.W_OK):
            raise PermissionError(f"{store.path} or its directory is not writable")
    except Exception as exc:
        return {"ok": False, "writable": False, "error": type(exc).__name__ + ": " + str(exc)}
    return {"ok": True, "writable": True}


def _outbox(
    runtime: Any, platforms: Iterable[str] | None, stuck_after_minutes: float, now: datetime | None
) -> dict[str, Any]:
    if platforms is None:
        outbox = getattr(runtime.reports, "outbox", None)
        platforms = (outbox.platforms if outbox else ()) or CHAT_PLATFORMS
    platforms = tuple(platforms)
    ts = (now or runtime.reports.clock()).timestamp()
    limit = ts - stuck_after_minutes * 60
    try:
        from bot.reports.sealing import open_outbox

        # Recipients are sealed in each row's envelope (bot/reports/sealing.py).
        rows = [
            r
            for r in (
                open_outbox(runtime.store, row)
                for row in runtime.store.query(
                    # policy-round DMs (bot/campaigns/) belong to no report
                    "SELECT o.*, r.status AS report_status FROM outbox o "
                    "LEFT JOIN reports r ON r.id = o.report_id WHERE o.status != 'sent' "
                    "ORDER BY o.id"
                )
            )
            if r["platform"] in platforms
        ]
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__ + ": " + str(exc)}
    waiting = [r for r in rows if r["status"] != "failed"]
    stuck = [
        r for r in waiting if r["next_attempt_at"] is not None and r["next_attempt_at"] < limit
    ]
    alert_minutes = float(getattr(runtime.settings, "undelivered_alert_minutes", 60.0))
    alert_before = ts - alert_minutes * 60
    undelivered = [
        r
        for r in rows
        if r["report_id"] is not None
        and r["report_status"] != "closed"
        and (r["status"] == "failed" or _timestamp(r["created_at"]) < alert_before)
    ]
    # A policy DM that can never be delivered (the person left, the account is gone) is the
    # head's to see in the round's progress, not a reason to page the IT admin; a stuck one
    # is (the worker that carries safeguarding notices is down), and counts in `stuck`.
    policy_failed = [r for r in rows if r["report_id"] is None and r["status"] == "failed"]
    out: dict[str, Any] = {
        "ok": not stuck and not undelivered,
        "platforms": list(platforms),
        "pending": len(waiting),
        "stuck": len(stuck),
        "undelivered": len(undelivered),
        "policy_dms_pending": sum(1 for r in waiting if r["report_id"] is None),
        "policy_dms_failed": len(policy_failed),
        "_unreachable": sorted(
            {r["role"] for r in waiting if r["unreachable"] and r["report_id"] is not None}
        ),
    }
    if undelivered:
        out["error"] = (
            f"{len(undelivered)} notice(s) refused for good or undelivered for more than "
            f"{alert_minutes:g} minutes: run `policybot reports undelivered` as each recipient"
        )
        out["undelivered_references"] = sorted({r["reference"] for r in undelivered})
    if stuck:
        oldest = stuck[0]
        minutes = int((ts - oldest["next_attempt_at"]) // 60)
        out["error"] = (
            f"{len(stuck)} notice(s) overdue by more than {stuck_after_minutes:g} minutes "
            # never the role: "C-2026-0007 to the chair" would say that report is about the head
            f"(oldest: {oldest['reference']} on {oldest['platform']}, "
            f"due {minutes} minutes ago): the delivery worker is not running"
        )
        out["stuck_references"] = sorted({r["reference"] for r in stuck})
    return out


def _timestamp(iso_text: str) -> float:
    return datetime.strptime(iso_text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


# --- who may see the details ------------------------------------------------------------------

FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")
PUBLIC_COUNTS = ("ok", "pending", "stuck", "undelivered", "documents", "clauses", "writable")


def may_see_details(settings: Any, peer: str | None, headers: Mapping[str, str]) -> bool:
    """True for a request made on this machine (a loopback peer, not relayed by a proxy: a
    reverse proxy on the same host must add X-Forwarded-For / Forwarded, as nginx's usual
    ``proxy_set_header X-Forwarded-For`` and Caddy do) or one carrying the health token."""
    token = getattr(settings, "health_token", None)
    lowered = {k.lower(): v for k, v in headers.items()}
    if token:
        given = lowered.get("authorization", "")
        if given.startswith("Bearer ") and hmac.compare_digest(
            given[len("Bearer ") :].strip().encode(), token.encode()
        ):
            return True
    if any(h in lowered for h in FORWARDING_HEADERS):
        return False
    try:
        return ipaddress.ip_address((peer or "").split("%")[0]).is_loopback
    except ValueError:
        return False


def public_view(details: dict[str, Any]) -> dict[str, Any]:
    """What anyone may see: the status and, per check, ok and counts. No references, roles,
    error texts or dense-model state."""
    out: dict[str, Any] = {"status": details.get("status")}
    for name, check in details.items():
        if isinstance(check, dict):
            out[name] = {k: v for k, v in check.items() if k in PUBLIC_COUNTS}
    out["unreachable_recipients"] = len(details.get("unreachable_recipients") or ())
    return out


def shown_to(
    settings: Any, peer: str | None, headers: Mapping[str, str], details: dict[str, Any]
) -> dict[str, Any]:
    """What ``/readyz`` answers this caller: every detail for one :func:`may_see_details`
    allows, else :func:`public_view`'s counts."""
    return details if may_see_details(settings, peer, headers) else public_view(details)
