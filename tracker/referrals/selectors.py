from django.db.models import Q

from cases.selectors import case_visibility_q
from tracker.referrals.choices import ReferralStatus
from tracker.referrals.models import Referral


def referrals_visible_to(user):
    """The sending side sees its cases' referrals; a contact point's desk sees what was sent to it."""
    qs = Referral.objects.select_related("case", "case__unit", "contact_point")
    if user.is_superuser:
        return qs
    desk = Q(contact_point__desk_officers=user) & ~Q(status=ReferralStatus.DRAFT)
    sending = Q(case__in=_visible_case_ids(user))
    return qs.filter(desk | sending).distinct()


def _visible_case_ids(user):
    from cases.models import Case

    return Case.objects.filter(case_visibility_q(user)).values("pk")
