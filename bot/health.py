"""Health for the servers' ``/healthz`` (alive) and ``/readyz`` (able to do its job).

Framework-free on purpose: a front end's route is three lines —
``ok, details = await loop.run_in_executor(None, readiness, runtime)`` then
``web.json_response(details, status=200 if ok else 503)``.

Details hold counts, roles, references and states only: never report text or names.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

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
    written, or a delivery has been due for more than ``stuck_after_minutes`` without being
    attempted (the delivery worker is dead or wedged). The dense model loading or being
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


def _index(runtime: Any) -> dict[str, Any]:
    assistant = _assistant(runtime)
    if assistant is None:
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
    """A real committed write (a heartbeat in the meta table): proves the file, its directory
    (for the WAL) and the lock are all usable."""
    store = runtime.store
    try:
        with store.transaction() as db:
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('heartbeat', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")],
            )
    except Exception as exc:
        return {"ok": False, "writable": False, "error": type(exc).__name__ + ": " + str(exc)}
    return {"ok": True, "writable": True}


def _outbox(
    runtime: Any, platforms: Iterable[str] | None, stuck_after_minutes: float, now: datetime | None
) -> dict[str, Any]:
    if platforms is None:
        registered = getattr(runtime.reports, "_notifiers", None) or {}
        platforms = tuple(registered) or ("slack", "teams")
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
                    "SELECT * FROM outbox WHERE status != 'sent' ORDER BY id"
                )
            )
            if r["platform"] in platforms
        ]
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__ + ": " + str(exc)}
    stuck = [r for r in rows if r["next_attempt_at"] is not None and r["next_attempt_at"] < limit]
    out: dict[str, Any] = {
        "ok": not stuck,
        "platforms": list(platforms),
        "pending": len(rows),
        "stuck": len(stuck),
        "_unreachable": sorted({r["role"] for r in rows if r["unreachable"]}),
    }
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
