"""Shared OpenAPI pieces: the headers and error responses every operation documents."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, required=True,
    description="The ETag from your last read of the object. 428 without it; 412 if the object changed since.",
)  # fmt: skip
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
    description="Any unique string (e.g. a UUID). A retry with the same key and body returns the original response "
    "and changes nothing; the same key with another body is 422; while the first is running, 409. Kept 24 h.",
)  # fmt: skip


def etag_header():
    return {"ETag": {"description": "Version tag for If-Match", "schema": {"type": "string"}}}


Problem = inline_serializer(
    name="Problem",
    fields={
        "type": serializers.URLField(),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(),
        "errors": serializers.ListField(
            required=False,
            child=inline_serializer(
                name="ProblemError", fields={"pointer": serializers.CharField(), "detail": serializers.CharField()}
            ),
        ),
    },
)


def _problem(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=Problem, description=description)


PROBLEMS = {
    400: _problem("Invalid input: `errors` lists each problem with a JSON pointer"),
    401: _problem("Missing or invalid credentials"),
    403: _problem("Not permitted (or the API key lacks the scope)"),
    404: _problem("No such object, or not visible to you"),
    409: _problem("Conflicts with the object's state, or the same Idempotency-Key is still running"),
    412: _problem("If-Match does not match the current ETag"),
    413: _problem("Request body too large"),
    415: _problem("Unsupported media type"),
    422: _problem("Idempotency-Key reused with a different body"),
    428: _problem("If-Match is required"),
    429: _problem("Rate limit exceeded; see Retry-After"),
}
READ_PROBLEMS = {code: PROBLEMS[code] for code in (400, 401, 403, 404, 429)}
__all__ = ["IF_MATCH", "IDEMPOTENCY_KEY", "PROBLEMS", "READ_PROBLEMS", "OpenApiTypes", "etag_header"]
