"""A task worker of the scale-out test (deploy/scaleout/run.py starts two):
`manage.py run_huey` whose queue reads keep a ledger in Redis, so the test can read what a worker
it killed had taken and not finished.

    python deploy/scaleout/task_worker.py <worker name>     (REDIS_URL and the rest in the env)

huey pops a task off its Redis list (BRPOP) and holds it in memory only: SIGKILL loses it. Here
the pop is a BRPOPLPUSH instead, which moves the task, in one Redis command, from the queue onto
the list `scaleout.held.<name>`; when huey's execute() returns (done, failed or put back), the
task leaves that list and the hash `scaleout.done.<name>` counts it by task name, adding an
integer result to `<task name>:value` (deliver_events: events it announced; deliver_pending: events
the outbox sweep recovered). After a SIGKILL the held list is frozen: exactly the tasks the
worker had taken and not finished. The production workers run `manage.py run_huey` unchanged.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def held_key(name: str) -> str:
    return f"scaleout.held.{name}"


def done_key(name: str) -> str:
    return f"scaleout.done.{name}"


def install_ledger(huey, name: str) -> None:
    """Make `huey` (a RedisHuey) keep the ledger of worker `name` (see the module's text)."""
    storage = huey.storage
    conn = storage.conn
    held, done = held_key(name), done_key(name)
    taken: dict[str, bytes] = {}  # task id -> its bytes on the held list
    execute = huey.execute

    def dequeue():
        data = conn.brpoplpush(storage.queue_key, held, timeout=storage.read_timeout)
        if data is None:
            return None
        task = huey.deserialize_task(data)
        taken[task.id] = data
        return task

    def execute_and_note(task, timestamp=None):
        value = None
        try:
            value = execute(task, timestamp)
            return value
        finally:
            with conn.pipeline() as pipe:  # MULTI: never seen both held and counted
                if (data := taken.pop(task.id, None)) is not None:
                    pipe.lrem(held, 1, data)
                pipe.hincrby(done, task.name, 1)
                if isinstance(value, int) and not isinstance(value, bool):
                    pipe.hincrby(done, f"{task.name}:value", value)
                pipe.execute()

    huey.dequeue = dequeue
    huey.execute = execute_and_note


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit("用法：task_worker.py <任务进程名>")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anjian.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from huey import RedisHuey
    from huey.contrib.djhuey import HUEY

    if not isinstance(HUEY, RedisHuey):
        raise SystemExit("扩展测试的任务进程需要 REDIS_URL")
    install_ledger(HUEY, argv[0])
    call_command("run_huey", "--quiet")


if __name__ == "__main__":
    main(sys.argv[1:])
