"""Personas: every test knows who may see what.

alice  case officer, Labour Inspection, Oslo
bob    case officer, Tax Administration, Oslo
carol  coordinator (police), Oslo
dave   case officer, Police, Bergen (another unit)
erin   auditor (NAV), Oslo
desk   desk officer at the national contact point
root   platform superuser
"""

import pytest
from django.db import connection
from pytest_django.plugin import blocking_manager_key
from rest_framework.test import APIClient

from agencies import services as agency_services
from agencies.choices import UnitRole
from agencies.models import Agency, NationalContactPoint, RegionalUnit
from agencies.reference_data import load_reference_data
from cases import services as case_services
from tests.factories import UserFactory, case_kwargs, officer
from tests.query_counts import _query_count_record, pytest_addoption, query_counts  # noqa: F401 (plugin)
from tests.twofactor import complete_second_factor_on_force_login
from tracker.api.scopes import SCOPES

complete_second_factor_on_force_login()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The reference data (agencies, sanction kinds, units, the contact point) once for the session:
    each test's transaction rolls back on top of it. NACE codes are a file, read once per process."""
    with django_db_blocker.unblock():
        load_reference_data()


_emptied = False  # a transactional test's teardown emptied every table


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    global _emptied
    result = yield
    _emptied = _emptied or _is_transactional(item)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    # Put the reference data back before the next test's fixtures (and its transaction) start.
    global _emptied
    if _emptied and connection.settings_dict["NAME"].startswith("test_"):
        with item.config.stash[blocking_manager_key].unblock():
            load_reference_data()
            # Back to the pool: a connection held from here outlived the session and kept the
            # test database from being dropped at the end.
            connection.close()
        _emptied = False
    return (yield)


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    by_marker = marker is not None and bool(marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    return by_marker or bool({"transactional_db", "live_server"} & set(item.fixturenames))


# Tests that start processes (a Celery worker, `run_all`, the live server, a browser, processes
# racing each other) are marked `live`, here by the fixture they use or in their module:
# `pytest -m "not live"` is the fast loop.
LIVE_FIXTURES = {"live_server", "worker", "backoff_worker", "browser", "redis_server"}


def pytest_collection_modifyitems(items):
    for item in items:
        if LIVE_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.live)


@pytest.fixture
def reference(db):
    """The reference data, loaded for the session (django_db_setup); a test asks for it by name."""


@pytest.fixture
def osl(reference):
    return RegionalUnit.objects.get(code="OSL")


@pytest.fixture
def bgo(reference):
    return RegionalUnit.objects.get(code="BGO")


@pytest.fixture
def alice(reference):
    return officer("alice", "LABOUR")


@pytest.fixture
def bob(reference):
    return officer("bob", "TAX")


@pytest.fixture
def carol(reference):
    return officer("carol", "POLICE", role=UnitRole.COORDINATOR)


@pytest.fixture
def dave(reference):
    return officer("dave", "POLICE", unit="BGO")


@pytest.fixture
def erin(reference):
    return officer("erin", "NAV", role=UnitRole.AUDITOR)


@pytest.fixture
def desk(reference):
    user = UserFactory(username="desk")
    NationalContactPoint.objects.get(code="NCIS").desk_officers.add(user)
    return user


@pytest.fixture
def root(reference):
    return UserFactory(username="root", agency=None, is_superuser=True, is_staff=True)


@pytest.fixture
def ncp(reference):
    return NationalContactPoint.objects.get(code="NCIS")


@pytest.fixture
def labour_case(alice, osl):
    """A case led by Labour in Oslo, with Tax taking part."""
    return case_services.case_create(actor=alice, unit=osl, **case_kwargs(agencies=["LABOUR", "TAX"]))


@pytest.fixture(autouse=True)
def _no_redis_outage_carried_over():
    """A test that stopped Redis leaves the per-process breaker open for a few seconds; the
    next test starts with Redis trusted again (tracker/redis_outage.py)."""
    from tracker.redis_outage import breaker

    breaker.reset()


@pytest.fixture(autouse=True)
def _no_audit_window_carried_over():
    """Reads are audited once a minute per caller and object (tracker/access_audit.py), claimed
    in Redis; ids repeat across runs (sequences restart with the database), so each test starts
    with no window claimed."""
    from tracker.access_audit import end_all_windows

    end_all_windows()


# Agency systems calling the API (API keys), shared by every app's API tests.
ALL_SCOPES = list(SCOPES)


@pytest.fixture
def make_key(reference):
    def make(agency="LABOUR", units=("OSL",), scopes=ALL_SCOPES, name="Test system"):
        key, token = agency_services.api_key_create(
            actor=None, name=name, agency=Agency.objects.get(code=agency),
            units=list(RegionalUnit.objects.filter(code__in=units)), scopes=list(scopes),
        )  # fmt: skip
        return key, token

    return make


def client_for(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def labour_api(make_key):
    """The Labour Inspection's case system, serving Oslo, with every scope."""
    key, token = make_key()
    client = client_for(token)
    client.key = key
    return client


@pytest.fixture
def bergen_api(make_key):
    """The police's system in Bergen: another unit."""
    _, token = make_key(agency="POLICE", units=("BGO",), name="Bergen police system")
    return client_for(token)


@pytest.fixture
def nav_oslo_api(make_key):
    """NAV's system in Oslo: same unit, an agency not on Labour's cases."""
    _, token = make_key(agency="NAV", units=("OSL",), name="NAV system")
    return client_for(token)


NEW_CASE = {
    "unit": "OSL",
    "title": "Car wash paying cash wages",
    "lead_agency": "LABOUR",
    "agencies": ["LABOUR", "TAX"],
    "sector": "45.20",
    "offences": ["wages", "undeclared_work"],
    "source": "tip",
    "priority": "high",
}


@pytest.fixture
def api_case(labour_api):
    response = labour_api.post("/api/v1/cases/", NEW_CASE, format="json")
    assert response.status_code == 201, response.content
    return response
