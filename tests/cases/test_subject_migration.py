"""Migration 0006 gives each case its own copy of the organisations and persons it shared."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from agencies.models import Agency, RegionalUnit, SanctionKind
from agencies.reference_data import load_reference_data
from tests.factories import identity_number, officer

BEFORE = [("cases", "0005_subjects_per_case_fields"), ("controls", "0002_date_ranges")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_shared_subjects_are_split_per_case_and_references_follow_the_unit():
    old = _migrate(BEFORE)
    try:
        load_reference_data()
        alice = officer("alice", "LABOUR")
        Case = old.get_model("cases", "Case")
        Person = old.get_model("cases", "Person")
        Organisation = old.get_model("cases", "Organisation")
        CaseSubject = old.get_model("cases", "CaseSubject")
        JointControl = old.get_model("controls", "JointControl")
        Finding = old.get_model("controls", "Finding")
        labour = Agency.objects.get(code="LABOUR")
        osl, bgo = RegionalUnit.objects.get(code="OSL"), RegionalUnit.objects.get(code="BGO")

        def case(unit, number):
            return Case.objects.create(
                reference=f"{unit.code}-2026-{number:05d}", unit_id=unit.pk, year=2026, number=number, title="t",
                lead_agency_id=labour.pk, sector="81.21", source="tip", received_on=datetime.date(2026, 1, 5),
                created_by_id=alice.pk,
            )  # fmt: skip

        oslo_1, oslo_2, bergen = case(osl, 1), case(osl, 2), case(bgo, 1)
        shared = Person.objects.create(
            name="Shared", id_number=identity_number(), id_kind="national_id", nationality="RO"
        )
        org = Organisation.objects.create(name="Shared AS", organisation_number="988077917")
        orphan = Person.objects.create(name="Unlinked, unnamed")
        named_orphan = Person.objects.create(name="Unlinked, a control's target")
        for c in (oslo_1, oslo_2, bergen):
            CaseSubject.objects.create(case_id=c.pk, person_id=shared.pk, role="suspect")
            CaseSubject.objects.create(case_id=c.pk, organisation_id=org.pk, role="employer")
        start = timezone.now()
        control = JointControl.objects.create(
            unit_id=bgo.pk, title="Bergen", starts_at=start, ends_at=start + datetime.timedelta(hours=2),
            created_by_id=alice.pk,
        )  # fmt: skip
        control.cases.add(bergen.pk)
        control.target_persons.add(shared.pk, named_orphan.pk)
        control.target_organisations.add(org.pk)
        finding = Finding.objects.create(
            control_id=control.pk, agency_id=labour.pk, recorded_by_id=alice.pk, person_id=shared.pk,
            sanction_kind_id=SanctionKind.objects.get(agency=labour, code="order").pk,
        )  # fmt: skip
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    from cases.models import CaseSubject as NewSubject
    from cases.models import Person as NewPerson
    from controls.models import Finding as NewFinding
    from controls.models import JointControl as NewControl

    copies = NewPerson.objects.filter(name="Shared")
    assert sorted(p.case_id for p in copies) == sorted([oslo_1.pk, oslo_2.pk, bergen.pk])
    assert NewPerson.objects.get(pk=shared.pk).case_id == oslo_1.pk  # the first case keeps the row
    for link in NewSubject.objects.select_related("person", "organisation"):
        assert (link.person or link.organisation).case_id == link.case_id
    assert len({p.id_number for p in copies}) == 1 and {p.nationality for p in copies} == {"RO"}
    bergen_copy = copies.get(case_id=bergen.pk)
    control = NewControl.objects.get(pk=control.pk)
    assert set(control.target_persons.values_list("pk", flat=True)) == {bergen_copy.pk, named_orphan.pk}
    assert control.target_organisations.get().case_id == bergen.pk
    assert NewFinding.objects.get(pk=finding.pk).person_id == bergen_copy.pk
    assert NewPerson.objects.get(pk=named_orphan.pk).case_id == bergen.pk
    assert not NewPerson.objects.filter(pk=orphan.pk).exists()
