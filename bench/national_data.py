"""Build a national-scale dataset fast: PostgreSQL COPY from precomputed pools, not the ORM.

    .venv/bin/python bench/national_data.py [--scale 1.0] [--database-url URL] [--index-mode drop|keep]

At ``--scale 1.0`` (national): 1,000,000 cases, ~1,500,000 subjects (organisations and persons, each
recorded on one case), ~3,000,000 case-subject links, 200,000 joint controls with sites, booked
officers and findings, ~5,000,000 journal entries, ~20,000,000 audit rows and ~5,000,000 events.
``--scale 0.01`` is a quick run (10,000 cases).

Where: a fresh database ``tracker_national`` on the project's embedded PostgreSQL (under var/ of the
checkout), or the database named by ``--database-url`` / ``NATIONAL_DATABASE_URL`` (dropped and
created again). Schema by ``manage.py migrate``; reference data and people by the project's own
``load_reference_data`` and ``demo.dataset.load_people``; everything else by COPY.

The rows respect every rule the schema holds: check constraints (dates in range, a closed case has
an outcome, ILO indicators only for potential victims, person-only roles…), uniqueness per case,
valid organisation and identity numbers (check digits computed here, verified with python-stdnum on
a sample), the generated ``search_name`` columns (left to PostgreSQL: never copied), and the audit
trail's append-only triggers (COPY only appends). With ``--index-mode drop`` (the default) the bulk
tables' indexes, primary and unique keys and foreign keys are dropped, the rows copied, and all of
them created again from their saved definitions, so PostgreSQL checks every key and reference once
at the end; ``keep`` copies into the indexed tables (docs/benchmarks.md has both timings).

Distributions (seeded, deterministic): units of very different sizes (Oslo ~30 % of cases, Alta
~1.5 %); sectors skewed to construction, cleaning and restaurants; cases received over seven years
with a growing volume, statuses by age (old cases mostly closed); a few huge cases with thousands
of subjects and journal entries. The event outbox keeps the recent events (older ones pruned, as
retention would) and each event carries the id of a transaction that committed before the load
ended, so the change feed serves them in order before anything written later.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NATIONAL_DB = "tracker_national"
SEED = 20261201

# National figures at scale 1.0.
CASES = 1_000_000
CONTROLS = 200_000
JOURNAL_TARGET = 5_000_000
AUDIT_TARGET = 20_000_000
EVENTS_TARGET = 5_000_000
HUGE_CASES = 20
# Events written per case before the outbox is pruned (measured), to keep ~EVENTS_TARGET.
EVENTS_PER_CASE = 10.6

# Share of the caseload per unit: Oslo large, Alta small.
UNIT_WEIGHTS = {"OSL": 30, "FRO": 11, "BGO": 12, "SVG": 9, "TRD": 9, "KRS": 6, "TBG": 6, "INN": 6, "MRO": 5,
                "BOO": 4.5, "ALT": 1.5}  # fmt: skip
# NACE classes: construction, cleaning and restaurants dominate.
SECTORS = {
    "41.20": ("Bygg", 20), "43.31": ("Puss", 5), "43.34": ("Maling", 5), "43.99": ("Byggtjenester", 4),
    "81.21": ("Renhold", 18), "81.22": ("Industrirenhold", 3), "56.10": ("Restaurant", 14), "56.30": ("Bar", 3),
    "45.20": ("Bilpleie", 6), "96.02": ("Frisør", 4), "49.41": ("Transport", 5), "01.13": ("Gartneri", 3),
    "10.20": ("Fiskeforedling", 3), "55.10": ("Hotell", 3), "47.11": ("Butikk", 2), "52.10": ("Lager", 2),
}  # fmt: skip
TITLES = ["lønn under tariff", "svart arbeid", "trygdesvindel", "mulig menneskehandel", "uregistrerte arbeidere",
          "manglende HMS-kort", "falske ID-dokumenter", "merverdiavgift", "innleie uten godkjenning",
          "sosial dumping", "kontantbetaling", "overtid uten betaling"]  # fmt: skip
PREFIXES = ["Nordlys", "Fjord", "Vest", "Polar", "Granitt", "Kyst", "Bjørke", "Midnatt", "Sølv", "Furu", "Havbris",
            "Nordkapp", "Lyngen", "Elve", "Torv", "Stein", "Skog", "Brygge", "Fossen", "Tinde", "Ørn", "Åsen",
            "Bølge", "Lys", "Mørkved", "Sjø", "Vidde", "Bre", "Ask", "Eik"]  # fmt: skip
SUFFIXES = ["AS", "AS", "AS", "ENK", "DA", "Holding AS", "Service AS", "Gruppen AS"]
FIRST = {
    "NO": ["Ola", "Kari", "Jonas", "Ingrid", "Håkon", "Sigrid", "Øystein", "Åse", "Lars", "Marte"],
    "PL": ["Piotr", "Anna", "Tomasz", "Magdalena", "Krzysztof", "Agnieszka", "Paweł", "Małgorzata"],
    "LT": ["Tomas", "Rasa", "Mantas", "Jurgita", "Darius"],
    "RO": ["Andrei", "Elena", "Mihai", "Ioana", "Ștefan"],
    "UA": ["Oleksandr", "Iryna", "Dmytro", "Olena"],
    "BG": ["Georgi", "Maria", "Ivan", "Desislava"],
    "VN": ["Minh", "Lan", "Tuan", "Huong"],
    "ER": ["Yonas", "Selam", "Tesfaye", "Helen"],
    "SE": ["Erik", "Karin", "Björn", "Linnéa"],
}
LAST = {
    "NO": ["Hansen", "Johansen", "Berg", "Haugen", "Østby", "Bjørnstad", "Løken", "Aas", "Sæther", "Dahl"],
    "PL": ["Nowak", "Kowalski", "Wiśniewska", "Wójcik", "Kamiński", "Lewandowska", "Zieliński"],
    "LT": ["Kazlauskas", "Jankauskienė", "Petrauskas", "Stankevičius"],
    "RO": ["Popescu", "Ionescu", "Popa", "Rădulescu"],
    "UA": ["Shevchenko", "Bondarenko", "Kovalenko", "Tkachenko"],
    "BG": ["Dimitrov", "Ivanova", "Petrov", "Georgieva"],
    "VN": ["Nguyen", "Tran", "Le", "Pham"],
    "ER": ["Tesfay", "Haile", "Ghebre", "Kidane"],
    "SE": ["Andersson", "Lindqvist", "Öberg", "Nyström"],
}
NATIONALITY_WEIGHTS = {"NO": 30, "PL": 22, "LT": 12, "RO": 10, "UA": 8, "BG": 6, "VN": 4, "ER": 3, "SE": 5}
STREETS = ["Storgata", "Industriveien", "Havnegata", "Kirkeveien", "Sjøgata", "Verkstedveien", "Bryggen", "Torget",
           "Strandveien", "Jernbanegata", "Skolegata", "Fabrikkveien"]  # fmt: skip
OFFENCES = ["wages", "social_security", "tax", "undeclared_work", "trafficking", "customs", "document_fraud",
            "money_laundering", "other"]  # fmt: skip
ILO = ["abuse_of_vulnerability", "deception", "restriction_of_movement", "isolation", "physical_sexual_violence",
       "intimidation_threats", "retention_of_documents", "withholding_of_wages", "debt_bondage",
       "abusive_conditions", "excessive_overtime"]  # fmt: skip
LEGAL_BASES = ["akrim_regulation_3", "police_register_act", "tax_administration_act", "nav_act",
               "working_environment_act", "customs_act"]  # fmt: skip
OUTCOMES = (["sanctioned"] * 35 + ["prosecution"] * 15 + ["referred"] * 15 + ["no_basis"] * 25 + ["merged"] * 3
            + ["transferred_out"] * 2 + ["other"] * 5)  # fmt: skip
NOTES = ["Befaring gjennomført, fire arbeidere på stedet.", "Mottatt lønnslister fra arbeidsgiver.",
         "Avtalt felles kontroll med skatteetaten.", "Arbeidstakerne mangler HMS-kort.",
         "Innhentet opplysninger fra Enhetsregisteret.", "Avhør av daglig leder planlagt.",
         "Kontoutskrifter gjennomgått; kontantuttak hver fredag.", "Tips om boforhold i brakke.",
         "Mottatt dokumentasjon fra NAV.", "Tolk bestilt til neste møte."]  # fmt: skip
NOTE_TAIL = " Videre oppfølging avtales med enhetens koordinator."

# Fixed "now" for a reproducible dataset: dates run up to this day.
TODAY = datetime.date.today()
BIRTH_1960 = (datetime.date(1960, 1, 1) - datetime.date(1970, 1, 1)).days
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
DAY = 86_400


# --- Fast text for COPY -------------------------------------------------------------------


class Clock:
    """Timestamps and dates as COPY text, from seconds since the epoch, without datetime per row."""

    def __init__(self) -> None:
        self._days: dict[int, str] = {}
        self._hms = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]

    def day(self, day: int) -> str:
        text = self._days.get(day)
        if text is None:
            text = self._days[day] = (datetime.date(1970, 1, 1) + datetime.timedelta(days=day)).isoformat()
        return text

    def ts(self, seconds: int) -> str:
        day, rest = divmod(seconds, DAY)
        return f"{self.day(day)} {self._hms[rest]}+00"

    def iso(self, seconds: int) -> str:
        day, rest = divmod(seconds, DAY)
        return f"{self.day(day)}T{self._hms[rest]}+00:00"


def epoch_day(day: datetime.date) -> int:
    return (day - datetime.date(1970, 1, 1)).days


def pg_array(items) -> str:
    return "{" + ",".join(items) + "}"


def dumps(value) -> str:
    # No backslashes, tabs or newlines reach COPY text: the values are made here without them.
    return orjson.dumps(value).decode()


# An edit's audit row (the fields it changed), made once.
UPDATE_BEFORE = dumps({"priority": "normal", "summary": ""})
UPDATE_AFTER = {
    p: dumps({"priority": p, "summary": "Oppdatert etter kontroll."}) for p in ("low", "normal", "high", "critical")
}


# --- Valid registry numbers ---------------------------------------------------------------

_ORG_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def organisation_numbers(rng: random.Random, count: int) -> list[str]:
    """Distinct valid organisation numbers (mod-11 check digit), starting with 8 or 9 as issued ones do."""
    out: set[str] = set()
    while len(out) < count:
        base = f"{rng.choice('89')}{rng.randrange(10_000_000):07d}"
        remainder = sum(w * int(d) for w, d in zip(_ORG_WEIGHTS, base, strict=True)) % 11
        check = (11 - remainder) % 11
        if check != 10:
            out.add(base + str(check))
    return sorted(out, key=lambda _: rng.random())


def identity_numbers(rng: random.Random, count: int, today: datetime.date) -> list[tuple[str, str, str]]:
    """Distinct valid (number, kind, birth date) under the legacy rule: national ids and D-numbers
    (foreign workers), born 1955–2005."""
    out: dict[str, tuple[str, str, str]] = {}
    start, span = epoch_day(datetime.date(1955, 1, 1)), (datetime.date(2005, 12, 31) - datetime.date(1955, 1, 1)).days
    while len(out) < count:
        birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=start + rng.randrange(span))
        if birth > today:
            continue
        d_number = rng.random() < 0.45
        individual = rng.randrange(500, 1000) if birth.year >= 2000 else rng.randrange(0, 500)
        base = f"{birth.day + (40 if d_number else 0):02d}{birth.month:02d}{birth.year % 100:02d}{individual:03d}"
        k1 = (11 - sum(w * int(d) for w, d in zip(_W1, base, strict=True)) % 11) % 11
        if k1 == 10:
            continue
        base += str(k1)
        k2 = (11 - sum(w * int(d) for w, d in zip(_W2, base, strict=True)) % 11) % 11
        if k2 == 10:
            continue
        number = base + str(k2)
        out[number] = (number, "d_number" if d_number else "national_id", birth.isoformat())
    values = list(out.values())
    rng.shuffle(values)
    return values


def verify_numbers(orgs: list[str], ids: list[tuple[str, str, str]]) -> None:
    """The pools pass the validators the models use (a sample: stdnum is slow per number)."""
    from cases.identity import parse_identity_number, validate_organisation_number

    for number in orgs[:2000]:
        validate_organisation_number(number)
    for number, kind, birth in ids[:2000]:
        parsed = parse_identity_number(number)
        assert parsed.kind == kind and parsed.birth_date.isoformat() == birth, number


# --- Database -----------------------------------------------------------------------------


def admin_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def national_url(explicit: str | None) -> str:
    """The target database: explicit, or tracker_national on the embedded server (attached for the
    life of this process)."""
    if explicit:
        return explicit
    from config import embedded

    return urlunsplit(urlsplit(embedded.database_url())._replace(path=f"/{NATIONAL_DB}"))


def recreate_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


# The tables filled by COPY, in the order their keys are rebuilt.
BULK_TABLES = [
    "cases_case", "cases_case_agencies", "cases_caseassignment", "cases_organisation", "cases_person",
    "cases_casesubject", "cases_journalentry", "cases_casereferencecounter", "controls_jointcontrol",
    "controls_jointcontrol_agencies", "controls_jointcontrol_cases", "controls_jointcontrol_target_organisations",
    "controls_controlsite", "controls_controlofficer", "controls_finding", "tracker_auditentry", "tracker_event",
]  # fmt: skip


BIGGEST = ["tracker_auditentry", "tracker_event", "cases_journalentry", "cases_casesubject", "cases_case"]


@dataclass
class SavedSchema:
    keys: list[tuple[str, str, str]] = field(default_factory=list)  # (table, name, definition): pk, unique
    indexes: list[str] = field(default_factory=list)  # CREATE INDEX statements
    foreign: list[tuple[str, str, str]] = field(default_factory=list)  # (table, name, definition)


def drop_keys_and_indexes(conn) -> SavedSchema:
    """Drop the bulk tables' foreign keys (those pointing at them too), keys and indexes; return
    their definitions. Check constraints stay: COPY checks them row by row, cheaply."""
    saved = SavedSchema()
    rows = conn.execute(
        """
        SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype
        FROM pg_constraint c
        WHERE c.contype IN ('p', 'u', 'f')
          AND (c.conrelid::regclass::text = ANY(%(t)s) OR c.confrelid::regclass::text = ANY(%(t)s))
        """,
        {"t": BULK_TABLES},
    ).fetchall()
    for table, name, definition, kind in rows:
        if kind == "f":
            saved.foreign.append((table, name, definition))
            conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for table, name, definition, kind in rows:
        if kind != "f" and table in BULK_TABLES:
            saved.keys.append((table, name, definition))
            conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for (statement,) in conn.execute(
        """
        SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i
        WHERE i.indrelid::regclass::text = ANY(%(t)s)
        """,
        {"t": BULK_TABLES},
    ).fetchall():
        # A partitioned table's index reads "ON ONLY <table>", which would not reach its partitions.
        saved.indexes.append(statement.replace(" ON ONLY ", " ON ", 1))
    for (name,) in conn.execute(
        "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid::regclass::text = ANY(%(t)s)",
        {"t": BULK_TABLES},
    ).fetchall():
        conn.execute(f"DROP INDEX {name}")
    # Keys order: by BULK_TABLES, so the referenced keys exist before the references come back.
    saved.keys.sort(key=lambda k: BULK_TABLES.index(k[0]))
    return saved


def restore_keys_and_indexes(url: str, saved: SavedSchema, timer: Timer) -> None:
    """Keys and indexes back, on two connections at once (one per core); then the foreign keys,
    each checked over the whole table (ALTER TABLE … ADD CONSTRAINT validates)."""
    import queue
    import threading

    import psycopg

    jobs: queue.Queue = queue.Queue()
    # Biggest first, so that the two connections finish together.
    for table in sorted(BULK_TABLES, key=lambda t: (t not in BIGGEST, BIGGEST.index(t) if t in BIGGEST else 0)):
        statements = [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d in saved.keys if t == table]
        statements += [s for s in saved.indexes if f" ON public.{table} " in s]
        if statements:
            jobs.put((table, statements))
    errors: list[BaseException] = []

    def work() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '1GB'")
            while True:
                try:
                    table, statements = jobs.get_nowait()
                except queue.Empty:
                    return
                started = time.perf_counter()
                try:
                    for statement in statements:
                        conn.execute(statement)
                except BaseException as exc:  # reported below, in the main thread
                    errors.append(exc)
                    return
                timer.note(f"keys and indexes of {table}", time.perf_counter() - started)

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise errors[0]
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        for table, name, definition in saved.foreign:
            conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    timer.note("foreign keys (each validated)", time.perf_counter() - started)


class Timer:
    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.steps: list[tuple[str, float]] = []

    def note(self, what: str, seconds: float) -> None:
        self.steps.append((what, seconds))
        print(f"  {what}: {seconds:.1f} s", flush=True)

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


# --- The generator ------------------------------------------------------------------------


class Streams:
    """One COPY per table, each on its own connection and open for the whole load, fed in chunks."""

    COLUMNS = {
        "cases_case": "id, created_at, updated_at, reference, year, number, title, summary, sector, offences, "
        "priority, source, received_on, status, outcome, outcome_note, closed_at, version, created_by_id, "
        "lead_agency_id, unit_id",
        "cases_case_agencies": "case_id, agency_id",
        "cases_caseassignment": "id, assigned_at, agency_id, assigned_by_id, case_id, officer_id",
        "cases_organisation": "id, created_at, updated_at, organisation_number, name, sector, address, postcode, "
        "city, country, case_id",
        "cases_person": "id, created_at, updated_at, id_number, id_kind, name, date_of_birth, nationality, case_id",
        "cases_casesubject": "id, created_at, updated_at, role, ilo_indicators, note, case_id, organisation_id, "
        "person_id",
        "cases_journalentry": "id, created_at, kind, visibility, legal_basis, necessity_note, body, agency_id, "
        "author_id, case_id",
        "controls_jointcontrol": "id, created_at, updated_at, title, briefing, starts_at, ends_at, status, "
        "cancellation_reason, version, created_by_id, unit_id",
        "controls_jointcontrol_agencies": "jointcontrol_id, agency_id",
        "controls_jointcontrol_cases": "jointcontrol_id, case_id",
        "controls_jointcontrol_target_organisations": "jointcontrol_id, organisation_id",
        "controls_controlsite": "id, name, address, latitude, longitude, control_id",
        "controls_controlofficer": "is_lead, booked_at, agency_id, booked_by_id, control_id, officer_id",
        "controls_finding": "id, amount_nok, persons_count, note, recorded_at, agency_id, control_id, "
        "organisation_id, person_id, recorded_by_id, sanction_kind_id",
        "tracker_auditentry": "at, request_id, client_request_id, action, object_type, object_id, object_repr, "
        "before, after, actor_id, actor_agency_id",
        "tracker_event": "uuid, type, occurred_at, agencies, object_type, object_id, payload, dispatched_at, "
        "actor_id, unit_id, confidential, txid",
    }

    def __init__(self, url: str, *, freeze: bool) -> None:
        import psycopg
        from psycopg.copy import QueuedLibpqWriter

        self.rows = {table: 0 for table in self.COLUMNS}
        self.seconds = {table: 0.0 for table in self.COLUMNS}
        self.buffers: dict[str, list[str]] = {table: [] for table in self.COLUMNS}
        self._conns, self._copies, self._contexts = {}, {}, {}
        for table, columns in self.COLUMNS.items():
            conn = psycopg.connect(url)
            conn.execute("SET synchronous_commit = off")
            options = ""
            partitioned = conn.execute("SELECT relkind = 'p' FROM pg_class WHERE oid = %s::regclass", [table])
            if freeze and not partitioned.fetchone()[0]:  # PostgreSQL refuses FREEZE on a partitioned table
                # COPY FREEZE writes the rows already frozen and all-visible (no second pass by
                # VACUUM to set hint bits and the visibility map). It needs the table emptied in
                # the same transaction: these tables are empty, so TRUNCATE removes nothing. The
                # audit trail and the outbox refuse TRUNCATE unless a session opts in (migration
                # tracker 0005); this one does, for its own empty tables only.
                conn.execute("SET tracker.allow_truncate = on")
                assert conn.execute(f"SELECT NOT EXISTS (SELECT FROM {table})").fetchone()[0], table
                conn.execute(f"TRUNCATE {table}")
                options = " WITH (FREEZE)"
            cursor = conn.cursor()
            context = cursor.copy(f"COPY {table} ({columns}) FROM STDIN{options}", writer=QueuedLibpqWriter(cursor))
            self._conns[table], self._contexts[table] = conn, context
            self._copies[table] = context.__enter__()

    def add(self, table: str, line: str) -> None:
        self.buffers[table].append(line)

    def flush(self) -> None:
        for table, lines in self.buffers.items():
            if lines:
                started = time.perf_counter()
                self._copies[table].write("".join(lines))
                self.seconds[table] += time.perf_counter() - started
                self.rows[table] += len(lines)
                lines.clear()

    def close(self) -> None:
        self.flush()
        for table, context in self._contexts.items():
            started = time.perf_counter()
            context.__exit__(None, None, None)
            self._conns[table].commit()
            self._conns[table].close()
            self.seconds[table] += time.perf_counter() - started


@dataclass
class Reference:
    units: dict[str, int]  # code -> id
    unit_agencies: dict[int, list[tuple[int, str]]]  # unit id -> [(agency id, code)]
    agencies: dict[str, int]
    officers: dict[tuple[int, int], list[str]]  # (unit id, agency id) -> user ids (case officers)
    coordinators: dict[int, tuple[str, int]]  # unit id -> (user id, agency id)
    sanctions: dict[int, list[tuple[int, bool]]]  # agency id -> [(sanction kind id, involves amount)]


def load_reference() -> Reference:
    from django.db import transaction

    from agencies.choices import UnitRole
    from agencies.models import Agency, RegionalUnit, SanctionKind, UnitMembership
    from agencies.reference_data import load_reference_data
    from demo.dataset import load_people

    load_reference_data()
    with transaction.atomic():
        load_people()
    units = {u.code: u.pk for u in RegionalUnit.objects.all()}
    agencies = {a.code: a.pk for a in Agency.objects.all()}
    unit_agencies = {
        u.pk: sorted((a.pk, a.code) for a in u.agencies.all())
        for u in RegionalUnit.objects.prefetch_related("agencies")
    }
    officers: dict[tuple[int, int], list[str]] = {}
    coordinators: dict[int, tuple[str, int]] = {}
    for m in UnitMembership.objects.select_related("user").filter(user__kind="person"):
        if m.role == UnitRole.CASE_OFFICER:
            officers.setdefault((m.unit_id, m.user.agency_id), []).append(str(m.user_id))
        elif m.role == UnitRole.COORDINATOR:
            coordinators[m.unit_id] = (str(m.user_id), m.user.agency_id)
    sanctions: dict[int, list[tuple[int, bool]]] = {}
    for kind in SanctionKind.objects.all():
        sanctions.setdefault(kind.agency_id, []).append((kind.pk, kind.involves_amount))
    return Reference(units, unit_agencies, agencies, officers, coordinators, sanctions)


class Generator:
    def __init__(self, ref: Reference, scale: float, streams: Streams, txid_base: int, txid_span: int) -> None:
        from cases.nace import validate_sector

        for code in SECTORS:
            validate_sector(code)
        self.ref, self.scale, self.out = ref, scale, streams
        self.rng = random.Random(SEED)
        self.clock = Clock()
        self.n_cases = max(100, round(CASES * scale))
        self.n_controls = max(20, round(CONTROLS * scale))
        self.now = int(
            (datetime.datetime.combine(TODAY, datetime.time(6)) - datetime.datetime(1970, 1, 1)).total_seconds()
        )
        self.first_day = epoch_day(TODAY.replace(year=TODAY.year - 7, month=1, day=1))  # load() makes its months
        rng = self.rng
        self.orgnrs = organisation_numbers(rng, max(2000, round(400_000 * scale)))
        self.idnrs = identity_numbers(rng, max(2000, round(600_000 * scale)), TODAY)
        verify_numbers(self.orgnrs, self.idnrs)
        self.case_ids_by_unit: dict[int, list[str]] = {}
        self.first_org: dict[str, str] = {}  # case id -> one of its organisations (finding targets)
        self.txid_base, self.txid_span = txid_base, txid_span
        self.events_written = 0
        self.counters: dict[tuple[int, int], int] = {}
        # Events before this time are pruned from the outbox (retention), leaving ~EVENTS_TARGET.
        self.event_cutoff = 0
        self.audit_fill = 7.9  # case.update rows per case, so audit rows come to ~AUDIT_TARGET
        self.request = 0

    # -- helpers ----------------------------------------------------------------------------
    def uuid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def request_id(self) -> str:
        self.request += 1
        return f"bench-{self.request:012d}"

    def audit(self, at: int, actor: str, agency: int, action: str, obj_type: str, obj_id: str, repr_: str,
              before, after) -> None:  # fmt: skip
        self.out.add(
            "tracker_auditentry",
            f"{self.clock.ts(at)}\t{self.request_id()}\t\t{action}\t{obj_type}\t{obj_id}\t{repr_[:200]}\t"
            f"{dumps(before) if before is not None else chr(92) + 'N'}\t"
            f"{dumps(after) if after is not None else chr(92) + 'N'}\t{actor}\t{agency}\n",
        )

    def event(self, at: int, actor: str, unit: int, agencies: list[str], kind: str, obj_type: str, obj_id: str,
              payload: dict, confidential: bool = False) -> None:  # fmt: skip
        if at < self.event_cutoff:
            return
        self.events_written += 1
        # Spread over the burnt transaction ids in write order: commit order = id order.
        txid = self.txid_base + min(self.txid_span - 1, self.events_written * self.txid_span // self.expected_events)
        self.out.add(
            "tracker_event",
            f"{self.uuid()}\t{kind}\t{self.clock.ts(at)}\t{pg_array(sorted(agencies))}\t{obj_type}\t{obj_id}\t"
            f"{dumps(payload)}\t{self.clock.ts(min(at + 2, self.now))}\t{actor}\t{unit}\t"
            f"{'t' if confidential else 'f'}\t{txid}\n",
        )

    # -- cases ------------------------------------------------------------------------------
    def case_days(self) -> list[int]:
        """Received days for every case, sorted: the yearly volume grows ~15 % a year."""
        rng, last = self.rng, epoch_day(TODAY)
        span = last - self.first_day
        days = [self.first_day + int(span * (rng.random() ** 0.8)) for _ in range(self.n_cases)]
        days.sort()
        return days

    def run_cases(self, chunk: int = 5000) -> None:
        rng = self.rng
        days = self.case_days()
        # The events kept: those of the latest ~EVENTS_TARGET (scaled); the cut-off is the received
        # day of the case at that quantile (~7 events per case written after it).
        keep = min(1.0, EVENTS_TARGET * self.scale / (EVENTS_PER_CASE * self.n_cases))
        self.event_cutoff = days[int(len(days) * (1 - keep))] * DAY if keep < 1 else 0
        self.expected_events = max(1, round(EVENTS_TARGET * self.scale))
        unit_codes = list(UNIT_WEIGHTS)
        unit_pick = rng.choices(unit_codes, weights=list(UNIT_WEIGHTS.values()), k=self.n_cases)
        sectors = list(SECTORS)
        sector_pick = rng.choices(sectors, weights=[w for _, w in SECTORS.values()], k=self.n_cases)
        n_huge = max(1, round(HUGE_CASES * self.scale))
        huge = set(rng.sample(range(self.n_cases // 2, self.n_cases), n_huge))
        for start in range(0, self.n_cases, chunk):
            for i in range(start, min(start + chunk, self.n_cases)):
                unit = self.ref.units["OSL" if i in huge else unit_pick[i]]
                self.case(days[i], unit, sector_pick[i], i in huge)
            self.out.flush()
            if (start // chunk) % 40 == 0:
                print(f"    cases {min(start + chunk, self.n_cases):,} / {self.n_cases:,}", flush=True)

    def case(self, day: int, unit: int, sector: str, huge: bool) -> None:
        rng, clock, out, ref = self.rng, self.clock, self.out, self.ref
        case_id = self.uuid()
        self.case_ids_by_unit.setdefault(unit, []).append(case_id)
        unit_code = self._unit_code(unit)
        available = ref.unit_agencies[unit]
        lead_id, lead_code = available[rng.choices(range(len(available)), weights=self._lead_weights(available))[0]]
        others = [a for a in available if a[0] != lead_id]
        participants = [(lead_id, lead_code), *rng.sample(others, k=min(len(others), rng.choice((0, 1, 1, 2, 2, 3))))]
        codes = sorted(code for _, code in participants)
        creator = rng.choice(ref.officers[(unit, lead_id)])
        created = day * DAY + rng.randrange(7 * 3600, 16 * 3600)
        created = min(created, self.now - rng.randrange(60, 7200))
        year = (datetime.date(1970, 1, 1) + datetime.timedelta(days=day)).year
        number = self.counters[(unit, year)] = self.counters.get((unit, year), 0) + 1
        reference = f"{unit_code}-{year}-{number:05d}"
        label, _ = SECTORS[sector]
        title = f"{rng.choice(PREFIXES)} {label}: {rng.choice(TITLES)}"
        offences = sorted(set(rng.choices(OFFENCES[:4] + OFFENCES, k=rng.choice((0, 1, 1, 2, 3)))))
        priority = rng.choices(("low", "normal", "high", "critical"), weights=(15, 60, 20, 5))[0]
        source = rng.choices(("tip", "agency", "intelligence", "control_finding"), weights=(45, 30, 10, 15))[0]
        # Status by age: received → assessment → active → closed, each step some weeks later.
        age_days = (self.now - created) // DAY
        steps, t = [], created
        for to, wait in (("assessment", 10), ("active", 30), ("closed", 120)):
            t += int(rng.expovariate(1 / wait) * DAY) + 3600
            if t >= self.now or (to == "closed" and rng.random() < 0.08 and age_days < 900):
                break
            if to == "active" and rng.random() < 0.15:  # closed straight from assessment
                to = "closed"
            steps.append((to, t))
            if to == "closed":
                break
        status = steps[-1][0] if steps else "received"
        outcome = rng.choice(OUTCOMES) if status == "closed" else ""
        closed_at = clock.ts(steps[-1][1]) if status == "closed" else "\\N"
        # Subjects, links, journal: counted first, written below.
        if huge:
            n_subjects, n_notes = rng.randrange(1000, 4000), rng.randrange(2000, 8000)
        else:
            n_subjects = rng.choices((0, 1, 2, 3, 4, 5, 6, 8), weights=(22, 42, 18, 9, 5, 2, 1.5, 0.5))[0]
            n_notes = min(40, int(rng.expovariate(1 / 1.9)))
        updates = int(rng.expovariate(1 / self.audit_fill)) if not huge else 20
        last_change = max([created, *(t for _, t in steps)])
        version = 1 + len(steps) + updates
        officers = [(aid, u) for aid, _ in participants for u in ref.officers[(unit, aid)]]

        # Subjects: organisations and persons of this case, each with one to three roles.
        org_numbers = rng.sample(self.orgnrs, n_subjects) if n_subjects else []
        id_numbers = rng.sample(self.idnrs, n_subjects) if n_subjects else []
        links = 0
        t = created
        for k in range(n_subjects):
            t = min(self.now, t + rng.randrange(600, 20 * DAY))
            actor = rng.choice(officers)
            stamp = clock.ts(t)
            subject_id = self.uuid()
            if rng.random() < 0.4:
                name = f"{rng.choice(PREFIXES)} {label} {rng.choice(SUFFIXES)}"
                registry = org_numbers[k] if rng.random() < 0.93 else None
                out.add(
                    "cases_organisation",
                    f"{subject_id}\t{stamp}\t{stamp}\t{registry or chr(92) + 'N'}\t{name}\t{sector}\t"
                    f"{rng.choice(STREETS)} {rng.randrange(1, 140)}\t{rng.randrange(1, 9999):04d}\t{self._city(unit)}\t"
                    f"NO\t{case_id}\n",
                )
                if case_id not in self.first_org:
                    self.first_org[case_id] = subject_id
                kind, roles, repr_ = "organisation", ("suspect", "employer", "contact"), name
                self.audit(t, actor[1], actor[0], "organisation.create", "cases.organisation", subject_id,
                           name, None, {"case": case_id, "organisation_number": registry, "name": name})  # fmt: skip
            else:
                nationality = rng.choices(list(NATIONALITY_WEIGHTS), weights=list(NATIONALITY_WEIGHTS.values()))[0]
                name = f"{rng.choice(FIRST[nationality])} {rng.choice(LAST[nationality])}"
                if rng.random() < 0.8:
                    registry, id_kind, birth = id_numbers[k]
                else:
                    known_birth = rng.random() < 0.5
                    birth = clock.day(BIRTH_1960 + rng.randrange(16000)) if known_birth else None
                    registry, id_kind = None, "none"
                out.add(
                    "cases_person",
                    f"{subject_id}\t{stamp}\t{stamp}\t{registry or chr(92) + 'N'}\t{id_kind}\t{name}\t"
                    f"{birth or chr(92) + 'N'}\t{nationality}\t{case_id}\n",
                )
                kind, roles, repr_ = "person", ("suspect", "employer", "worker", "potential_victim", "witness",
                                                "contact"), name  # fmt: skip
                self.audit(t, actor[1], actor[0], "person.create", "cases.person", subject_id, name,
                           None, {"case": case_id, "id_number": registry, "name": name})  # fmt: skip
            for role in rng.sample(roles, rng.choices((1, 2, 3), weights=(3, 4, 3))[0]):
                link_id = self.uuid()
                ilo = sorted(rng.sample(ILO, rng.randrange(1, 4))) if role == "potential_victim" else []
                org_id, person_id = (subject_id, "\\N") if kind == "organisation" else ("\\N", subject_id)
                out.add(
                    "cases_casesubject",
                    f"{link_id}\t{stamp}\t{stamp}\t{role}\t{pg_array(ilo)}\t\t{case_id}\t{org_id}\t{person_id}\n",
                )
                links += 1
                after = {"case": case_id, "organisation": None if kind == "person" else subject_id,
                         "person": subject_id if kind == "person" else None, "role": role,
                         "ilo_indicators": ilo}  # fmt: skip
                self.audit(t, actor[1], actor[0], "case.subject_add", "cases.casesubject", link_id,
                           f"{repr_} ({role})", None, after)  # fmt: skip
                self.event(t, actor[1], unit, codes, "case.subject_added", "cases.casesubject", link_id, after)
            last_change = max(last_change, t)
        version += links

        state = {"reference": reference, "unit": unit, "title": title, "summary": "", "lead_agency": lead_id,
                 "sector": sector, "offences": offences, "priority": priority, "source": source,
                 "received_on": clock.day(day), "status": "received", "outcome": "", "outcome_note": "",
                 "version": 1, "agencies": codes}  # fmt: skip
        out.add(
            "cases_case",
            f"{case_id}\t{clock.ts(created)}\t{clock.ts(last_change)}\t{reference}\t{year}\t{number}\t{title}\t\t"
            f"{sector}\t{pg_array(offences)}\t{priority}\t{source}\t{clock.day(day)}\t{status}\t{outcome}\t\t"
            f"{closed_at}\t{version}\t{creator}\t{lead_id}\t{unit}\n",
        )
        for agency_id, _ in participants:
            out.add("cases_case_agencies", f"{case_id}\t{agency_id}\n")
        repr_ = f"{reference} {title}"
        dashed = case_id
        self.audit(created, creator, lead_id, "case.create", "cases.case", dashed, repr_, None, state)
        self.event(created, creator, unit, codes, "case.created", "cases.case", dashed, state)
        self.journal(case_id, created, creator, lead_id, "system", "unit", f"Case {reference} registered.")

        previous = "received"
        for to, at in steps:
            actor = rng.choice(officers)
            before = {**state}
            state = {
                **state,
                "status": to,
                "outcome": outcome if to == "closed" else "",
                "version": state["version"] + 1,
            }
            self.audit(at, actor[1], actor[0], "case.transition", "cases.case", dashed, repr_, before, state)
            self.event(at, actor[1], unit, codes, "case.transitioned", "cases.case", dashed,
                       {"reference": reference, "from": previous, "to": to, "outcome": state["outcome"]})  # fmt: skip
            self.journal(case_id, at, actor[1], actor[0], "system", "unit", f"Status changed from {previous} to {to}.")
            previous = to
        # Assignments: an officer or two of the agencies taking part.
        for agency_id, officer in rng.sample(
            officers, min(len(officers), rng.choices((0, 1, 2), weights=(3, 5, 2))[0])
        ):
            at = min(self.now, created + rng.randrange(3600, 5 * DAY))
            assignment_id = self.uuid()
            out.add(
                "cases_caseassignment",
                f"{assignment_id}\t{clock.ts(at)}\t{agency_id}\t{creator}\t{case_id}\t{officer}\n",
            )
            after = {"case": dashed, "officer": officer, "agency": agency_id}
            self.audit(at, creator, lead_id, "case.assign", "cases.caseassignment", assignment_id,
                       f"{officer} on {dashed}", None, after)  # fmt: skip
            self.event(at, creator, unit, codes, "case.assigned", "cases.caseassignment", assignment_id,
                       {"reference": reference, "case": dashed, "assignee": officer})  # fmt: skip
        # Notes: mostly kept to the writing agency; some shared with the unit on a legal basis.
        t = created
        for _ in range(n_notes):
            t = min(self.now, t + rng.randrange(600, 12 * DAY if not huge else DAY))
            agency_id, author = rng.choice(officers)
            shared = rng.random() < 0.3
            body = rng.choice(NOTES) + (NOTE_TAIL if rng.random() < 0.5 else "")
            entry = self.journal(case_id, t, author, agency_id, "note", "unit" if shared else "agency", body,
                                 rng.choice(LEGAL_BASES) if shared else "")  # fmt: skip
            agency_code = self._agency_code(agency_id)
            self.audit(t, author, agency_id, "journal.add", "cases.journalentry", entry,
                       f"{reference} {body[:40]}", None,
                       {"case": dashed, "agency": agency_id, "visibility": "unit" if shared else "agency"})  # fmt: skip
            kind = "journal.shared" if shared else "journal.added"
            self.event(t, author, unit, codes if shared else [agency_code], kind,
                       "cases.journalentry", entry,
                       {"case": dashed, "reference": reference, "entry": entry,
                        "visibility": "unit" if shared else "agency"}, confidential=not shared)  # fmt: skip
        # Edits over the case's life (audit only: their events are pruned with age mostly).
        t = created
        for _ in range(updates):
            t = min(self.now, t + rng.randrange(600, 20 * DAY))
            actor = rng.choice(officers)
            self.out.add(
                "tracker_auditentry",
                f"{clock.ts(t)}\t{self.request_id()}\t\tcase.update\tcases.case\t{dashed}\t{repr_[:200]}\t"
                f"{UPDATE_BEFORE}\t{UPDATE_AFTER[priority]}\t{actor[1]}\t{actor[0]}\n",
            )

    def journal(self, case_id, at, author, agency, kind, visibility, body, basis="") -> str:
        entry = self.uuid()
        necessity = "Nødvendig for felles kontroll og oppfølging." if basis else ""
        self.out.add(
            "cases_journalentry",
            f"{entry}\t{self.clock.ts(at)}\t{kind}\t{visibility}\t{basis}\t{necessity}\t{body}\t{agency}\t{author}\t{case_id}\n",
        )
        return entry

    # -- controls ---------------------------------------------------------------------------
    def run_controls(self, chunk: int = 5000) -> None:
        rng = self.rng
        unit_codes = list(UNIT_WEIGHTS)
        unit_pick = rng.choices(unit_codes, weights=list(UNIT_WEIGHTS.values()), k=self.n_controls)
        span = epoch_day(TODAY) + 90 - self.first_day
        for start in range(0, self.n_controls, chunk):
            for i in range(start, min(start + chunk, self.n_controls)):
                day = self.first_day + int(span * (rng.random() ** 0.8))
                self.control(day, self.ref.units[unit_pick[i]])
            self.out.flush()

    def control(self, day: int, unit: int) -> None:
        rng, clock, out, ref = self.rng, self.clock, self.out, self.ref
        control_id = self.uuid()
        dashed = control_id
        starts = day * DAY + rng.randrange(5 * 3600, 20 * 3600)
        ends = starts + rng.randrange(2 * 3600, 12 * 3600)
        created = min(starts - rng.randrange(DAY, 30 * DAY), self.now - 3600)
        available = ref.unit_agencies[unit]
        participants = rng.sample(available, rng.randrange(2, min(4, len(available)) + 1))
        codes = sorted(code for _, code in participants)
        planner, planner_agency = ref.coordinators[unit]
        if starts > self.now:
            status = rng.choice(("planned", "planned", "confirmed"))
        else:
            status = rng.choices(("completed", "followed_up", "cancelled", "in_progress"), weights=(55, 35, 7, 3))[0]
            if status == "in_progress" and ends < self.now - DAY:
                status = "completed"
        label = rng.choice(list(SECTORS.values()))[0].lower()
        title = f"Felles kontroll {label} {self._city(unit)}"
        reason = "Værforhold." if status == "cancelled" else ""
        updated = min(self.now, ends + DAY) if starts < self.now else created
        out.add(
            "controls_jointcontrol",
            f"{control_id}\t{clock.ts(created)}\t{clock.ts(updated)}\t{title}\t\t{clock.ts(starts)}\t{clock.ts(ends)}\t"
            f"{status}\t{reason}\t{1 + (status != 'planned')}\t{planner}\t{unit}\n",
        )
        for agency_id, _ in participants:
            out.add("controls_jointcontrol_agencies", f"{control_id}\t{agency_id}\n")
        state = {"unit": unit, "title": title, "starts_at": clock.iso(starts), "ends_at": clock.iso(ends),
                 "status": "planned", "agencies": codes}  # fmt: skip
        self.audit(
            created, planner, planner_agency, "control.plan", "controls.jointcontrol", dashed, title, None, state
        )
        self.event(
            created, planner, unit, codes, "control.planned", "controls.jointcontrol", dashed, {"title": title, **state}
        )
        unit_cases = self.case_ids_by_unit.get(unit, [])
        linked = rng.sample(unit_cases, min(len(unit_cases), rng.choice((0, 0, 1, 1, 2)))) if unit_cases else []
        for case_id in linked:
            out.add("controls_jointcontrol_cases", f"{control_id}\t{case_id}\n")
            if case_id in self.first_org:
                out.add("controls_jointcontrol_target_organisations", f"{control_id}\t{self.first_org[case_id]}\n")
        for _ in range(rng.randrange(1, 4)):
            lat, lon = f"{58 + rng.random() * 12:.6f}", f"{5 + rng.random() * 20:.6f}"
            out.add(
                "controls_controlsite",
                f"{self.uuid()}\t\t{rng.choice(STREETS)} {rng.randrange(1, 140)}\t{lat}\t{lon}\t{control_id}\n",
            )
        booked = []
        for agency_id, _ in participants:
            pool = ref.officers[(unit, agency_id)]
            booked += [(agency_id, officer) for officer in rng.sample(pool, rng.randrange(1, len(pool) + 1))]
        for n, (agency_id, officer) in enumerate(booked):
            at = created + rng.randrange(60, DAY)
            lead = "t" if n == 0 else "f"
            out.add(
                "controls_controlofficer",
                f"{lead}\t{clock.ts(at)}\t{agency_id}\t{planner}\t{control_id}\t{officer}\n",
            )
            self.audit(at, planner, planner_agency, "control.book_officer", "controls.controlofficer", dashed,
                       title, None, {"control": dashed, "officer": officer, "agency": agency_id})  # fmt: skip
        if status in ("completed", "followed_up", "in_progress"):
            for _ in range(min(8, int(rng.expovariate(1 / 2.2)))):
                agency_id, officer = rng.choice(booked)
                kind, amount = rng.choice(ref.sanctions[agency_id])
                org = self.first_org.get(linked[0]) if linked and rng.random() < 0.6 else None
                at = min(self.now, ends - rng.randrange(0, 3600))
                finding_id = self.uuid()
                amount_text = f"{rng.randrange(5_000, 2_000_000)}.00" if amount else "\\N"
                out.add(
                    "controls_finding",
                    f"{finding_id}\t{amount_text}\t{rng.randrange(0, 12)}\t\t{clock.ts(at)}\t{agency_id}\t"
                    f"{control_id}\t{org or chr(92) + 'N'}\t\\N\t{officer}\t{kind}\n",
                )
                after = {"control": dashed, "sanction_kind": kind, "agency": agency_id}
                self.audit(at, officer, agency_id, "control.record_finding", "controls.finding", finding_id,
                           title, None, after)  # fmt: skip
                self.event(at, officer, unit, codes, "control.finding_recorded", "controls.finding",
                           finding_id, after)  # fmt: skip
        if status != "planned":
            at = min(self.now, ends if status != "cancelled" else starts - 3600)
            self.audit(at, planner, planner_agency, "control.transition", "controls.jointcontrol", dashed, title,
                       {"status": "planned"}, {"status": status})  # fmt: skip
            self.event(at, planner, unit, codes, "control.transitioned", "controls.jointcontrol", dashed,
                       {"title": title, "status": status})  # fmt: skip

    # -- lookups ----------------------------------------------------------------------------
    def _unit_code(self, unit: int) -> str:
        if not hasattr(self, "_codes"):
            self._codes = {pk: code for code, pk in self.ref.units.items()}
        return self._codes[unit]

    def _agency_code(self, agency: int) -> str:
        if not hasattr(self, "_agency_codes"):
            self._agency_codes = {pk: code for code, pk in self.ref.agencies.items()}
        return self._agency_codes[agency]

    def _city(self, unit: int) -> str:
        return {"OSL": "Oslo", "TBG": "Tønsberg", "KRS": "Kristiansand", "SVG": "Stavanger", "BGO": "Bergen",
                "TRD": "Trondheim", "BOO": "Bodø", "ALT": "Alta", "MRO": "Ålesund", "INN": "Hamar",
                "FRO": "Lillestrøm"}[self._unit_code(unit)]  # fmt: skip

    def _lead_weights(self, available) -> list[float]:
        # Labour inspection and the police lead most cases; customs few.
        weight = {"LABOUR": 35, "POLICE": 25, "TAX": 22, "NAV": 14, "CUSTOMS": 4}
        return [weight.get(code, 5) for _, code in available]


# --- Main ---------------------------------------------------------------------------------


def burn_transaction_ids(url: str, count: int) -> int:
    """Commit ``count`` empty transactions; return the id of the first. Historic events take ids in
    that range, so the feed (ordered by transaction id, served below the oldest running one) sees
    them in order and before anything written afterwards."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        first = conn.execute("SELECT pg_current_xact_id()::text::bigint").fetchone()[0] + 1
        conn.execute(f"DO $$ BEGIN FOR i IN 1..{count} LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$")
    return first


def check_sample(per_model: int = 200) -> int:
    """Random rows of each model through the model's own validation (fields, validators, check and
    unique constraints): what the services would have accepted."""
    from django.db import connection

    from cases.models import Case, CaseAssignment, CaseSubject, JournalEntry, Organisation, Person
    from controls.models import ControlOfficer, ControlSite, Finding, JointControl

    count = 0
    for model in (Case, Organisation, Person, CaseSubject, JournalEntry, CaseAssignment, JointControl, ControlSite,
                  ControlOfficer, Finding):  # fmt: skip
        table = model._meta.db_table
        with connection.cursor() as cursor:
            # TABLESAMPLE SYSTEM reads only the sampled pages (ORDER BY random() reads them all).
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            percent = min(100.0, 100.0 * 20 * per_model / max(1.0, cursor.fetchone()[0]))
            cursor.execute(f"SELECT id FROM {table} TABLESAMPLE SYSTEM ({percent}) LIMIT {per_model}")
            ids = [row[0] for row in cursor.fetchall()]
        for obj in model.objects.filter(pk__in=ids):
            obj.full_clean()
            count += 1
    return count


def load(url: str, scale: float, index_mode: str) -> None:
    import django
    import psycopg

    django.setup()
    timer = Timer()
    started = time.perf_counter()
    ref = load_reference()
    timer.note("reference data and people (load_reference_data, load_people)", time.perf_counter() - started)

    expected_events = max(1, round(EVENTS_TARGET * scale))
    span = max(1, expected_events // 4)  # ~4 events per transaction
    started = time.perf_counter()
    txid_base = burn_transaction_ids(url, span)
    timer.note(f"{span:,} transaction ids for the historic events", time.perf_counter() - started)

    # The audit trail and the outbox are partitioned by month: their history's months first, or
    # every row would land in the DEFAULT partition (a month early: a control's planning may
    # start a few days before the first case).
    from tracker.partitions import add_months, ensure_months

    ensure_months(
        add_months(TODAY.replace(year=TODAY.year - 7, month=1, day=1), -1), add_months(TODAY.replace(day=1), 4)
    )

    saved = None
    if index_mode == "drop":
        started = time.perf_counter()
        with psycopg.connect(url, autocommit=True) as conn:
            saved = drop_keys_and_indexes(conn)
        timer.note(f"dropped {len(saved.indexes)} indexes, {len(saved.keys)} keys, {len(saved.foreign)} foreign keys",
                   time.perf_counter() - started)  # fmt: skip

    started = time.perf_counter()
    # FREEZE needs the TRUNCATE, which the foreign keys kept by --index-mode keep would refuse.
    streams = Streams(url, freeze=index_mode == "drop")
    gen = Generator(ref, scale, streams, txid_base, span)
    timer.note("pools of valid organisation and identity numbers", time.perf_counter() - started)
    started = time.perf_counter()
    gen.run_cases()
    timer.note(
        f"cases and what hangs off them generated and sent ({gen.n_cases:,} cases)", time.perf_counter() - started
    )
    started = time.perf_counter()
    gen.run_controls()
    timer.note(f"controls generated and sent ({gen.n_controls:,})", time.perf_counter() - started)
    started = time.perf_counter()
    streams.close()
    timer.note("COPY streams drained and committed", time.perf_counter() - started)
    print("  rows per table (seconds spent writing each stream, overlapping the others):")
    for table, rows in streams.rows.items():
        print(f"    {table:45s} {rows:>12,}  {streams.seconds[table]:7.1f} s")

    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        with conn.cursor().copy("COPY cases_casereferencecounter (unit_id, year, last_number) FROM STDIN") as copy:
            for (unit, year), last in sorted(gen.counters.items()):
                copy.write_row((unit, year, last))
        # Identity sequences past the rows that took explicit values (none do; kept honest).
    if saved is not None:
        restore_keys_and_indexes(url, saved, timer)
    timer.note("keys, indexes and foreign keys (total)", time.perf_counter() - started)

    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        behind = conn.execute(
            "SELECT max(txid) < pg_snapshot_xmin(pg_current_snapshot())::text::bigint FROM tracker_event"
        ).fetchone()[0]
        assert behind in (True, None), "historic events must lie below the feed's horizon"
    timer.note("VACUUM (ANALYZE)", time.perf_counter() - started)
    started = time.perf_counter()
    checked = check_sample()
    timer.note(f"{checked:,} sampled rows pass the models' full_clean()", time.perf_counter() - started)
    with psycopg.connect(url) as conn:
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
    print(f"done in {timer.elapsed():.0f} s ({timer.elapsed() / 60:.1f} min); database size {size}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = national (1M cases); 0.01 = quick")
    parser.add_argument("--database-url", default=os.environ.get("NATIONAL_DATABASE_URL"),
                        help=f"default: {NATIONAL_DB} on the embedded PostgreSQL")  # fmt: skip
    parser.add_argument("--index-mode", choices=("drop", "keep"), default="drop")
    args = parser.parse_args()

    total = time.perf_counter()
    url = national_url(args.database_url)
    print(f"national dataset at scale {args.scale} into {urlsplit(url).path.lstrip('/')}", flush=True)
    recreate_database(url)
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false"}
    os.environ.update({"DATABASE_URL": url, "DEBUG": "false"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    print(f"  migrate: {time.perf_counter() - started:.1f} s", flush=True)
    load(url, args.scale, args.index_mode)
    print(f"total with migrate: {time.perf_counter() - total:.0f} s", flush=True)


if __name__ == "__main__":
    main()
