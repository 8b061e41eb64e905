"""The base every API view stands on: scoping, optimistic concurrency, idempotency, strict input."""

from __future__ import annotations

from collections.abc import Mapping

from rest_framework import serializers, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from tracker.api.idempotency import run_atomic, run_idempotent
from tracker.api.problems import PreconditionFailed, PreconditionRequired


class Pagination(CursorPagination):
    """Cursor pagination: stable under inserts, opaque cursors, ``page_size`` up to 200."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-created_at"
    invalid_cursor_message = "Not a cursor from this list; follow the `next` and `previous` links."

    def decode_cursor(self, request):
        # DRF answers a bad cursor with 404; it is bad input.
        from rest_framework.exceptions import NotFound, ValidationError

        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]}) from None


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
    # Actions whose response carries the object's ETag (for the schema).
    etag_actions: tuple[str, ...] = ()

    def get_queryset(self):
        # Schema generation runs without a real user: describe the model, scope nothing.
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return self.scoped_queryset(self.request.user)

    def scoped_queryset(self, user):
        raise NotImplementedError

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
        paginator = Pagination()
        paginator.ordering = ordering
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response(serializer_class(page, many=True).data)

    def validated(self, serializer_class, data, partial=False, **context):
        """``context`` adds to the serializer's context, e.g. the ``unit`` whose members an input may name."""
        serializer = serializer_class(data=data, partial=partial, context={**self.get_serializer_context(), **context})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def respond(self, obj, code=200):
        """The object as the caller sees it now, with its ETag (and Location when created)."""
        from django.urls import reverse

        obj = self.get_queryset().get(pk=obj.pk)
        response = Response(self.get_serializer_class()(obj).data, status=code)
        if code == 201:
            response["Location"] = reverse(f"api:{self.basename}-detail", args=[obj.pk])
        return self.with_etag(response, obj)


class TrackerViewSet(TrackerViewSetMixin, viewsets.GenericViewSet):
    pass
