"""The pages' base forms: Django forms in Designsystemet's clothes, with the services' errors
mapped onto fields. Infrastructure like tracker/api/base.py is for the API: every app's forms
build on it, so it sits in the kernel (the templates it names are web's)."""

from __future__ import annotations

from django import forms
from django.forms.renderers import TemplatesSetting

from tracker.exceptions import ApplicationError


class FormRenderer(TemplatesSetting):
    """Every form renders its fields through web/forms/field.html (label, description,
    error message tied to the input with aria-describedby)."""

    form_template_name = "web/forms/form.html"
    field_template_name = "web/forms/field.html"
    # Django's select includes a template per option (two, with its attributes): a list of
    # sectors or countries cost a few hundred includes a page. Ours writes the options inline.
    replaced = {"django/forms/widgets/select.html": "web/forms/select.html"}

    def get_template(self, template_name):
        return super().get_template(self.replaced.get(template_name, template_name))


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
