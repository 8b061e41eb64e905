import pytest
from rest_framework.test import APIClient

from agencies import services
from agencies.models import Agency, RegionalUnit
from tracker.api.scopes import SCOPES

ALL_SCOPES = list(SCOPES)


@pytest.fixture
def make_key(reference):
    def make(agency="LABOUR", units=("OSL",), scopes=ALL_SCOPES, name="Test system"):
        key, token = services.api_key_create(
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
