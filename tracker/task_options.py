"""Celery options shared by the daily housekeeping tasks (retention, partitions)."""

# A run may take long (its first day, a month's rows checked against their seals); each step commits
# on its own and the task is idempotent, so a run cut short is carried on the next day. A broken
# connection is retried a few times first.
DAILY_HOUSEKEEPING = {
    "ignore_result": True,
    "soft_time_limit": 3600,
    "time_limit": 3900,
    "autoretry_for": (ConnectionError,),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 3,
}
