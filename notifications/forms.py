from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.choices import EmailFrequency
from tracker.forms import Form


class EmailPreferenceForm(Form):
    email = forms.ChoiceField(
        label=_("E-mail me about new notifications"),
        choices=EmailFrequency.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text=_("You always see them here. Muted cases never send e-mail."),
    )

    def clean_email(self):
        # Not marked required (one choice is always ticked), yet an empty answer is refused.
        if not self.cleaned_data.get("email"):
            raise forms.ValidationError(_("Choose how often you want e-mail."))
        return self.cleaned_data["email"]
