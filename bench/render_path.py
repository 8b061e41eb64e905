"""How much of an API read is rendering: our serialising path against DRF's stock one, in one run.

    .venv/bin/python bench/national_data.py --scale 0.02   # once: 20,000 cases (or the national one)
    .venv/bin/python bench/render_path.py [--rounds 5] [--requests 40]

In-process (django.test.Client, production settings, no network), the same requests are timed with
our path — orjson (``tracker.api.renderers``), the date-time field that does not look up the
active time zone per value (``tracker.api.fields.DateTimeField``), the case list and detail built
from rows (``cases.api.reads``) — and with DRF's stock path swapped back in (its ``JSONRenderer``
and ``DateTimeField``, ``CaseSerializer`` over prefetched instances), alternating in rounds so
that both see the same machine. Before timing, both paths must give byte-identical bodies. Prints the median per
request and the ratio stock ÷ ours for: a 200-case page, a 50-case page, a case's detail, a
100-event feed page.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def setup(database_url: str | None) -> None:
    from national_data import national_url

    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=national_url(database_url),
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="false",
        API_RATE_LIMIT="10000000/minute",
        LOG_LEVEL="WARNING",
        ALLOWED_HOSTS="testserver",
        AUDIT_SIGNING_KEY_FILE=str(ROOT / "var" / "audit-signing-key.pem"),  # demanded by production
        AUDIT_CHECKPOINT_FILE=str(ROOT / "var" / "audit-checkpoints.jsonl"),
    )
    import django

    django.setup()


def paths(token: str) -> dict[str, str]:
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_FORWARDED_PROTO="https")
    response = client.get("/api/v1/cases/", {"page_size": 1})
    assert response.status_code == 200, response.content[:400]
    page = response.json()
    case = page["results"][0]["id"]
    feed = client.get("/api/v1/events/", {"limit": 100}).json()
    return {
        "cases, page of 200": "/api/v1/cases/?page_size=200",
        "cases, page of 50": "/api/v1/cases/?page_size=50",
        "case detail": f"/api/v1/cases/{case}/",
        "change feed, 100 events": "/api/v1/events/?limit=100" + (f"&after={feed['next']}" if feed["next"] else ""),
    }


class Stock:
    """DRF's stock path in place of ours, while inside the block: its renderer and date-time
    field, and the case list and detail through ``CaseSerializer`` over prefetched instances."""

    def __enter__(self):
        from rest_framework import mixins, renderers, serializers
        from rest_framework.response import Response
        from rest_framework.views import APIView

        from cases.api.serializers import CaseSerializer
        from cases.api.views import CaseViewSet
        from cases.selectors import cases_visible_to
        from tracker.api import fields

        def retrieve(self, request, *args, **kwargs):
            case = self.get_object()
            return self.with_etag(Response(CaseSerializer(case).data), case)

        self.saved = (
            APIView.renderer_classes, fields.DateTimeField.to_representation,
            CaseViewSet.list, CaseViewSet.retrieve, CaseViewSet.scoped_queryset,
        )  # fmt: skip
        APIView.renderer_classes = [renderers.JSONRenderer]
        fields.DateTimeField.to_representation = serializers.DateTimeField.to_representation
        CaseViewSet.list = mixins.ListModelMixin.list
        CaseViewSet.retrieve = retrieve
        CaseViewSet.scoped_queryset = lambda self, user: cases_visible_to(user)

    def __exit__(self, *exc):
        from rest_framework.views import APIView

        from cases.api.views import CaseViewSet
        from tracker.api import fields

        (
            APIView.renderer_classes, fields.DateTimeField.to_representation,
            CaseViewSet.list, CaseViewSet.retrieve, CaseViewSet.scoped_queryset,
        ) = self.saved  # fmt: skip


def timed(client, path: str, requests: int) -> list[float]:
    out = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(path)
        out.append(time.perf_counter() - start)
        assert response.status_code == 200, response.content[:300]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: tracker_national on the embedded PostgreSQL")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=40, help="per path, per side, per round")
    args = parser.parse_args()
    setup(args.database_url)
    from django.test import Client

    from agencies import services
    from agencies.models import Agency, RegionalUnit

    _, token = services.api_key_create(
        actor=None, name="render_path bench", agency=Agency.objects.get(code="LABOUR"),
        units=list(RegionalUnit.objects.filter(code="OSL")), scopes=["cases:read", "events:read"],
    )  # fmt: skip
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_FORWARDED_PROTO="https")
    targets = paths(token)
    for name, path in targets.items():
        ours = client.get(path).content
        with Stock():
            stock = client.get(path).content
        assert ours == stock, f"{name}: the two paths answer differently"
    times = {name: {"ours": [], "stock": []} for name in targets}
    for _ in range(args.rounds):
        for name, path in targets.items():
            times[name]["ours"] += timed(client, path, args.requests)
            with Stock():
                times[name]["stock"] += timed(client, path, args.requests)
    print(f"{'request':<26} {'ours p50':>10} {'stock p50':>10} {'stock ÷ ours':>13}")
    for name, both in times.items():
        ours, stock = statistics.median(both["ours"]) * 1000, statistics.median(both["stock"]) * 1000
        print(f"{name:<26} {ours:>8.2f}ms {stock:>8.2f}ms {stock / ours:>12.2f}×")


if __name__ == "__main__":
    main()
