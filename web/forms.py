"""Django forms in Designsystemet's clothes, with the services' errors mapped onto fields."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.forms.renderers import TemplatesSetting

from tracker.exceptions import ApplicationError


class FormRenderer(TemplatesSetting):
    """Every form renders its fields through web/forms/field.html (label, description,
    error message tied to the input with aria-describedby)."""

    form_template_name = "web/forms/form.html"
    field_template_name = "web/forms/field.html"


class DesignsystemetMixin:
    """Gives each widget Designsystemet's class (Django itself sets aria-invalid and ties the
    error and help texts to the input with aria-describedby)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "ds-input")

    def add_service_error(self, error: ApplicationError) -> None:
        """Put a service's validation error where it belongs: on its fields when it names
        fields this form has, otherwise on the form as a whole."""
        errors = getattr(error, "errors", None) or {}
        placed = False
        for field, messages in errors.items():
            messages = messages if isinstance(messages, list | tuple) else [messages]
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, str(message))
            placed = placed or target is not None
        if not errors:
            self.add_error(None, str(error))


class Form(DesignsystemetMixin, forms.Form):
    pass


class ModelForm(DesignsystemetMixin, forms.ModelForm):
    pass


class LoginForm(DesignsystemetMixin, AuthenticationForm):
    pass
