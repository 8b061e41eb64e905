from django import forms
from django.utils.translation import gettext_lazy as _

from tracker.notifications.models import EmailFrequency
from web.forms import Form


class EmailPreferenceForm(Form):
    email = forms.ChoiceField(
        label=_("E-mail me about new notifications"),
        choices=EmailFrequency.choices,
        widget=forms.RadioSelect,
        help_text=_("You always see them here. Muted cases never send e-mail."),
    )
