import re
import uuid

from tracker import context

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
        tokens = (context.request_id.set(rid), context.client_request_id.set(client_rid))
        try:
            response = self.get_response(request)
        finally:
            context.client_request_id.reset(tokens[1])
            context.request_id.reset(tokens[0])
        response["X-Request-ID"] = rid
        if client_rid:
            response["X-Client-Request-ID"] = client_rid
        return response
