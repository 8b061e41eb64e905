"""Every endpoint requires the scope of what it carries, says so in the schema, and cannot forget to."""

import importlib
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import get_resolver, include, path
from drf_spectacular.generators import SchemaGenerator
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from agencies.models import ApiKey
from cases.models import Task
from tests.conftest import NEW_CASE, client_for
from tracker.api.base import TrackerViewSet
from tracker.api.routes import api_routes, require_declared_scopes, undeclared_scopes
from tracker.api.scopes import REFERENCE_DATA, SCOPES, ScopeNotDeclared, required_scope

ROOT = Path(__file__).resolve().parents[2]
ROUTES = [r for r in api_routes(get_resolver().url_patterns) if r.pattern.startswith("api/")]


def _operations() -> dict:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {}
    for url, methods in schema["paths"].items():
        view_name = get_resolver().resolve(url.replace("{", "").replace("}", "x1")).view_name
        for method, operation in methods.items():
            operations[(view_name, method.upper())] = operation
    return operations


def test_every_operation_in_the_schema_states_the_scope_its_route_requires():
    operations = _operations()
    checked = 0
    for route in ROUTES:
        if route.is_public:
            continue
        for method in set(route.methods()) - {"HEAD", "OPTIONS"}:
            operation = operations.get((route.name, method))
            assert operation is not None, f"{method} {route.pattern} is not in the schema"
            scope = required_scope(route.view(method), method)
            assert operation["x-required-scope"] == scope, (method, route.pattern)
            assert (f"`{scope}`" if scope else "Reference data") in operation["description"], (method, route.pattern)
            checked += 1
    assert checked == len(operations)


# A POST only because it carries a body that must stay out of URLs and logs (a reason).
POSTS_THAT_READ = {("api:person-reveal", "POST")}


def test_reads_need_a_read_scope_writes_a_write_scope_and_only_reference_data_none():
    for route in ROUTES:
        if route.is_public:
            continue
        for method in route.methods():
            view = route.view(method)
            scope = required_scope(view, method)
            if scope is None:
                assert view.scope == REFERENCE_DATA and method in SAFE_METHODS, (method, route.pattern)
            else:
                assert scope in SCOPES, (method, route.pattern, scope)
                if (route.name, method) in POSTS_THAT_READ:
                    assert scope.endswith(":read"), (method, route.pattern)
                    continue
                assert scope.endswith(":read" if method in SAFE_METHODS else ":write"), (method, route.pattern)


class Undeclared(mixins.ListModelMixin, TrackerViewSet):
    def scoped_queryset(self, user):
        return ApiKey.objects.none()


class DeclaredButOneAction(Undeclared):
    scope = REFERENCE_DATA

    @action(detail=False, methods=["post"])
    def touch(self, request):
        return Response({})


class UnknownScope(Undeclared):
    @action(detail=False, methods=["get"], required_scope="everything:read")
    def everything(self, request):
        return Response({})


class NoScopeCheck(Undeclared):
    scope = "cases"
    permission_classes = [IsAuthenticated]


@pytest.mark.parametrize(
    "viewset,complaint",
    [
        (Undeclared, "Undeclared.list declares no API key scope for GET"),
        (DeclaredButOneAction, "DeclaredButOneAction.touch declares no API key scope for POST"),
        (UnknownScope, "GET requires 'everything:read', which is no scope in SCOPES"),
        (NoScopeCheck, "NoScopeCheck does not check API key scopes (HasScope)"),
    ],
)
def test_a_route_without_a_declared_scope_stops_the_url_conf(viewset, complaint):
    router = DefaultRouter()
    router.register("things", viewset, basename="thing")
    patterns = [path("api/v1/", include(router.urls))]
    assert any(complaint in problem for problem in undeclared_scopes(patterns)), undeclared_scopes(patterns)
    with pytest.raises(ScopeNotDeclared, match="things"):
        require_declared_scopes(patterns)


def test_the_api_s_own_url_conf_declares_every_scope():
    assert undeclared_scopes(get_resolver().url_patterns) == []


def test_an_undeclared_view_fails_loudly_for_people_too(rf):
    from tracker.api.scopes import HasScope

    view = Undeclared()
    request = rf.get("/")
    request.auth = None  # a person's session
    with pytest.raises(ScopeNotDeclared):
        HasScope().has_permission(request, view)


@pytest.mark.parametrize(
    "method,url,body",
    [
        ("get", "/api/v1/notifications/", None),
        ("post", "/api/v1/notifications/read-all/", None),
        ("get", "/api/v1/notifications/preferences/", None),
        ("patch", "/api/v1/notifications/preferences/", {"email": "digest"}),
        ("get", "/api/v1/units/OSL/members/", None),
        ("get", "/api/v1/webhooks/", None),
    ],
)
def test_a_key_without_a_matching_scope_reads_no_notifications_preferences_or_members(make_key, method, url, body):
    _, token = make_key(scopes=["cases:read", "cases:write", "webhooks:write"])
    response = getattr(client_for(token), method)(url, body, format="json")
    assert response.status_code == 403, response.content
    assert re.search(r"lacks the '(notifications|units|webhooks):(read|write)' scope", response.json()["detail"])


def test_keys_with_the_new_scopes_read_notifications_preferences_and_members(make_key):
    _, token = make_key(scopes=["notifications:read", "notifications:write", "units:read", "webhooks:read"])
    api = client_for(token)
    assert api.get("/api/v1/notifications/").status_code == 200
    assert api.patch("/api/v1/notifications/preferences/", {"email": "digest"}, format="json").json()["email"] == (
        "digest"
    )
    assert api.get("/api/v1/units/OSL/members/").status_code == 200
    assert api.get("/api/v1/webhooks/").status_code == 200
    assert api.post("/api/v1/webhooks/", {"url": "https://labour.example/h"}, format="json").status_code == 403


def test_reference_data_needs_no_particular_scope(make_key):
    _, token = make_key(scopes=["events:read"])
    api = client_for(token)
    for url in ("/api/v1/agencies/", "/api/v1/units/OSL/", "/api/v1/contact-points/NCIS/"):
        assert api.get(url).status_code == 200, url


def test_head_never_takes_a_write_branch(make_key, labour_api, api_case):
    """HEAD needs only the read scope: with a body that POST would accept, it still only reads."""
    _, token = make_key(scopes=["cases:read"])
    url = f"/api/v1/cases/{api_case.json()['id']}/tasks/"
    response = client_for(token).generic("HEAD", url, '{"title": "Through HEAD"}', content_type="application/json")
    assert response.status_code == 200
    assert not Task.objects.filter(title="Through HEAD").exists()


def test_keys_issued_before_the_split_keep_what_they_used(make_key):
    from django.apps import apps

    migration = importlib.import_module("agencies.migrations.0003_grant_split_scopes")
    writer, _ = make_key(scopes=["cases:read", "cases:write", "webhooks:write"])
    reader, _ = make_key(scopes=["events:read", "controls:read"], name="Reader")
    booker, _ = make_key(scopes=["controls:write"], name="Booker")
    migration.grant_split_scopes(apps, None)
    writer.refresh_from_db(), reader.refresh_from_db(), booker.refresh_from_db()
    assert writer.scopes == ["cases:read", "cases:write", "units:read", "webhooks:read", "webhooks:write"]
    assert reader.scopes == ["controls:read", "events:read"]
    assert booker.scopes == ["controls:write", "units:read"]


def test_the_api_guide_lists_every_scope_and_its_example_key_holds_all_a_system_uses():
    guide = (ROOT / "docs" / "api.md").read_text()
    table = {scope for row in re.findall(r"^\| (`.+?`) \|", guide, re.M) for scope in re.findall(r"`([a-z:]+)`", row)}
    assert table == set(SCOPES)
    example = re.search(r"--scopes (\S+)", guide).group(1)
    # A key is never notified: the example leaves the notification scopes out; whole identity
    # numbers are given on purpose, never by copying an example; nor is an agency's case system an
    # oversight body: it leaves audit:read out too.
    given_on_purpose = ("identity:read", "audit:read")
    wanted = {scope for scope in SCOPES if not scope.startswith("notifications:") and scope not in given_on_purpose}
    assert set(example.split(",")) == wanted


def test_the_command_issues_a_key_with_every_scope_the_guide_shows(reference):
    guide = (ROOT / "docs" / "api.md").read_text()
    scopes = re.search(r"--scopes (\S+)", guide).group(1)
    out = io.StringIO()
    call_command("create_api_key", agency="LABOUR", units="OSL", scopes=scopes, name="Guide system", stdout=out)
    api = client_for(out.getvalue().strip().splitlines()[-1])
    assert api.get("/api/v1/units/OSL/members/").status_code == 200
    assert api.get("/api/v1/webhooks/").status_code == 200
    assert api.post("/api/v1/cases/", NEW_CASE, format="json").status_code == 201
    assert api.get("/api/v1/notifications/").status_code == 403
