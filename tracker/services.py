"""Helpers every domain service uses: validation into our error type, row locks, version checks."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from tracker.exceptions import DomainValidationError, StaleObject


def as_domain_error(exc: ValidationError) -> DomainValidationError:
    if hasattr(exc, "error_dict"):
        errors = {field: " ".join(str(m) for e in errs for m in e.messages) for field, errs in exc.error_dict.items()}
        message = "; ".join(f"{field}: {msg}" if field != "__all__" else msg for field, msg in errors.items())
        return DomainValidationError(message, errors={k: v for k, v in errors.items() if k != "__all__"})
    return DomainValidationError(" ".join(exc.messages))


def clean(instance: models.Model, *, exclude: list[str] | None = None, validate_constraints: bool = True) -> None:
    """Run model validation (field validators and constraints); raise a DomainValidationError."""
    # The primary key is a fresh UUID: checking its uniqueness would only cost a query.
    exclude = [*(exclude or []), instance._meta.pk.name]
    try:
        instance.full_clean(exclude=exclude, validate_constraints=validate_constraints)
    except ValidationError as exc:
        raise as_domain_error(exc) from None


def lock(instance: models.Model):
    """Re-read ``instance`` with a row lock, for the rest of the transaction."""
    return type(instance)._default_manager.select_for_update(of=("self",)).get(pk=instance.pk)


def check_version(instance, expected: int | None) -> None:
    if expected is not None and instance.version != expected:
        raise StaleObject(
            f"{instance} was changed by someone else (version {instance.version}, you had {expected}); reload it."
        )
