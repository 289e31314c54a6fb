from typing import Any

from django.conf import settings
from django.db import connection


def health_check() -> dict[str, Any]:
    """The state of each part the API depends on, and `status` for the whole."""
    checks = {"database": _database_state()}
    checks["celery"] = "eager" if settings.CELERY_TASK_ALWAYS_EAGER else "broker"
    ok = checks["database"] == "ok"
    return {"status": "ok" if ok else "error", **checks}


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any failure means the database is not usable
        return "error"
    return "ok"
