"""A benchmark's own database on the project's PostgreSQL (the embedded one unless DATABASE_URL
is set), dropped and created again for each run."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def bench_database_url(name: str) -> str:
    import django
    from django.conf import settings

    django.setup()
    parts = urlsplit(settings.DATABASE_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate_database(name: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {name}")
