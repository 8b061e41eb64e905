"""Checking a workflow against a table the test states itself (from DOMAIN.md), never the code's
own table: every pair of states is tried through the services, each state reached by the
table's own path from the start, so a step the code allows or refuses against the table fails."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import pytest

from tracker.exceptions import InvalidTransition


def path_to(table: dict[str, set[str]], start: str, goal: str) -> list[str]:
    """The shortest run of steps in ``table`` from ``start`` to ``goal``."""
    paths, todo = {start: []}, deque([start])
    while todo:
        state = todo.popleft()
        for following in sorted(table[state]):
            if following not in paths:
                paths[following] = [*paths[state], following]
                todo.append(following)
    assert goal in paths, f"the table has no way from {start} to {goal}"
    return paths[goal]


def pairs(table: dict[str, set[str]], targets=None) -> list[tuple[str, str]]:
    return [(a, b) for a in table for b in (targets or table) if a != b]


def check_step(table, start, source, target, *, make: Callable, step: Callable, status_of: Callable) -> None:
    """Bring a new object to ``source`` by the table's path, then try ``target``: done when the
    table allows it, refused (InvalidTransition, nothing changed) when it does not."""
    obj = make()
    for state in path_to(table, start, source):
        obj = step(obj, state)
    assert status_of(obj) == source
    if target in table[source]:
        step(obj, target)
        assert status_of(obj) == target
    else:
        with pytest.raises(InvalidTransition):
            step(obj, target)
        assert status_of(obj) == source
