"""Per-request context that the audit trail records without every service passing it along."""

from contextvars import ContextVar

# Ours, generated for every request: what the audit trail and the logs are keyed by.
request_id: ContextVar[str] = ContextVar("request_id", default="")
# The caller's own ``X-Request-ID`` (sanitised), kept apart: a client cannot choose ours.
client_request_id: ContextVar[str] = ContextVar("client_request_id", default="")
# The caller's address (REMOTE_ADDR, as the WSGI server or the trusted proxy gives it).
client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)
