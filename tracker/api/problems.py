"""One exception handler: every API error is RFC 9457 ``application/problem+json``."""

from __future__ import annotations

from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from tracker.exceptions import ApplicationError

PROBLEM_BASE = "https://tracker.example/problems/"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = "This request must carry an If-Match header with the object's current ETag."
    default_code = "precondition-required"


class PreconditionFailed(exceptions.APIException):
    status_code = 412
    default_detail = "The object has changed since you read it; fetch it again and retry."
    default_code = "precondition-failed"


class IdempotencyConflict(exceptions.APIException):
    status_code = 409
    default_detail = "A request with this Idempotency-Key is still being processed."
    default_code = "idempotency-in-progress"


class IdempotencyMismatch(exceptions.APIException):
    status_code = 422
    default_detail = "This Idempotency-Key was used with a different request body."
    default_code = "idempotency-key-reused"


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "payload-too-large"


class MalformedRequest(exceptions.APIException):
    status_code = 400
    default_detail = "The request is malformed."
    default_code = "malformed-request"


def from_django(exc):
    """Django's request errors (raised while reading the body or by middleware) as API errors."""
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, TooManyFilesSent):
        return MalformedRequest(f"Too many files: send at most {settings.DATA_UPLOAD_MAX_NUMBER_FILES} per request.")
    if isinstance(exc, TooManyFieldsSent):
        return MalformedRequest(f"Too many fields: send at most {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}.")
    if isinstance(exc, BadRequest | SuspiciousOperation):
        return MalformedRequest(str(exc) or None)
    return exc


def error_pointers(detail, prefix: str = "") -> list[dict]:
    """Flatten DRF's nested error detail into JSON pointers."""
    out: list[dict] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            pointer = prefix if key in ("non_field_errors", "__all__") else f"{prefix}/{key}"
            out.extend(error_pointers(value, pointer))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out.extend({"pointer": prefix or "/", "detail": str(item)} for item in detail)
        else:
            for index, item in enumerate(detail):
                if item:
                    out.extend(error_pointers(item, f"{prefix}/{index}"))
    else:
        out.append({"pointer": prefix or "/", "detail": str(detail)})
    return out


def problem(status_code: int, title: str, detail: str, *, code: str, errors=None, headers=None) -> Response:
    body = {"type": PROBLEM_BASE + code, "title": title, "status": status_code, "detail": detail}
    if errors:
        body["errors"] = errors
    response = Response(body, status=status_code, headers=headers, content_type="application/problem+json")
    return response


def _code(exc) -> str:
    return str(getattr(exc, "default_code", "error")).replace("_", "-")


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        errors = exc.pointed_errors()
        if not errors and exc.status == 400:
            errors = [{"pointer": "/", "detail": exc.message}]
        code = type(exc).__name__.replace("Error", "").lower() or "error"
        return problem(exc.status, exc.title, exc.message, code=code, errors=errors or None)
    exc = from_django(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's 500 handler (also problem+json under /api/) takes it
    headers = {k: v for k, v in response.items() if k in ("Retry-After", "WWW-Authenticate", "Allow")}
    if isinstance(exc, exceptions.ValidationError):
        errors = error_pointers(exc.detail)
        detail = "; ".join(f"{e['pointer']}: {e['detail']}" for e in errors[:5])
        return problem(400, "Validation failed", detail, code="validation", errors=errors, headers=headers)
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    if isinstance(detail, (list, dict)):
        detail = "; ".join(e["detail"] for e in error_pointers(detail))
    title = HTTPStatus(response.status_code).phrase
    return problem(response.status_code, title, str(detail), code=_code(exc), headers=headers)
