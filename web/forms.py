"""The shell's own forms (login, statistics). Every app's base forms are in tracker/forms.py."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, RegionalUnit
from agencies.selectors import units_visible_to
from cases import nace
from tracker.forms import DesignsystemetMixin, Form
from web.statistics import Filters, divisions_of


class LoginForm(DesignsystemetMixin, AuthenticationForm):
    pass


class StatisticsForm(Form):
    """The statistics page's choices, read from the query string (so a report can be linked)."""

    MAX_YEARS = 10

    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=RegionalUnit.objects.none(), to_field_name="code", required=False
    )
    agency = forms.ModelChoiceField(
        label=_("Agency"), queryset=Agency.objects.none(), to_field_name="code", required=False
    )
    sector = forms.ChoiceField(label=_("Sector"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        year = Filters.this_year()
        self.fields["date_from"].initial, self.fields["date_to"].initial = year.date_from, year.date_to
        unit = self.fields["unit"]
        unit.queryset = units_visible_to(user).order_by("name")
        unit.empty_label = _("All your units")
        unit.label_from_instance = lambda u: u.name
        agency = self.fields["agency"]
        agency.queryset = Agency.objects.filter(is_active=True).order_by("code")
        agency.empty_label = _("All agencies")
        agency.label_from_instance = lambda a: a.display_name
        self.fields["sector"].choices = sector_choices()

    def clean(self):
        data = super().clean()
        year = Filters.this_year()
        data["date_from"] = data.get("date_from") or year.date_from
        data["date_to"] = data.get("date_to") or year.date_to
        if data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end date is before the start date."))
        elif data["date_to"].year - data["date_from"].year >= self.MAX_YEARS:
            self.add_error("date_from", _("Choose a period of at most %(years)s years.") % {"years": self.MAX_YEARS})
        return data

    def filters(self) -> Filters:
        """The chosen filters (this year for everything when nothing was chosen)."""
        if not self.is_bound:
            return Filters.this_year()
        data = self.cleaned_data
        return Filters(data["date_from"], data["date_to"], data.get("unit"), data.get("agency"), data.get("sector", ""))


def sector_choices() -> list:
    """NACE sections, each with its divisions, by name in the reader's language."""
    choices: list = [("", _("All sectors"))]
    for letter, label in nace.section_choices():
        group = [(letter, _("All of %(section)s") % {"section": label})]
        group += [(code, f"{code} {nace.label(code)}") for code in divisions_of(letter)]
        choices.append((f"{letter} {label}", group))
    return choices
