"""Django-level 400, 404 and 500 pages: problem+json under /api/, the usual HTML elsewhere.

A 400 comes from middleware (a NUL byte in the path) or from Django refusing a request
(SuspiciousOperation: too many fields or files, a body over the limit, a bad Host) outside
a DRF view; inside one the exception handler in problems.py answers."""

import json
from http import HTTPStatus

from django.http import HttpResponse
from django.views import defaults
from rest_framework.exceptions import APIException

from tracker.api.problems import MalformedRequest, from_django


def _problem(status: int, title: str, detail: str, code: str) -> HttpResponse:
    body = {"type": f"https://tracker.example/problems/{code}", "title": title, "status": status, "detail": detail}
    return HttpResponse(json.dumps(body), status=status, content_type="application/problem+json")


def bad_request(request, exception):
    if request.path.startswith("/api/"):
        problem = from_django(exception)
        if not isinstance(problem, APIException):
            problem = MalformedRequest()
        status = problem.status_code
        return _problem(status, HTTPStatus(status).phrase, str(problem.detail), problem.default_code)
    return defaults.bad_request(request, exception)


def not_found(request, exception):
    if request.path.startswith("/api/"):
        return _problem(404, "Not Found", "No such resource.", "not-found")
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return _problem(500, "Internal Server Error", "Something went wrong on our side; it has been logged.", "error")
    return defaults.server_error(request)
