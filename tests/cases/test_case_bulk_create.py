"""cases.services.case_bulk_create: all or nothing, every item's errors at once, in order."""

import pytest

from cases import services
from cases.models import Case
from tests.factories import case_kwargs
from tracker.exceptions import BulkInvalidError
from tracker.models import AuditEntry


def test_every_case_is_created_and_audited_in_order(alice, osl):
    created = services.case_bulk_create(actor=alice, cases=[case_kwargs(unit=osl, title=f"Case {n}") for n in range(3)])
    assert [case.title for case in created] == ["Case 0", "Case 1", "Case 2"]
    assert Case.objects.count() == 3
    assert AuditEntry.objects.filter(action="case.create").count() == 3


def test_one_bad_item_creates_nothing_and_every_error_is_pointed_in_order(alice, osl, bgo):
    input_error = {"pointer": "/cases/0/colour", "detail": "Unexpected field."}
    cases = [
        None,  # the caller's own checks refused it: its errors are given, it is not created
        case_kwargs(unit=osl),
        case_kwargs(unit=osl, sector="99.99"),  # refused by case_create itself
        case_kwargs(unit=bgo),  # not her unit: refused as a whole, pointed at the item
    ]
    with pytest.raises(BulkInvalidError) as refused:
        services.case_bulk_create(actor=alice, cases=cases, input_errors={0: [input_error]})
    errors = refused.value.pointed_errors()
    assert errors[0] == input_error
    assert [e["pointer"].split("/")[2] for e in errors] == sorted(e["pointer"].split("/")[2] for e in errors)
    assert {e["pointer"].split("/")[2] for e in errors} == {"0", "2", "3"}
    assert "/cases/2/sector" in {e["pointer"] for e in errors} and errors[-1]["pointer"] == "/cases/3"
    assert refused.value.message == "3 of the cases are invalid; nothing was created."
    assert refused.value.status == 400 and refused.value.title == "Validation failed"
    assert not Case.objects.exists()
    assert not AuditEntry.objects.filter(action="case.create").exists()
