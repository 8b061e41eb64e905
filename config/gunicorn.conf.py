"""gunicorn's settings in production (`gunicorn -c config/gunicorn.conf.py config.wsgi`).

Threaded workers (``gthread``) keep connections alive: an agency system's calls reuse one TCP (and
TLS) connection instead of paying a new one per request, as sync workers made them do (they answer
``Connection: close``). Each worker is a process with ``WEB_THREADS`` threads; Django gives each
thread its own database connection from the process's psycopg pool, so keep
``WEB_WORKERS × WEB_THREADS`` within ``DATABASE_POOL_MAX × WEB_WORKERS`` and PostgreSQL's
``max_connections``. Defaults: one worker per core, four threads each, 30 s keep-alive.
"""

import os

bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", os.cpu_count() or 1))
threads = int(os.environ.get("WEB_THREADS", "4"))
keepalive = int(os.environ.get("WEB_KEEPALIVE", "30"))  # seconds an idle connection stays open
timeout = 60
graceful_timeout = 30
# A worker is replaced after this many requests (with jitter, so not all at once): a slow leak in
# a library never grows without bound.
max_requests = 10_000
max_requests_jitter = 1_000
accesslog = "-"
