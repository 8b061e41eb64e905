from cases.models import Case, CaseSubject
from controls.models import Finding, JointControl
from demo import dataset as demo
from referrals.models import Referral


def counts():
    return (
        Case.objects.count(),
        CaseSubject.objects.count(),
        JointControl.objects.count(),
        Finding.objects.count(),
        Referral.objects.count(),
    )


def test_the_demo_seed_is_deterministic_and_idempotent(reference):
    assert demo.seed(cases_count=15, controls_count=5, referrals_count=4) is True
    first = counts()
    references = sorted(Case.objects.values_list("reference", "title", "sector"))
    assert first[0] == 15 and first[2] == 5 and first[4] == 4
    assert demo.seed(cases_count=15, controls_count=5, referrals_count=4) is False
    assert counts() == first
    # Same seed, same data: wipe the domain data and seed again.
    Referral.objects.all().delete()
    Finding.objects.all().delete()
    JointControl.objects.all().delete()
    Case.objects.all().delete()
    from cases.models import CaseReferenceCounter, Organisation, Person

    CaseReferenceCounter.objects.all().delete()
    Organisation.objects.all().delete()
    Person.objects.all().delete()
    demo.seed(cases_count=15, controls_count=5, referrals_count=4)
    assert sorted(Case.objects.values_list("reference", "title", "sector")) == references


def test_the_demo_logins_and_the_readme_table_say_who_each_account_is(reference):
    """Each login names the role, unit and agency the seeded account really has (issue 10:
    the README called a NAV coordinator police)."""
    from pathlib import Path

    from django.utils import translation

    from agencies.models import NationalContactPoint, User

    demo.load_people()
    for username, what in demo.DEMO_LOGINS:
        user = User.objects.select_related("agency").get(username=username)
        if user.is_superuser:
            assert "superuser" in what, username
            continue
        assert f"({user.agency.code})" in what, (username, user.agency.code, what)
        memberships = list(user.memberships.select_related("unit"))
        if not memberships:
            desk = NationalContactPoint.objects.get(desk_officers=user)
            assert what.startswith("desk officer") and desk.code in what, (username, what)
            continue
        (membership,) = memberships
        with translation.override("en"):
            role = membership.get_role_display().lower()
        assert what.startswith(f"{role}, {membership.unit.name}"), (username, what)
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    table = readme.split("| user | who |\n| --- | --- |\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert table == [f"| `{username}` | {what} |" for username, what in demo.DEMO_LOGINS]


def test_the_demo_case_texts_are_in_one_language_whatever_language_seeds_them(reference):
    """Seeded in Bokmål, the summaries read "Indications of toll eller smugling in the … sector"."""
    from django.utils import translation

    from cases.choices import OffenceCategory

    with translation.override("en"):
        demo.seed(cases_count=6, controls_count=0, referrals_count=0)
    with translation.override("nb"):
        bokmal = {o.value: str(o.label).lower() for o in OffenceCategory}
    for case in Case.objects.all():
        assert case.title.startswith("Mistanke om") and case.summary.startswith("Tegn på"), case.title
        assert all(bokmal[o] in case.summary for o in case.offences), case.summary
