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


def _written_rows(case):
    """What registering ``case`` wrote, without what differs between any two writes (ids, times, numbers)."""
    from cases.models import JournalEntry
    from tracker.models import Event

    def strip(d):
        return {k: v for k, v in d.items() if k not in {"id", "reference", "version"}}

    audit = AuditEntry.objects.get(object_id=str(case.pk), action="case.create")
    event = Event.objects.get(object_id=str(case.pk), type="case.created")
    journal = JournalEntry.objects.get(case=case)
    return {
        "case": [case.title, case.unit_id, case.lead_agency_id, case.sector, case.offences, case.status, case.version],
        "agencies": sorted(case.agencies.values_list("code", flat=True)),
        "audit": [audit.actor_id, audit.actor_agency_id, audit.object_type, strip(audit.after), audit.before],
        "event": [event.actor_id, event.unit_id, event.agencies, event.confidential, strip(event.payload)],
        "journal": [journal.author_id, journal.agency_id, journal.kind, journal.visibility, journal.body.split()[0]],
    }


def test_a_bulk_import_writes_the_rows_case_create_writes(alice, osl):
    fields = case_kwargs(unit=osl, agencies=["LABOUR", "TAX"], offences=["wages", "undeclared_work"], summary="S")
    one = services.case_create(actor=alice, **fields)
    [bulk] = services.case_bulk_create(actor=alice, cases=[fields])
    assert _written_rows(Case.objects.get(pk=bulk.pk)) == _written_rows(Case.objects.get(pk=one.pk))


def test_references_follow_on_in_order_across_units_and_years(alice, osl, bgo, django_user_model):
    import datetime

    first = services.case_create(actor=alice, **case_kwargs(unit=osl))
    last_year = datetime.date(first.year - 1, 6, 1)
    created = services.case_bulk_create(
        actor=alice,
        cases=[
            case_kwargs(unit=osl, title="a"),
            case_kwargs(unit=osl, title="b", received_on=last_year),
            case_kwargs(unit=osl, title="c"),
        ],
    )
    numbers = [(case.title, case.year, case.number) for case in created]
    assert numbers == [
        ("a", first.year, first.number + 1),
        ("b", first.year - 1, 1),
        ("c", first.year, first.number + 2),
    ]
    assert [Case.objects.get(pk=case.pk).reference for case in created] == [case.reference for case in created]
    after = services.case_create(actor=alice, **case_kwargs(unit=osl))
    assert after.number == first.number + 3  # the counter moved by what the import took


@pytest.mark.parametrize("count", [2, 40])
def test_a_bulk_import_costs_the_same_queries_whatever_its_size(alice, osl, count, django_assert_num_queries):
    cases = [case_kwargs(unit=osl, title=f"Case {n}") for n in range(count)]
    # the agencies named, her units, the unit's agencies, the counter, then one INSERT each:
    # cases, their agencies, journal entries, audit rows, events; and the savepoint pair.
    with django_assert_num_queries(11):
        services.case_bulk_create(actor=alice, cases=cases)
    assert AuditEntry.objects.filter(action="case.create").count() == count
