import pytest

from cases.models import Case
from tests.processes import run_concurrently

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.live]


def test_references_have_no_gap_and_no_duplicate_when_processes_create_at_once(alice, osl):
    results = run_concurrently("tests.concurrent_jobs.create_cases", [("alice", 5)] * 4)
    assert [status for status, _ in results] == ["ok"] * 4, results
    references = sorted(ref for _, refs in results for ref in refs)
    year = Case.objects.first().year
    assert references == [f"OSL-{year}-{n:05d}" for n in range(1, 21)]
    assert sorted(Case.objects.values_list("number", flat=True)) == list(range(1, 21))
