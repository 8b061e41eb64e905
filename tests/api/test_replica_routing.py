"""The read replica (tracker/db_routing.py): statistics and the change feed read it; a read that
must see the caller's own write never does.

The replica here is the test database seen through a second connection (a test mirror in
config/settings/test.py), so what each connection ran is observable. The tests commit
(transaction=True): the second connection sees only committed rows, as a real replica would.
"""

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.test.utils import CaptureQueriesContext

from cases import services as cases
from cases.models import Case
from tests.conftest import NEW_CASE
from tests.factories import case_kwargs
from tracker import events
from tracker.db_routing import read_alias, use_replica
from tracker.models import Event

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture
def replica(settings):
    settings.DATABASE_READ_REPLICA = "replica"
    yield
    connections["replica"].close()  # or its session keeps the test database from being dropped


def captured(*aliases):
    return [CaptureQueriesContext(connections[alias]) for alias in aliases]


def sql(context) -> str:
    return "\n".join(query["sql"] for query in context.captured_queries)


def test_the_feed_and_its_horizon_are_read_from_the_replica(replica, labour_api):
    assert labour_api.post("/api/v1/cases/", NEW_CASE, format="json").status_code == 201
    primary, standby = captured(DEFAULT_DB_ALIAS, "replica")
    with primary, standby:
        page = labour_api.get("/api/v1/events/").json()
    assert [e["type"] for e in page["events"]] == ["case.created"]
    # The horizon is the replica's own (the primary's would run ahead of what it has replayed).
    assert "pg_current_snapshot()" in sql(standby) and 'FROM "tracker_event"' in sql(standby)
    # The key and its scopes are checked on the primary: a revoked key is refused at once.
    assert 'FROM "tracker_event"' not in sql(primary) and "pg_current_snapshot" not in sql(primary)


def test_the_statistics_and_their_export_are_counted_on_the_replica(replica, client, alice, osl):
    cases.case_create(actor=alice, unit=osl, **case_kwargs())
    client.force_login(alice)
    primary, standby = captured(DEFAULT_DB_ALIAS, "replica")
    with primary, standby:
        page = client.get("/statistics/")
    assert page.status_code == 200
    assert page.context["tables"]["totals"].rows[0][1] == 1  # the committed case, counted on the replica
    assert 'FROM "cases_case"' in sql(standby) and 'FROM "cases_case"' not in sql(primary)

    primary, standby = captured(DEFAULT_DB_ALIAS, "replica")
    with primary, standby:
        assert client.get("/statistics/export.csv").status_code == 200
    assert 'FROM "cases_case"' in sql(standby) and 'FROM "cases_case"' not in sql(primary)
    assert "INSERT INTO" not in sql(standby)  # the export's access record: written to the primary
    assert 'INSERT INTO "tracker_auditentry"' in sql(primary)


def test_a_write_and_the_reads_that_follow_it_stay_on_the_primary(replica, labour_api):
    (standby,) = captured("replica")
    with standby:
        created = labour_api.post("/api/v1/cases/", NEW_CASE, format="json")
        detail = labour_api.get(f"/api/v1/cases/{created.json()['id']}/")
        listed = labour_api.get("/api/v1/cases/")
        changed = labour_api.patch(
            f"/api/v1/cases/{created.json()['id']}/", {"title": "Renamed"}, format="json", HTTP_IF_MATCH=detail["ETag"]
        )
    assert created.status_code == 201 and detail.status_code == 200 and changed.status_code == 200, changed.content
    assert [c["title"] for c in listed.json()["results"]] == [NEW_CASE["title"]]
    assert standby.captured_queries == []


def test_a_read_inside_a_transaction_on_the_primary_sees_its_own_writes_there(replica, alice, osl):
    with use_replica():
        assert read_alias() == "replica"
        with transaction.atomic():
            case = cases.case_create(actor=alice, unit=osl, **case_kwargs(title="Not yet committed"))
            assert read_alias() == DEFAULT_DB_ALIAS
            (standby,) = captured("replica")
            with standby:
                feed = events.feed(alice, after=None, limit=10)
            assert standby.captured_queries == []
            assert str(case.pk) in {e.object_id for e in feed}  # the transaction's own event


def test_without_a_replica_every_read_goes_to_the_primary(settings):
    settings.DATABASE_READ_REPLICA = ""
    with use_replica():
        assert read_alias() == DEFAULT_DB_ALIAS
        assert router.db_for_read(Case) == DEFAULT_DB_ALIAS


def test_writes_and_migrations_go_to_the_primary_only(replica):
    with use_replica():
        assert router.db_for_read(Event) == "replica"
        assert router.db_for_write(Event) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Event) == DEFAULT_DB_ALIAS  # outside the block
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "cases") and not router.allow_migrate("replica", "cases")
