"""Request body parsers: malformed input is a 400 here, before any view or database sees it."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Our deepest real body is a bulk import (/cases/0/agencies/0): depth 4. The limit is far above
# any request we accept and far below where Python's recursion limit would turn a deeply nested
# body into a RecursionError (a 500) in json, a serializer or the error formatter.
MAX_JSON_DEPTH = 32


def check_json(value) -> None:
    """Refuse nesting deeper than MAX_JSON_DEPTH and NUL characters, which PostgreSQL cannot
    store in text. Iterative, so the check itself cannot overflow the stack."""
    stack = [(value, "", 0)]
    while stack:
        node, pointer, depth = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                raise ParseError(f"{pointer or '/'}: text may not contain NUL characters (\\u0000).")
            continue
        if not isinstance(node, dict | list):
            continue
        if depth >= MAX_JSON_DEPTH:
            raise ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.")
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in items:
            if isinstance(key, str) and "\x00" in key:
                raise ParseError(f"{pointer or '/'}: names may not contain NUL characters (\\u0000).")
            stack.append((child, f"{pointer}/{key}", depth + 1))


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a size limit (DRF reads the stream itself, past Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE check), a depth limit, and no NUL characters."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = b"" if stream is None else stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestDataTooBig(f"The request body is larger than {limit} bytes.")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding), parse_constant=_no_constant)
        except RecursionError:
            raise ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        check_json(data)
        return data


def _no_constant(name: str):
    # NaN and Infinity are not JSON (RFC 8259), and PostgreSQL's jsonb refuses them.
    raise ValueError(f"{name} is not valid JSON")


class MultiPartParser(parsers.MultiPartParser):
    """Uploads: a body larger than the most a request may carry is refused before it is read."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise ParseError("Content-Length is not a number.") from None
        limit = settings.ATTACHMENT_MAX_FILES * settings.ATTACHMENT_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length > limit:
            raise RequestDataTooBig(f"The request body is larger than {limit} bytes.")
        return super().parse(stream, media_type, parser_context)
