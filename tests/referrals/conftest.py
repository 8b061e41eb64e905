import pytest

from cases.choices import LegalBasis
from referrals import services


@pytest.fixture
def referral(labour_case, alice, ncp):
    """A draft referral of the Labour case to NCIS."""
    return services.referral_create(
        actor=alice,
        case=labour_case,
        contact_point=ncp,
        category="migrant_trafficking",
        summary="Workers recruited with travel debt",
        legal_basis=LegalBasis.POLICE_REGISTER_ACT,
    )
