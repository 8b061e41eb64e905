from agencies.models import User
from tests.cases.test_cases_api import assert_problem


def test_members_of_a_unit_are_listed_to_its_members_only(labour_api, bergen_api, alice):
    members = labour_api.get("/api/v1/units/OSL/members/").json()["results"]
    assert "alice" in {m["username"] for m in members}
    assert_problem(bergen_api.get("/api/v1/units/OSL/members/"), 404)
    assert User.objects.filter(username="alice").exists()
