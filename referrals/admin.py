from django.contrib import admin

from referrals.models import Referral
from referrals.selectors import referrals_visible_to
from tracker.admin_base import ReadOnlyAdmin


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    visible_to = staticmethod(referrals_visible_to)
    list_display = ("case", "contact_point", "category", "status", "sent_at", "acknowledgement_due_on")
    list_filter = ("status", "category", "contact_point", "case__unit")
    search_fields = ("case__reference", "summary")
    list_select_related = ("case", "contact_point")
