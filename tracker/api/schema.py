"""OpenAPI: what every operation shares, documented in one place.

``TrackerAutoSchema`` adds to each operation the problem responses it can give (as
``application/problem+json``), the API-key scope it needs, and the ETag, Location,
Retry-After and Idempotent-Replayed headers.
"""

import inspect

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, build_parameter_type, get_doc
from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import SAFE_METHODS
from rest_framework.schemas.utils import get_pk_description
from rest_framework.settings import api_settings

from tracker.api.scopes import required_scope

IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, required=True,
    description="The ETag from your last read of the object. 428 without it; 412 if the object changed since.",
)  # fmt: skip
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
    description="Any unique string (e.g. a UUID). A retry with the same key and body returns the original response "
    "and changes nothing; the same key with another body is 422; while the first is running, 409. Kept 24 h.",
)  # fmt: skip

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "One entry per invalid input, located by a JSON pointer into the request body",
            "items": {
                "type": "object",
                "properties": {"pointer": {"type": "string"}, "detail": {"type": "string"}},
                "required": ["pointer", "detail"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}
READ_CODES = {
    400: "Invalid query parameters or cursor",
    401: "Missing, invalid, expired or revoked credentials",
    403: "Not permitted, or the API key lacks the scope",
    404: "No such object, or not visible to you",
    429: "Rate limit exceeded; retry after Retry-After seconds",
}
WRITE_CODES = {
    400: "Invalid input: `errors` lists each problem with a JSON pointer",
    409: "Conflicts with the object's state, or a request with this Idempotency-Key is still running",
    412: "If-Match does not match the object's current ETag",
    413: "Request body too large",
    415: "Unsupported media type: send application/json",
    422: "Idempotency-Key reused with a different body",
    428: "If-Match is required",
}
HEADER = {"schema": {"type": "string"}}


class TrackerAutoSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        registry.register_on_missing(
            ResolvedComponent(name="Problem", type=ResolvedComponent.SCHEMA, object="Problem", schema=PROBLEM_SCHEMA)
        )
        responses = operation.setdefault("responses", {})
        codes = dict(READ_CODES)
        if method not in SAFE_METHODS:
            codes.update(WRITE_CODES)
        for code, description in codes.items():
            responses[str(code)] = {
                "description": description,
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
            }
        responses["429"]["headers"] = {"Retry-After": {**HEADER, "description": "Seconds to wait"}}
        for code, response in responses.items():
            if code in ("200", "201") and self._carries_etag():
                response.setdefault("headers", {})["ETag"] = {**HEADER, "description": "Version, for If-Match"}
            if code == "201":
                response.setdefault("headers", {})["Location"] = {**HEADER, "description": "The new object"}
            if code in ("200", "201") and method == "POST":
                response.setdefault("headers", {})["Idempotent-Replayed"] = {
                    **HEADER,
                    "description": "`true` when this is the stored response to an earlier request with the same key",
                }
        # Every operation says what a key needs: a scope, or null for reference data.
        scope = required_scope(self.view, method)
        note = f"Requires the API key scope `{scope}`." if scope else "Reference data: any valid API key may read it."
        operation["description"] = f"{operation.get('description', '')}\n\n{note}".strip()
        operation["x-required-scope"] = scope
        return operation

    def get_description(self):
        if getattr(self.view, "parent_model", None) is None:
            return super().get_description()
        # A nested resource (tracker.api.base.NestedViewSet) is described by its operation or its
        # own class, never by the docstrings of the base classes it stands on: those are for us.
        operation = getattr(self.view, getattr(self.view, "action", None) or self.method.lower(), None)
        own = type(self.view).__dict__.get("__doc__")
        return get_doc(operation) or (inspect.cleandoc(own) if own else "")

    def _resolve_path_parameters(self, variables):
        # A nested resource's parent parameter (``/cases/{id}/subjects/``) is the parent's key:
        # described by the parent's model, as it was when the resource was an action of the
        # parent's viewset, not by the nested model's own key.
        parameters = super()._resolve_path_parameters(variables)
        parent = getattr(self.view, "parent_model", None)
        if parent is None:
            return parameters
        name = self.view.parent_lookup_kwarg
        if name == "pk" and api_settings.SCHEMA_COERCE_PATH_PK:
            name = "id"
        field = parent._meta.pk
        for index, parameter in enumerate(parameters):
            if parameter["name"] == name:
                parameters[index] = build_parameter_type(
                    name=name,
                    location=OpenApiParameter.PATH,
                    description=get_pk_description(parent, field),
                    schema=self._map_model_field(field, direction=None),
                )
        return parameters

    def _carries_etag(self) -> bool:
        return getattr(self.view, "action", None) in getattr(self.view, "etag_actions", ())
