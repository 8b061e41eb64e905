"""Reading a list or detail as rows of the columns its response shows (cases.api.reads,
controls.api.reads, referrals.api.reads): the page as ``.values()``, and an object already in
hand (``get_object``, a service's return) as the same row, without asking the database again."""

from __future__ import annotations

from collections.abc import Iterable


def values(queryset, paths: Iterable[str]):
    """``queryset`` (scoped, filtered, ordered) as rows of ``paths`` (``"unit__code"`` joins)."""
    return queryset.select_related(None).prefetch_related(None).values(*paths)


def row_of(obj, paths: Iterable[str]) -> dict:
    """``obj`` as the row :func:`values` would give for it: each path followed through its
    relations (already loaded), None where a relation on the way is empty."""
    row = {}
    for path in paths:
        value = obj
        for name in path.split("__"):
            if value is None:
                break
            value = getattr(value, name)
        row[path] = value
    return row
