"""The case pages' forms. They check what a person types (with the same validators the models
use, so the message comes at once and in their language); the services decide the rest."""

from __future__ import annotations

import datetime
import functools

import pycountry
from babel import Locale
from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from agencies.models import Agency, RegionalUnit
from cases import choices as c
from cases import nace
from cases.identity import parse_identity_number, validate_organisation_number
from cases.messages import for_people, validation_messages
from tracker import forms as base_forms
from tracker.exceptions import ApplicationError
from tracker.validators import EXTRA_COUNTRY_CODES, validate_birth_date, validate_planned_date, validate_received_date

EDIT_FIELDS = ("title", "summary", "sector", "offences", "priority", "source", "received_on")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class AgencyChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.display_name


class AgenciesChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.display_name


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


def person_label(user) -> str:
    name = user.get_full_name() or user.username
    return f"{name} ({user.agency.display_name})" if user.agency_id else name


class PeopleField(forms.ChoiceField):
    """A choice among people already read (one query for every form on the page that offers them)."""

    def __init__(self, *, empty_label=None, **kwargs):
        super().__init__(choices=(), **kwargs)
        self.empty_label, self.people = empty_label, {}

    def set_people(self, people) -> None:
        self.people = {str(p.pk): p for p in people}
        blank = [("", self.empty_label)] if self.empty_label is not None else [("", CHOOSE)]
        self.choices = blank + [(pk, person_label(p)) for pk, p in self.people.items()]

    def clean(self, value):
        value = super().clean(value)
        return self.people.get(value) if value else None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class Form(base_forms.Form):
    """Service messages in the reader's language. ``ids`` keeps the ids of forms that share a
    page apart (the field names stay, so the services' field names still match)."""

    ids = "id_%s"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", self.ids)
        super().__init__(*args, **kwargs)

    def add_service_error(self, error: ApplicationError) -> None:
        errors = {field: for_people(message) for field, message in (error.errors or {}).items()}
        super().add_service_error(type(error)(for_people(error.message), errors=errors))

    def check(self, field: str, validator) -> None:
        """Run a model validator on a cleaned value; its messages go next to the field."""
        value = self.cleaned_data.get(field)
        if value in (None, ""):
            return
        try:
            validator(value)
        except ValidationError as exc:
            for message in validation_messages(exc):
                self.add_error(field, message)


# --- Choices that follow the language -----------------------------------------------------


def _sort_key(name: str) -> str:
    # Norwegian order puts Æ, Ø, Å after Z.
    return name.casefold().translate(str.maketrans({"æ": "{0", "ø": "{1", "å": "{2"}))


@functools.cache
def _countries(language: str) -> list[tuple[str, str]]:
    names = Locale.parse("nb" if language == "nb" else "en").territories
    codes = {country.alpha_2 for country in pycountry.countries} | set(EXTRA_COUNTRY_CODES)
    return sorted(((code, names.get(code, code)) for code in codes), key=lambda item: _sort_key(item[1]))


def country_choices() -> list[tuple[str, str]]:
    """Every country the tracker accepts, named in the reader's language, in their alphabet's order."""
    return _countries("nb" if translation.get_language() == "nb" else "en")


def country_name(code: str) -> str:
    return dict(country_choices()).get(code, code)


CHOOSE = _("Choose…")


def _blank(choices, label=CHOOSE):
    return [("", label), *choices]


# --- Creating and editing a case ----------------------------------------------------------


CHOOSE_SECTOR = _("Choose a sector from the list.")


class SectorField(forms.ChoiceField):
    """A NACE class, chosen from a live search by name or code (see _sector_field.html)."""

    def __init__(self, **kwargs):
        super().__init__(choices=(), **kwargs)

    def valid_value(self, value) -> bool:
        return nace.normalise(value) in dict(nace.class_choices())

    def clean(self, value):
        value = super().clean(value)
        return nace.normalise(value) if value else value


class CaseFieldsForm(Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=pgettext_lazy("case field", "Summary"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    sector = SectorField(
        label=_("Sector"),
        help_text=_("Type a word of the sector's name (such as “rengjøring”) or its code, then choose."),
        error_messages={
            "required": _("Choose a sector from the list."),
            "invalid_choice": _("Choose a sector from the list."),
        },
    )
    sector_search = forms.CharField(label=_("Search for a sector"), required=False, max_length=100)
    offences = forms.MultipleChoiceField(
        label=_("Suspected offences"),
        required=False,
        choices=c.OffenceCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=c.Priority.choices, initial=c.Priority.NORMAL)
    source = forms.ChoiceField(label=_("Source"), choices=_blank(c.CaseSource.choices))
    received_on = forms.DateField(label=_("Received"), widget=DateInput, initial=timezone.localdate)

    def clean(self):
        data = super().clean()
        self.check("received_on", validate_received_date)
        return data

    def sector_state(self) -> dict:
        """What the sector list shows: the chosen class first, then the matches for the search."""
        chosen = self["sector"].value() or ""
        chosen = nace.normalise(chosen) if chosen else ""
        query = (self["sector_search"].value() or "").strip()
        found = nace.search(query) if query else []
        if chosen and nace.label(chosen):
            found = [(chosen, nace.label(chosen)), *[(code, label) for code, label in found if code != chosen]]
        return {"results": found, "chosen": chosen, "query": query}


class CaseCreateForm(CaseFieldsForm):
    unit = UnitChoice(label=_("Unit"), queryset=RegionalUnit.objects.none())
    lead_agency = AgencyChoice(label=_("Lead agency"), queryset=Agency.objects.none())
    agencies = AgenciesChoice(
        label=_("Other agencies taking part"),
        required=False,
        queryset=Agency.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    field_order = ["unit", "title", "summary", "lead_agency", "agencies", "sector", "sector_search", "offences"]

    def __init__(self, *args, units, tip=None, **kwargs):
        super().__init__(*args, **kwargs)
        listed = list(units)
        agencies = Agency.objects.filter(is_active=True, units__in=[u.pk for u in listed]).distinct().order_by("code")
        self.fields["unit"].queryset = units
        self.fields["lead_agency"].queryset = agencies
        self.fields["agencies"].queryset = agencies
        if len(listed) == 1:
            self.fields["unit"].initial = listed[0].pk
        self.tip = tip
        if tip is not None:
            # A tip decides these: its unit, its day, and the source "tip" (tip_promote).
            for name in ("unit", "source", "received_on"):
                del self.fields[name]

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("sector_search", None)
        data["lead_agency"] = data["lead_agency"].code
        data["agencies"] = [a.code for a in data["agencies"]]
        return data


def same_value(value, loaded) -> bool:
    """Whether a field's value equals its loaded (JSON) form; offences compare as a set."""
    if isinstance(value, datetime.date):
        value = value.isoformat()
    if isinstance(value, list | tuple) and isinstance(loaded, list | tuple):
        return sorted(value) == sorted(loaded)
    return value == loaded


class CaseEditForm(CaseFieldsForm):
    """The case's own fields. ``loaded`` carries, signed, what the form was filled with, so a
    save can send only what the person changed and tell them what others changed meanwhile."""

    loaded = forms.CharField(widget=forms.HiddenInput)

    SALT = "cases.edit"

    @classmethod
    def state_of(cls, case) -> dict:
        return {
            "title": case.title,
            "summary": case.summary,
            "sector": case.sector,
            "offences": list(case.offences),
            "priority": case.priority,
            "source": case.source,
            "received_on": case.received_on.isoformat(),
        }

    @classmethod
    def for_case(cls, case, data=None):
        initial = cls.state_of(case)
        initial["loaded"] = signing.dumps({"at": case.version, "values": initial}, salt=cls.SALT)
        return cls(data=data, initial=initial)

    def clean_loaded(self) -> dict:
        try:
            return signing.loads(self.cleaned_data["loaded"], salt=self.SALT)
        except signing.BadSignature:
            raise ValidationError(_("The form was damaged: reload the page."), code="bad_loaded") from None

    def changes(self) -> dict:
        """The fields the person changed from what they loaded (a PATCH)."""
        loaded = self.cleaned_data["loaded"]["values"]
        out = {}
        for field in EDIT_FIELDS:
            value = self.cleaned_data[field]
            if not same_value(value, loaded.get(field)):
                out[field] = value
        return out

    def loaded_version(self) -> int:
        return self.cleaned_data["loaded"]["at"]

    def renewed(self, case):
        """The form to save over ``case`` as it is now: what the person changed stays as they typed
        it; a field they left alone shows what the other person saved."""
        now = self.state_of(case)
        changed = self.changes()
        data = self.data.copy()
        for field in EDIT_FIELDS:
            if field in changed:
                continue
            if field == "offences":
                data.setlist(field, now[field])
            else:
                data[field] = now[field]
        data["loaded"] = signing.dumps({"at": case.version, "values": now}, salt=self.SALT)
        return type(self)(data=data, initial=now)


class TransitionForm(Form):
    ids = "close_%s"
    to = forms.ChoiceField(choices=c.CaseStatus.choices, widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_("Outcome"), required=False, choices=_blank(c.CaseOutcome.choices))
    note = forms.CharField(label=_("Note on the outcome"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


# --- Subjects --------------------------------------------------------------------------


class LiveChecked:
    """A number checked as it is typed: the field asks the form's own URL (GET, htmx) and the
    answer lands in ``<div id="id_<field>_check">`` below it, read out by screen readers."""

    live_field: str

    def __init__(self, *args, check_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if check_url:
            field_id = self[self.live_field].auto_id
            self.fields[self.live_field].widget.attrs.update(
                {
                    "hx-get": check_url,
                    "hx-trigger": "input changed delay:300ms",
                    "hx-target": f"#{field_id}_check",
                    "hx-swap": "innerHTML",  # not the form's (inherited) outerHTML
                    "hx-sync": "this:replace",
                    "aria-describedby": f"{field_id}_helptext {field_id}_check",
                }
            )


class OrganisationSubjectForm(LiveChecked, Form):
    live_field = "organisation_number"
    ids = "org_%s"

    organisation_number = forms.CharField(
        label=_("Organisation number"),
        required=False,
        max_length=11,
        help_text=_("9 digits. Leave it empty if the organisation has none."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    role = forms.ChoiceField(
        label=_("Role in the case"), choices=_blank([(r.value, r.label) for r in c.ORGANISATION_ROLES])
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_organisation_number(self) -> str:
        value = "".join(self.cleaned_data["organisation_number"].split())
        if value:
            try:
                value = validate_organisation_number(value)
            except ValidationError as exc:
                raise ValidationError(validation_messages(exc)) from None
        return value


class PersonSubjectForm(LiveChecked, Form):
    live_field = "id_number"
    ids = "person_%s"

    id_number = forms.CharField(
        label=_("National identity number, D-number or H-number"),
        required=False,
        max_length=13,
        help_text=_("11 digits. Leave it empty when the person has none: give the date of birth and nationality."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput)
    nationality = forms.ChoiceField(label=_("Nationality"), required=False, choices=())
    role = forms.ChoiceField(label=_("Role in the case"), choices=_blank(c.SubjectRole.choices))
    ilo_indicators = forms.MultipleChoiceField(
        label=_("ILO indicators of forced labour observed"),
        required=False,
        choices=c.IloIndicator.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nationality"].choices = _blank(country_choices())
        self.fields["role"].widget.attrs["class"] = "ds-input app-role"

    def clean_id_number(self) -> str:
        value = "".join(self.cleaned_data["id_number"].split())
        if value:
            try:
                value = parse_identity_number(value).number
            except ValidationError as exc:
                raise ValidationError(validation_messages(exc)) from None
        return value

    def clean(self):
        data = super().clean()
        self.check("date_of_birth", validate_birth_date)
        # The indicators are shown for a potential victim only; ticks left behind when the role
        # changed were hidden from the person, so they are not theirs to record.
        if data.get("role") != c.SubjectRole.POTENTIAL_VICTIM:
            data["ilo_indicators"] = []
        return data


# --- Journal, tasks, assignees ---------------------------------------------------------------


class JournalForm(Form):
    ids = "journal_%s"
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(label=_("Attachments"), required=False)
    share = forms.BooleanField(
        label=_("Share with the unit"),
        required=False,
        help_text=_("Only your agency reads the note unless you share it, giving the legal basis and why."),
    )
    legal_basis = forms.ChoiceField(label=_("Legal basis"), required=False, choices=_blank(c.LegalBasis.choices))
    necessity_note = forms.CharField(
        label=_("Why sharing is necessary"),
        required=False,
        help_text=_("Why the other agencies need it, and why sharing is proportionate."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["share"].widget.attrs["class"] = "ds-input app-share"

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        share = data["share"]
        return {
            "body": data["body"],
            "visibility": c.Visibility.UNIT if share else c.Visibility.AGENCY,
            "legal_basis": data["legal_basis"] if share else "",
            "necessity_note": data["necessity_note"] if share else "",
            "attachments": data["attachments"],
        }


class WithPeople:
    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, PeopleField):
                field.set_people(people)


class TaskForm(WithPeople, Form):
    ids = "task_%s"
    title = forms.CharField(label=_("Task"), max_length=200)
    assignee = PeopleField(label=_("Assignee"), required=False, empty_label=_("No one yet"))
    due_on = forms.DateField(label=_("Due"), required=False, widget=DateInput)

    def clean(self):
        data = super().clean()
        self.check("due_on", validate_planned_date)
        return data


class TaskAssignForm(WithPeople, Form):
    assignee = PeopleField(label=_("Assignee"), required=False, empty_label=_("No one"))


class AssignForm(WithPeople, Form):
    ids = "assign_%s"
    officer = PeopleField(label=_("Officer"))


# --- Transfers and tips ----------------------------------------------------------------------


class TransferForm(Form):
    ids = "transfer_%s"
    to_unit = UnitChoice(label=_("To unit"), queryset=None)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = RegionalUnit.objects.filter(is_active=True).exclude(pk=case.unit_id)


class TransferDecisionForm(Form):
    accept = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Accept")), ("no", _("Refuse"))],
        coerce=lambda v: v == "yes",
        widget=forms.HiddenInput,
    )
    note = forms.CharField(
        label=_("Note (a reason is needed to refuse)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RevealNumberForm(Form):
    ids = "reveal_%s"
    reason = forms.CharField(
        label=_("Why do you need the whole number?"),
        help_text=_("The reason is kept in the audit trail with your name."),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TipDismissForm(Form):
    reason = forms.CharField(label=_("Reason for dismissing"), widget=forms.Textarea(attrs={"rows": 3}))


class TipMergeForm(Form):
    q = forms.CharField(label=_("Find the case by reference or title"), required=False, max_length=100)
    case = forms.ModelChoiceField(
        label=_("Case"),
        queryset=None,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the case to merge the tip into.")},
    )

    def __init__(self, *args, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases
        self.fields["q"].widget.attrs.update({"type": "search", "autocomplete": "off"})


# --- The cases list ----------------------------------------------------------------------------


class CaseFilterForm(Form):
    search = forms.CharField(label=_("Reference or title"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_blank(c.CaseStatus.choices, _("All")))
    priority = forms.ChoiceField(label=_("Priority"), required=False, choices=_blank(c.Priority.choices, _("All")))
    agency = forms.ChoiceField(label=_("Agency taking part"), required=False, choices=())
    offence = forms.ChoiceField(label=_("Offence"), required=False, choices=_blank(c.OffenceCategory.choices, _("All")))
    mine = forms.BooleanField(label=_("Only cases I am on"), required=False)

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = _blank([(a.code, a.display_name) for a in agencies], _("All"))

    def filter_data(self) -> dict:
        """The cleaned filters in the API's filterset's terms (cases.filtersets.CaseFilter)."""
        data = self.cleaned_data
        out = {key: data[key] for key in ("search", "agency", "offence") if data.get(key)}
        for key in ("status", "priority"):
            if data.get(key):
                out[key] = [data[key]]
        if data.get("mine"):
            out["assignee"] = "me"
        return out
