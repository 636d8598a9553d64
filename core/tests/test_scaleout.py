"""The scale-out test's own parts (deploy/scaleout/run.py; the run itself, minutes long, is
`make scaleout`): the nginx configuration it generates is one nginx accepts, with failover for
idempotent requests and for the telemetry, which goes to the gateway servers; a 5xx counts as
allowed only if it was in flight on a killed server (the app server or the gateway server); the
readings' values."""

import importlib.util
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

HERE = Path(settings.BASE_DIR) / "deploy" / "scaleout"


def _module(name):
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    spec = importlib.util.spec_from_file_location(f"scaleout_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_nginx_configuration_fails_over_and_nginx_accepts_it(tmp_path):
    run = _module("run")
    config = run.nginx_config(tmp_path / "nginx", 18080, [18081, 18082], [18091, 18092])
    text = config.read_text()
    assert "listen 127.0.0.1:18080;" in text
    pages, gateways = text.split("upstream anjian_gateways")
    assert "server 127.0.0.1:18081" in pages and "server 127.0.0.1:18082" in pages
    assert "server 127.0.0.1:18091" in gateways and "server 127.0.0.1:18092" in gateways
    assert "1809" not in pages and "1808" not in gateways.split("server {")[0]
    assert "proxy_next_upstream error timeout;" in text
    # Telemetry goes to the gateway servers, as in production, and alone is retried on the
    # other server after it reached a dead one.
    telemetry = text.split("location = /api/v1/telemetry")[1]
    assert "proxy_pass http://anjian_gateways;" in telemetry
    assert text.count("non_idempotent") == 1 and "non_idempotent" in telemetry
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not nginx:
        pytest.skip("nginx is not installed (make scaleout-deps)")
    checked = subprocess.run(  # noqa: S603 (a fixed command)
        [nginx, "-t", "-p", str(tmp_path / "nginx"), "-c", str(config)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr


def test_only_5xx_in_flight_on_a_killed_server_are_allowed(tmp_path):
    run = _module("run")
    killed_at = 1_000_000.0
    lines = [
        # end, took, status, upstreams: in flight on the killed server when it died
        (killed_at + 0.01, 0.30, 502, "127.0.0.1:9001"),
        # tried the killed server after its death, answered by the other: a 200
        (killed_at + 2.00, 0.05, 200, "127.0.0.1:9001, 127.0.0.1:9002"),
        # a 5xx of the surviving server: not allowed
        (killed_at + 3.00, 0.05, 500, "127.0.0.1:9002"),
        # a 5xx of the killed server that began after its death: not allowed
        (killed_at + 4.00, 0.05, 502, "127.0.0.1:9001"),
        # in flight on the killed gateway server when it died
        (killed_at + 0.02, 0.10, 502, "127.0.0.1:9101"),
    ]
    log = tmp_path / "access.log"
    log.write_text(
        "".join(
            f'{end:.3f} {took:.3f} {status} "{up}" "-" POST /api/v1/hazards\n'
            for end, took, status, up in lines
        )
    )
    requests = [["1.0", "page", "200", "12.0"], ["2.0", "api-write", "502", "300.0"]]
    killed = [9001, 9101]
    result = run.check_5xx(log, requests, {"at": killed_at}, killed)
    assert (result["in_flight"], result["other"], result["unanswered"]) == (2, 2, 0)
    assert not result["ok"]
    assert len(result["listed"]) == 4
    # Had the gateway server not been killed, its 502 would not be allowed.
    assert run.check_5xx(log, requests, {"at": killed_at}, [9001])["other"] == 3
    clean = tmp_path / "clean.log"
    first, *_, last = log.read_text().splitlines()
    clean.write_text(f"{first}\n{last}\n")
    assert run.check_5xx(clean, requests, {"at": killed_at}, killed)["ok"]
    assert not run.check_5xx(clean, [["1.0", "page", "0", "5.0"]], {"at": killed_at}, killed)["ok"]


def test_the_telemetry_must_be_answered_by_the_gateway_servers(tmp_path):
    run = _module("run")
    lines = [
        (200, "127.0.0.1:9101", "/api/v1/telemetry"),
        # the killed gateway server tried first, the other answered
        (200, "127.0.0.1:9101, 127.0.0.1:9102", "/api/v1/telemetry"),
        (200, "127.0.0.1:9001", "/api/v1/hazards"),  # not telemetry: not counted
    ]
    log = tmp_path / "access.log"

    def routes(rows):
        log.write_text(
            "".join(f'1000.000 0.010 {status} "{up}" "-" POST {uri}\n' for status, up, uri in rows)
        )
        return run.telemetry_routes(log, [9101, 9102])

    assert routes(lines) == {"gateway": 2, "ok": True}
    wrong = routes([*lines, (200, "127.0.0.1:9102, 127.0.0.1:9001", "/api/v1/telemetry")])
    assert (wrong["gateway"], wrong["other"], wrong["ok"]) == (2, 1, False)
    assert not routes([])["ok"]  # no telemetry at all proves nothing


def test_readings_breach_once_a_cycle():
    values = _module("values")
    rng = random.Random(1)
    spark = {"normal": False, "noise": None, "breach": True, "cycle": 60, "phase": 7}
    sent = [values.value(spark, step, rng) for step in range(120)]
    assert [n for n, v in enumerate(sent) if v] == [7, 67]
    level = {"normal": 30.0, "noise": 0.5, "breach": None, "cycle": 60, "phase": 0}
    assert all(29.5 <= values.value(level, step, rng) <= 30.5 for step in range(50))


@pytest.fixture
def redis_url(tmp_path):
    """A redis-server of its own on a free port (the one the scale-out test starts too)."""
    server = shutil.which("redis-server")
    if not server:
        pytest.skip("redis-server is not installed (make scaleout-deps)")
    run = _module("run")
    port = run.free_port()
    process = subprocess.Popen(  # noqa: S603 (a fixed command)
        [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--dir", tmp_path],
        stdout=subprocess.DEVNULL,
    )
    try:
        run.wait_port(port, process, "Redis ")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


def test_task_worker_ledger_keeps_what_a_killed_worker_held(redis_url):
    from huey import RedisHuey

    worker, run = _module("task_worker"), _module("run")
    huey = RedisHuey("scaleout-ledger", url=redis_url)

    @huey.task()
    def deliver_events(label, event_ids):
        return len(event_ids)

    worker.install_ledger(huey, "1")
    deliver_events("hazards.HazardEvent", [1, 2, 3])
    deliver_events("monitoring.AlarmEvent", [7])
    # Taken off the queue: on the held list until execute() returns.
    first = huey.dequeue()
    assert huey.storage.queue_size() == 1
    assert run.held(huey, "1") == [("deliver_events", ("hazards.HazardEvent", [1, 2, 3]))]
    huey.execute(first)
    assert run.held(huey, "1") == []
    assert run.done(huey, "1") == {"deliver_events": 1, "deliver_events:value": 3}
    # Taken, then the worker dies (SIGKILL: execute never returns): the task stays held.
    huey.dequeue()
    assert huey.storage.queue_size() == 0
    tasks = run.held(huey, "1")
    assert tasks == [("deliver_events", ("monitoring.AlarmEvent", [7]))]
    assert run.held_events(tasks) == {"monitoring.AlarmEvent": {7}}
    assert huey.dequeue() is None  # an empty queue: a read times out, nothing held
    assert len(run.held(huey, "1")) == 1
    # A task this process never imported (run.py does not load every app's tasks) still reads.
    from huey.registry import Message

    other = Message("x", "grading.tasks.regrade", *[None] * 4, (7,), {}, *[None] * 7)
    huey.storage.conn.lpush(worker.held_key("1"), huey.serializer.serialize(other))
    assert run.held(huey, "1")[0] == ("regrade", (7,))


def _tasks(held, held_unannounced, *, left=None, by_sweep=0, caught=True):
    run = _module("run")
    at_kill = {
        "held": held,
        "held_events": 3,
        "held_unannounced": held_unannounced,
        "pending": 5,
        "queued": 2,
        "done_1": {},
        "done_2": {},
        "caught": caught,
        "burst": {201: 38, 502: 2},
    }
    left = left or {}
    return {
        "recorded": 40,
        "left": left,
        "pending": {label: len(ids) for label, ids in left.items()},
        "sweeps": 1,
        "ok": not left,
        "at_kill": at_kill,
        "by_tasks": 30,
        "by_sweep": by_sweep,
        "sweeps_run": 1,
        "held_left": run.count_ids(run.common(held_unannounced, left)),
    }, run


def test_task_check_reports_the_recovery_of_what_the_killed_worker_held():
    lost = {"hazards.HazardEvent": {11, 12}}
    tasks, run = _tasks({"deliver_events": 2}, lost, by_sweep=3)
    ok, text = run.task_check(tasks)
    assert ok
    assert "持有 2 个任务（deliver_events 2）" in text and "未通知 2 条" in text
    assert "补回 3 条" in text
    notes = run.task_notes(tasks)
    assert any("2 条未通知事件的任务随它丢失，由补发扫描补回" in note for note in notes)
    assert any("另补回 1 条" in note for note in notes)
    assert any("201: 38, 502: 2" in note for note in notes)
    # One of the held events never announced: FAIL.
    tasks, run = _tasks({"deliver_events": 2}, lost, left={"hazards.HazardEvent": {12}})
    ok, text = run.task_check(tasks)
    assert not ok and "排空后仍未通知 1 条" in text


def test_task_check_says_when_the_recovery_path_was_not_exercised():
    tasks, run = _tasks({}, {}, caught=False)
    ok, _ = run.task_check(tasks)
    assert ok
    notes = run.task_notes(tasks)
    assert any("未见任务进程 1 持有通知任务" in note for note in notes)
    assert any("补发路径未经检验" in note for note in notes)
    tasks, run = _tasks({"deliver_events": 1, "regrade": 1}, {})
    notes = run.task_notes(tasks)
    assert any("没有未通知的事件" in note for note in notes)
    assert any("还持有 regrade 1 个，不在本检查内（评级" in note for note in notes)
    # Events left unannounced that the killed worker never held still fail the check.
    tasks, run = _tasks({}, {}, left={"monitoring.AlarmEvent": {3}})
    assert not run.task_check(tasks)[0]
