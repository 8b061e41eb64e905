"""The API's routes as the URL conf has them, and the check that each declares its scope."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from tracker.api.scopes import SCOPES, HasScope, ScopeNotDeclared, required_scope


@dataclass(frozen=True)
class Route:
    """One URL pattern of a DRF view, with the methods it answers."""

    pattern: str  # as written in the URL conf, prefixes included
    name: str | None  # the URL name, namespaced ("api:case-detail")
    callback: object
    kwargs: tuple[str, ...]  # the URL's parameters ("pk", "format"…)

    @property
    def view_class(self) -> type[APIView]:
        return self.callback.cls

    @property
    def is_public(self) -> bool:
        """Open to anyone, no credentials asked (the schema and its docs page): holds no data."""
        return all(issubclass(p, AllowAny) for p in self.view_class.permission_classes)

    def methods(self) -> list[str]:
        """Every method the route answers, HEAD and OPTIONS included."""
        actions = getattr(self.callback, "actions", None)  # DRF adds "head" to it at the first request
        if actions is not None:
            named = [m.upper() for m in actions if m != "head"]
        else:
            named = [m.upper() for m in self.view_class.http_method_names if m not in ("head", "options")]
            named = [m for m in named if hasattr(self.view_class, m.lower())]
        answered = self.view_class.http_method_names
        return [*named, *(["HEAD"] if "GET" in named else []), *(["OPTIONS"] if "options" in answered else [])]

    def view(self, method: str) -> APIView:
        """The view as the route would build it for ``method`` (its action's settings applied)."""
        view = self.view_class(**getattr(self.callback, "initkwargs", {}))
        actions = getattr(self.callback, "actions", None)
        if actions is not None:
            view.action_map = actions
            view.action = actions.get(method.lower(), "metadata" if method == "OPTIONS" else None)
            if method == "HEAD":
                view.action = actions.get("get")
        return view


def api_routes(patterns, prefix: str = "", namespace: str = "", kwargs: tuple = ()) -> Iterator[Route]:
    """Every route of a DRF view under ``patterns``, depth first."""
    for entry in patterns:
        groups = (*kwargs, *entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from api_routes(entry.url_patterns, prefix + str(entry.pattern), inner, groups)
        elif isinstance(entry, URLPattern) and isinstance(getattr(entry.callback, "cls", None), type):
            if issubclass(entry.callback.cls, APIView):
                name = f"{namespace}{entry.name}" if entry.name else None
                yield Route(pattern=prefix + str(entry.pattern), name=name, callback=entry.callback, kwargs=groups)


def undeclared_scopes(patterns) -> list[str]:
    """Routes and methods that declare no scope, or that do not check it at all."""
    problems = []
    for route in api_routes(patterns):
        if route.is_public:
            continue
        if not any(issubclass(p, HasScope) for p in route.view_class.permission_classes):
            problems.append(f"{route.pattern}: {route.view_class.__name__} does not check API key scopes (HasScope)")
            continue
        for method in route.methods():
            try:
                scope = required_scope(route.view(method), method)
            except ScopeNotDeclared as exc:
                problems.append(f"{route.pattern}: {exc}")
                continue
            if scope is not None and scope not in SCOPES:
                problems.append(f"{route.pattern}: {method} requires '{scope}', which is no scope in SCOPES")
    return problems


def require_declared_scopes(patterns) -> None:
    """Called at the end of the API's URL conf: an undeclared scope stops the URL conf loading."""
    problems = undeclared_scopes(patterns)
    if problems:
        raise ScopeNotDeclared("Every API route must declare its API key scope:\n" + "\n".join(problems))
