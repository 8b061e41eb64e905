"""bench/locustfile.py cannot rot unseen: it imports, and every route it calls resolves, with its
methods, to a view of the URL conf. Imported in a child process: locust monkey-patches the
standard library (gevent) as it is imported, which this test process must not have."""

import json
import subprocess
import sys
import uuid
from pathlib import Path

from django.urls import resolve

ROOT = Path(__file__).resolve().parent.parent.parent

DESCRIBE = """
import inspect, json, sys
sys.path.insert(0, "bench")
import locustfile
from locust import HttpUser
users = {name: sorted(t.__name__ for t in cls.tasks) for name, cls in vars(locustfile).items()
         if isinstance(cls, type) and issubclass(cls, HttpUser) and not cls.abstract}
source = inspect.getsource(locustfile)
print(json.dumps({"routes": locustfile.ROUTES, "users": users, "client_calls": source.count("self.client.")}))
"""


def describe_locustfile() -> dict:
    result = subprocess.run([sys.executable, "-c", DESCRIBE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def allowed_methods(match) -> set[str]:
    view = match.func
    actions = getattr(view, "actions", None)  # a viewset's route: {"get": "list", "post": "create"}
    if actions is not None:
        return {method.upper() for method in actions}
    return {method.upper() for method in view.view_class.http_method_names if hasattr(view.view_class, method)}


def test_the_locustfile_calls_only_routes_the_api_has():
    described = describe_locustfile()
    assert set(described["users"]) == {"AgencySystem", "Officer", "Planner"}
    assert all(described["users"].values()), described["users"]
    # Every request goes through ApiUser.call, which only takes a route of ROUTES.
    assert described["client_calls"] == 1
    for route, methods in described["routes"].items():
        path = route.format(id=uuid.uuid4(), code="OSL")
        match = resolve(path)
        assert match.namespace == "api", (route, match.view_name)
        assert set(methods) <= allowed_methods(match), (route, methods, allowed_methods(match))
