"""A key's principal — the key, its account, agency, unit roles, desks and scopes — is read in one
query on every request and cached nowhere between requests (tracker.api.authentication.principal).
So whatever changes what a key may see or do, by a service or behind the services' back (the
admin, SQL), counts from the very next request: each way is tried here, request, change, request."""

import datetime
import time

import pytest
from django.utils import timezone

from agencies import services
from agencies.choices import UnitRole
from agencies.models import Agency, ApiKey, NationalContactPoint, RegionalUnit, UnitMembership, User
from tests.conftest import NEW_CASE, client_for
from tracker.api.authentication import principal

pytestmark = pytest.mark.django_db


@pytest.fixture
def labour_case(labour_api):
    response = labour_api.post("/api/v1/cases/", NEW_CASE, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


@pytest.fixture
def nav_only_case(nav_oslo_api):
    """A case in Oslo that the Labour Inspection takes no part in."""
    response = nav_oslo_api.post(
        "/api/v1/cases/", {**NEW_CASE, "lead_agency": "NAV", "agencies": ["NAV"]}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_a_revoked_key_is_refused_on_its_very_next_request(labour_api, labour_case):
    assert labour_api.get(f"/api/v1/cases/{labour_case}/").status_code == 200
    services.api_key_revoke(actor=None, key=labour_api.key)
    refused = labour_api.get(f"/api/v1/cases/{labour_case}/")
    assert refused.status_code == 401 and "revoked or expired" in refused.json()["detail"]


def test_a_key_is_refused_once_its_expiry_passes_with_nothing_written(make_key):
    key, token = make_key()
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() + datetime.timedelta(seconds=1))
    api = client_for(token)
    assert api.get("/api/v1/agencies/").status_code == 200
    time.sleep(1.1)  # nothing changes in the database: the expiry is compared at each use
    assert api.get("/api/v1/agencies/").status_code == 401


@pytest.mark.parametrize("how", ["service", "admin"])
def test_a_key_of_a_disabled_account_is_refused_on_the_next_request(labour_api, how):
    assert labour_api.get("/api/v1/cases/").status_code == 200
    account = labour_api.key.user
    if how == "service":
        services.user_deactivate(actor=None, user=account)
    else:  # behind the services' back: the key itself is not revoked
        User.objects.filter(pk=account.pk).update(is_active=False)
    assert labour_api.get("/api/v1/cases/").status_code == 401


def test_a_membership_removed_through_the_service_revokes_the_key(labour_api, labour_case):
    assert labour_api.get(f"/api/v1/cases/{labour_case}/").status_code == 200
    services.membership_remove(actor=None, membership=UnitMembership.objects.get(user=labour_api.key.user))
    assert labour_api.get(f"/api/v1/cases/{labour_case}/").status_code == 401


def test_a_membership_deleted_behind_the_services_back_narrows_the_next_request(labour_api, labour_case):
    assert labour_api.get(f"/api/v1/cases/{labour_case}/").status_code == 200
    UnitMembership.objects.filter(user=labour_api.key.user).delete()
    assert labour_api.get(f"/api/v1/cases/{labour_case}/").status_code == 404
    assert labour_api.get("/api/v1/cases/").json()["results"] == []


def test_a_membership_added_widens_the_next_request(labour_api, make_key):
    bergen = client_for(make_key(units=("BGO",), name="Bergen labour")[1])
    created = bergen.post("/api/v1/cases/", {**NEW_CASE, "unit": "BGO"}, format="json")
    assert created.status_code == 201, created.content
    url = f"/api/v1/cases/{created.json()['id']}/"
    assert labour_api.get(url).status_code == 404
    UnitMembership.objects.create(
        user=labour_api.key.user, unit=RegionalUnit.objects.get(code="BGO"), role=UnitRole.CASE_OFFICER
    )
    assert labour_api.get(url).status_code == 200


def test_a_role_changed_in_place_counts_on_the_next_request(labour_api, nav_only_case):
    url = f"/api/v1/cases/{nav_only_case}/"
    assert labour_api.get(url).status_code == 404  # a case officer: only the cases Labour takes part in
    UnitMembership.objects.filter(user=labour_api.key.user).update(role=UnitRole.COORDINATOR)
    assert labour_api.get(url).status_code == 200  # a coordinator sees the unit's whole caseload
    UnitMembership.objects.filter(user=labour_api.key.user).update(role=UnitRole.CASE_OFFICER)
    assert labour_api.get(url).status_code == 404


def test_the_accounts_agency_changed_counts_on_the_next_request(labour_api, labour_case, nav_only_case):
    assert labour_api.get(f"/api/v1/cases/{labour_case}/").status_code == 200
    User.objects.filter(pk=labour_api.key.user_id).update(agency=Agency.objects.get(code="NAV"))
    assert labour_api.get(f"/api/v1/cases/{labour_case}/").status_code == 404
    assert labour_api.get(f"/api/v1/cases/{nav_only_case}/").status_code == 200


def test_scopes_changed_count_on_the_next_request(labour_api):
    assert labour_api.get("/api/v1/cases/").status_code == 200
    ApiKey.objects.filter(pk=labour_api.key.pk).update(scopes=["events:read"])
    refused = labour_api.get("/api/v1/cases/")
    assert refused.status_code == 403 and "cases:read" in refused.json()["detail"]
    assert labour_api.get("/api/v1/events/").status_code == 200


def test_desks_and_roles_are_read_with_the_key_each_time(labour_api):
    account = labour_api.key.user
    before = principal(labour_api.key.prefix).user
    osl = RegionalUnit.objects.get(code="OSL").pk
    assert before.__dict__["_unit_roles"] == {UnitRole.CASE_OFFICER: {osl}}
    assert before.__dict__["_desks"] == set() and before.__dict__["_desk_contact_point_ids"] == set()
    desk = NationalContactPoint.objects.get(code="NCIS")
    desk.desk_officers.add(account)
    after = principal(labour_api.key.prefix).user
    assert after.__dict__["_desks"] == {"NCIS"} and after.__dict__["_desk_contact_point_ids"] == {desk.pk}
    assert after.__dict__["_unit_roles"] == {UnitRole.CASE_OFFICER: {osl}}  # not repeated per desk


def test_authentication_and_scoping_cost_one_query(labour_api, labour_case, django_assert_num_queries):
    # This minute's last-used time and apikey.use row, and the case.view row, are written here.
    labour_api.get(f"/api/v1/cases/{labour_case}/")
    # 1: the key with its account, agency, roles and desks; 2: the case; 3-4: its agencies and assignees
    with django_assert_num_queries(4):
        assert labour_api.get(f"/api/v1/cases/{labour_case}/").status_code == 200
