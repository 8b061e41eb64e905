"""Who read what, and who was refused: the audit rows of reads, refusals and API-key use.

The rows are written by :func:`tracker.audit.record_access`; this module decides when.

- A web page of a case (or an attachment download) writes its row on every view: a person
  opens a page a few times an hour.
- The API may be read by an agency system many times a minute, so its reads are aggregated:
  one row per caller per object per minute (:func:`first_in_window`, a Redis ``SET NX EX``).
  While Redis is down every read is recorded: a row too many beats a read lost.
- Lists write no row per listed object: a list shows what the selectors scope, and the row
  that answers "who saw this person" is written when the object itself is opened. Searching
  the register by an identity or organisation number is audited as ``subject.search`` with
  the number asked for (a lookup of one person is a read of that person).
- A refusal (any 403, and a 404 of a route that names an object) is recorded by
  :class:`AccessRefusalMiddleware`, for the web and the API alike. It records the same
  whether the object exists out of the caller's reach or not at all (the detail says which),
  so both answers cost the same work: no timing oracle.
"""

from __future__ import annotations

import time

from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import ValidationError

from tracker import redis_client
from tracker.audit import record_access
from tracker.redis_outage import REDIS_ERRORS, breaker

WINDOW_SECONDS = 60
GUARD_PREFIX = "audit-once"


# The windows this process has seen claimed in Redis, and until when (time.monotonic()): a
# window known to be claimed is not asked about again before it lapses, so an agency system
# reading all day costs Redis one round trip per key (and per object) a minute, not a request.
_known_claimed: dict[str, float] = {}
KNOWN_MAX = 20_000


def first_in_window(name: str, seconds: int = WINDOW_SECONDS) -> bool:
    """True the first time ``name`` is claimed within ``seconds`` (across all web processes),
    and always while Redis is unreachable."""
    if breaker.is_open:
        return True
    now = time.monotonic()
    if _known_claimed.get(name, 0.0) > now:
        return False
    key = cache.make_and_validate_key(f"{GUARD_PREFIX}:{name}")
    try:  # cache.add(), and how long the claim (ours or another process's) has left: one round trip
        claimed, left_ms = (
            redis_client.client().pipeline(transaction=False).set(key, 1, ex=seconds, nx=True).pttl(key).execute()
        )
    except REDIS_ERRORS as exc:
        breaker.failed(exc)
        return True
    breaker.succeeded()
    if left_ms > 0:
        if len(_known_claimed) >= KNOWN_MAX:
            _known_claimed.clear()
        _known_claimed[name] = now + left_ms / 1000
    return bool(claimed)


def end_window(name: str) -> None:
    """End the window ``name`` now, in Redis and in this process (what a minute's passing does)."""
    _known_claimed.pop(name, None)
    cache.delete(f"{GUARD_PREFIX}:{name}")


def end_all_windows() -> None:
    _known_claimed.clear()
    client = redis_client.client()
    keys = list(client.scan_iter(cache.make_key(f"{GUARD_PREFIX}:*")))
    if keys:
        client.delete(*keys)


def _caller(request) -> str:
    """The API caller a read is aggregated for: the key, or the person signed in."""
    key = getattr(request, "auth", None)
    if key is not None and hasattr(key, "scopes"):
        return f"key:{key.pk}"
    return f"user:{request.user.pk}"


def record_read(request, *, action: str, obj, via: str, **detail) -> None:
    """``case.view``, ``subject.view`` or ``attachment.view`` of ``obj``; ``detail`` adds what
    an auditor searches by (the case of a subject or attachment) and what was read."""
    if via == "api" and not first_in_window(f"{action}:{_caller(request)}:{obj.pk}"):
        return
    record_access(actor=request.user, action=action, obj=obj, detail={"via": via, **detail})


def record_search(request, *, action: str, filters: dict) -> None:
    """A lookup by a number that names one subject: ``filters`` as asked (once a minute per
    caller and lookup in the API)."""
    asked = "&".join(f"{k}={v}" for k, v in sorted(filters.items()))
    if not first_in_window(f"{action}:{_caller(request)}:{asked}"):
        return
    record_access(actor=request.user, action=action, object_type="search", detail={"via": "api", "filters": filters})


# --- Refusals ---------------------------------------------------------------------------

# Web routes: namespace, or view name, → (model label, URL parameter naming the object).
# API routes need no entry: the viewset names its model and lookup.
WEB_OBJECTS = {
    "cases": ("cases.Case", "pk"),
    "cases:tip": ("cases.Tip", "pk"),
    "cases:tip_merge": ("cases.Tip", "pk"),
    "cases:tip_dismiss": ("cases.Tip", "pk"),
    "cases:transfer_decide": ("cases.CaseTransfer", "transfer_pk"),
    "controls": ("controls.JointControl", "pk"),
    "referrals": ("referrals.Referral", "pk"),
    "notifications": ("notifications.Notification", "pk"),
    "notifications:mute": ("cases.Case", "case_pk"),
    "notifications:unmute": ("cases.Case", "case_pk"),
}


def asked_object(match) -> tuple[type | None, str | None]:
    """The model and id of the object a resolved route names (None, None when it names none)."""
    view_class = getattr(match.func, "cls", None)
    parent = getattr(view_class, "parent_model", None)
    if parent is not None:  # a nested resource (tracker.api.base.NestedViewSet): its parent was refused
        return parent, match.kwargs.get(view_class.parent_lookup_kwarg)
    queryset = getattr(view_class, "queryset", None)
    if queryset is not None:
        lookup = getattr(view_class, "lookup_url_kwarg", None) or getattr(view_class, "lookup_field", "pk")
        return queryset.model, match.kwargs.get(lookup)
    label, param = WEB_OBJECTS.get(match.view_name) or WEB_OBJECTS.get(match.namespace) or (None, None)
    if label is None or param not in match.kwargs:
        return None, None
    return apps.get_model(label), match.kwargs[param]


def _exists(model, pk) -> bool:
    try:
        return model._default_manager.filter(pk=pk).exists()
    except (ValidationError, ValueError, TypeError):  # not even a valid id: nothing to look up
        return False


# URL parameters that are secrets (a calendar link's token): a wrong one is not written down,
# as it may be a valid one mistyped.
SECRET_PARAMS = {"token"}


def record_refusal(request, status: int) -> None:
    match = request.resolver_match
    model, pk = asked_object(match)
    asked = {name: "…" if name in SECRET_PARAMS else str(value)[:64] for name, value in match.kwargs.items()}
    path = request.path
    for name in SECRET_PARAMS & set(match.kwargs):
        path = path.replace(str(match.kwargs[name]), "…")
    detail = {
        "status": status,
        "method": request.method,
        "path": path[:500],
        "route": match.view_name,
        "asked": asked,
    }
    if model is not None and pk is not None:
        detail["exists"] = _exists(model, pk)
    user = getattr(request, "user", None)
    record_access(
        actor=user if user is not None and user.is_authenticated else None,
        action="access.refused",
        object_type=model._meta.label_lower if model is not None and pk is not None else "",
        object_id=str(pk) if model is not None and pk is not None else "",
        detail=detail,
    )


class AccessRefusalMiddleware:
    """Records ``access.refused`` for every 403, and every 404 of a route that resolved (an
    object out of scope, or not there at all). A 404 of an unknown path names nothing and is
    not recorded. Sits inside RequestContextMiddleware, so the row has the request id and IP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in (403, 404) and getattr(request, "resolver_match", None) is not None:
            record_refusal(request, response.status_code)
        return response
