"""Per-request context that the audit trail records without every service passing it along."""

from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("request_id", default="")
