"""Hooks: how a lower layer lets the apps above it add behaviour without importing them.

The kernel (and agencies, and cases) may not import the apps built on them (the import-linter
contract in pyproject.toml). Where one of them must set off something an upper app owns, it
declares a :class:`Hook` and calls it; the upper app registers its handler in its
``AppConfig.ready()``. Unlike model signals these are called explicitly by the one service
that owns the moment, inside its transaction, so nothing is missed and the order is the
apps' order in INSTALLED_APPS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Hook:
    def __init__(self, name: str) -> None:
        self.name = name
        self._handlers: list[Callable[..., Any]] = []

    def register(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        """Add ``handler`` (once: a second ready() call registers nothing twice)."""
        if handler not in self._handlers:
            self._handlers.append(handler)
        return handler

    def __call__(self, *args: Any, **kwargs: Any) -> list[Any]:
        """Call every handler in order; their results, in the same order."""
        return [handler(*args, **kwargs) for handler in self._handlers]

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._handlers)} handler(s)>"
