"""The published contract, checked from the outside against the live server."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

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


def test_schemathesis_finds_no_failures(live_server, make_key, tmp_path):
    _, token = make_key()
    command = [
        str(VENV_BIN / "st"), "run", f"{live_server.url}/api/v1/schema/",
        "--header", f"Authorization: Bearer {token}",
        "--max-examples", "8", "--seed", "20261123", "--phases", "examples,fuzzing", "--no-color",
        "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,"
        "response_schema_conformance,response_headers_conformance",
    ]  # fmt: skip
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-6000:]
    assert "passed" in result.stdout


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
