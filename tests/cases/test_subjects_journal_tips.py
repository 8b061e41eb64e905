import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from cases import services
from cases.choices import CaseStatus, IloIndicator, LegalBasis, SubjectRole, TipStatus, TransferStatus, Visibility
from cases.models import Attachment, CaseSubject, JournalEntry, Organisation, Person
from cases.selectors import cases_visible_to, journal_visible_to
from tests.factories import case_kwargs, identity_number, officer
from tracker.exceptions import DomainValidationError, InvalidTransition, NotPermitted


def test_an_organisation_is_registered_once_per_case_by_its_number(alice, labour_case):
    first = services.organisation_upsert(
        actor=alice, case=labour_case, organisation_number="988077917", name="Fjord Renhold AS"
    )
    again = services.organisation_upsert(
        actor=alice, case=labour_case, organisation_number="988 077 917", name="Other name"
    )
    assert first.pk == again.pk and Organisation.objects.count() == 1


def test_an_invalid_organisation_number_names_the_field_and_saves_nothing(alice, labour_case):
    with pytest.raises(DomainValidationError) as exc:
        services.organisation_upsert(actor=alice, case=labour_case, organisation_number="988077918", name="X AS")
    assert exc.value.errors == {"organisation_number": "This organisation number has a wrong check digit."}
    assert not Organisation.objects.exists()


def test_a_person_gets_the_kind_and_birth_date_of_their_number(alice, labour_case):
    person = services.person_upsert(
        actor=alice, case=labour_case, name="Piotr Nowak", id_number=identity_number(d_number=True), nationality="pl"
    )
    assert person.id_kind == "d_number" and person.nationality == "PL" and person.date_of_birth is not None
    nameless = services.person_upsert(actor=alice, case=labour_case, name="Unknown worker", nationality="RO")
    assert nameless.id_kind == "none" and nameless.id_number is None


def test_an_invalid_identity_number_names_the_field_and_saves_nothing(alice, labour_case):
    with pytest.raises(DomainValidationError) as exc:
        services.person_upsert(actor=alice, case=labour_case, name="X", id_number="123")
    assert "id_number" in exc.value.errors
    assert not Person.objects.exists()


def test_ilo_indicators_are_recorded_for_potential_victims_only(labour_case, alice):
    person = services.person_upsert(actor=alice, case=labour_case, name="Yonas Tesfay")
    with pytest.raises(DomainValidationError):
        services.case_add_subject(
            actor=alice,
            case=labour_case,
            person=person,
            role=SubjectRole.WITNESS,
            ilo_indicators=[IloIndicator.DEBT_BONDAGE],
        )
    link = services.case_add_subject(
        actor=alice,
        case=labour_case,
        person=person,
        role=SubjectRole.POTENTIAL_VICTIM,
        ilo_indicators=[IloIndicator.DEBT_BONDAGE, IloIndicator.RETENTION_OF_DOCUMENTS],
    )
    assert link.ilo_indicators == ["debt_bondage", "retention_of_documents"]
    with pytest.raises(DomainValidationError):
        services.case_add_subject(actor=alice, case=labour_case, person=person, role=SubjectRole.POTENTIAL_VICTIM)
    assert CaseSubject.objects.count() == 1


def test_sharing_a_journal_entry_needs_a_legal_basis_and_a_necessity_note(labour_case, alice):
    with pytest.raises(DomainValidationError) as exc:
        services.journal_add(actor=alice, case=labour_case, body="Payroll data", visibility=Visibility.UNIT)
    assert set(exc.value.errors) == {"legal_basis", "necessity_note"}
    entry = services.journal_add(
        actor=alice,
        case=labour_case,
        body="Payroll data",
        visibility=Visibility.UNIT,
        legal_basis=LegalBasis.AKRIM_REGULATION_3,
        necessity_note="Tax must assess VAT.",
    )
    assert entry.agency.code == "LABOUR"


def test_an_agency_only_entry_is_hidden_from_the_other_agencies(labour_case, alice, bob, carol):
    private = services.journal_add(actor=alice, case=labour_case, body="Labour's own note")
    assert private in journal_visible_to(alice, labour_case)
    assert private not in journal_visible_to(bob, labour_case)
    assert private not in journal_visible_to(carol, labour_case)  # a police coordinator


def test_attachments_are_hashed_and_limited(labour_case, alice):
    upload = SimpleUploadedFile("timesheet.pdf", b"%PDF-1.4 fake timesheet", content_type="application/pdf")
    entry = services.journal_add(actor=alice, case=labour_case, body="Timesheets", attachments=[upload])
    attachment = entry.attachments.get()
    assert attachment.size == 23 and len(attachment.sha256) == 64
    exe = SimpleUploadedFile("tool.exe", b"MZ", content_type="application/x-msdownload")
    with pytest.raises(DomainValidationError, match="not accepted"):
        services.journal_add(actor=alice, case=labour_case, body="Tool", attachments=[exe])
    with override_settings(ATTACHMENT_MAX_BYTES=10):
        big = SimpleUploadedFile("big.pdf", b"x" * 11, content_type="application/pdf")
        with pytest.raises(DomainValidationError, match="limit"):
            services.journal_add(actor=alice, case=labour_case, body="Big", attachments=[big])
    assert Attachment.objects.count() == 1
    assert JournalEntry.objects.filter(body__in=["Tool", "Big"]).count() == 0


def test_case_officers_see_only_their_agencys_cases_and_no_other_units(labour_case, alice, bob, carol, dave, erin):
    nav_officer = officer("nina", "NAV")
    assert labour_case in cases_visible_to(alice)
    assert labour_case in cases_visible_to(bob)  # Tax takes part
    assert labour_case in cases_visible_to(carol)  # coordinator: whole unit
    assert labour_case in cases_visible_to(erin)  # auditor: whole unit
    assert labour_case not in cases_visible_to(nav_officer)
    assert labour_case not in cases_visible_to(dave)


def test_a_tip_is_promoted_merged_or_dismissed_once(alice, osl, labour_case):
    tip = services.tip_create(actor=alice, unit=osl, source="union", description="Cash wages at a car wash")
    case = services.tip_promote(
        actor=alice, tip=tip, **{k: v for k, v in case_kwargs().items() if k != "source" and k != "received_on"}
    )
    tip.refresh_from_db()
    assert tip.status == TipStatus.PROMOTED and tip.case == case and case.source == "tip"
    with pytest.raises(InvalidTransition):
        services.tip_dismiss(actor=alice, tip=tip, reason="dup")
    other = services.tip_create(actor=alice, unit=osl, source="public", description="Same car wash")
    assert services.tip_merge(actor=alice, tip=other, case=labour_case).status == TipStatus.MERGED
    third = services.tip_create(actor=alice, unit=osl, source="anonymous", description="Vague")
    with pytest.raises(DomainValidationError):
        services.tip_dismiss(actor=alice, tip=third, reason=" ")
    assert services.tip_dismiss(actor=alice, tip=third, reason="No workplace named").status == TipStatus.DISMISSED


def test_a_transfer_is_decided_by_the_receiving_coordinator(labour_case, alice, bgo, dave, reference):
    transfer = services.transfer_request(actor=alice, case=labour_case, to_unit=bgo, reason="Company moved to Bergen")
    with pytest.raises(InvalidTransition):
        services.transfer_request(actor=alice, case=labour_case, to_unit=bgo, reason="again")
    with pytest.raises(NotPermitted):
        services.transfer_decide(actor=dave, transfer=transfer, accept=True)
    bergen_coordinator = officer("berit", "LABOUR", unit="BGO", role="coordinator")
    with pytest.raises(DomainValidationError):
        services.transfer_decide(actor=bergen_coordinator, transfer=transfer, accept=False)
    services.transfer_decide(actor=bergen_coordinator, transfer=transfer, accept=True)
    labour_case.refresh_from_db()
    assert labour_case.unit == bgo and transfer.__class__.objects.get(pk=transfer.pk).status == TransferStatus.ACCEPTED
    assert labour_case not in cases_visible_to(alice)
    assert labour_case.status == CaseStatus.RECEIVED


def test_a_case_takes_its_subjects_with_it_and_a_linked_subject_never_goes_alone(alice, labour_case):
    from django.db.models import RestrictedError

    person = services.person_upsert(actor=alice, case=labour_case, name="Ana Popescu")
    services.case_add_subject(actor=alice, case=labour_case, person=person, role=SubjectRole.WORKER)
    with pytest.raises(RestrictedError):
        Person.objects.filter(pk=person.pk).delete()
    labour_case.delete()
    assert not Person.objects.exists() and not CaseSubject.objects.exists()
