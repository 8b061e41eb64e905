"""The base every API view stands on: scoping, optimistic concurrency, idempotency, strict input."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Mapping

from django.core import signing
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Q
from django.db.models.fields.tuple_lookups import (
    Tuple,
    TupleGreaterThan,
    TupleGreaterThanOrEqual,
    TupleLessThan,
    TupleLessThanOrEqual,
)
from django.urls import reverse
from rest_framework import filters, mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from tracker.access_audit import record_read
from tracker.api.idempotency import run_atomic, run_idempotent
from tracker.api.problems import PreconditionFailed, PreconditionRequired

CURSOR_SALT = "tracker.api.cursor"


class OrderingFilter(filters.OrderingFilter):
    """DRF's ``?ordering=``, but an unknown field is a 400 (DRF drops it silently), and the schema
    lists the accepted values."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params is None:
            return self.get_default_ordering(view)
        terms = [term.strip() for term in params.split(",")]
        valid = self.remove_invalid_fields(queryset, terms, view, request)
        if not terms or len(valid) != len(terms) or len({t.lstrip("-") for t in terms}) != len(terms):
            choices = ", ".join(self.choices(view))
            raise ValidationError({self.ordering_param: [f"Order by one or more of {choices}, comma-separated."]})
        return valid

    def choices(self, view) -> list[str]:
        fields = [f if isinstance(f, str) else f[0] for f in view.ordering_fields]
        return [term for field in fields for term in (field, f"-{field}")]

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": "Sort by this field (prefix `-` for descending); several, comma-separated. "
                "Rows with equal values come in a fixed order, so a cursor walk sees each row once.",
                "schema": {"type": "array", "items": {"type": "string", "enum": self.choices(view)}},
                "style": "form",
                "explode": False,
            }
        ]


def _jsonable(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()  # full precision; DjangoJSONEncoder would cut microseconds
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    return value


class Pagination(CursorPagination):
    """Keyset pagination over (the ordering's fields…, pk), with signed cursors.

    DRF's CursorPagination keeps only the *first* ordering field's value in its cursor, plus an
    offset among the rows sharing that value. Rows with equal values (a date, the priority)
    come back from the database in no fixed order, so that offset counts into a different
    sequence on every page: some rows repeat and others are never shown; an insert among them
    shifts the offset too, and ties past ``offset_cutoff`` are out of reach. Its cursor is also
    unsigned, so a forged or foreign position reached the database as a value of the wrong type.

    Here the cursor holds every ordering value *and* the primary key, which breaks every tie:
    the next page is "rows after this exact (values…, pk)", whatever was inserted meanwhile. It
    is signed together with the path and ordering it belongs to, so a cursor from another list,
    another ordering, or edited by hand is a 400, never a database error.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-created_at"
    cursor_query_description = "The `next` or `previous` link's cursor of this list and ordering."
    invalid_cursor_message = "Not a cursor from this list; follow the `next` and `previous` links."
    foreign_cursor_message = (
        "This cursor belongs to another list or ordering; follow the `next` and `previous` links of this one."
    )

    def get_page_size(self, request):
        # DRF ignores a page size it cannot read; here it is a 400. Above the maximum, the maximum.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
            raise ValidationError({self.page_size_query_param: ["Use a whole number of at least 1."]})
        return min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
                most = self.max_page_size
                parameter["description"] = f"Rows per page (default {self.page_size}); more than {most} gives {most}."
        return parameters

    def get_ordering(self, request, queryset, view):
        terms = list(super().get_ordering(request, queryset, view))
        if not any(term.lstrip("-") in ("pk", "id") for term in terms):
            # The tie-breaker runs the way the first field does: with one direction throughout,
            # a cursor is a row comparison that starts the field's index at the cursor (below).
            terms.append("-pk" if terms[0].startswith("-") else "pk")
        return tuple(terms)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self.model = queryset.model
        self.cursor = self.decode_cursor(request)
        reverse = bool(self.cursor and self.cursor["reverse"])
        keys = self._keys(reverse)
        queryset = queryset.order_by(*(f"-{name}" if desc else name for name, desc, _ in keys))
        if self.cursor is not None:
            queryset = queryset.filter(self._beyond(keys, self.cursor["values"], self.cursor["inclusive"]))
        rows = list(queryset[: self.page_size + 1])
        more = len(rows) > self.page_size
        self.page = rows[: self.page_size]
        if reverse:
            self.page.reverse()
        # Forward: there is a next page if the query found more, a previous one if we came from a
        # cursor. Going back, the other way round.
        came_from_cursor = self.cursor is not None
        self.has_next, self.has_previous = (came_from_cursor, more) if reverse else (more, came_from_cursor)
        if (self.has_previous or self.has_next) and self.template is not None:
            self.display_page_controls = True
        return self.page

    def _keys(self, reverse: bool) -> list[tuple[str, bool, bool]]:
        """(field name, descending, nullable) per ordering term, flipped when paging backwards."""
        keys = []
        for term in self.ordering:
            name = term.lstrip("-")
            field = self.model._meta.pk if name == "pk" else self.model._meta.get_field(name)
            keys.append((field.attname if name != "pk" else "pk", term.startswith("-") != reverse, field.null))
        return keys

    @staticmethod
    def _beyond(keys, values, inclusive: bool) -> Q:
        """Rows after ``values`` in the order of ``keys``.

        One direction and no NULLs: the row comparison ``(a, b, pk) > (x, y, z)``, which
        PostgreSQL serves by starting an index on ``a`` at the cursor, so the 20,000th page costs
        what the first does. Otherwise (a > x) or (a = x and b > y) or …, with PostgreSQL's NULL
        placement (last ascending, first descending); that form makes the database read every
        row before the cursor again."""
        directions = {desc for _, desc, _ in keys}
        if len(directions) == 1 and not any(nullable for _, _, nullable in keys) and None not in values:
            lookup = {
                (True, False): TupleLessThan,
                (True, True): TupleLessThanOrEqual,
                (False, False): TupleGreaterThan,
                (False, True): TupleGreaterThanOrEqual,
            }[(directions.pop(), inclusive)]
            return Q(lookup(Tuple(*(F(name) for name, _, _ in keys)), tuple(values)))

        def equal(name, value):
            return Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})

        def after(name, desc, nullable, value):
            if value is None:  # NULLs are last ascending (nothing after), first descending
                return Q(**{f"{name}__isnull": False}) if desc else Q(pk__in=[])
            beyond = Q(**{f"{name}__lt" if desc else f"{name}__gt": value})
            if nullable and not desc:
                beyond |= Q(**{f"{name}__isnull": True})
            return beyond

        condition, prefix = Q(pk__in=[]), Q()
        for (name, desc, nullable), value in zip(keys, values, strict=True):
            condition |= prefix & after(name, desc, nullable, value)
            prefix &= equal(name, value)
        return condition | prefix if inclusive else condition

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            cursor = signing.loads(encoded, salt=CURSOR_SALT)
        except signing.BadSignature:
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]}) from None
        if cursor.get("path") != request.path or cursor.get("ordering") != list(self.ordering):
            raise ValidationError({self.cursor_query_param: [self.foreign_cursor_message]})
        try:  # signed by us, but perhaps before a field changed type
            values = [
                (
                    self.model._meta.pk if term.lstrip("-") == "pk" else self.model._meta.get_field(term.lstrip("-"))
                ).to_python(value)
                for term, value in zip(self.ordering, cursor["values"], strict=True)
            ]
        except (DjangoValidationError, FieldDoesNotExist, KeyError, TypeError, ValueError):
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]}) from None
        return {"values": values, "reverse": bool(cursor.get("reverse")), "inclusive": bool(cursor.get("inclusive"))}

    def _link(self, values, *, reverse: bool, inclusive: bool = False) -> str:
        payload = {
            "path": self.request.path,
            "ordering": list(self.ordering),
            "values": [_jsonable(v) for v in values],
            "reverse": reverse,
            "inclusive": inclusive,
        }
        cursor = signing.dumps(payload, salt=CURSOR_SALT, compress=True)
        return replace_query_param(self.base_url, self.cursor_query_param, cursor)

    def _values(self, obj) -> list:
        if isinstance(obj, dict):  # a row of .values() (e.g. cases.api.reads)
            pk = self.model._meta.pk.attname
            return [obj[pk if name == "pk" else name] for name, _, _ in self._keys(reverse=False)]
        return [getattr(obj, name) for name, _, _ in self._keys(reverse=False)]

    def get_next_link(self):
        if not self.has_next:
            return None
        if self.page:
            return self._link(self._values(self.page[-1]), reverse=False)
        # An empty page reached backwards: start again at (and including) the cursor's row.
        return self._link(self.cursor["values"], reverse=False, inclusive=True)

    def get_previous_link(self):
        if not self.has_previous:
            return None
        if self.page:
            return self._link(self._values(self.page[0]), reverse=True)
        return self._link(self.cursor["values"], reverse=True, inclusive=True)


class StrictSerializerMixin:
    """Unknown fields in a write are an error, not silently dropped."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class StrictSerializer(StrictSerializerMixin, serializers.Serializer):
    pass


def etag_for(obj) -> str:
    return f'"{obj.version}"'


def expected_version(request, obj) -> int:
    """The version the client last saw, from ``If-Match``; 428 without it, 412 when stale."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        raise PreconditionRequired()
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    if etag_for(obj) not in tags:
        raise PreconditionFailed()
    return obj.version


class TrackerViewSetMixin:
    """Scoped querysets (``get_queryset`` comes from a selector), idempotent POSTs."""

    pagination_class = Pagination
    # The API key scope of each method (see tracker.api.scopes): every view must set one,
    # for the whole view or per action (``@action(..., required_scope=...)``).
    scope: str | None = None
    required_scope: str | None = None
    # Actions whose response carries the object's ETag (for the schema).
    etag_actions: tuple[str, ...] = ()
    # The audit action of reading one object here (``case.view``…): every GET or HEAD that
    # loads the object records it, at most once a minute per caller and object
    # (tracker.access_audit). None: reads here are not audited.
    read_audit_action: str | None = None

    def get_queryset(self):
        # Schema generation runs without a real user: describe the model, scope nothing.
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return self.scoped_queryset(self.request.user)

    def scoped_queryset(self, user):
        raise NotImplementedError

    def filter_queryset(self, queryset):
        # A list's filters (?status=, ?search=, ?ordering=…) choose among many rows; an object's
        # own URL names one, whatever the query string says (the schema documents none there).
        # Building the list's FilterSet cost a detail request about a third of its time.
        if getattr(self, "detail", False):
            return queryset
        return super().filter_queryset(queryset)

    def get_object(self):
        obj = super().get_object()
        if self.read_audit_action and self.request.method in SAFE_METHODS:
            record_read(self.request, action=self.read_audit_action, obj=obj, via="api", **self.read_audit_detail(obj))
        return obj

    def read_audit_detail(self, obj) -> dict:
        """What the read's audit row says besides the object: the action (``journal``…), so an
        auditor tells a case opened from its journal read."""
        return {"read": self.action}

    def dispatch(self, request, *args, **kwargs):
        # DRF's APIView.dispatch, with the handler run under the Idempotency-Key guard.
        self.args, self.kwargs = args, kwargs
        request = self.initialize_request(request, *args, **kwargs)
        self.request = request
        self.headers = self.default_response_headers
        try:
            self.initial(request, *args, **kwargs)
            method = request.method.lower()
            handler = getattr(self, method, None) if method in self.http_method_names else None
            handler = handler or self.http_method_not_allowed
            key = request.headers.get("Idempotency-Key")
            if request.method == "POST" and key is not None:
                response = run_idempotent(request, key, lambda: handler(request, *args, **kwargs))
            elif request.method in SAFE_METHODS:
                response = handler(request, *args, **kwargs)
            else:
                response = run_atomic(lambda: handler(request, *args, **kwargs))
        except Exception as exc:
            response = self.handle_exception(exc)
        self.response = self.finalize_response(request, response, *args, **kwargs)
        return self.response

    def with_etag(self, response, obj):
        response["ETag"] = etag_for(obj)
        return response

    def paginated(self, queryset, serializer_class, ordering: str = "created_at"):
        """A cursor page of a nested list (subjects, journal, participants…), in ``ordering``."""
        return self.paginated_as(queryset, lambda page: serializer_class(page, many=True).data, ordering)

    def paginated_as(self, queryset, represent, ordering: str = "created_at"):
        """A cursor page of ``queryset`` (instances or ``.values()`` rows), ``represent``-ed."""
        paginator = Pagination()  # nested lists take no ?ordering= (NestedViewSet, action_filter_backends)
        paginator.ordering = ordering
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response(represent(page))

    def validated(self, serializer_class, data, partial=False, **context):
        """``context`` adds to the serializer's context, e.g. the ``unit`` whose members an input may name."""
        serializer = serializer_class(data=data, partial=partial, context={**self.get_serializer_context(), **context})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def reread(self, obj):
        """``obj`` as the caller sees it after a service changed it (with what the list prefetches)."""
        return self.get_queryset().get(pk=obj.pk)

    def representation(self, obj) -> dict:
        return self.get_serializer_class()(obj).data

    def respond(self, obj, code=200):
        """The object as the caller sees it now, with its ETag (and Location when created)."""
        obj = self.reread(obj)
        response = Response(self.representation(obj), status=code)
        if code == 201:
            response["Location"] = reverse(f"api:{self.basename}-detail", args=[obj.pk])
        return self.with_etag(response, obj)


class ETagRetrieveMixin(mixins.RetrieveModelMixin):
    """Retrieve, answering with the object's ETag for the If-Match of the next write."""

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        return self.with_etag(Response(self.representation(obj)), obj)


class TrackerViewSet(TrackerViewSetMixin, viewsets.GenericViewSet):
    # The filter backends of the extra actions (``@action``: nested lists and commands) that do
    # not name their own: none, so they take no ?ordering= or list filters. ``None`` leaves them
    # the viewset's own.
    action_filter_backends: list | None = []

    @classmethod
    def get_extra_actions(cls):
        actions = super().get_extra_actions()
        if cls.action_filter_backends is not None:
            for action in actions:
                action.kwargs.setdefault("filter_backends", cls.action_filter_backends)
        return actions


class NestedViewSet(TrackerViewSet):
    """A resource under a parent object (a case's subjects, a control's findings): a viewset of its
    own (the NetBox shape), routed at ``<parents>/{pk}/<resource>/`` (config/api_router.py).

    The parent is found through the caller's scoped queryset (``parent_queryset``), once per
    request: one the caller may not see is a 404, and a read of it is audited as a read of the
    parent (``parent_read_audit_action``), as if the caller opened it. A subclass declares its
    scope, its parent and its own rows (``scoped_queryset`` from ``self.parent``)."""

    filter_backends = []  # a nested list takes no list filters and no ?ordering=
    parent_lookup_kwarg = "pk"
    # The parent's model: the schema describes the parent's URL parameter by it, and a refusal
    # names the parent (tracker.access_audit.asked_object).
    parent_model = None
    parent_read_audit_action: str | None = None
    # What the parent's read audit row says was read (``{"read": "journal"}``).
    parent_read_as: str = ""

    # What OPTIONS describes for a write: the parent's serializer, as it did when these resources
    # were actions of the parent's viewset (kept so that the API does not change).
    parent_serializer_class = None

    def parent_queryset(self, user):
        raise NotImplementedError

    def get_serializer_class(self):
        if self.action == "metadata" and self.parent_serializer_class is not None:
            return self.parent_serializer_class
        return super().get_serializer_class()

    @property
    def parent(self):
        if "_parent" not in self.__dict__:
            visible = self.parent_queryset(self.request.user)
            parent = get_object_or_404(visible, pk=self.kwargs[self.parent_lookup_kwarg])
            self.check_object_permissions(self.request, parent)
            if self.parent_read_audit_action and self.request.method in SAFE_METHODS:
                record_read(
                    self.request, action=self.parent_read_audit_action, obj=parent, via="api", read=self.parent_read_as
                )
            self._parent = parent
        return self._parent
