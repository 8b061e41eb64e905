"""Who may do what with a referral. The services enforce these; the pages ask the same predicates."""

from __future__ import annotations

from django.http import Http404

from cases.permissions import require_case_worker
from referrals.choices import DESK_TRANSITIONS
from referrals.models import Referral
from referrals.selectors import is_desk_officer
from tracker.exceptions import NotPermitted


def staffs_desk_of(user, referral: Referral) -> bool:
    return user.is_superuser or referral.contact_point.desk_officers.filter(pk=user.pk).exists()


def require_side(actor, referral: Referral, to: str) -> None:
    """The contact point's desk takes the steps in DESK_TRANSITIONS; the sending unit the others."""
    if to not in DESK_TRANSITIONS:
        require_case_worker(actor, referral.case)
    elif not staffs_desk_of(actor, referral):
        raise NotPermitted("Only the contact point's desk officers may do this.")


def require_desk_officer(user) -> None:
    """The desk's pages exist only for the contact points' desk officers: to anyone else they are
    not found (a 404, as for any page about what the user may not see)."""
    if not is_desk_officer(user):
        raise Http404
