"""Factories for every model (tests/test_factories.py holds them to it).

The personas and reference data come first. Rows the product writes through a service are
made through that service (``ServiceFactory``), so they carry their audit and outbox rows as
real ones do and meet the same rules; the rest are plain model factories. Each takes the
service's own keyword arguments: ``CaseFactory(title="…", agencies=["LABOUR", "TAX"])``.
"""

import datetime
import itertools

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from agencies import services as agency_services
from agencies.choices import AgencyKind, UnitRole
from agencies.models import Agency, ApiKey, NationalContactPoint, RegionalUnit, SanctionKind, UnitMembership, User
from cases import services as case_services
from cases.choices import CaseSource, LegalBasis
from cases.identity import make_identity_number
from cases.models import (
    Attachment,
    Case,
    CaseAssignment,
    CaseReferenceCounter,
    CaseSubject,
    CaseTransfer,
    JournalEntry,
    Organisation,
    Person,
    Task,
    Tip,
)
from controls import services as control_services
from controls.choices import ControlStatus
from controls.models import CalendarFeed, ControlOfficer, ControlSite, Finding, JointControl
from notifications import webhooks
from notifications.models import (
    DeliveryAttempt,
    Notification,
    NotificationPreference,
    SentReminder,
    WebhookDelivery,
    WebhookSubscription,
)
from referrals import services as referral_services
from referrals.models import Referral
from tracker.api.scopes import SCOPES
from tracker.models import AuditEntry, Event, IdempotencyRecord


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


# --- reference data and people ---------------------------------------------------------------

_serial = itertools.count(1)


def _officer(agency: str = "LABOUR", unit: str = "OSL", role: str = UnitRole.CASE_OFFICER) -> User:
    """A new officer (of ``agency``, serving ``unit``) for a factory's actor."""
    return officer(f"{agency.lower()}.{role}.{next(_serial)}", agency, unit=unit, role=role)


def _unit(code: str = "OSL") -> RegionalUnit:
    return RegionalUnit.objects.get(code=code)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"AGENCY{n}")
    name = factory.Sequence(lambda n: f"Agency {n}")
    kind = AgencyKind.OTHER


class SanctionKindFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SanctionKind

    agency = factory.LazyFunction(lambda: Agency.objects.get(code="LABOUR"))
    code = factory.Sequence(lambda n: f"sanction-{n}")
    name = factory.Sequence(lambda n: f"Sanction {n}")


class RegionalUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegionalUnit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"U{n:02d}")
    name = factory.Sequence(lambda n: f"A-krim {n}")


class UnitMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitMembership

    user = factory.SubFactory(UserFactory)
    unit = factory.LazyFunction(_unit)
    role = UnitRole.CASE_OFFICER


class NationalContactPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NationalContactPoint

    code = factory.Sequence(lambda n: f"NCP{n}")
    name = factory.Sequence(lambda n: f"Contact point {n}")
    name_nb = factory.Sequence(lambda n: f"Kontaktpunkt {n}")
    hosting_agency = factory.LazyFunction(lambda: Agency.objects.get(code="POLICE"))
    topics = factory.LazyFunction(lambda: ["organised_crime"])
    intake_email = factory.Sequence(lambda n: f"ncp{n}@politiet.example")


class ServiceFactory(factory.Factory):
    """Creates through ``_service`` (called with the factory's fields); ``build`` is not offered."""

    class Meta:
        abstract = True

    _service = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return cls._service(**kwargs)

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError(f"{cls.__name__} only creates, through its service")


class ApiKeyFactory(ServiceFactory):
    """A key of LABOUR's system in Oslo with every scope; its secret is on ``key.token``."""

    class Meta:
        model = ApiKey

    actor = None
    name = factory.Sequence(lambda n: f"System {n}")
    agency = factory.LazyFunction(lambda: Agency.objects.get(code="LABOUR"))
    units = factory.LazyFunction(lambda: [_unit()])
    scopes = factory.LazyFunction(lambda: list(SCOPES))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        key, token = agency_services.api_key_create(**kwargs)
        key.token = token
        return key


# --- cases -------------------------------------------------------------------------------------


class CaseFactory(ServiceFactory):
    """A Labour case in Oslo, opened by a new Labour officer (``case.created_by``)."""

    class Meta:
        model = Case

    _service = staticmethod(case_services.case_create)
    actor = factory.LazyFunction(_officer)
    unit = factory.LazyFunction(_unit)
    title = factory.Sequence(lambda n: f"Cleaning firm paying below tariff {n}")
    lead_agency = "LABOUR"
    agencies = factory.LazyFunction(lambda: ["LABOUR"])
    sector = "81.21"
    source = CaseSource.TIP
    offences = factory.LazyFunction(lambda: ["wages"])
    received_on = factory.LazyFunction(timezone.localdate)


class _OnACase(ServiceFactory):
    """Something recorded on a case, by the officer who opened it unless told otherwise."""

    class Meta:
        abstract = True

    case = factory.SubFactory(CaseFactory)
    actor = factory.LazyAttribute(lambda o: o.case.created_by)


class OrganisationFactory(_OnACase):
    class Meta:
        model = Organisation

    _service = staticmethod(case_services.organisation_upsert)
    organisation_number = factory.Sequence(lambda n: organisation_number(str(91000000 + 7 * n)))
    name = factory.Sequence(lambda n: f"Bjørke Bygg {n} AS")


class PersonFactory(_OnACase):
    class Meta:
        model = Person

    _service = staticmethod(case_services.person_upsert)
    name = factory.Sequence(lambda n: f"Kari Østby {n}")


class CaseSubjectFactory(_OnACase):
    """A person on the case as a worker."""

    class Meta:
        model = CaseSubject

    _service = staticmethod(case_services.case_add_subject)
    role = "worker"
    person = factory.LazyAttribute(lambda o: PersonFactory(case=o.case, actor=o.actor))


class CaseAssignmentFactory(_OnACase):
    class Meta:
        model = CaseAssignment

    _service = staticmethod(case_services.case_assign)
    officer = factory.LazyAttribute(lambda o: o.actor)


class JournalEntryFactory(_OnACase):
    class Meta:
        model = JournalEntry

    _service = staticmethod(case_services.journal_add)
    body = factory.Sequence(lambda n: f"Called the employer ({n}).")


class AttachmentFactory(_OnACase):
    """A text file on a new journal entry."""

    class Meta:
        model = Attachment

    body = "Payslips"
    attachments = factory.LazyFunction(lambda: [SimpleUploadedFile("payslips.txt", b"x", content_type="text/plain")])

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return case_services.journal_add(**kwargs).attachments.get()


class TaskFactory(_OnACase):
    class Meta:
        model = Task

    _service = staticmethod(case_services.task_create)
    title = factory.Sequence(lambda n: f"Call the employer {n}")


class TipFactory(ServiceFactory):
    class Meta:
        model = Tip

    _service = staticmethod(case_services.tip_create)
    actor = factory.LazyFunction(_officer)
    unit = factory.LazyFunction(_unit)
    source = "union"
    description = factory.Sequence(lambda n: f"Car wash paying cash wages {n}")


class CaseTransferFactory(_OnACase):
    """The case asked to move to Bergen."""

    class Meta:
        model = CaseTransfer

    _service = staticmethod(case_services.transfer_request)
    to_unit = factory.LazyFunction(lambda: _unit("BGO"))
    reason = "The employer is in Bergen."


class CaseReferenceCounterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseReferenceCounter
        django_get_or_create = ("unit", "year")

    unit = factory.LazyFunction(_unit)
    year = factory.Sequence(lambda n: 1990 + n)


# --- controls and referrals -----------------------------------------------------------------


class JointControlFactory(ServiceFactory):
    """A control of Labour, Tax and the police in Oslo, planned by a new coordinator, days ahead
    (a day later for each one made, so that officers booked on several never overlap)."""

    class Meta:
        model = JointControl

    _service = staticmethod(control_services.control_plan)
    actor = factory.LazyFunction(lambda: _officer("POLICE", role=UnitRole.COORDINATOR))
    unit = factory.LazyFunction(_unit)
    title = factory.Sequence(lambda n: f"Car washes in Groruddalen {n}")
    starts_at = factory.Sequence(lambda n: timezone.now() + datetime.timedelta(days=n + 1))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=4))
    agencies = factory.LazyFunction(lambda: ["LABOUR", "TAX", "POLICE"])


def started_control(**kwargs) -> JointControl:
    """A control under way (findings are recorded on it)."""
    control = JointControlFactory(**kwargs)
    for step in (ControlStatus.CONFIRMED, ControlStatus.IN_PROGRESS):
        control = control_services.control_transition(actor=control.created_by, control=control, to=step)
    return control


class _OnAControl(ServiceFactory):
    class Meta:
        abstract = True

    control = factory.SubFactory(JointControlFactory)
    actor = factory.LazyAttribute(lambda o: o.control.created_by)


class ControlSiteFactory(ServiceFactory):
    """A site, on a new control planned with it (sites are given when a control is planned)."""

    class Meta:
        model = ControlSite

    address = factory.Sequence(lambda n: f"Storgata {n}, Oslo")
    name = ""

    @classmethod
    def _create(cls, model_class, *args, address, name, **control_fields):
        return JointControlFactory(sites=[{"address": address, "name": name}], **control_fields).sites.get()


class ControlOfficerFactory(_OnAControl):
    class Meta:
        model = ControlOfficer

    _service = staticmethod(control_services.control_book_officer)
    officer = factory.LazyFunction(_officer)


class FindingFactory(_OnAControl):
    """A Labour infringement fine, recorded by a Labour officer on a control under way."""

    class Meta:
        model = Finding

    _service = staticmethod(control_services.finding_record)
    control = factory.LazyFunction(started_control)
    actor = factory.LazyFunction(_officer)
    sanction_kind = factory.LazyFunction(
        lambda: SanctionKind.objects.get(agency__code="LABOUR", code="infringement-fine")
    )
    amount_nok = 25000
    persons_count = 1


class CalendarFeedFactory(ServiceFactory):
    class Meta:
        model = CalendarFeed

    actor = factory.LazyFunction(_officer)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        feed, token = control_services.calendar_feed_create(**kwargs)
        feed.token = token
        return feed


class ReferralFactory(_OnACase):
    """A draft referral of the case to NCIS."""

    class Meta:
        model = Referral

    _service = staticmethod(referral_services.referral_create)
    contact_point = factory.LazyFunction(lambda: NationalContactPoint.objects.get(code="NCIS"))
    category = "organised_crime"
    summary = "A network of short-lived firms."
    legal_basis = LegalBasis.AKRIM_REGULATION_3


# --- the outbox, notifications and webhooks ----------------------------------------------------


def case_created_event(**case_fields) -> Event:
    """The ``case.created`` event a new case puts in the outbox."""
    case = CaseFactory(**case_fields)
    return Event.objects.get(object_id=str(case.pk), type="case.created")


class EventFactory(ServiceFactory):
    """Events are written only by audit.record with the change they tell of: a case's creation."""

    class Meta:
        model = Event

    _service = staticmethod(case_created_event)


class AuditEntryFactory(ServiceFactory):
    """The audit row of a case's creation."""

    class Meta:
        model = AuditEntry

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        case = CaseFactory(**kwargs)
        return AuditEntry.objects.get(object_id=str(case.pk), action="case.create")


class WebhookSubscriptionFactory(ServiceFactory):
    """A subscription of a new API key's system; the signing secret is on ``subscription.secret``."""

    class Meta:
        model = WebhookSubscription

    actor = factory.LazyFunction(lambda: ApiKeyFactory().user)
    url = factory.Sequence(lambda n: f"https://receiver{n}.example/hook")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        subscription, secret = webhooks.subscription_create(**kwargs)
        subscription.secret = secret
        return subscription


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    event = factory.LazyFunction(EventFactory)
    verb = "case.created"
    title = factory.Sequence(lambda n: f"New case {n}")


class NotificationPreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationPreference
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory)


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookDelivery

    subscription = factory.LazyFunction(WebhookSubscriptionFactory)
    event = factory.LazyFunction(EventFactory)


class DeliveryAttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeliveryAttempt

    delivery = factory.SubFactory(WebhookDeliveryFactory)
    number = 1
    status_code = 200
    latency_ms = 12


class SentReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SentReminder

    key = factory.Sequence(lambda n: f"control:{n}:48h")


class IdempotencyRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdempotencyRecord

    client = factory.LazyFunction(lambda: ApiKeyFactory().user)
    key = factory.Sequence(lambda n: f"key-{n}")
    request_hash = "0" * 64
    status_code = 201
