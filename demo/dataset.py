"""A deterministic, fictional dataset for the demo and for trying things out. It imports the
apps it fills (cases, controls, referrals): this composition root is where that is legitimate.

Everything is created through the services, so the demo also has a realistic audit
trail, journals and events. Names, organisation and identity numbers are generated
(valid check digits, fictional holders).
"""

from __future__ import annotations

import base64
import datetime
import functools
import random
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone, translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from stdnum.no import orgnr

from agencies import twofactor
from agencies.choices import Language, UnitRole, UserKind
from agencies.models import Agency, NationalContactPoint, RegionalUnit, SanctionKind, UnitMembership, User
from agencies.reference_data import load_reference_data
from cases import choices as c
from cases import services as cases
from cases.identity import make_identity_number
from cases.models import Case
from controls import services as controls
from controls.choices import ControlStatus
from referrals import services as referrals
from tracker.exceptions import ApplicationError

DEMO_PASSWORD = "tracker-demo"
# Every demo person who must use two-factor has an authenticator with this one key, so one entry
# in an authenticator app (or `manage.py demo_code`) signs in as any of them. Demo only.
DEMO_TOTP_KEY = b"akrim-demo-totp-key!".hex()
SEED = 20261123

SECTORS = {
    "41.20": ("Bygg", c.OffenceCategory.WAGES),
    "43.31": ("Puss", c.OffenceCategory.UNDECLARED_WORK),
    "43.34": ("Maling", c.OffenceCategory.UNDECLARED_WORK),
    "81.21": ("Renhold", c.OffenceCategory.WAGES),
    "56.10": ("Restaurant", c.OffenceCategory.TAX),
    "45.20": ("Bilpleie", c.OffenceCategory.UNDECLARED_WORK),
    "01.13": ("Gartneri", c.OffenceCategory.TRAFFICKING),
    "10.20": ("Fiskeforedling", c.OffenceCategory.WAGES),
    "49.41": ("Transport", c.OffenceCategory.CUSTOMS),
    "96.02": ("Frisør og skjønnhet", c.OffenceCategory.SOCIAL_SECURITY),
}
PREFIXES = [
    "Nordlys",
    "Fjord",
    "Vest",
    "Polar",
    "Granitt",
    "Kyst",
    "Bjørke",
    "Midnatt",
    "Sølv",
    "Furu",
    "Havbris",
    "Nordkapp",
    "Lyngen",
    "Elve",
    "Torv",
    "Stein",
    "Skog",
    "Brygge",
    "Fossen",
    "Tinde",
]
FIRST = {
    "NO": ["Ola", "Kari", "Jonas", "Ingrid"],
    "PL": ["Piotr", "Anna", "Tomasz", "Magdalena"],
    "LT": ["Tomas", "Rasa", "Mantas"],
    "RO": ["Andrei", "Elena", "Mihai"],
    "UA": ["Oleksandr", "Iryna"],
    "BG": ["Georgi", "Maria"],
    "VN": ["Minh", "Lan"],
    "ER": ["Yonas", "Selam"],
}
LAST = {
    "NO": ["Hansen", "Johansen", "Berg", "Haugen"],
    "PL": ["Nowak", "Kowalski", "Wiśniewska"],
    "LT": ["Kazlauskas", "Jankauskienė"],
    "RO": ["Popescu", "Ionescu"],
    "UA": ["Shevchenko", "Bondarenko"],
    "BG": ["Dimitrov", "Ivanova"],
    "VN": ["Nguyen", "Tran"],
    "ER": ["Tesfay", "Haile"],
}
CITIES = {
    "OSL": "Oslo",
    "TBG": "Tønsberg",
    "KRS": "Kristiansand",
    "SVG": "Stavanger",
    "BGO": "Bergen",
    "TRD": "Trondheim",
    "BOO": "Bodø",
    "ALT": "Alta",
    "MRO": "Ålesund",
    "INN": "Hamar",
    "FRO": "Lillestrøm",
}
STREETS = ["Storgata", "Industriveien", "Havnegata", "Kirkeveien", "Sjøgata", "Verkstedveien", "Bryggen", "Torget"]


@functools.cache
def _demo_password_hash() -> str:
    # One PBKDF2 run for every demo login instead of one per user.
    return make_password(DEMO_PASSWORD)


def _user(username, agency, *, first, last, superuser=False, kind=UserKind.PERSON, language=Language.NB) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "agency": agency,
            "first_name": first,
            "last_name": last,
            "email": f"{username}@tracker.example",
            "is_staff": True,
            "is_superuser": superuser,
            "kind": kind,
            "language": language,
        },
    )
    if created:
        if kind == UserKind.PERSON:
            user.password = _demo_password_hash()
        else:
            user.set_unusable_password()
        user.save()
    return user


def _member(user, unit, role):
    UnitMembership.objects.get_or_create(user=user, unit=unit, role=role)


def load_people() -> None:
    _user("admin", None, first="Platform", last="Administrator", superuser=True)
    agencies = {a.code: a for a in Agency.objects.all()}
    for i, unit in enumerate(RegionalUnit.objects.prefetch_related("agencies")):
        prefix = unit.code.lower()
        for agency in unit.agencies.all():
            for n in (1, 2):
                officer = _user(
                    f"{prefix}.{agency.code.lower()}{n}",
                    agency,
                    first=f"{agency.code.title()} officer {n}",
                    last=unit.code,
                    language=Language.NB if n == 1 else Language.EN,
                )
                _member(officer, unit, UnitRole.CASE_OFFICER)
        coordinator_agency = agencies[["POLICE", "LABOUR", "TAX", "NAV"][i % 4]]
        _member(
            _user(f"{prefix}.coordinator", coordinator_agency, first="Coordinator", last=unit.code),
            unit,
            UnitRole.COORDINATOR,
        )
        _member(_user(f"{prefix}.analyst", agencies["TAX"], first="Analyst", last=unit.code), unit, UnitRole.ANALYST)
        _member(_user(f"{prefix}.auditor", agencies["NAV"], first="Auditor", last=unit.code), unit, UnitRole.AUDITOR)
    ncp = NationalContactPoint.objects.get(code="NCIS")
    for n in (1, 2):
        ncp.desk_officers.add(_user(f"ncp.desk{n}", agencies["POLICE"], first="Desk officer", last=str(n)))
    # An agency system, for the API (keys are issued to it).
    system = _user(
        "system.labour", agencies["LABOUR"], first="Labour inspection", last="case system", kind=UserKind.SERVICE
    )
    _member(system, RegionalUnit.objects.get(code="OSL"), UnitRole.CASE_OFFICER)
    _demo_authenticators()


def _demo_authenticators() -> None:
    people = User.objects.filter(kind=UserKind.PERSON).exclude(totpdevice__confirmed=True)
    TOTPDevice.objects.bulk_create(
        TOTPDevice(user=user, name="demo authenticator", key=DEMO_TOTP_KEY, confirmed=True)
        for user in people
        if twofactor.requires_two_factor(user)
    )


def demo_totp_secret() -> str:
    """The demo key as an authenticator app takes it (base32)."""
    return base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()


def demo_code() -> str:
    """The code the demo authenticator shows now."""
    return f"{TOTP(bytes.fromhex(DEMO_TOTP_KEY)).token():06d}"


class _Generator:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.today = timezone.localdate()
        self.used_orgnr: set[str] = set()
        self.used_ids: set[str] = set()

    def orgnr(self) -> str:
        while True:
            base = "9" + "".join(str(self.rng.randint(0, 9)) for _ in range(7))
            # stdnum has no check-digit calculator for orgnr; at most one digit validates.
            number = next((base + d for d in "0123456789" if orgnr.is_valid(base + d)), None)
            if number and number not in self.used_orgnr:
                self.used_orgnr.add(number)
                return number

    def person_number(self, birth: datetime.date, d_number: bool) -> str:
        while True:
            individual = self.rng.randint(500, 999) if birth.year >= 2000 else self.rng.randint(0, 499)
            number = make_identity_number(birth, individual, d_number=d_number)
            if number and number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def date_between(self, start: datetime.date, end: datetime.date) -> datetime.date:
        return start + datetime.timedelta(days=self.rng.randint(0, max((end - start).days, 0)))


def _officers(unit) -> dict[str, list[User]]:
    out: dict[str, list[User]] = {}
    for m in UnitMembership.objects.filter(
        unit=unit, role=UnitRole.CASE_OFFICER, user__kind=UserKind.PERSON
    ).select_related("user__agency"):
        out.setdefault(m.user.agency.code, []).append(m.user)
    return out


def _subjects(gen: _Generator, actor, case: Case, sector: str, unit: RegionalUnit, trafficking: bool) -> None:
    rng = gen.rng
    label, _ = SECTORS[sector]
    for _ in range(rng.choice([1, 1, 2])):
        org = cases.organisation_upsert(
            actor=actor,
            case=case,
            organisation_number=gen.orgnr(),
            name=f"{rng.choice(PREFIXES)} {label} AS",
            sector=sector,
            address=f"{rng.choice(STREETS)} {rng.randint(1, 120)}",
            city=CITIES[unit.code],
        )
        cases.case_add_subject(
            actor=actor, case=case, organisation=org, role=rng.choice([c.SubjectRole.SUSPECT, c.SubjectRole.EMPLOYER])
        )
    for _ in range(rng.randint(0, 3)):
        nationality = rng.choice(list(FIRST))
        birth = gen.date_between(datetime.date(1965, 1, 1), datetime.date(2004, 12, 31))
        kind = rng.random()
        number = None if kind < 0.3 else gen.person_number(birth, d_number=nationality != "NO")
        person = cases.person_upsert(
            actor=actor,
            case=case,
            name=f"{rng.choice(FIRST[nationality])} {rng.choice(LAST[nationality])}",
            id_number=number,
            date_of_birth=birth,
            nationality=nationality,
        )
        if trafficking and rng.random() < 0.6:
            indicators = rng.sample(c.IloIndicator.values, rng.randint(1, 4))
            cases.case_add_subject(
                actor=actor, case=case, person=person, role=c.SubjectRole.POTENTIAL_VICTIM, ilo_indicators=indicators
            )
        else:
            cases.case_add_subject(
                actor=actor,
                case=case,
                person=person,
                role=rng.choice([c.SubjectRole.WORKER, c.SubjectRole.WITNESS, c.SubjectRole.SUSPECT]),
            )


def _seed_cases(gen: _Generator, units, count: int) -> list[Case]:
    rng = gen.rng
    created = []
    start = gen.today - datetime.timedelta(days=730)
    for i in range(count):
        unit = units[i % len(units)]
        officers = _officers(unit)
        codes = sorted(officers)
        lead = rng.choice(codes)
        actor = officers[lead][0]
        sector = rng.choice(list(SECTORS))
        offences = sorted({SECTORS[sector][1], rng.choice(c.OffenceCategory.values[:-1])})
        trafficking = c.OffenceCategory.TRAFFICKING in offences
        received = gen.date_between(start, gen.today)
        label = SECTORS[sector][0].lower()
        case = cases.case_create(
            actor=actor,
            unit=unit,
            title=f"Mistanke om {c.OffenceCategory(offences[0]).label.lower()} – {label}",
            summary=f"Tegn på {' og '.join(c.OffenceCategory(o).label.lower() for o in offences)} "
            f"innen {label} i {CITIES[unit.code]}.",
            lead_agency=lead,
            agencies=rng.sample(codes, rng.randint(1, min(3, len(codes)))),
            sector=sector,
            source=rng.choice(c.CaseSource.values),
            received_on=received,
            offences=offences,
            priority=rng.choices(c.Priority.values, weights=[2, 6, 3, 1])[0],
        )
        cases.case_assign(actor=actor, case=case, officer=actor)
        _subjects(gen, actor, case, sector, unit, trafficking)
        cases.journal_add(actor=actor, case=case, body="Initial assessment of the available information.")
        if rng.random() < 0.5:
            cases.journal_add(
                actor=actor,
                case=case,
                body="Register checks show no payroll reported for the workers.",
                visibility=c.Visibility.UNIT,
                legal_basis=c.LegalBasis.AKRIM_REGULATION_3,
                necessity_note="Needed by the other agencies to plan a joint control.",
            )
        age = (gen.today - received).days
        steps = [c.CaseStatus.ASSESSMENT, c.CaseStatus.ACTIVE, c.CaseStatus.CLOSED]
        reach = 3 if age > 365 and rng.random() < 0.8 else rng.randint(0, 2 if age < 60 else 3)
        for step in steps[:reach]:
            outcome = rng.choice(c.CaseOutcome.values[:4]) if step == c.CaseStatus.CLOSED else ""
            case = cases.case_transition(actor=actor, case=case, to=step, outcome=outcome)
        if case.status != c.CaseStatus.CLOSED and rng.random() < 0.4:
            cases.task_create(
                actor=actor,
                case=case,
                title="Check employer register entries",
                assignee=rng.choice(officers[lead]),
                due_on=gen.today + datetime.timedelta(days=rng.randint(-5, 20)),
            )
        created.append(case)
    return created


def _seed_controls(gen: _Generator, units, all_cases: list[Case], count: int) -> None:
    rng = gen.rng
    kinds: dict[str, list[SanctionKind]] = {}
    for kind in SanctionKind.objects.select_related("agency"):
        kinds.setdefault(kind.agency.code, []).append(kind)
    by_unit: dict[int, list[Case]] = {}
    for case in all_cases:
        by_unit.setdefault(case.unit_id, []).append(case)
    for i in range(count):
        unit = units[i % len(units)]
        officers = _officers(unit)
        planner = User.objects.get(username=f"{unit.code.lower()}.coordinator")
        day = gen.date_between(gen.today - datetime.timedelta(days=700), gen.today + datetime.timedelta(days=45))
        starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(rng.choice([6, 8, 18, 20]))))
        ends = starts + datetime.timedelta(hours=rng.choice([3, 4, 6]))
        served = rng.sample(by_unit[unit.pk], min(len(by_unit[unit.pk]), rng.randint(1, 2)))
        participating = sorted(rng.sample(sorted(officers), rng.randint(2, min(4, len(officers)))))
        control = controls.control_plan(
            actor=planner,
            unit=unit,
            title=f"Joint control, {SECTORS[served[0].sector][0].lower()} sites in {CITIES[unit.code]}",
            starts_at=starts,
            ends_at=ends,
            agencies=participating,
            cases=served,
            briefing="Briefing at the police station one hour before start.",
            target_organisations=[s.organisation for case in served for s in case.subjects.all() if s.organisation_id],
            sites=[
                {
                    "address": f"{rng.choice(STREETS)} {rng.randint(1, 80)}, {CITIES[unit.code]}",
                    "latitude": Decimal("59.9") + Decimal(rng.randint(0, 999)) / 1000,
                    "longitude": Decimal("10.7") + Decimal(rng.randint(0, 999)) / 1000,
                }
                for _ in range(rng.randint(1, 3))
            ],
        )
        for code in participating:
            for officer in officers[code][: rng.randint(1, 2)]:
                try:
                    controls.control_book_officer(actor=officer, control=control, officer=officer)
                except ApplicationError:
                    pass  # already booked elsewhere at that time: the agency sends someone else or no one
        if starts.date() > gen.today:
            if rng.random() < 0.5:
                controls.control_transition(actor=planner, control=control, to=ControlStatus.CONFIRMED)
            continue
        if rng.random() < 0.08:
            controls.control_transition(
                actor=planner,
                control=control,
                to=ControlStatus.CANCELLED,
                reason="Target company closed down before the control.",
            )
            continue
        for step in (ControlStatus.CONFIRMED, ControlStatus.IN_PROGRESS):
            control = controls.control_transition(actor=planner, control=control, to=step)
        for code in participating:
            for kind in rng.sample(kinds[code], rng.randint(0, 2)):
                amount = Decimal(rng.randint(5, 400) * 1000) if kind.involves_amount else None
                controls.finding_record(
                    actor=officers[code][0],
                    control=control,
                    sanction_kind=kind,
                    persons_count=rng.randint(0, 6),
                    amount_nok=amount,
                )
        control = controls.control_transition(actor=planner, control=control, to=ControlStatus.COMPLETED)
        if (gen.today - starts.date()).days > 30:
            controls.control_transition(actor=planner, control=control, to=ControlStatus.FOLLOWED_UP)


def _seed_referrals(gen: _Generator, all_cases: list[Case], count: int) -> None:
    rng = gen.rng
    ncp = NationalContactPoint.objects.get(code="NCIS")
    desk = ncp.desk_officers.order_by("username").first()
    candidates = [case for case in all_cases if c.OffenceCategory.TRAFFICKING in case.offences] + all_cases
    seen = set()
    for case in candidates:
        if len(seen) >= count:
            break
        if case.pk in seen:
            continue
        seen.add(case.pk)
        actor = (
            User.objects.filter(
                memberships__unit=case.unit,
                memberships__role=UnitRole.CASE_OFFICER,
                agency=case.lead_agency,
                kind=UserKind.PERSON,
            )
            .order_by("username")
            .first()
        )
        category = "migrant_trafficking" if c.OffenceCategory.TRAFFICKING in case.offences else "organised_crime"
        referral = referrals.referral_create(
            actor=actor,
            case=case,
            contact_point=ncp,
            category=category,
            legal_basis=c.LegalBasis.POLICE_REGISTER_ACT,
            summary=f"{case.title}. Referred for further dissemination.",
            subjects=case.subjects.all()[:3],
        )
        roll = rng.random()
        if roll < 0.1:
            continue  # stays a draft
        referral = referrals.referral_send(actor=actor, referral=referral)
        if roll < 0.25:
            continue  # awaiting acknowledgement
        referral = referrals.referral_acknowledge(actor=desk, referral=referral)
        if roll < 0.4:
            continue
        if roll < 0.5:
            referrals.referral_decline(actor=desk, referral=referral, reason="Already known through another channel.")
            continue
        referral = referrals.referral_accept(actor=desk, referral=referral)
        if roll < 0.75:
            referrals.referral_close(actor=desk, referral=referral, outcome="Disseminated to international partners.")


def _seed_tips(gen: _Generator, units) -> None:
    rng = gen.rng
    for unit in units:
        actor = User.objects.get(username=f"{unit.code.lower()}.coordinator")
        for _ in range(rng.randint(2, 4)):
            label = SECTORS[rng.choice(list(SECTORS))][0].lower()
            cases.tip_create(
                actor=actor,
                unit=unit,
                source=rng.choice(c.TipSource.values),
                description=f"Workers at a {label} business are said to work long hours for cash.",
                subjects_mentioned=f"{rng.choice(PREFIXES)} {label.title()} AS",
                received_at=timezone.now() - datetime.timedelta(hours=rng.randint(1, 200)),
            )


def seed(*, cases_count: int = 300, controls_count: int = 80, referrals_count: int = 30, stdout=None) -> bool:
    """Load the dataset; returns False when demo cases already exist (nothing is added twice)."""
    # Case titles and summaries are Bokmål, as the sector names in them: offence names written
    # into them must be too, whatever language the command runs in (an English run gave
    # "Suspected customs or smuggling in transport", a Bokmål one "Indications of toll eller smugling").
    with translation.override("nb"):
        return _seed(cases_count=cases_count, controls_count=controls_count, referrals_count=referrals_count,
                     stdout=stdout)  # fmt: skip


def _seed(*, cases_count: int, controls_count: int, referrals_count: int, stdout=None) -> bool:
    load_reference_data()
    with transaction.atomic():
        load_people()
    if Case.objects.exists():
        return False
    gen = _Generator()
    units = list(RegionalUnit.objects.order_by("code"))
    with transaction.atomic():
        all_cases = _seed_cases(gen, units, cases_count)
        _seed_controls(gen, units, all_cases, controls_count)
        _seed_referrals(gen, all_cases, referrals_count)
        _seed_tips(gen, units)
    return True


# Each row names the role, the unit and the agency (by code) the seeded account has:
# tests/test_demo_data.py holds this list, and the README's table, to the data.
DEMO_LOGINS = [
    ("admin", "platform superuser: sees everything"),
    ("osl.coordinator", "coordinator, A-krim Oslo (NAV)"),
    ("osl.labour1", "case officer, A-krim Oslo (LABOUR)"),
    ("osl.tax1", "case officer, A-krim Oslo (TAX)"),
    ("osl.police1", "case officer, A-krim Oslo (POLICE)"),
    ("osl.analyst", "analyst, A-krim Oslo (TAX)"),
    ("osl.auditor", "auditor, A-krim Oslo (NAV)"),
    ("bgo.police1", "case officer, A-krim Bergen (POLICE): sees nothing of Oslo's"),
    ("ncp.desk1", "desk officer, national contact point NCIS (POLICE)"),
]
