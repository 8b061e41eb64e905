"""The control and referral lists and details, and the change feed's pages, built from rows
(controls.api.reads, referrals.api.reads, tracker.api.feed_reads) say exactly what
their serializers say, which stay the schema's description of them."""

import datetime
import json

from django.db.models import Prefetch
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from cases import services as case_services
from controls import services as control_services
from controls.api import reads as control_reads
from controls.api.serializers import ControlSerializer
from controls.choices import ControlStatus
from controls.models import ControlOfficer, JointControl
from referrals import services as referral_services
from referrals.api import reads as referral_reads
from referrals.api.serializers import ReferralSerializer
from referrals.choices import ReferralStatus
from referrals.models import Referral
from tests.conftest import client_for
from tests.factories import CaseSubjectFactory, OrganisationFactory, PersonFactory, case_kwargs, officer
from tracker import events
from tracker.api import feed_reads
from tracker.api.views import EventSerializer
from tracker.models import Event

# The path of each status from planned, and what each step needs.
CONTROL_PATHS = {
    ControlStatus.PLANNED: [],
    ControlStatus.CONFIRMED: [ControlStatus.CONFIRMED],
    ControlStatus.IN_PROGRESS: [ControlStatus.CONFIRMED, ControlStatus.IN_PROGRESS],
    ControlStatus.COMPLETED: [ControlStatus.CONFIRMED, ControlStatus.IN_PROGRESS, ControlStatus.COMPLETED],
    ControlStatus.FOLLOWED_UP: [
        ControlStatus.CONFIRMED, ControlStatus.IN_PROGRESS, ControlStatus.COMPLETED, ControlStatus.FOLLOWED_UP,
    ],
    ControlStatus.CANCELLED: [ControlStatus.CANCELLED],
}  # fmt: skip


def rendered(data):
    return json.loads(JSONRenderer().render(data))


def serialized_controls(queryset) -> list:
    bookings = Prefetch("officers", queryset=ControlOfficer.objects.select_related("officer", "agency"))
    related = queryset.prefetch_related(
        "agencies", "sites", "cases", "target_organisations", "target_persons", bookings
    )
    return rendered(ControlSerializer(related, many=True).data)


def plan_controls(alice, bob, carol, osl) -> list[JointControl]:
    """A control in every status; some bare, others with several of each relation."""
    tax2 = officer("tax2", "TAX")
    cases = [case_services.case_create(actor=alice, unit=osl, **case_kwargs(agencies=["LABOUR"])) for _ in range(3)]
    organisations = [OrganisationFactory(case=cases[n % 2], actor=alice, name=f"Firma {n} AS") for n in range(3)]
    persons = [PersonFactory(case=cases[0], actor=alice, name=name) for name in ("Øystein", "Ana", "Kari")]
    sites = [
        {"address": "Trondheimsveien 300, Oslo", "name": "Vaskehall", "latitude": "59.951", "longitude": "10.845"},
        {"address": "Alnabru 1, Oslo"},
        {"address": "Storgata 2, Oslo", "name": "", "latitude": "-12.5", "longitude": "-170.123456"},
    ]
    controls = []
    for day, (status, steps) in enumerate(CONTROL_PATHS.items(), start=1):
        starts = timezone.now().replace(microsecond=123456) + datetime.timedelta(days=day)
        full = day % 2 == 0
        control = control_services.control_plan(
            actor=carol, unit=osl, title=f"Kontroll {status}", starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=5), agencies=["LABOUR", "TAX", "POLICE"] if full else ["POLICE"],
            briefing="Møt opp kl. 07" if full else "", sites=sites[: day % 4],
            cases=cases[: day % 3 + (1 if full else 0)], target_organisations=organisations[: 3 if full else 0],
            target_persons=persons[: day % 4],
        )  # fmt: skip
        if full:
            for person, lead in ((alice, True), (bob, False), (tax2, False), (carol, False)):
                control_services.control_book_officer(actor=carol, control=control, officer=person, is_lead=lead)
        for step in steps:
            reason = "Værvarsel" if step == ControlStatus.CANCELLED else ""
            control = control_services.control_transition(actor=carol, control=control, to=step, reason=reason)
        controls.append(control)
    return controls


def test_control_rows_render_as_the_serializer_does_in_every_status(alice, bob, carol, osl):
    controls = plan_controls(alice, bob, carol, osl)
    queryset = JointControl.objects.filter(pk__in=[c.pk for c in controls]).order_by("-starts_at", "-pk")

    expected = serialized_controls(queryset)
    assert rendered(control_reads.represent(control_reads.control_rows(queryset))) == expected
    for control, shown in zip(queryset.select_related("unit"), expected, strict=True):
        assert rendered(control_reads.represent([control_reads.row_of(control)])) == [shown]
    assert {c["status"] for c in expected} == set(ControlStatus.values)
    # The data is varied enough to tell: relations empty and several long, optional fields both ways.
    for key in ("agencies", "sites", "participants", "cases", "target_organisations", "target_persons"):
        lengths = [len(c[key]) for c in expected]
        assert max(lengths) >= 2 and (min(lengths) == 0 or key == "agencies"), key
    assert {c["briefing"] == "" for c in expected} == {True, False}
    assert {s["latitude"] for c in expected for s in c["sites"]} >= {None, "59.951000", "-12.500000"}
    assert any(c["cancellation_reason"] for c in expected)


def test_the_api_lists_and_shows_controls_as_the_serializer_does(alice, bob, carol, osl, make_key):
    plan_controls(alice, bob, carol, osl)
    _, token = make_key(agency="POLICE", units=("OSL",), name="Oslo police system")
    client = client_for(token)
    first = client.get("/api/v1/controls/", {"page_size": 4}).json()
    second = client.get(first["next"]).json()
    listed = first["results"] + second["results"]
    assert len(listed) == len(CONTROL_PATHS) and not second["next"]
    queryset = JointControl.objects.filter(pk__in=[c["id"] for c in listed])
    by_id = {c["id"]: c for c in serialized_controls(queryset)}
    assert listed == [by_id[c["id"]] for c in listed]
    assert [c["starts_at"] for c in listed] == sorted((c["starts_at"] for c in listed), reverse=True)
    for shown in listed:
        detail = client.get(f"/api/v1/controls/{shown['id']}/")
        assert detail.json() == shown and detail["ETag"] == f'"{shown["version"]}"'


def refer_in_every_status(alice, desk, osl) -> list[Referral]:
    from agencies.models import NationalContactPoint

    ncis = NationalContactPoint.objects.get(code="NCIS")
    case = case_services.case_create(actor=alice, unit=osl, **case_kwargs(agencies=["LABOUR", "TAX"]))
    other = case_services.case_create(actor=alice, unit=osl, **case_kwargs(agencies=["LABOUR"]))
    subjects = [CaseSubjectFactory(case=case, actor=alice) for _ in range(3)]
    steps = {
        ReferralStatus.DRAFT: [],
        ReferralStatus.SENT: ["send"],
        ReferralStatus.ACKNOWLEDGED: ["send", "acknowledge"],
        ReferralStatus.ACCEPTED: ["send", "acknowledge", "accept"],
        ReferralStatus.DECLINED: ["send", "acknowledge", ("decline", {"reason": "Utenfor mandat"})],
        ReferralStatus.CLOSED: ["send", "acknowledge", "accept", ("close", {"outcome": "Straffesak åpnet"})],
        ReferralStatus.REVOKED: ["send", ("revoke", {"reason": "Feil mottaker"})],
    }
    referrals = []
    for n, path in enumerate(steps.values()):
        on = case if n % 2 == 0 else other
        referral = referral_services.referral_create(
            actor=alice, case=on, contact_point=ncis, category="organised_crime", summary=f"Nettverk {n}",
            legal_basis="police_register_act", subjects=subjects[: n % 3 + 1] if on == case else [],
        )  # fmt: skip
        for step in path:
            name, fields = step if isinstance(step, tuple) else (step, {})
            actor = alice if name in ("send", "revoke") else desk
            referral = getattr(referral_services, f"referral_{name}")(actor=actor, referral=referral, **fields)
        referrals.append(referral)
    return referrals


def test_referral_rows_render_as_the_serializer_does_in_every_status(alice, desk, osl):
    referrals = refer_in_every_status(alice, desk, osl)
    queryset = Referral.objects.filter(pk__in=[r.pk for r in referrals]).order_by("-created_at", "-pk")

    expected = rendered(
        ReferralSerializer(
            queryset.select_related("case", "contact_point").prefetch_related("subjects"), many=True
        ).data
    )
    assert rendered(referral_reads.represent(referral_reads.referral_rows(queryset))) == expected
    for referral, shown in zip(queryset.select_related("case", "contact_point"), expected, strict=True):
        assert rendered(referral_reads.represent([referral_reads.row_of(referral)])) == [shown]
    assert {r["status"] for r in expected} == set(ReferralStatus.values)
    assert {min(len(r["subjects"]), 2) for r in expected} == {0, 1, 2}
    for key in ("sent_at", "acknowledgement_due_on", "acknowledged_at", "decided_at", "closed_at", "revoked_at"):
        assert {r[key] is None for r in expected} == {True, False}, key


def test_the_api_lists_and_shows_referrals_as_the_serializer_does(alice, desk, osl, labour_api):
    refer_in_every_status(alice, desk, osl)
    first = labour_api.get("/api/v1/referrals/", {"page_size": 3}).json()
    listed = first["results"]
    while first["next"]:
        first = labour_api.get(first["next"]).json()
        listed += first["results"]
    assert len(listed) == len(ReferralStatus.values)
    queryset = Referral.objects.filter(pk__in=[r["id"] for r in listed]).prefetch_related("subjects")
    by_id = {str(r.pk): rendered(ReferralSerializer(r).data) for r in queryset}
    assert listed == [by_id[r["id"]] for r in listed]
    for shown in listed:
        detail = labour_api.get(f"/api/v1/referrals/{shown['id']}/")
        assert detail.json() == shown and detail["ETag"] == f'"{shown["version"]}"'


def test_feed_rows_render_as_the_serializer_does_for_every_kind_of_event(alice, bob, carol, desk, osl, root):
    plan_controls(alice, bob, carol, osl)
    refer_in_every_status(alice, desk, osl)
    Event.objects.create(type="agency.note", object_type="agencies.agency", object_id="7", payload={"ø": [1, None]})

    expected = rendered(EventSerializer(events.feed(root, after=None, limit=1000), many=True).data)
    assert rendered(feed_reads.represent(feed_reads.feed_rows(root, after=None, limit=1000))) == expected
    assert len({e["type"] for e in expected}) >= 8 and {e["unit"] for e in expected} == {"OSL", None}
    # A later page, from a cursor, the same way.
    middle = expected[len(expected) // 2]["sequence"]
    later = rendered(EventSerializer(events.feed(root, after=middle, limit=5), many=True).data)
    assert rendered(feed_reads.represent(feed_reads.feed_rows(root, after=middle, limit=5))) == later
    assert later == expected[len(expected) // 2 + 1 :][:5]
