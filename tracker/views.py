from django.db import connection
from django.http import JsonResponse


def health(request):
    """Liveness and database reachability, for the compose healthcheck and load balancers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
