"""Django-level 404 and 500 pages: problem+json under /api/, the usual HTML elsewhere."""

import json

from django.http import HttpResponse
from django.views import defaults


def _problem(status: int, title: str, detail: str, code: str) -> HttpResponse:
    body = {"type": f"https://tracker.example/problems/{code}", "title": title, "status": status, "detail": detail}
    return HttpResponse(json.dumps(body), status=status, content_type="application/problem+json")


def not_found(request, exception):
    if request.path.startswith("/api/"):
        return _problem(404, "Not Found", "No such resource.", "not-found")
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return _problem(500, "Internal Server Error", "Something went wrong on our side; it has been logged.", "error")
    return defaults.server_error(request)
