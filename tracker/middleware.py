import re
import uuid

from django.core.exceptions import BadRequest

from tracker import context
from tracker.api.errors import bad_request

CLIENT_REQUEST_ID_MAX = 64
_UNSAFE = re.compile(r"[^A-Za-z0-9._:/+=@-]")


def sanitise_client_request_id(value: str) -> str:
    """The client's id as we keep and echo it: safe characters only, at most 64 of them."""
    return _UNSAFE.sub("", value or "")[:CLIENT_REQUEST_ID_MAX]


class RequestContextMiddleware:
    """Gives every request our own id for the audit trail; a client's ``X-Request-ID`` is kept
    apart (sanitised) and echoed back as ``X-Client-Request-ID``, never taken as ours."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = uuid.uuid4().hex
        client_rid = sanitise_client_request_id(request.headers.get("X-Request-ID", ""))
        tokens = (
            context.request_id.set(rid),
            context.client_request_id.set(client_rid),
            context.client_ip.set(request.META.get("REMOTE_ADDR") or None),
        )
        try:
            response = self.get_response(request)
        finally:
            context.client_ip.reset(tokens[2])
            context.client_request_id.reset(tokens[1])
            context.request_id.reset(tokens[0])
        response["X-Request-ID"] = rid
        if client_rid:
            response["X-Client-Request-ID"] = client_rid
        return response


class RejectNulMiddleware:
    """A NUL character (``%00``) in the path, a query parameter or a header is refused with a
    400 before anything reads it: PostgreSQL cannot store NUL in text, so wherever such a value
    reached a query (a filter, a lookup by code, a session cookie, an API key) it ended as a
    database error, a 500. Answered here, not raised, so that DEBUG's error page never replaces
    the API's problem+json."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):

        where = self._nul_in(request)
        if where:
            return bad_request(request, BadRequest(f"NUL characters (%00) are not allowed in the {where}."))
        return self.get_response(request)

    @staticmethod
    def _nul_in(request) -> str | None:
        if "\x00" in request.path:
            return "path"
        if "\x00" in request.META.get("QUERY_STRING", "") or "%00" in request.META.get("QUERY_STRING", ""):
            return "query string"
        for name, value in request.META.items():
            if name.startswith("HTTP_") and isinstance(value, str) and "\x00" in value:
                return f"{name[5:].replace('_', '-').title()} header"
        return None
