from cases.models import Case, CaseSubject
from tracker import demo
from tracker.controls.models import Finding, JointControl
from tracker.referrals.models import Referral


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
