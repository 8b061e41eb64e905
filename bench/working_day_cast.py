"""The working day's cast: 50 units with members, a few cases each, and an API key per role.

The national dataset (bench/national_data.py) has the 11 regional centres. A working day from 50
units adds 39 local cooperations (``UnitKind.LOCAL``: the core agencies, the same members as a
centre has, by ``demo.dataset.load_people``) with a few cases each, made by the services. Then,
per unit, through ``agencies.services.api_key_create``:
- one agency system per member agency (``cases:*``, ``events:read``): polls the feed and writes;
- an officers' desk (``cases:read``, ``controls:read``): reads and searches;
- a planner (``controls:*``, ``units:read``, ``cases:read``): plans controls and books officers.
The keys and, per unit, search terms the desk's agency can see go to a JSON file the locustfile
reads (``WORKING_DAY_CAST``).
"""

from __future__ import annotations

import datetime
import json
import random
from pathlib import Path

UNITS_TOTAL = 50
CASES_PER_LOCAL_UNIT = 12
CORE_AGENCIES = ["POLICE", "LABOUR", "TAX", "NAV"]
SEARCH_TERMS = 20
# Local cooperations: (code, town).
LOCAL_UNITS = [
    ("DRM", "Drammen"), ("FRE", "Fredrikstad"), ("SAR", "Sarpsborg"), ("SKI", "Skien"), ("SAN", "Sandefjord"),
    ("LAR", "Larvik"), ("ARE", "Arendal"), ("GRI", "Grimstad"), ("MAN", "Mandal"), ("EGE", "Egersund"),
    ("SNS", "Sandnes"), ("HAU", "Haugesund"), ("STO", "Stord"), ("LEI", "Leirvik"), ("FOE", "Førde"),
    ("FLO", "Florø"), ("KSU", "Kristiansund"), ("MOL", "Molde"), ("ORK", "Orkanger"), ("STE", "Steinkjer"),
    ("NAM", "Namsos"), ("LEV", "Levanger"), ("MOR", "Mo i Rana"), ("MOS", "Mosjøen"), ("NAR", "Narvik"),
    ("HAR", "Harstad"), ("TOS", "Tromsø"), ("FIN", "Finnsnes"), ("HAM", "Hammerfest"), ("VAD", "Vadsø"),
    ("KIR", "Kirkenes"), ("LIL", "Lillehammer"), ("GJO", "Gjøvik"), ("ELV", "Elverum"), ("KON", "Kongsberg"),
    ("HON", "Hønefoss"), ("MOSS", "Moss"), ("HAL", "Halden"), ("SVO", "Svolvær"),
]  # fmt: skip
SECTORS = ["41.20", "81.21", "56.10", "45.20", "43.34"]
PREFIXES = ["Nordlys", "Fjord", "Kyst", "Granitt", "Furu", "Sølv", "Havbris", "Bjørke"]
PEOPLE = ["Piotr Nowak", "Rasa Kazlauskienė", "Andrei Popescu", "Kari Østby", "Minh Nguyen", "Iryna Shevchenko"]


def add_local_units(total: int = UNITS_TOTAL) -> None:
    """Local cooperations up to ``total`` units, each with the core agencies and the demo's members."""
    from agencies.choices import UnitKind
    from agencies.models import Agency, RegionalUnit
    from demo.dataset import load_people

    core = list(Agency.objects.filter(code__in=CORE_AGENCIES))
    missing = total - RegionalUnit.objects.count()
    for code, town in LOCAL_UNITS[: max(0, missing)]:
        unit = RegionalUnit.objects.create(
            code=code, name=f"Lokalt a-krimsamarbeid {town}", kind=UnitKind.LOCAL, city=town
        )
        unit.agencies.set(core)
    load_people()  # get_or_create: the new units' officers, coordinator, analyst and auditor


def seed_local_cases(per_unit: int = CASES_PER_LOCAL_UNIT, seed: int = 20261128) -> int:
    """A few cases with an organisation and a person each in the local units, through the services."""
    from agencies.choices import UnitKind, UnitRole
    from agencies.models import RegionalUnit, UnitMembership
    from cases import services
    from cases.identity import make_identity_number
    from cases.models import Case
    from demo.dataset import _Generator

    rng = random.Random(seed)
    numbers = _Generator()  # valid organisation numbers, never one used twice
    made = 0
    for unit in RegionalUnit.objects.filter(kind=UnitKind.LOCAL).order_by("code"):
        if Case.objects.filter(unit=unit).exists():
            continue
        officers = list(
            UnitMembership.objects.filter(unit=unit, role=UnitRole.CASE_OFFICER, user__kind="person")
            .select_related("user__agency")
            .order_by("user__username")
        )
        for n in range(per_unit):
            actor = officers[n % len(officers)].user
            others = [a for a in CORE_AGENCIES if a != actor.agency.code]
            case = services.case_create(
                actor=actor, unit=unit, title=f"{rng.choice(PREFIXES)} {unit.city} {n + 1}",
                lead_agency=actor.agency, sector=rng.choice(SECTORS), source="agency",
                agencies=rng.sample(others, 2), offences=["wages"],
            )  # fmt: skip
            organisation = services.organisation_upsert(
                actor=actor, case=case, organisation_number=numbers.orgnr(),
                name=f"{rng.choice(PREFIXES)} {unit.city} AS", city=unit.city,
            )  # fmt: skip
            services.case_add_subject(actor=actor, case=case, role="employer", organisation=organisation)
            birth = datetime.date(1970 + rng.randrange(30), 1 + rng.randrange(12), 1 + rng.randrange(28))
            id_number = None
            while id_number is None:
                id_number = make_identity_number(birth, rng.randrange(500), d_number=True)
            person = services.person_upsert(
                actor=actor, case=case, name=rng.choice(PEOPLE), id_number=id_number, nationality="PL"
            )
            services.case_add_subject(actor=actor, case=case, role="worker", person=person)
            made += 1
    return made


SYSTEM_SCOPES = ["cases:read", "cases:write", "events:read"]
DESK_SCOPES = ["cases:read", "controls:read"]
PLANNER_SCOPES = ["cases:read", "controls:read", "controls:write", "units:read"]


def issue_keys(*, seed: int = 20261128) -> list[dict]:
    """Per unit: a system per member agency, an officers' desk and a planner, with search terms."""
    from agencies.models import RegionalUnit
    from agencies.services import api_key_create

    def key(unit, agency, name: str, scopes: list[str]) -> dict:
        token = api_key_create(actor=None, name=name, agency=agency, units=[unit], scopes=scopes)[1]
        return {"agency": agency.code, "token": token}

    rng = random.Random(seed)
    cast = []
    for i, unit in enumerate(RegionalUnit.objects.prefetch_related("agencies").order_by("code")):
        agencies = {a.code: a for a in unit.agencies.all()}
        core = [agencies[code] for code in CORE_AGENCIES if code in agencies]
        desk, planner = core[i % len(core)], core[(i + 1) % len(core)]
        systems = [
            key(unit, a, f"{code} case system {unit.code}", SYSTEM_SCOPES) for code, a in sorted(agencies.items())
        ]
        cast.append(
            {
                "unit": unit.code,
                "agencies": sorted(agencies),
                "systems": systems,
                "desk": key(unit, desk, f"Officers' desk {unit.code}", DESK_SCOPES)
                | {"search": search_terms(unit, desk, rng)},
                "planner": key(unit, planner, f"Control planner {unit.code}", PLANNER_SCOPES),
            }
        )
    return cast


def search_terms(unit, agency, rng: random.Random) -> dict:
    """Names, organisation and identity numbers on the unit's cases that ``agency`` takes part in."""
    from cases.models import Organisation, Person

    visible = {"case__unit": unit, "case__agencies": agency}
    orgs = list(
        Organisation.objects.filter(**visible, organisation_number__isnull=False)
        .order_by("-created_at")
        .values_list("organisation_number", "name")[:200]
    )
    people = list(
        Person.objects.filter(**visible, id_number__isnull=False)
        .order_by("-created_at")
        .values_list("id_number", "name")[:200]
    )
    sample = lambda rows: rng.sample(rows, min(SEARCH_TERMS, len(rows)))  # noqa: E731
    orgs, people = sample(orgs), sample(people)
    # A name search is by a word's beginning, as people type it: the first word of a name.
    names = [name.split()[0] for _, name in orgs[: SEARCH_TERMS // 2] + people[: SEARCH_TERMS // 2]]
    return {
        "names": names or ["Nordlys"],
        "organisation_numbers": [number for number, _ in orgs],
        "identity_numbers": [number for number, _ in people],
    }


def control_slots_from() -> datetime.datetime:
    """A midnight after every control in the database: the planners' controls start there, one
    slot each, so no officer is ever booked twice at once (run after run on the same data too)."""
    from django.db.models import Max
    from django.utils import timezone

    from controls.models import JointControl

    latest = JointControl.objects.aggregate(latest=Max("ends_at"))["latest"] or timezone.now()
    day = max(latest, timezone.now()).astimezone(datetime.UTC).date() + datetime.timedelta(days=2)
    return datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)


def prepare(path: Path, total: int = UNITS_TOTAL) -> dict:
    """Units, people, cases and keys in the current database; the cast written to ``path``."""
    add_local_units(total)
    made = seed_local_cases()
    cast = {"units": issue_keys(), "control_slots_from": control_slots_from().isoformat()}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(cast, indent=1, ensure_ascii=False))
    path.chmod(0o600)  # the keys' secrets
    return {"units": len(cast["units"]), "local_cases": made}
