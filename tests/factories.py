import datetime

import factory
from django.utils import timezone

from agencies.choices import UnitRole
from agencies.models import Agency, NationalContactPoint, RegionalUnit, UnitMembership, User
from cases.choices import CaseSource
from cases.identity import make_identity_number


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("pw")
    agency = factory.LazyFunction(lambda: Agency.objects.get(code="POLICE"))

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        # roles=[("OSL", "case_officer"), …]
        for unit_code, role in extracted or ():
            UnitMembership.objects.get_or_create(user=self, unit=RegionalUnit.objects.get(code=unit_code), role=role)


def officer(username: str, agency: str, unit: str = "OSL", role: str = UnitRole.CASE_OFFICER) -> User:
    return UserFactory(username=username, agency=Agency.objects.get(code=agency), roles=[(unit, role)])


def case_kwargs(**overrides) -> dict:
    data = {
        "title": "Cleaning firm paying below tariff",
        "lead_agency": "LABOUR",
        "agencies": ["LABOUR"],
        "sector": "81.21",
        "source": CaseSource.TIP,
        "offences": ["wages"],
        "received_on": timezone.localdate(),
    }
    data.update(overrides)
    return data


def identity_number(birth=datetime.date(1986, 10, 15), individual=123, **kw) -> str:
    while (number := make_identity_number(birth, individual, **kw)) is None:
        individual += 1
    return number


def organisation_number(base: str) -> str:
    """A valid organisation number starting with the eight digits ``base`` (or the next base that has one)."""
    from stdnum.no import orgnr

    while True:
        # stdnum has no check-digit calculator for orgnr; at most one digit validates.
        number = next((base + d for d in "0123456789" if orgnr.is_valid(base + d)), None)
        if number:
            return number
        base = str(int(base) + 1)


class NationalContactPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NationalContactPoint

    code = factory.Sequence(lambda n: f"NCP{n}")
    name = factory.Sequence(lambda n: f"Contact point {n}")
    name_nb = factory.Sequence(lambda n: f"Kontaktpunkt {n}")
    hosting_agency = factory.LazyFunction(lambda: Agency.objects.get(code="POLICE"))
    topics = factory.LazyFunction(lambda: ["organised_crime"])
    intake_email = factory.Sequence(lambda n: f"ncp{n}@politiet.example")
