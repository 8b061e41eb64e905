"""A working day against the API, from 50 units (bench/working_day.py runs it; the cast of keys
comes from bench/working_day_cast.py, at ``WORKING_DAY_CAST``).

- ``AgencySystem``: an agency's case system in one unit. Follows the change feed with its cursor
  and writes: creates cases, adds journal entries and subjects, moves its cases along.
- ``Officer``: reads the unit's case lists by status, opens cases (detail, journal, subjects),
  searches by name, organisation number and identity number, looks at the unit's controls.
- ``Planner``: plans joint controls and books an officer of its agency on them.

Users take the units in turn (the n-th user of a kind serves unit n mod 50), so with ``-u 100``
every unit has its agency system and most have an officer or a planner. Every request goes
through ``ApiUser.call`` with a route of ``ROUTES``; tests/bench/test_locustfile.py resolves each
against the URL conf, so a renamed route fails the suite, not the next benchmark.
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
import random
from pathlib import Path

from locust import HttpUser, between, task

ROOT = Path(__file__).resolve().parent.parent
CAST_FILE = Path(os.environ.get("WORKING_DAY_CAST", ROOT / "var" / "bench" / "working_day_cast.json"))

# Every route the scenario calls (the request's name in the statistics) and its methods.
ROUTES = {
    "/api/v1/events/": ("GET",),
    "/api/v1/cases/": ("GET", "POST"),
    "/api/v1/cases/{id}/": ("GET",),
    "/api/v1/cases/{id}/journal/": ("GET", "POST"),
    "/api/v1/cases/{id}/subjects/": ("GET", "POST"),
    "/api/v1/cases/{id}/transition/": ("POST",),
    "/api/v1/organisations/": ("GET",),
    "/api/v1/persons/": ("GET",),
    "/api/v1/controls/": ("GET", "POST"),
    "/api/v1/controls/{id}/": ("GET",),
    "/api/v1/controls/{id}/participants/": ("POST",),
    "/api/v1/units/{code}/members/": ("GET",),
}
OPEN_STATES = ["received", "assessment", "active"]
NEXT_STATE = {"received": "assessment", "assessment": "active"}
SECTORS = ["41.20", "81.21", "56.10", "45.20", "43.34", "96.02", "49.41"]
OFFENCES = ["wages", "tax", "undeclared_work", "social_security", "document_fraud"]
NOTES = ["Mottatt lønnslister fra arbeidsgiver.", "Befaring gjennomført.", "Innhentet opplysninger fra registeret.",
         "Avtalt møte med daglig leder.", "Kontoutskrifter gjennomgått."]  # fmt: skip
NAMES = ["Nordlys", "Fjord", "Kyst", "Granitt", "Furu", "Havbris", "Bjørke", "Vidde"]
WORKERS = ["Tomasz Wójcik", "Elena Ionescu", "Dmytro Kovalenko", "Lan Tran", "Georgi Petrov"]


def load_cast(path: Path = CAST_FILE) -> dict:
    return json.loads(path.read_text())


_cast: dict | None = None


def cast() -> dict:
    global _cast
    if _cast is None:
        _cast = load_cast()
    return _cast


def organisation_number(rng: random.Random) -> str:
    """A valid organisation number (mod-11 check digit)."""
    while True:
        base = f"9{rng.randrange(10_000_000):07d}"
        check = (11 - sum(w * int(d) for w, d in zip((3, 2, 7, 6, 5, 4, 3, 2), base, strict=True)) % 11) % 11
        if check != 10:
            return base + str(check)


class ApiUser(HttpUser):
    abstract = True
    _turns: itertools.count  # each kind's own: its n-th user serves unit n mod 50

    def on_start(self) -> None:
        units = cast()["units"]
        self.turn = next(type(self)._turns)
        self.unit = units[self.turn % len(units)]
        self.rng = random.Random(f"{type(self).__name__}-{self.turn}")
        self.token = self.choose_token()

    def choose_token(self) -> str:
        raise NotImplementedError

    def call(self, method: str, route: str, *, ids: dict | None = None, etag: str | None = None, **kwargs):
        """One request to a route of ROUTES, named by the route so the statistics group by endpoint.
        ``X-Forwarded-Proto``: we stand where the TLS-terminating proxy would."""
        assert method in ROUTES[route], (method, route)
        headers = {"Authorization": f"Bearer {self.token}", "X-Forwarded-Proto": "https"}
        if etag:
            headers["If-Match"] = etag
        path = route.format(**(ids or {}))
        name = route + (f" ?{kwargs.pop('label')}" if "label" in kwargs else "")
        with self.client.request(method, path, headers=headers, name=name, catch_response=True, **kwargs) as response:
            if response.status_code >= 400:
                response.failure(f"{response.status_code}: {response.text[:300]}")
            return response


class AgencySystem(ApiUser):
    """An agency's case system: polls the feed every few seconds and writes now and then."""

    weight = 50
    wait_time = between(3, 12)
    _turns = itertools.count()

    def choose_token(self) -> str:
        systems = self.unit["systems"]
        self.system = systems[(self.turn + self.turn // len(cast()["units"])) % len(systems)]
        self.cursor: str | None = None
        self.cases: list[dict] = []  # the cases this system created: {id, status}
        return self.system["token"]

    @task(8)
    def poll_feed(self) -> None:
        params = {"limit": 100} | ({"after": self.cursor} if self.cursor else {})
        response = self.call("GET", "/api/v1/events/", params=params)
        if response.ok:
            self.cursor = response.json()["next"] or self.cursor

    @task(2)
    def create_case(self) -> None:
        others = [a for a in self.unit["agencies"] if a != self.system["agency"]]
        body = {
            "unit": self.unit["unit"],
            "title": f"{self.rng.choice(NAMES)} {self.rng.choice(['lønn', 'svart arbeid', 'HMS-kort'])}",
            "lead_agency": self.system["agency"],
            "agencies": self.rng.sample(others, 1),
            "sector": self.rng.choice(SECTORS),
            "offences": self.rng.sample(OFFENCES, 2),
            "source": "agency",
        }
        response = self.call("POST", "/api/v1/cases/", json=body)
        if response.ok:
            case = response.json()
            self.cases = [*self.cases[-19:], {"id": case["id"], "status": case["status"]}]

    @task(3)
    def write_journal(self) -> None:
        if self.cases:
            case = self.rng.choice(self.cases)
            body = {"body": self.rng.choice(NOTES), "visibility": "agency"}
            self.call("POST", "/api/v1/cases/{id}/journal/", ids=case, json=body)

    @task(2)
    def add_subject(self) -> None:
        if not self.cases:
            return
        case = self.rng.choice(self.cases)
        if self.rng.random() < 0.5:
            name = f"{self.rng.choice(NAMES)} {self.rng.choice(['Bygg', 'Renhold', 'Service'])} AS"
            body = {"role": "employer",
                    "organisation": {"organisation_number": organisation_number(self.rng), "name": name}}  # fmt: skip
        else:
            body = {"role": "worker", "person": {"name": self.rng.choice(WORKERS), "nationality": "PL"}}
        self.call("POST", "/api/v1/cases/{id}/subjects/", ids=case, json=body)

    @task(1)
    def move_case_along(self) -> None:
        """Read the case for its ETag, then move it one step (received → assessment → active)."""
        movable = [c for c in self.cases if c["status"] in NEXT_STATE]
        if not movable:
            return
        case = self.rng.choice(movable)
        response = self.call("GET", "/api/v1/cases/{id}/", ids=case)
        if not response.ok:
            return
        to = NEXT_STATE[case["status"]]
        body = {"to": to, "note": "Vurdert av fagsystemet."}
        moved = self.call("POST", "/api/v1/cases/{id}/transition/", ids=case, etag=response.headers["ETag"], json=body)
        if moved.ok:
            case["status"] = to


class Officer(ApiUser):
    """An officer at work: lists, opens and searches the unit's cases."""

    weight = 40
    wait_time = between(2, 8)
    _turns = itertools.count()

    def choose_token(self) -> str:
        self.search = self.unit["desk"]["search"]
        self.seen: list[str] = []
        return self.unit["desk"]["token"]

    @task(4)
    def list_cases(self) -> None:
        params = {"unit": self.unit["unit"], "status": self.rng.choice(OPEN_STATES)}
        response = self.call("GET", "/api/v1/cases/", params=params, label="unit&status")
        if response.ok:
            self.seen = [case["id"] for case in response.json()["results"]] or self.seen

    @task(4)
    def open_case(self) -> None:
        if not self.seen:
            return
        ids = {"id": self.rng.choice(self.seen)}
        self.call("GET", "/api/v1/cases/{id}/", ids=ids)
        self.call("GET", "/api/v1/cases/{id}/journal/", ids=ids)
        self.call("GET", "/api/v1/cases/{id}/subjects/", ids=ids)

    @task(2)
    def search_by_name(self) -> None:
        params = {"search": self.rng.choice(self.search["names"])}
        self.call("GET", "/api/v1/cases/", params=params, label="search=name")

    @task(1)
    def search_by_organisation_number(self) -> None:
        if self.search["organisation_numbers"]:
            number = self.rng.choice(self.search["organisation_numbers"])
            self.call("GET", "/api/v1/cases/", params={"search": number}, label="search=organisation number")
            self.call("GET", "/api/v1/organisations/", params={"organisation_number": number})

    @task(1)
    def search_by_identity_number(self) -> None:
        if self.search["identity_numbers"]:
            self.call("GET", "/api/v1/persons/", params={"id_number": self.rng.choice(self.search["identity_numbers"])})

    @task(1)
    def look_at_controls(self) -> None:
        self.call("GET", "/api/v1/controls/", params={"unit": self.unit["unit"]})


_slots = itertools.count()  # the planners' control slots: one each, so no officer is booked twice at once


class Planner(ApiUser):
    """A unit's control planner: plans joint controls and books its agency's officers."""

    weight = 10
    wait_time = between(10, 30)
    _turns = itertools.count()

    def choose_token(self) -> str:
        self.agency = self.unit["planner"]["agency"]
        self.officers: list[str] = []
        return self.unit["planner"]["token"]

    @task(2)
    def look_at_controls(self) -> None:
        response = self.call("GET", "/api/v1/controls/", params={"unit": self.unit["unit"]})
        if response.ok and response.json()["results"]:
            self.call("GET", "/api/v1/controls/{id}/", ids={"id": response.json()["results"][0]["id"]})

    @task(1)
    def plan_control(self) -> None:
        if not self.officers:
            response = self.call("GET", "/api/v1/units/{code}/members/", ids={"code": self.unit["unit"]})
            if not response.ok:
                return
            self.officers = [
                m["id"] for m in response.json()["results"]
                if m["agency"] == self.agency and "case_officer" in m["roles"]
                and not m["username"].startswith("system.")  # the keys' own service accounts
            ]  # fmt: skip
        first_slot = datetime.datetime.fromisoformat(cast()["control_slots_from"])
        starts = first_slot + datetime.timedelta(hours=4 * next(_slots))
        others = [a for a in self.unit["agencies"] if a != self.agency]
        body = {
            "unit": self.unit["unit"],
            "title": f"Felles kontroll {self.rng.choice(NAMES)}",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + datetime.timedelta(hours=3)).isoformat(),
            "agencies": [self.agency, *self.rng.sample(others, 1)],
            "sites": [{"address": f"Industriveien {self.rng.randrange(1, 90)}"}],
        }
        response = self.call("POST", "/api/v1/controls/", json=body)
        if response.ok and self.officers:
            booking = {"officer": self.rng.choice(self.officers), "is_lead": True}
            self.call("POST", "/api/v1/controls/{id}/participants/", ids={"id": response.json()["id"]}, json=booking)
