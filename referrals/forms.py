"""The referral pages' forms. They only collect input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.choices import LegalBasis
from referrals.choices import ReferralCategory, ReferralStatus
from referrals.selectors import contact_points_for
from tracker.forms import Form


def subject_label(link) -> str:
    """A case subject as an officer knows it: name, number or birth date, role."""
    role = link.get_role_display()
    if link.organisation_id:
        org = link.organisation
        if org.organisation_number:
            return gettext("%(name)s (org. no. %(number)s) — %(role)s") % {
                "name": org.name,
                "number": org.organisation_number,
                "role": role,
            }
        return f"{org.name} — {role}"
    person = link.person
    if person.date_of_birth:
        return gettext("%(name)s (born %(date)s) — %(role)s") % {
            "name": person.name,
            "date": formats.date_format(person.date_of_birth, "SHORT_DATE_FORMAT"),
            "role": role,
        }
    return f"{person.name} — {role}"


class ContactPointField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.display_name


class SubjectsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return subject_label(obj)


class ReferralForm(Form):
    """Refer a case: the category first, then the contact points that receive it."""

    category = forms.ChoiceField(
        label=_("What is it about?"),
        choices=ReferralCategory.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the referral is about.")},
    )
    contact_point = ContactPointField(
        label=_("Contact point"),
        queryset=contact_points_for(),
        empty_label=_("Choose a contact point"),
        help_text=_("Only contact points that receive the chosen category are listed."),
        error_messages={
            "required": _("Choose the contact point."),
            "invalid_choice": _("This contact point does not receive referrals of the chosen category."),
        },
    )
    summary = forms.CharField(
        label=_("Summary"),
        widget=forms.Textarea(attrs={"rows": 6, "cols": False}),
        help_text=_("What the contact point needs to know to pass the case on: who, what, where, since when."),
        error_messages={"required": _("Write what the contact point needs to know.")},
    )
    subjects = SubjectsField(
        label=_("Subjects to share"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only the subjects you tick are shared with the contact point."),
        error_messages={"invalid_choice": _("Only the case's own subjects can be shared.")},
    )
    legal_basis = forms.ChoiceField(
        label=_("Legal basis for sharing"),
        choices=[("", _("Choose the legal basis")), *LegalBasis.choices],
        error_messages={"required": _("Choose the legal basis for sharing.")},
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["subjects"].queryset = case.subjects.select_related("organisation", "person").order_by("created_at")
        category = self.chosen_category()
        if category:
            points = contact_points_for(category)
            self.fields["contact_point"].queryset = points
            if not self.is_bound and not self.initial.get("contact_point"):
                # One desk takes this category: choose it for the person.
                only = list(points[:2])
                if len(only) == 1:
                    self.initial["contact_point"] = only[0].pk

    def chosen_category(self) -> str | None:
        value = self.data.get("category") if self.is_bound else self.initial.get("category")
        return value if value in ReferralCategory.values else None


class ReasonForm(Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": False}),
        error_messages={"required": _("Give the reason.")},
    )


class OutcomeForm(Form):
    outcome = forms.CharField(
        label=_("Outcome"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": False}),
        help_text=_("What became of the referral, e.g. passed on to which partner."),
        error_messages={"required": _("Write the outcome.")},
    )


def status_filter_choices(*, with_drafts: bool):
    statuses = [(v, label) for v, label in ReferralStatus.choices if with_drafts or v != ReferralStatus.DRAFT]
    return [("", _("All")), ("overdue", _("Overdue")), *statuses]


class StatusFilterForm(Form):
    """A list's filter, read from the query string."""

    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, with_drafts: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = status_filter_choices(with_drafts=with_drafts)

    def chosen_status(self) -> str | None:
        return (self.cleaned_data.get("status") or None) if self.is_valid() else None
