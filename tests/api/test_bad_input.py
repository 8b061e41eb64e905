"""Malformed input is a 400 (or 413) problem+json, never a 500, wherever it is sent.

The operations and their parameters come from the schema, so a new endpoint or filter is
covered without being listed here."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.api.test_pagination import LISTS, url_for, world  # noqa: F401  (world: a fixture)
from tests.conftest import NEW_CASE, client_for
from tracker.api.base import CURSOR_SALT

SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
OPERATIONS = [
    (method.upper(), path, operation)
    for path, operations in SCHEMA["paths"].items()
    for method, operation in operations.items()
    if not path.endswith(("/schema/", "/docs/"))
]


def parameters(where: str) -> list[tuple[str, str, list[str]]]:
    """(method, path, names of its parameters in ``where``) for every operation that has some."""
    found = [
        (method, path, [p["name"] for p in op.get("parameters", []) if p["in"] == where])
        for method, path, op in OPERATIONS
    ]
    return [entry for entry in found if entry[2]]


QUERY_PARAMETERS = parameters("query")
PATH_PARAMETERS = parameters("path")
WRITES = [(method, path) for method, path, op in OPERATIONS if "requestBody" in op]


def assert_problem(response, status=400):
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"] == "application/problem+json", response["Content-Type"]
    body = json.loads(response.content)
    assert body["status"] == status and body["detail"], body
    return body


def call(client, method, url, **kwargs):
    return getattr(client, method.lower())(url, **kwargs)


def test_the_schema_gives_parameters_to_try():
    assert sum(len(names) for *_, names in QUERY_PARAMETERS) > 30
    assert sum(len(names) for *_, names in PATH_PARAMETERS) > 30
    assert len(WRITES) > 20


def ids(entries):
    return [f"{method} {path}" for method, path, *_ in entries]


@pytest.mark.parametrize(("method", "path", "names"), QUERY_PARAMETERS, ids=ids(QUERY_PARAMETERS))
def test_a_nul_in_any_query_parameter_is_a_400_problem(labour_api, method, path, names):
    url = path.replace("{", "").replace("}", "")  # never reached: the NUL is refused first
    for name in names:
        body = assert_problem(call(labour_api, method, f"{url}?{name}=a%00b"))
        assert "NUL" in body["detail"], name


@pytest.mark.parametrize(("method", "path", "names"), PATH_PARAMETERS, ids=ids(PATH_PARAMETERS))
def test_a_nul_in_any_path_parameter_is_a_400_problem(world, method, path, names):  # noqa: F811
    client = APIClient()
    client.force_authenticate(world.root)
    for name in names:
        # Every other parameter filled, this one with a NUL in it.
        url = url_for(path.replace("{" + name + "}", "x%00y"), world)
        body = assert_problem(call(client, method, url))
        assert "path" in body["detail"], name


@pytest.mark.parametrize("header", ["HTTP_AUTHORIZATION", "HTTP_IDEMPOTENCY_KEY", "HTTP_IF_MATCH", "HTTP_COOKIE"])
def test_a_nul_in_a_header_is_a_400_problem(labour_api, header):
    # (The client's own credentials would replace an Authorization header given here.)
    client = APIClient() if header == "HTTP_AUTHORIZATION" else labour_api
    value = "Bearer trk_ab\x00c_d" if header == "HTTP_AUTHORIZATION" else "x\x00y"
    body = assert_problem(client.post("/api/v1/cases/", NEW_CASE, format="json", **{header: value}))
    assert "header" in body["detail"]


def test_an_idempotency_key_of_control_characters_is_a_400_problem(labour_api):
    body = assert_problem(labour_api.post("/api/v1/cases/", NEW_CASE, format="json", HTTP_IDEMPOTENCY_KEY="a\tb"))
    assert body["errors"][0]["pointer"] == "/Idempotency-Key"


@pytest.mark.parametrize("with_key", [False, True], ids=["plain", "idempotent"])
@pytest.mark.parametrize(
    "body",
    [
        {"title": "Car wash\x00", "unit": "OSL"},
        {"unit\x00": "OSL"},
        {"cases": [{"title": ["deep", {"x": "a\x00b"}]}]},
    ],
    ids=["value", "name", "nested value"],
)
def test_a_nul_inside_a_json_body_is_a_400_problem(labour_api, body, with_key):
    headers = {"HTTP_IDEMPOTENCY_KEY": "nul-body"} if with_key else {}
    problem = assert_problem(labour_api.post("/api/v1/cases/", body, format="json", **headers))
    assert "NUL" in problem["detail"]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(("method", "path"), WRITES, ids=ids(WRITES))
def test_deeply_nested_json_is_refused_by_every_write(world, method, path):  # noqa: F811
    client = APIClient()
    client.force_authenticate(world.root)
    for depth in (33, 900, 100_000):
        for key in (None, f"deep-{depth}"):
            headers = {"HTTP_IF_MATCH": '"1"', **({"HTTP_IDEMPOTENCY_KEY": key} if key else {})}
            body = '{"title": ' + nested(depth) + "}"
            response = call(client, method, url_for(path, world), data=body, content_type="application/json", **headers)
            # Parsed: 400. Refused before the body is read (no such object, a stale ETag, a
            # write the caller may not make): another 4xx problem. Never a 500.
            assert response.status_code < 500, (depth, key, response.content)
            assert response["Content-Type"] == "application/problem+json", (depth, key)
            if response.status_code == 400:
                assert "nested deeper" in json.loads(response.content)["detail"], (depth, key)


@pytest.mark.parametrize("with_key", [False, True], ids=["plain", "idempotent"])
def test_deeply_nested_json_to_create_a_case_is_a_400(labour_api, with_key):
    headers = {"HTTP_IDEMPOTENCY_KEY": "deep"} if with_key else {}
    body = assert_problem(
        labour_api.post("/api/v1/cases/", data=nested(50_000), content_type="application/json", **headers)
    )
    assert "nested deeper than 32 levels" in body["detail"]


def test_json_within_the_depth_limit_still_works(labour_api):
    case = {**NEW_CASE, "summary": "x"}
    assert labour_api.post("/api/v1/cases/bulk/", {"cases": [case]}, format="json").status_code == 201


@pytest.mark.parametrize("with_key", [False, True], ids=["plain", "idempotent"])
def test_a_json_body_over_the_limit_is_a_413_problem(labour_api, with_key):
    headers = {"HTTP_IDEMPOTENCY_KEY": "big"} if with_key else {}
    big = json.dumps({**NEW_CASE, "summary": "x" * 2_700_000})
    assert_problem(labour_api.post("/api/v1/cases/", data=big, content_type="application/json", **headers), 413)


def test_nan_is_not_json(labour_api):
    response = labour_api.post("/api/v1/cases/", data='{"title": NaN}', content_type="application/json")
    assert_problem(response)


# --- cursors --------------------------------------------------------------------------


def first_next(client, url, **params) -> str:
    body = client.get(url, {"page_size": 1, **params}).json()
    assert body["next"], body
    return parse_qs(urlsplit(body["next"]).query)["cursor"][0]


@pytest.mark.parametrize("path", list(LISTS), ids=list(LISTS))
def test_a_cursor_that_is_not_this_lists_is_a_400_problem(world, path):  # noqa: F811
    from tests.api.test_pagination import SPECS

    client = APIClient()
    client.force_authenticate(world.root)
    for _ in range(3):
        SPECS[path].make(world)
    url = url_for(path, world)
    own = first_next(client, url)
    assert client.get(url, {"cursor": own}).status_code == 200
    other_path = "/api/v1/agencies/" if path != "/api/v1/agencies/" else "/api/v1/units/"
    foreign = first_next(client, other_path)
    signed_by_someone_else = signing.dumps(signing.loads(own, salt=CURSOR_SALT), salt=CURSOR_SALT, key="x" * 50)
    tampered = own[:-3] + ("AAA" if not own.endswith("AAA") else "BBB")
    forged = ["garbage", "cD0yMDI0LTAxLTAx", "", own[: len(own) // 2], tampered, signed_by_someone_else, foreign]
    for cursor in forged:
        body = assert_problem(client.get(url, {"cursor": cursor}))
        assert body["errors"][0]["pointer"] == "/cursor", (cursor, body)
    # From another ordering of the same list.
    orderings = [o for o in LISTS[path] if o]
    if orderings:
        other_ordering = first_next(client, url, ordering=orderings[1])
        body = assert_problem(client.get(url, {"cursor": other_ordering, "ordering": orderings[0]}))
        assert "another list or ordering" in body["detail"]


@pytest.mark.parametrize(
    "after",
    ["x", "1", "1-", "-1-2", " 1-2", "1-2 ", "１-2", "99999999999999999999-1", "1-9223372036854775808", "0x1-2"],
)
def test_a_forged_change_feed_cursor_is_a_400_problem(labour_api, after):
    body = assert_problem(labour_api.get("/api/v1/events/", {"after": after}))
    assert body["errors"][0]["pointer"] == "/after"


@pytest.mark.parametrize("limit", ["0", "501", "-1", "1.5", "１", "abc", ""])
def test_a_bad_change_feed_limit_is_a_400_problem(labour_api, limit):
    body = assert_problem(labour_api.get("/api/v1/events/", {"limit": limit}))
    assert body["errors"][0]["pointer"] == "/limit"


@pytest.mark.parametrize("size", ["0", "-1", "abc", "1.0", "２", ""])
def test_a_bad_page_size_is_a_400_problem(labour_api, size):
    body = assert_problem(labour_api.get("/api/v1/cases/", {"page_size": size}))
    assert body["errors"][0]["pointer"] == "/page_size"


@pytest.mark.parametrize("ordering", ["bogus", "", "title", "priority,-priority", "-", "priority,"])
def test_an_ordering_the_list_does_not_offer_is_a_400_problem(labour_api, ordering):
    body = assert_problem(labour_api.get("/api/v1/cases/", {"ordering": ordering}))
    assert "received_on" in body["detail"]


def test_several_orderings_at_once_are_accepted(labour_api, api_case):
    assert labour_api.get("/api/v1/cases/", {"ordering": "priority,-received_on"}).status_code == 200


# --- Django's own refusals --------------------------------------------------------------


def test_too_many_query_parameters_is_a_400_problem(labour_api):
    query = "&".join(f"f{i}=1" for i in range(1001))
    assert_problem(labour_api.get(f"/api/v1/cases/?{query}"))


def test_a_host_we_do_not_serve_is_a_400_problem(labour_api):
    assert_problem(labour_api.get("/api/v1/cases/", HTTP_HOST="evil.example"))


def test_outside_the_api_a_nul_is_a_plain_400_page(client):
    response = client.get("/admin/?q=%00")
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")


def test_an_upload_body_over_what_a_request_may_carry_is_a_413_problem(labour_api, api_case):
    case = api_case.json()["id"]
    files = {"attachments": [_text(f"n{i}.txt", 600) for i in range(3)]}
    with override_settings(ATTACHMENT_MAX_BYTES=500, ATTACHMENT_MAX_FILES=2, DATA_UPLOAD_MAX_MEMORY_SIZE=100):
        response = labour_api.post(f"/api/v1/cases/{case}/journal/", {"body": "Files", **files}, format="multipart")
    assert_problem(response, 413)


def _text(name, size):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"a" * size, content_type="text/plain")


def test_ordinary_requests_pass_the_nul_checks(make_key):
    _, token = make_key()
    assert client_for(token).get("/api/v1/cases/", {"search": "Car wash"}).status_code == 200
