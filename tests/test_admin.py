import pytest
from django.contrib import admin
from django.urls import reverse

from demo import dataset as demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(reference):
    demo.seed(cases_count=12, controls_count=4, referrals_count=3)


def test_every_admin_page_loads(client, seeded, django_assert_max_num_queries):
    from agencies.models import User

    client.force_login(User.objects.get(username="admin"))
    assert client.get(reverse("admin:index")).status_code == 200
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        response = client.get(changelist)
        assert response.status_code == 200, changelist
        if model_admin.search_fields:
            assert client.get(changelist, {"q": "a"}).status_code == 200, changelist
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
            assert client.get(change).status_code == 200, change
        if model_admin.has_add_permission(response.wsgi_request):
            add = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
            assert client.get(add).status_code == 200, add


def test_the_case_changelist_runs_a_constant_number_of_queries(client, seeded, django_assert_max_num_queries):
    from agencies.models import User

    client.force_login(User.objects.get(username="admin"))
    url = reverse("admin:cases_case_changelist")
    # session, user, count, page of cases with unit+agency joined, filter choices (units, agencies), date hierarchy
    with django_assert_max_num_queries(12):
        assert client.get(url, {"o": "1"}).status_code == 200


def test_a_staff_officer_sees_only_their_scope_in_the_admin(client, seeded):
    from agencies.models import User
    from cases.models import Case

    officer = User.objects.get(username="bgo.police1")
    client.force_login(officer)
    response = client.get(reverse("admin:cases_case_changelist"))
    assert response.status_code == 200
    shown = {case.pk for case in response.context["cl"].result_list}
    assert shown and all(Case.objects.get(pk=pk).unit.code == "BGO" for pk in shown)
    foreign = Case.objects.exclude(unit__code="BGO").first()
    change = reverse("admin:cases_case_change", args=[foreign.pk])
    assert client.get(change).status_code in (302, 404)


def test_an_admin_action_goes_through_the_service(client, seeded):
    from agencies.models import User
    from cases.models import Case
    from tracker.models import AuditEntry

    client.force_login(User.objects.get(username="admin"))
    case = Case.objects.filter(status="received").first()
    response = client.post(
        reverse("admin:cases_case_changelist"),
        {"action": "action_start_assessment", "_selected_action": [case.pk]},
        follow=True,
    )
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.status == "assessment"
    assert AuditEntry.objects.filter(object_id=str(case.pk), action="case.transition").exists()
