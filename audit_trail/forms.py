import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tracker.forms import Form
from tracker.validators import validate_filter_date


class AuditSearchForm(Form):
    person = forms.CharField(
        label=pgettext_lazy("audit search", "Person"),
        required=False,
        max_length=150,
        help_text=_("Who acted: a username or part of a name."),
    )
    case = forms.CharField(
        label=pgettext_lazy("audit search", "Case"),
        required=False,
        max_length=40,
        help_text=_("A case reference, e.g. OSL-2026-00012."),
    )
    subject = forms.CharField(
        label=pgettext_lazy("audit search", "Subject"),
        required=False,
        max_length=200,
        help_text=_("An organisation or person: part of the name."),
    )
    date_from = forms.DateField(
        label=pgettext_lazy("audit search", "From"),
        required=False,
        validators=[validate_filter_date],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=pgettext_lazy("audit search", "To"),
        required=False,
        validators=[validate_filter_date],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    action = forms.CharField(
        label=pgettext_lazy("audit search", "Action"),
        required=False,
        max_length=64,
        help_text=_("An action or its start, e.g. case.view or export."),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def criteria(self) -> dict:
        """The search's keyword arguments (audit_trail.selectors.audit_search): the days
        from and to, both whole, as times in the reader's time zone."""
        data = self.cleaned_data

        def midnight(day):
            return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

        return {
            "person": data["person"],
            "case": data["case"],
            "subject": data["subject"],
            "action": data["action"],
            "since": midnight(data["date_from"]) if data["date_from"] else None,
            "until": midnight(data["date_to"] + datetime.timedelta(days=1)) if data["date_to"] else None,
        }
