"""Composition root for a multi-academy trust: one :class:`~bot.runtime.Runtime` per school in
one process, and what they share.

Each school's runtime is built exactly as a single school's (its own settings from its own
config, its own store opened with its own key, its own report service, campaigns and
assistant), with three things from the trust: its policies layered over the trust's
(bot/trust/handbook.py, parsed once), the one embedding model (bot/trust/embedding.py, loaded
once) and the trust's counts-only view (bot/trust/overview.py). The trust's people are added
to a school's ``people`` only where the school's config consents.

Which school a request belongs to is decided at the edge from what the platform vouches for —
the Slack workspace (team id) of a signed request, the Teams tenant (and team, or the person's
Entra ID object id where schools share a tenant) of an authenticated activity — and the
front end then talks to that school's runtime alone. Nothing here is a global: a front end
holds the :class:`Trust` and asks it.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.config import Settings, load_settings
from bot.errors import ConfigError
from bot.handbook import Handbook, parse_cache
from bot.reports.service import ReportService
from bot.runtime import Runtime
from bot.store import Store
from bot.trust.config import SchoolEntry, TrustConfig, load_trust, private_dir, trust_path
from bot.trust.embedding import SharedModel
from bot.trust.handbook import SchoolHandbook, trust_handbook
from bot.trust.overview import TrustView, trust_person

log = logging.getLogger(__name__)

# Schools reading their policies and building their indexes at the same time (the rest wait):
# on a small server fifty at once would only fight over the cores and the memory.
LOADING_AT_ONCE = 2
PEOPLE_CACHE = 10_000  # Teams object id -> school, where schools share a tenant


@dataclass
class School:
    name: str
    entry: SchoolEntry
    runtime: Runtime

    @property
    def settings(self) -> Settings:
        return self.runtime.settings


def school_settings(trust: TrustConfig, entry: SchoolEntry, env: Mapping[str, str]) -> Settings:
    """One school's settings: its own config, data directory, policies and key, plus the
    trust's people it consents to (a ConfigError names the file and key, and the school)."""
    try:
        settings = load_settings(entry.env(env))
    except ConfigError as exc:
        raise ConfigError(f"school {entry.name}: {exc}") from None
    people = dict(settings.people)
    lead = trust.people.get("trust_safeguarding_lead")
    if settings.trust_routes:
        if lead is None:
            raise ConfigError(
                f"school {entry.name}: {entry.config}: trust.safeguarding_lead_receives: the "
                f"trust file ({trust.path}) names no [trust.people.trust_safeguarding_lead]"
            )
        people["trust_safeguarding_lead"] = trust_person("trust_safeguarding_lead", lead, settings)
    return replace(settings, school_id=entry.name, people=people)


class Trust:
    """Every school's runtime, built once; :meth:`start` loads their policies in the
    background (reports are taken at once, as for one school)."""

    def __init__(
        self,
        config: TrustConfig,
        env: Mapping[str, str] = os.environ,
        *,
        clock: Callable[[], datetime] | None = None,
        embedder: Any = None,
        reports: Callable[[Store, Settings], ReportService] | None = None,
    ) -> None:
        """``embedder``: None loads the model (``POLICYBOT_MODEL`` or the bundled one) once for
        every school; "none" answers with BM25 only; an Embedder object is used as the model
        (tests, benchmarks). ``reports`` builds a school's report service (tests shorten its
        retry backoff)."""
        self.config = config
        private_dir(config.data_dir)
        self.handbook = trust_handbook(config.policies, parse_cache(config.data_dir))
        self._gate = threading.Semaphore(LOADING_AT_ONCE)
        self.model: SharedModel | None = None
        if embedder != "none":
            fixed = embedder
            model = env.get("POLICYBOT_MODEL", "").strip() or None
            self.model = (
                SharedModel(model, cache_dir=config.data_dir / "cache")
                if fixed is None
                else SharedModel(model, lambda _: fixed)
            )
        self.view = TrustView(config.name, config.people, self.runtimes)
        self.schools: dict[str, School] = {}
        self._people: OrderedDict[tuple[str, str], str | None] = OrderedDict()
        self._people_lock = threading.Lock()
        self._started = threading.Event()
        self._thread: threading.Thread | None = None
        make_reports = reports or (lambda store, settings: ReportService(store, settings, clock))
        try:
            for name, entry in sorted(config.schools.items()):
                settings = school_settings(config, entry, env)
                store = Store.configured(settings)
                try:
                    service = make_reports(store, settings)
                except BaseException:
                    store.close()
                    raise
                self.schools[name] = School(name, entry, self._runtime(settings, store, service))
        except BaseException:
            self.close()
            raise
        if self.model is not None:
            self.model.expect(len(self.schools))

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, **kw: Any) -> Trust:
        path = trust_path(env)
        if path is None:
            raise ConfigError("POLICYBOT_TRUST is not set (the trust's file of schools)")
        return cls(load_trust(path), env, **kw)

    def _runtime(self, settings: Settings, store: Store, reports: ReportService) -> Runtime:
        own = Handbook(settings.corpus_dir, parse_cache(settings.data_dir))
        handbook = SchoolHandbook(self.handbook, own, gate=self._gate, on_error=self._skip)
        dense = None
        if self.model is not None:
            model, cache = self.model, settings.data_dir / "cache"
            dense = lambda assistant: model.attach(assistant, cache)  # noqa: E731
        return Runtime(
            settings, store, reports,
            embedder="none" if self.model is None else None,
            handbook=handbook, dense=dense, trust=self.view,
        )  # fmt: skip

    def _skip(self) -> None:
        if self.model is not None:
            self.model.skip()

    # ---- lifecycle -------------------------------------------------------------------------
    def start(self) -> threading.Thread:
        """Read the trust's policies once, then every school's (a few at a time), each school's
        assistant getting the shared model in turn. Reports are taken meanwhile."""

        if self._thread is not None:  # the Slack and Teams apps of one process share it
            return self._thread

        def run() -> None:
            if self.handbook is not None:
                try:
                    self.handbook.load()
                except Exception as exc:  # each school still answers from its own policies
                    log.error("the trust's policies could not be loaded: %s", exc)
            for school in self.schools.values():
                school.runtime.load_in_background()

            self._started.set()

        self._thread = threading.Thread(target=run, name="trust-load", daemon=True)
        self._thread.start()
        return self._thread

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every school's policies are loaded (or failed): tests, benchmarks."""
        if not self._started.wait(timeout):
            return False
        return all([s.runtime.handbook.wait(timeout) for s in self.schools.values()])

    def close(self) -> None:
        if self.model is not None:
            self.model.stop()
        for school in self.schools.values():
            school.runtime.close()

    # ---- which school ----------------------------------------------------------------------
    def runtimes(self) -> dict[str, Runtime]:
        return {name: s.runtime for name, s in self.schools.items()}

    def school(self, name: str) -> School | None:
        return self.schools.get(name)

    def for_slack(self, team_id: str | None) -> School | None:
        """The school whose Slack workspace this is (the team id of a signed request)."""
        if not team_id:
            return None
        return next((s for s in self.schools.values() if team_id in s.entry.slack_teams), None)

    def teams_tenants(self) -> frozenset[str]:
        return frozenset(
            s.entry.teams_tenant for s in self.schools.values() if s.entry.teams_tenant
        )

    def for_teams(self, tenant: str | None, team: str | None, person: str | None) -> list[School]:
        """The schools an authenticated Teams activity may belong to, best first: the only
        school in its tenant; else the one whose team it came from; else the ones whose people
        (config or staff directory) include the person's Entra ID object id. One school is an
        answer; several (a trust person in a shared tenant) or none are the caller's to handle."""
        tenant = (tenant or "").lower()
        candidates = [s for s in self.schools.values() if s.entry.teams_tenant == tenant]
        if len(candidates) <= 1:
            return candidates
        if team:
            by_team = [s for s in candidates if team in s.entry.teams_teams]
            if by_team:
                return by_team
        if not person:
            return []
        person = person.lower()
        return [s for s in candidates if self._has_person(s, person)]

    def _has_person(self, school: School, person: str) -> bool:
        key = (school.name, person)
        with self._people_lock:
            if key in self._people:
                return self._people[key] is not None
        settings = school.settings
        found = any(p.teams_user == person for p in settings.people.values()) or any(
            ids.get("teams") == person for ids in settings.trust_accounts.values()
        )
        if not found:
            reports = school.runtime.reports
            with reports.store.read() as db:
                found = (
                    school.runtime.campaigns.directory.by_account(db, "teams", person) is not None
                )
        if found:  # a person who is not (yet) in the directory is looked up again next time
            with self._people_lock:
                self._people[key] = school.name
                while len(self._people) > PEOPLE_CACHE:
                    self._people.popitem(last=False)
        return found


def school_runtime(
    trust: TrustConfig,
    entry: SchoolEntry,
    env: Mapping[str, str],
    *,
    clock: Callable[[], datetime] | None = None,
    settings: Settings | None = None,
) -> Runtime:
    """One school's runtime on its own, as a command needs it: its policies over the trust's,
    no shared model (a command that answers loads the model itself, as for one school)."""
    settings = settings or school_settings(trust, entry, env)
    private_dir(trust.data_dir)
    store = Store.configured(settings)
    try:
        reports = ReportService(store, settings, clock)
    except BaseException:
        store.close()
        raise
    handbook = SchoolHandbook(
        trust_handbook(trust.policies, parse_cache(trust.data_dir)),
        Handbook(settings.corpus_dir, parse_cache(settings.data_dir)),
    )
    return Runtime(settings, store, reports, handbook=handbook)
