"""REDIS_URL moves the task queue to Redis (anjian/settings.py): the settings load with it and a
task is enqueued in the real Redis this machine runs (CI starts it, .ci/run)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import django
django.setup()
from huey.contrib.djhuey import HUEY
from core.events import deliver_pending
HUEY.flush()
deliver_pending()
print(type(HUEY).__name__, HUEY.pending_count())
HUEY.flush()
"""


def test_redis_url_puts_the_queue_in_redis(tmp_path):
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "TASKS_IMMEDIATE", "SQLITE_NAME"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="anjian.settings",
        ANJIAN_VAR_DIR=str(tmp_path),
        SECRET_KEY="queue-test-secret-key",
        # A database of its own per engine: .ci/run runs the SQLite and PostgreSQL suites at once.
        REDIS_URL=f"redis://127.0.0.1:6379/{14 if os.environ.get('DATABASE_URL') else 15}",
    )
    done = subprocess.run(  # noqa: S603 (our own interpreter and a fixed script)
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["RedisHuey", "1"]
