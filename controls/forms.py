"""The control pages' forms. They shape input for the services, which hold the rules; a
service's refusal comes back onto the field it concerns, in the reader's language."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import get_language, gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from controls.choices import ControlStatus
from tracker.exceptions import ApplicationError
from tracker.forms import Form

# The services speak English (it is the API's contract). These, their fixed messages, are
# translated for the pages; makemessages finds them here.
SERVICE_MESSAGES = (
    gettext_noop("A joint control needs at least one participating agency."),
    gettext_noop("A control must end after it starts."),
    gettext_noop("Cancelling a control needs a reason."),
    gettext_noop("Only case officers and coordinators of the unit may plan and run its controls."),
    gettext_noop(
        "Each agency decides who it sends: you can only book officers of your own agency "
        "(the unit's coordinator books any agency's)."
    ),
    gettext_noop("Only the officer's own agency or the unit's coordinator can withdraw them."),
    gettext_noop("Each agency records its own findings: only its officers in the unit may do so."),
    gettext_noop("Give both latitude and longitude, or neither."),
    gettext_noop("No such active officer."),
    gettext_noop("Only people get a calendar link."),
    gettext_noop("Only the officer can revoke their calendar link."),
)


def as_uuid(value) -> uuid.UUID | None:
    """An id from a request (a picked item, an officer chosen), or None when it is not one."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


class ServiceErrorsMixin:
    """Places a service's error on this form's own field names, translated. A message the
    catalogue does not know (one with names in it) is replaced, on a Norwegian page, by the
    field's own explanation when the form has one."""

    field_aliases: dict[str, str] = {}
    field_messages: dict[str, str] = {}
    status_messages: dict[type, str] = {}

    def _translated(self, field: str | None, message: str) -> str:
        translated = gettext(message)
        if translated == message and get_language() != "en" and field in self.field_messages:
            return str(self.field_messages[field])
        return translated

    def add_service_error(self, error: ApplicationError) -> None:
        errors = {}
        for field, message in (error.errors or {}).items():
            name = self.field_aliases.get(field, field)
            errors[name] = self._translated(name, str(message))
        message = self._translated(None, error.message)
        if not errors:
            for kind, text in self.status_messages.items():
                if isinstance(error, kind) and message == error.message and get_language() != "en":
                    message = str(text)
        super().add_service_error(type(error)(message, errors=errors))


class AmountField(forms.DecimalField):
    """An amount or a coordinate as people type it: ``12 500``, ``12500,50`` or ``59.9``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
        return super().to_python(value)


class ByName(forms.ModelMultipleChoiceField):
    """Agencies, sanction kinds and the like, by their name in the reader's language."""

    def label_from_instance(self, obj):
        return obj.display_name


class OneByName(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class ControlFilterForm(Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *ControlStatus.choices]
    )
    starts_from = forms.DateField(label=_("From date"), required=False, widget=DateInput())
    starts_until = forms.DateField(label=_("To date"), required=False, widget=DateInput())

    def clean(self):
        data = super().clean()
        if data.get("starts_from") and data.get("starts_until") and data["starts_until"] < data["starts_from"]:
            self.add_error("starts_until", _("The period ends before it starts."))
        return data


class PlanForm(ServiceErrorsMixin, Form):
    """Plan a joint control. Cases and targets are picked by search (no ids typed): the form
    takes the picked ones as ids, each checked against what the planner may see in the unit."""

    field_aliases = {"starts_at": "start_time", "ends_at": "end_time", "target_organisations": "organisations"}

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None, empty_label=None)
    title = forms.CharField(label=_("Title"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    start_time = forms.TimeField(label=pgettext_lazy("time of day", "From"), widget=TimeInput())
    end_time = forms.TimeField(label=pgettext_lazy("time of day", "To"), widget=TimeInput())
    end_date = forms.DateField(
        label=_("Ends on"),
        required=False,
        widget=DateInput(),
        help_text=_("Only when it ends on a later day, as a night control does."),
    )
    agencies = ByName(label=_("Participating agencies"), queryset=None, widget=forms.CheckboxSelectMultiple)
    briefing = forms.CharField(
        label=_("Briefing"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the officers need to know: meeting point, risks, the division of tasks."),
    )
    cases = forms.ModelMultipleChoiceField(label=_("Cases it serves"), queryset=None, required=False)
    organisations = forms.ModelMultipleChoiceField(label=_("Target organisations"), queryset=None, required=False)
    persons = forms.ModelMultipleChoiceField(label=_("Target persons"), queryset=None, required=False)

    # The picked objects are rendered by the page itself, as ticked boxes the planner can untick.
    PICKED = ("cases", "organisations", "persons")

    def __init__(self, *args, units, agencies, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["agencies"].queryset = agencies
        self.sources = sources  # kind -> queryset of what may be picked, in the chosen unit
        for name in self.PICKED:
            self.fields[name].queryset = sources[name]
        if len(units) == 1:
            self.fields["unit"].widget = forms.HiddenInput()

    def picked(self, name: str) -> list:
        """What is picked in ``name`` now: the submitted ids the planner may pick, or the initial ones."""
        if self.is_bound:
            ids = [pk for pk in map(as_uuid, self.data.getlist(self.add_prefix(name))) if pk]
            return list(self.sources[name].filter(pk__in=ids)) if ids else []
        return list(self.initial.get(name, ()))

    def clean(self):
        data = super().clean()
        day, start, end = data.get("date"), data.get("start_time"), data.get("end_time")
        if day and start and end:
            zone = timezone.get_current_timezone()
            data["starts_at"] = timezone.make_aware(datetime.datetime.combine(day, start), zone)
            data["ends_at"] = timezone.make_aware(datetime.datetime.combine(data.get("end_date") or day, end), zone)
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "unit": data["unit"],
            "title": data["title"],
            "briefing": data["briefing"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "agencies": list(data["agencies"]),
            "cases": list(data["cases"]),
            "target_organisations": list(data["organisations"]),
            "target_persons": list(data["persons"]),
        }


class SiteForm(Form):
    name = forms.CharField(
        label=_("Name of the site"), max_length=200, required=False, help_text=_("For example the firm's name.")
    )
    address = forms.CharField(label=_("Address"), max_length=300)
    latitude = AmountField(
        label=_("Latitude"), required=False, max_digits=8, decimal_places=6, min_value=-90, max_value=90
    )
    longitude = AmountField(
        label=_("Longitude"), required=False, max_digits=9, decimal_places=6, min_value=-180, max_value=180
    )


class BaseSiteFormSet(forms.BaseFormSet):
    """Every row is a new site, so a row left blank is simply skipped."""

    def initial_form_count(self):
        return super().initial_form_count() if self.is_bound else 0

    def total_form_count(self):
        return super().total_form_count() if self.is_bound else max(len(self.initial or ()), 1)

    def rows(self) -> list[dict]:
        return [dict(form.cleaned_data) for form in self.forms if form.has_changed() and form.cleaned_data]

    def submitted_rows(self) -> list[dict]:
        """The rows as typed, valid or not: to draw them again with one added or removed."""
        return [{key: form[key].value() or "" for key in form.fields} for form in self.forms]


SiteFormSet = formset_factory(SiteForm, formset=BaseSiteFormSet, extra=0, max_num=50, validate_max=True)


class TransitionForm(ServiceErrorsMixin, Form):
    to = forms.ChoiceField(choices=ControlStatus.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why is the control cancelled?"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class OfficerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name() or obj.username
        return f"{name} – {obj.agency.display_name}" if obj.agency_id else name


class BookingForm(ServiceErrorsMixin, Form):
    field_messages = {"officer": _("This officer cannot be booked on this control.")}

    officer = OfficerChoice(
        label=pgettext_lazy("booked on a control", "Officer"), queryset=None, empty_label=_("Choose an officer")
    )
    is_lead = forms.BooleanField(label=_("Leads the control on site"), required=False)

    def __init__(self, *args, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers


class FindingForm(ServiceErrorsMixin, Form):
    field_messages = {
        "amount_nok": _("This sanction is recorded without an amount."),
        "sanction_kind": _("Your agency cannot impose this sanction."),
    }

    sanction_kind = OneByName(label=_("Sanction or measure"), queryset=None, empty_label=_("Choose"))
    amount_nok = AmountField(
        label=_("Amount in NOK"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal(0),
        help_text=_("For fines, claims and secured assets."),
    )
    persons_count = forms.IntegerField(label=_("Number of persons"), min_value=0, max_value=100_000, initial=0)
    organisation = forms.ModelChoiceField(
        label=_("Concerns the organisation"), queryset=None, required=False, empty_label=_("None in particular")
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, sanction_kinds, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sanction_kind"].queryset = sanction_kinds
        self.fields["organisation"].queryset = organisations
        if not organisations:
            del self.fields["organisation"]
