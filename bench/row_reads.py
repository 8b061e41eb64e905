"""Controls, referrals and the change feed read as rows against the same through ModelSerializer, in one run.

    .venv/bin/python bench/national_data.py --scale 0.01   # once: a throwaway tracker_national
    .venv/bin/python bench/row_reads.py [--rounds 5] [--requests 30]

In-process (django.test.Client, production settings, no network), like bench/render_path.py: the
same requests are timed with the rows path (``controls.api.reads``,
``referrals.api.reads``, ``tracker.api.feed_reads``) and with the serializer path swapped
back in (``ControlSerializer``/``ReferralSerializer`` over prefetched instances, ``EventSerializer``
over ``Event`` instances: the code before the change), alternating in rounds so that both see the
same machine. Both keep our orjson renderer and date-time field. Before timing, both paths must
give byte-identical bodies (but for the second in which a link's cursor was signed; the serializer
side's prefetches break ties by id as the rows do, where the models' orderings leave them open).
The national dataset has no referrals: the first run adds some to the Oslo cases (every status, up
to three subjects each). Prints the median per request and the ratio.
"""

from __future__ import annotations

import argparse
import datetime
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from render_path import setup, timed  # noqa: E402 - needs ROOT/bench on sys.path

REFERRALS = 600


def add_referrals(agency, unit) -> None:
    """Referrals of the unit's cases that ``agency`` takes part in, in every status (bulk: the
    services' audit and events are not what is measured here)."""
    from django.utils import timezone

    from agencies.models import NationalContactPoint
    from cases.choices import LegalBasis
    from cases.models import Case, CaseSubject
    from referrals.choices import ReferralStatus
    from referrals.models import Referral

    if Referral.objects.filter(case__unit=unit).count() >= REFERRALS:
        return
    point = NationalContactPoint.objects.filter(topics__contains=["organised_crime"]).first()
    cases = list(Case.objects.filter(unit=unit, agencies=agency).order_by("-created_at")[:REFERRALS])
    now = timezone.now()
    statuses = list(ReferralStatus.values)
    referrals = []
    for n, case in enumerate(cases):
        status = statuses[n % len(statuses)]
        sent = status != ReferralStatus.DRAFT
        referrals.append(
            Referral(
                case=case, contact_point=point, category="organised_crime", summary=f"Nettverk av firma {n}",
                legal_basis=LegalBasis.values[n % len(LegalBasis.values)], status=status,
                created_by_id=case.created_by_id,
                sent_at=now if sent else None, acknowledgement_due_on=(now + datetime.timedelta(days=14)).date()
                if sent else None,
                acknowledged_at=now if status not in (ReferralStatus.DRAFT, ReferralStatus.SENT, "revoked") else None,
                decided_at=now if status in ("accepted", "declined", "closed") else None,
                decline_reason="Utenfor mandat" if status == "declined" else "",
                closed_at=now if status == "closed" else None, outcome="Straffesak" if status == "closed" else "",
                revoked_at=now if status == "revoked" else None, revoke_reason="Feil" if status == "revoked" else "",
            )
        )  # fmt: skip
    Referral.objects.bulk_create(referrals)
    links = []
    for n, referral in enumerate(referrals):
        for subject_id in CaseSubject.objects.filter(case_id=referral.case_id).values_list("pk", flat=True)[: n % 4]:
            links.append(Referral.subjects.through(referral_id=referral.pk, casesubject_id=subject_id))
    Referral.subjects.through.objects.bulk_create(links)


def paths(client) -> dict[str, str]:
    control = client.get("/api/v1/controls/", {"page_size": 1}).json()["results"][0]["id"]
    referral = client.get("/api/v1/referrals/", {"page_size": 1}).json()["results"][0]["id"]
    return {
        "controls, page of 200": "/api/v1/controls/?page_size=200",
        "controls, page of 50": "/api/v1/controls/?page_size=50",
        "control detail": f"/api/v1/controls/{control}/",
        "referrals, page of 200": "/api/v1/referrals/?page_size=200",
        "referrals, page of 50": "/api/v1/referrals/?page_size=50",
        "referral detail": f"/api/v1/referrals/{referral}/",
        "change feed, 200 events": "/api/v1/events/?limit=200",
        "change feed, 50 events": "/api/v1/events/?limit=50",
    }


class Serializers:
    """The serializer path in place of the rows, while inside the block (the code before them)."""

    def __enter__(self):
        from django.db.models import Prefetch
        from rest_framework import mixins

        from cases.models import Case, CaseSubject, Organisation, Person
        from controls.api.views import ControlViewSet
        from controls.models import ControlOfficer, ControlSite
        from controls.selectors import controls_visible_to
        from referrals.api.views import ReferralViewSet
        from referrals.selectors import referrals_visible_to
        from tracker import events
        from tracker.api import feed_reads
        from tracker.api.base import TrackerViewSetMixin
        from tracker.api.views import EventSerializer

        # The serializers' prefetches as the views had them, with the id breaking ties as the rows
        # do (the models' orderings leave them to the database), so that the bodies can be compared.
        bookings = Prefetch("officers", queryset=ControlOfficer.objects.select_related("officer", "agency"))
        control_relations = [
            Prefetch("sites", queryset=ControlSite.objects.order_by("address", "id")),
            Prefetch("cases", queryset=Case.objects.order_by("-received_on", "-number", "id")),
            Prefetch("target_organisations", queryset=Organisation.objects.order_by("name", "id")),
            Prefetch("target_persons", queryset=Person.objects.order_by("name", "id")),
            bookings,
        ]
        subjects = Prefetch("subjects", queryset=CaseSubject.objects.order_by("created_at", "id"))
        self.saved = [
            (target, name, getattr(target, name))
            for target, name in [
                (ControlViewSet, "list"), (ControlViewSet, "representation"), (ControlViewSet, "scoped_queryset"),
                (ReferralViewSet, "list"), (ReferralViewSet, "representation"), (ReferralViewSet, "scoped_queryset"),
                (feed_reads, "feed_rows"), (feed_reads, "represent"), (feed_reads, "cursor_of"),
            ]
        ]  # fmt: skip
        for viewset in (ControlViewSet, ReferralViewSet):
            viewset.list = mixins.ListModelMixin.list
            viewset.representation = TrackerViewSetMixin.representation
        ControlViewSet.scoped_queryset = lambda self, user: controls_visible_to(user).prefetch_related(
            *control_relations
        )
        ReferralViewSet.scoped_queryset = lambda self, user: referrals_visible_to(user).prefetch_related(subjects)
        feed_reads.feed_rows = events.feed
        feed_reads.represent = lambda page: EventSerializer(page, many=True).data
        feed_reads.cursor_of = events.encode_cursor

    def __exit__(self, *exc):
        for target, name, value in self.saved:
            setattr(target, name, value)


def comparable(body: bytes) -> bytes:
    """The body with each link's signed cursor read back: its signature carries the second it was
    signed in, which two requests need not share."""
    from urllib.parse import unquote

    from django.core import signing

    from tracker.api.base import CURSOR_SALT

    def payload(match) -> bytes:
        return repr(signing.loads(unquote(match[1].decode()), salt=CURSOR_SALT)).encode()

    return re.sub(rb"cursor=([^&\"]+)", payload, body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: tracker_national on the embedded PostgreSQL")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=30, help="per path, per side, per round")
    args = parser.parse_args()
    setup(args.database_url)
    from django.test import Client

    from agencies import services
    from agencies.models import Agency, RegionalUnit

    labour, oslo = Agency.objects.get(code="LABOUR"), RegionalUnit.objects.get(code="OSL")
    add_referrals(labour, oslo)
    _, token = services.api_key_create(
        actor=None, name="row_reads bench", agency=labour, units=[oslo],
        scopes=["controls:read", "referrals:read", "events:read"],
    )  # fmt: skip
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_FORWARDED_PROTO="https")
    targets = paths(client)
    for name, path in targets.items():
        rows = client.get(path)
        with Serializers():
            serialized = client.get(path)
        assert comparable(rows.content) == comparable(serialized.content), f"{name}: the two paths answer differently"
        print(f"{name}: {len(rows.json().get('results', rows.json().get('events', [1])))} shown, bodies identical")
    times = {name: {"rows": [], "serializer": []} for name in targets}
    for _ in range(args.rounds):
        for name, path in targets.items():
            times[name]["rows"] += timed(client, path, args.requests)
            with Serializers():
                times[name]["serializer"] += timed(client, path, args.requests)
    print(f"{'request':<26} {'rows p50':>10} {'serializer p50':>15} {'serializer ÷ rows':>18}")
    for name, both in times.items():
        rows, serializer = statistics.median(both["rows"]) * 1000, statistics.median(both["serializer"]) * 1000
        print(f"{name:<26} {rows:>8.2f}ms {serializer:>13.2f}ms {serializer / rows:>17.2f}×")


if __name__ == "__main__":
    main()
