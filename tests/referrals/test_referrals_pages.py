"""The referral pages: who may see them, what bad input does, and a constant query count.

The sending side: alice (Labour, Oslo) works on a Labour/Tax case; dave (Bergen) and nina
(NAV, Oslo, not on the case) must not see it. The desk: desk staffs NCIS; desk2 staffs
another contact point and must not see what was sent to NCIS."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, NationalContactPoint
from cases import services as case_services
from cases.choices import LegalBasis, SubjectRole
from cases.models import CaseSubject
from referrals import services
from referrals.choices import ReferralStatus
from referrals.deadlines import acknowledgement_due_on
from referrals.models import Referral
from tests.factories import UserFactory, case_kwargs, officer


@pytest.fixture
def nina(reference):
    """A NAV case officer in Oslo: same unit, an agency not on the Labour case."""
    return officer("nina", "NAV")


@pytest.fixture
def other_desk(reference):
    """Another contact point (organised crime only) and its desk officer."""
    point = NationalContactPoint.objects.create(
        code="OCDESK",
        name="Organised crime desk",
        name_nb="Kontaktpunkt for organisert kriminalitet",
        hosting_agency=Agency.objects.get(code="POLICE"),
        topics=["organised_crime"],
        intake_email="oc@politiet.example",
    )
    desk2 = UserFactory(username="desk2")
    point.desk_officers.add(desk2)
    return point, desk2


@pytest.fixture
def subjects(labour_case, alice):
    org = case_services.organisation_upsert(
        actor=alice, case=labour_case, organisation_number="988077917", name="Fjord Renhold AS"
    )
    person = case_services.person_upsert(
        actor=alice, case=labour_case, name="Ana Popescu", date_of_birth=datetime.date(1990, 3, 4), nationality="RO"
    )
    return [
        case_services.case_add_subject(actor=alice, case=labour_case, organisation=org, role=SubjectRole.EMPLOYER),
        case_services.case_add_subject(actor=alice, case=labour_case, person=person, role=SubjectRole.POTENTIAL_VICTIM),
    ]


def refer(case, actor, *, subjects=(), category="migrant_trafficking", contact_point=None):
    return services.referral_create_and_send(
        actor=actor,
        case=case,
        contact_point=contact_point or NationalContactPoint.objects.get(code="NCIS"),
        category=category,
        summary="Workers recruited in Romania with a travel debt; passports kept by the employer.",
        legal_basis=LegalBasis.AKRIM_REGULATION_3,
        subjects=subjects,
    )


@pytest.fixture
def referral(labour_case, alice, subjects, desk):
    return refer(labour_case, alice, subjects=subjects)


def new_url(case):
    return f"{reverse('referrals:new')}?case={case.pk}"


def valid_post(subjects, **overrides):
    data = {
        "category": "migrant_trafficking",
        "contact_point": NationalContactPoint.objects.get(code="NCIS").pk,
        "summary": "Workers recruited with a travel debt.",
        "subjects": [s.pk for s in subjects],
        "legal_basis": LegalBasis.AKRIM_REGULATION_3,
    }
    data.update(overrides)
    return data


# Referring a case -------------------------------------------------------------------------


def test_an_officer_refers_a_case_sharing_the_chosen_subjects(client, alice, labour_case, subjects, desk):
    client.force_login(alice)
    page = client.get(new_url(labour_case))
    assert page.status_code == 200
    html = page.content.decode()
    assert labour_case.reference in html and labour_case.title in html
    assert "Fjord Renhold AS" in html and "Ana Popescu" in html
    assert "Mulig offer" in html  # the role, in Bokmål
    assert str(subjects[0].pk) not in html.replace(f'value="{subjects[0].pk}"', "")  # ids only as values

    response = client.post(new_url(labour_case), valid_post(subjects[:1]))
    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("referrals:detail", args=[referral.pk])
    assert referral.status == ReferralStatus.SENT
    assert list(referral.subjects.all()) == subjects[:1]
    assert referral.legal_basis == LegalBasis.AKRIM_REGULATION_3
    assert referral.acknowledgement_due_on == acknowledgement_due_on(timezone.localdate())

    detail = client.get(response["Location"])
    assert "Fjord Renhold AS" in detail.content.decode() and "Ana Popescu" not in detail.content.decode()


@pytest.mark.parametrize("who", ["dave", "nina"])
def test_the_refer_page_is_404_for_people_who_cannot_see_the_case(client, request, who, labour_case):
    client.force_login(request.getfixturevalue(who))
    assert client.get(new_url(labour_case)).status_code == 404
    assert client.post(new_url(labour_case), {"summary": "x"}).status_code == 404
    assert not Referral.objects.exists()


@pytest.mark.parametrize("query", ["", "?case=", "?case=not-a-uuid", "?case=00000000-0000-0000-0000-000000000000"])
def test_the_refer_page_is_404_without_a_case_it_can_find(client, alice, query):
    client.force_login(alice)
    assert client.get(reverse("referrals:new") + query).status_code == 404


def test_an_auditor_sees_the_case_but_is_told_they_may_not_refer_it(client, erin, labour_case, subjects):
    client.force_login(erin)
    page = client.get(new_url(labour_case))
    assert page.status_code == 200 and b'name="summary"' not in page.content
    assert client.post(new_url(labour_case), valid_post(subjects)).status_code == 403
    assert not Referral.objects.exists()


def test_bad_input_gives_the_form_back_with_messages_and_the_values_typed(client, alice, labour_case, subjects):
    client.force_login(alice)
    response = client.post(new_url(labour_case), valid_post(subjects, legal_basis="", category="", summary="Kept"))
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"legal_basis", "category"}
    html = response.content.decode()
    assert "Velg hjemmel for delingen." in html  # next to the field and in the summary, in Bokmål
    assert "Kept</textarea>" in html  # nothing the person typed is lost
    assert 'class="ds-error-summary"' in html
    assert not Referral.objects.exists()


def test_a_contact_point_that_does_not_take_the_category_cannot_be_chosen(
    client, alice, labour_case, subjects, other_desk
):
    point, _ = other_desk
    client.force_login(alice)
    response = client.post(new_url(labour_case), valid_post(subjects, contact_point=point.pk))
    assert response.status_code == 400 and "contact_point" in response.context["form"].errors
    assert not Referral.objects.exists()


def test_a_subject_of_another_case_cannot_be_shared(client, alice, osl, labour_case, subjects):
    other_case = case_services.case_create(actor=alice, unit=osl, **case_kwargs(title="Another case"))
    person = case_services.person_upsert(actor=alice, case=other_case, name="Someone Else")
    foreign = case_services.case_add_subject(actor=alice, case=other_case, person=person, role=SubjectRole.WORKER)
    client.force_login(alice)
    response = client.post(new_url(labour_case), valid_post([subjects[0], foreign]))
    assert response.status_code == 400 and "subjects" in response.context["form"].errors
    assert not Referral.objects.exists()


def test_choosing_a_category_lists_only_the_contact_points_that_take_it(client, alice, labour_case, other_desk):
    point, _ = other_desk
    client.force_login(alice)
    headers = {"HX-Request": "true", "HX-Target": "contact-point-field"}
    trafficking = client.get(new_url(labour_case) + "&category=migrant_trafficking", headers=headers)
    html = trafficking.content.decode()
    assert html.strip().startswith('<div id="contact-point-field">')  # the partial, not the page
    assert "NCIS" in html and point.name_nb not in html
    organised = client.get(new_url(labour_case) + "&category=organised_crime", headers=headers).content.decode()
    assert "NCIS" in organised and point.name_nb in organised


# The sending unit's pages -------------------------------------------------------------------


def test_the_list_shows_the_units_referrals_and_nothing_to_others(client, alice, dave, referral):
    client.force_login(alice)
    html = client.get(reverse("referrals:list")).content.decode()
    assert referral.case.reference in html and reverse("referrals:detail", args=[referral.pk]) in html
    client.force_login(dave)
    assert referral.case.reference not in client.get(reverse("referrals:list")).content.decode()


@pytest.mark.parametrize("who", ["dave", "nina", "desk"])
def test_the_referral_page_is_404_to_another_unit_another_agency_and_the_desk(client, request, who, referral):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 404
    revoke = client.post(reverse("referrals:revoke", args=[referral.pk]), {"revoke-reason": "x"})
    assert revoke.status_code == 404
    assert Referral.objects.get().status == ReferralStatus.SENT


def test_the_referral_page_shows_the_summary_subjects_and_history(client, alice, referral):
    client.force_login(alice)
    html = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "passports kept by the employer" in html
    assert "Fjord Renhold AS" in html and "Ana Popescu" in html
    assert "Sendt til kontaktpunktet" in html  # the timeline, in Bokmål
    assert "Trekk tilbake henvisningen" in html  # revoking is allowed while it is only sent


def test_revoking_needs_a_reason_and_then_revokes(client, alice, referral):
    client.force_login(alice)
    url = reverse("referrals:revoke", args=[referral.pk])
    refused = client.post(url, {"revoke-reason": "  "})
    assert refused.status_code == 400 and "reason" in refused.context["revoke_form"].errors
    assert Referral.objects.get().status == ReferralStatus.SENT
    done = client.post(url, {"revoke-reason": "Sent to the wrong desk"})
    assert done.status_code == 302
    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.REVOKED and referral.revoke_reason == "Sent to the wrong desk"


def test_an_accepted_referral_can_no_longer_be_revoked(client, alice, desk, referral):
    services.referral_acknowledge(actor=desk, referral=referral)
    services.referral_accept(actor=desk, referral=referral)
    client.force_login(alice)
    page = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "Trekk tilbake henvisningen" not in page
    refused = client.post(reverse("referrals:revoke", args=[referral.pk]), {"revoke-reason": "Too late"})
    assert refused.status_code == 409
    assert Referral.objects.get().status == ReferralStatus.ACCEPTED


# The contact point's desk --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "carol", "dave"])
def test_the_desk_pages_are_404_for_unit_people(client, request, who, referral):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("referrals:desk")).status_code == 404
    assert client.get(reverse("referrals:desk_detail", args=[referral.pk])).status_code == 404
    assert client.post(reverse("referrals:desk_act", args=[referral.pk, "acknowledge"])).status_code == 404
    assert Referral.objects.get().status == ReferralStatus.SENT


def test_the_desk_of_another_contact_point_sees_nothing_of_it(client, referral, other_desk):
    _, desk2 = other_desk
    client.force_login(desk2)
    inbox = client.get(reverse("referrals:desk"))
    assert inbox.status_code == 200 and referral.case.reference not in inbox.content.decode()
    assert client.get(reverse("referrals:desk_detail", args=[referral.pk])).status_code == 404
    assert client.post(reverse("referrals:desk_act", args=[referral.pk, "acknowledge"])).status_code == 404
    assert Referral.objects.get().status == ReferralStatus.SENT


def test_the_desk_sees_the_referral_and_shared_subjects_but_not_the_case(client, desk, referral):
    client.force_login(desk)
    inbox = client.get(reverse("referrals:desk")).content.decode()
    assert reverse("referrals:desk_detail", args=[referral.pk]) in inbox
    page = client.get(reverse("referrals:desk_detail", args=[referral.pk])).content.decode()
    assert "passports kept by the employer" in page and "Fjord Renhold AS" in page and "Ana Popescu" in page
    assert referral.case.title not in page  # the case's own title is not shared
    assert "Kvitter for mottak" in page and "Godta" not in page  # only what is allowed now
    assert reverse("referrals:detail", args=[referral.pk]) not in page


def test_the_desk_acknowledges_accepts_and_closes_with_an_outcome(client, desk, referral):
    client.force_login(desk)

    def act(action, data=None):
        return client.post(reverse("referrals:desk_act", args=[referral.pk, action]), data or {})

    assert act("acknowledge").status_code == 302
    assert Referral.objects.get().status == ReferralStatus.ACKNOWLEDGED
    assert act("accept").status_code == 302
    refused = act("close", {"close-outcome": ""})
    assert refused.status_code == 400 and "outcome" in refused.context["actions"][0]["form"].errors
    assert Referral.objects.get().status == ReferralStatus.ACCEPTED
    assert act("close", {"close-outcome": "Passed to Europol"}).status_code == 302
    done = Referral.objects.get()
    assert done.status == ReferralStatus.CLOSED and done.outcome == "Passed to Europol"
    page = client.get(reverse("referrals:desk_detail", args=[referral.pk])).content.decode()
    assert "Passed to Europol" in page and "Kvittert av kontaktpunktet" in page


def test_declining_asks_for_a_reason(client, desk, referral):
    services.referral_acknowledge(actor=desk, referral=referral)
    client.force_login(desk)
    url = reverse("referrals:desk_act", args=[referral.pk, "decline"])
    refused = client.post(url, {"decline-reason": ""})
    assert refused.status_code == 400
    assert "Skriv begrunnelsen." in refused.content.decode()
    assert Referral.objects.get().status == ReferralStatus.ACKNOWLEDGED
    assert client.post(url, {"decline-reason": "Not trafficking: a wage case"}).status_code == 302
    assert Referral.objects.get().decline_reason == "Not trafficking: a wage case"


def test_a_step_not_allowed_now_is_refused_with_a_message_and_changes_nothing(client, desk, referral):
    client.force_login(desk)
    refused = client.post(reverse("referrals:desk_act", args=[referral.pk, "accept"]))
    assert refused.status_code == 409 and b'role="alert"' in refused.content
    assert Referral.objects.get().status == ReferralStatus.SENT
    assert client.post(reverse("referrals:desk_act", args=[referral.pk, "explode"])).status_code == 404


def test_an_overdue_referral_is_tagged_and_can_be_filtered(client, desk, alice, labour_case, referral):
    late = refer(labour_case, alice)
    Referral.objects.filter(pk=late.pk).update(acknowledgement_due_on=timezone.localdate() - datetime.timedelta(days=1))
    client.force_login(desk)
    inbox = client.get(reverse("referrals:desk")).content.decode()
    assert inbox.count("app-overdue-tag") == 1 and "Over fristen" in inbox
    # open ones first, the earliest deadline on top: the late one leads
    assert inbox.index(str(late.pk)) < inbox.index(str(referral.pk))
    only_late = client.get(reverse("referrals:desk") + "?status=overdue").content.decode()
    assert str(late.pk) in only_late and str(referral.pk) not in only_late
    page = client.get(reverse("referrals:desk_detail", args=[late.pk])).content.decode()
    assert "Over fristen" in page


def test_the_menu_shows_the_desk_only_to_desk_officers(client, alice, desk):
    client.force_login(alice)
    home = client.get("/").content.decode()
    assert reverse("referrals:list") in home and reverse("referrals:desk") not in home
    client.force_login(desk)
    home = client.get("/").content.decode()
    assert reverse("referrals:desk") in home and f'href="{reverse("referrals:list")}"' not in home


# Constant query counts ------------------------------------------------------------------------


def _many_referrals(case, actor, count):
    for _ in range(count):
        refer(case, actor)


# Every page, before its own queries: the session, the user (with the agency), and for the
# menu and the unread count: one for the desks or the memberships the page did not already
# read, one for the unread notifications.


@pytest.mark.parametrize("extra", [0, 11])
def test_the_list_runs_the_same_queries_for_one_or_many_referrals(
    client, alice, labour_case, referral, query_counts, extra
):
    _many_referrals(labour_case, alice, extra)
    client.force_login(alice)
    # session, user, memberships (scoping), the count for the pages, the page of referrals
    # (with case, unit and contact point), the menu's desk check, the unread count
    with query_counts("web GET referrals:list"):
        response = client.get(reverse("referrals:list"))
    assert response.context["page"].paginator.count == 1 + extra


@pytest.mark.parametrize("extra", [0, 11])
def test_the_desk_inbox_runs_the_same_queries_for_one_or_many_referrals(
    client, alice, desk, labour_case, referral, query_counts, extra
):
    _many_referrals(labour_case, alice, extra)
    client.force_login(desk)
    # session, user, the desks the user staffs (shared with the menu), the count for the
    # pages, the page of referrals (with case, unit and contact point), the menu's
    # memberships check, the unread count
    with query_counts("web GET referrals:desk"):
        response = client.get(reverse("referrals:desk"))
    assert response.context["page"].paginator.count == 1 + extra


def _many_subjects_and_steps(referral, alice, desk, count):
    """More shared subjects and more steps on the timeline."""
    for n in range(count):
        person = case_services.person_upsert(actor=alice, case=referral.case, name=f"Worker {n}", nationality="PL")
        link = case_services.case_add_subject(actor=alice, case=referral.case, person=person, role=SubjectRole.WORKER)
        referral.subjects.add(link)
    services.referral_acknowledge(actor=desk, referral=referral)
    services.referral_accept(actor=desk, referral=referral)


@pytest.mark.parametrize("extra", [0, 10])
def test_the_referral_page_runs_the_same_queries_for_few_or_many_subjects(
    client, alice, desk, referral, query_counts, extra
):
    if extra:
        _many_subjects_and_steps(referral, alice, desk, extra)
    client.force_login(alice)
    # session, user, memberships (scoping), the referral (with case, unit, contact point and
    # senders), its shared subjects (with organisation and person), the case's agencies
    # (who may act), the timeline (with actors and agencies), the menu's desk check, the
    # unread count
    with query_counts("web GET referrals:detail"):
        response = client.get(reverse("referrals:detail", args=[referral.pk]))
    assert CaseSubject.objects.filter(referrals=referral).count() == 2 + extra
    assert response.status_code == 200


@pytest.mark.parametrize("extra", [0, 10])
def test_the_desk_referral_page_runs_the_same_queries_for_few_or_many_subjects(
    client, alice, desk, referral, query_counts, extra
):
    if extra:
        _many_subjects_and_steps(referral, alice, desk, extra)
    client.force_login(desk)
    # session, user, the desks (shared with the menu), the referral (with unit, contact point
    # and sender), its shared subjects (with organisation and person), the timeline (with
    # actors and agencies), the menu's memberships check, the unread count
    with query_counts("web GET referrals:desk_detail"):
        response = client.get(reverse("referrals:desk_detail", args=[referral.pk]))
    assert response.status_code == 200
