"""The published contract: served, fuzzed with Schemathesis, and usable by a generated client."""

import os
import subprocess
import sys
from pathlib import Path

import hypothesis
import pytest
import requests
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from schemathesis.config import SchemathesisConfig

from cases.models import Case

pytestmark = pytest.mark.django_db(transaction=True)
VENV_BIN = Path(sys.executable).parent


def test_schema_and_docs_are_served(live_server):
    schema = requests.get(f"{live_server.url}/api/v1/schema/", params={"format": "json"}, timeout=30)
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/cases/{id}/transition/" in paths and "/api/v1/events/" in paths
    transition = paths["/api/v1/cases/{id}/transition/"]["post"]
    assert transition["x-required-scope"] == "cases:write"
    assert {p["name"] for p in transition["parameters"]} >= {"If-Match", "Idempotency-Key"}
    assert "application/problem+json" in transition["responses"]["412"]["content"]
    docs = requests.get(f"{live_server.url}/api/v1/docs/", timeout=30)
    assert docs.status_code == 200 and "swagger" in docs.text.lower() and "cdn" not in docs.text.lower()


# Schemathesis in-process, through the WSGI application: every operation of the schema gets its
# documented examples, the coverage phase (each parameter and field at and past its limits:
# wrong types, out-of-range numbers, values outside enums, missing required ones) and a few
# seeded random ones. In-process, each operation runs in a rolled-back transaction and no
# server or subprocess starts. The coverage phase's requests with undocumented methods are
# left out (405 everywhere, ~10 % of the run); NUL bytes, cursors and nesting have their own
# tests in test_bad_input.py.
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "response_headers_conformance"]  # fmt: skip
FUZZ = schemathesis.openapi.from_wsgi(
    "/api/v1/schema/?format=json",
    get_wsgi_application(),
    config=SchemathesisConfig.from_dict(
        {
            "seed": 20261123,
            "generation": {"max-examples": 3},
            "checks": {"enabled": False, **{check: {"enabled": True} for check in CHECKS}},
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True, "unexpected-methods": []},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": False},
            },
        }
    ),
)


@pytest.fixture
def in_process_token(make_key):
    # Django's test client does the same: the request signals would close the test's
    # connection, and with it the transaction the test runs in.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield make_key()[1]
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
@FUZZ.parametrize()
@hypothesis.settings(suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
def test_schemathesis_finds_no_failures(case, in_process_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {in_process_token}"})


CLIENT_SCRIPT = """
import sys
from tracker_client import AuthenticatedClient
from tracker_client.api.cases import cases_create, cases_retrieve
from tracker_client.models import CaseCreateRequest, SourceEnum

client = AuthenticatedClient(base_url=sys.argv[1], token=sys.argv[2])
created = cases_create.sync(client=client, body=CaseCreateRequest(
    unit="OSL", title="From the generated client", lead_agency="LABOUR", sector="41.20", source=SourceEnum.TIP))
read = cases_retrieve.sync(client=client, id=created.id)
assert read.title == "From the generated client", read
print(read.reference)
"""


def test_a_client_generated_from_the_schema_creates_and_reads_a_case(live_server, make_key, tmp_path):
    _, token = make_key()
    (tmp_path / "schema.json").write_text(
        requests.get(f"{live_server.url}/api/v1/schema/", params={"format": "json"}, timeout=30).text
    )
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    generate = subprocess.run(
        [str(VENV_BIN / "openapi-python-client"), "generate", "--path", "schema.json", "--meta", "none",
         "--output-path", "tracker_client"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert generate.returncode == 0, generate.stdout + generate.stderr
    assert "WARNING" not in generate.stdout, generate.stdout
    (tmp_path / "use_client.py").write_text(CLIENT_SCRIPT)
    run = subprocess.run([sys.executable, "use_client.py", live_server.url, token], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    reference = run.stdout.strip()
    assert Case.objects.get(reference=reference).title == "From the generated client"
