"""The gateways' own HTTP server (monitoring.gateway_server under uvicorn): the page server's
answers for POST /api/v1/telemetry, over a real socket, and the queue that stores the waiting
requests of a process together."""

import asyncio
import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime

import pytest
import uvicorn
from django.conf import settings
from django.db import OperationalError

from monitoring import services
from monitoring.conftest import at, gateways_with_points
from monitoring.gateway_server import GatewayServer, Queue
from monitoring.ingest import sqlite_stamp
from monitoring.models import Gateway, Reading
from monitoring.tests.test_mqtt import SharedDatabase

URL = "/api/v1/telemetry"


@pytest.fixture
def server():
    """A GatewayServer under uvicorn (httptools, as deployed) on a free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = GatewayServer()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, http="httptools", lifespan="on", log_level="warning"
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    app.port = port
    yield app
    running.should_exit = True
    thread.join(10)


def _post(port, body, token="", host="127.0.0.1", path=URL, method="POST", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    sent = {"Host": host, "Content-Type": "application/json", **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    data = body if isinstance(body, bytes | None) else json.dumps(body).encode()
    conn.request(method, path, data, sent)
    response = conn.getresponse()
    answer = response.status, json.loads(response.read()), dict(response.getheaders())
    conn.close()
    return answer


@pytest.mark.django_db(transaction=True)
def test_telemetry_is_stored_and_refused_as_on_the_page_server(server, gateway_a, points_a, now):
    port, token = server.port, gateway_a.token
    readings = [
        {"point": "dp1", "ts": at(now), "value": 900},
        {"point": "nope", "ts": at(now), "value": 1},
    ]
    status, answer, headers = _post(port, {"readings": readings}, token)
    assert status == 200, answer
    assert answer["accepted"] == 1 and answer["rejected"] == 1
    assert answer["errors"][0]["point"] == "nope"
    assert headers["content-type"].startswith("application/json")
    assert Reading.objects.count() == 1
    # Sent again: a duplicate, stored once.
    assert _post(port, {"readings": readings[:1]}, token)[1]["duplicate"] == 1

    status, answer, headers = _post(port, {"readings": readings}, "gw_wrong")
    assert (status, answer["detail"]) == (401, "未认证：请提供有效的网关令牌")
    assert headers["www-authenticate"] == "Bearer"
    assert _post(port, {"readings": readings})[0] == 401  # no token at all
    assert _post(port, {"readings": readings}, "gw_" + "a" * 60_000)[0] == 401  # far too long
    assert _post(port, {"readings": []}, token, host="evil.example")[0] == 400
    assert _post(port, {"readings": []}, token, host="")[0] == 400
    assert _post(port, {"readings": []}, token, host=f"127.0.0.1:{port}")[0] == 200  # with a port
    assert _post(port, None, token, path="/api/v1/alarms", method="GET")[0] == 404
    status, _, headers = _post(port, None, token, method="GET")
    assert (status, headers["allow"]) == (405, "POST")
    status, answer, _ = _post(port, b"{not json", token)
    assert (status, answer["detail"]) == (422, "请求体不是有效的 JSON")
    assert _post(port, [1, 2], token)[0] == 422
    status, answer, _ = _post(port, {"readings": {}}, token)
    assert (status, answer["detail"]) == (422, "请求体须含数组 readings")
    assert Reading.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_body_past_the_limit_is_refused_declared_or_chunked(server, gateway_a, settings):
    settings.TELEMETRY_MAX_BYTES = 100
    big = json.dumps({"readings": [{"point": "dp1", "ts": "x", "value": 1}] * 10}).encode()
    status, answer, _ = _post(server.port, big, gateway_a.token)
    assert status == 413 and "100 字节" in answer["detail"]
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    chunks = (big[n : n + 30] for n in range(0, len(big), 30))
    conn.request(
        "POST",
        URL,
        chunks,
        {"Host": "127.0.0.1", "Authorization": f"Bearer {gateway_a.token}"},
        encode_chunked=True,
    )
    response = conn.getresponse()
    assert response.status == 413
    conn.close()


@pytest.mark.django_db(transaction=True)
def test_a_database_away_is_a_503_to_resend_later(server, gateway_a, points_a, now):
    def away(items):
        raise OperationalError("connection refused")

    server.queue._store = away
    body = {"readings": [{"point": "dp1", "ts": at(now), "value": 900}]}
    status, answer, headers = _post(server.port, body, gateway_a.token)
    assert (status, answer["detail"]) == (503, "数据库暂时不可用，请稍后重试")
    assert headers["retry-after"] == "30"
    assert Reading.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_gateway_switched_off_is_refused_at_once_though_its_token_is_remembered(
    server, gateway_a, points_a, now
):
    body = {"readings": [{"point": "dp1", "ts": at(now), "value": 900}]}
    assert _post(server.port, body, gateway_a.token)[0] == 200
    Gateway.objects.filter(pk=gateway_a.pk).update(active=False)
    later = {"readings": [{"point": "dp1", "ts": at(now, 10), "value": 901}]}
    assert _post(server.port, later, gateway_a.token)[0] == 401
    assert Reading.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_many_gateways_at_once_are_stored_in_fewer_batches_each_with_its_own_answer(
    server, enterprise_a, now
):
    gateways = gateways_with_points(enterprise_a, 8, 5)
    answers, errors = [], []
    # The tokens remembered first: the test's SQLite database is in memory with a shared cache,
    # where a token lookup reading the gateways while the batch thread writes them is refused
    # at once ("table is locked") instead of waiting, as no file database does.
    for gateway in gateways:
        assert services.gateway_for_token(gateway.token, cached=True) == gateway

    def polls(gateway):
        for step in range(10):
            readings = [
                {"point": f"dp{k}", "ts": at(now, -600 + 10 * step), "value": 900 + k}
                for k in range(5)
            ]
            status, answer, _ = _post(server.port, {"readings": readings}, gateway.token)
            (answers if status == 200 else errors).append(answer)

    threads = [threading.Thread(target=polls, args=(g,)) for g in gateways]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(answers) == 80 and all(a["accepted"] == 5 for a in answers)
    assert Reading.objects.count() == 400
    assert server.queue.items == 80
    assert server.queue.batches < 80


# --- the queue alone --------------------------------------------------------------------------


def _queue(run, most=100):
    return Queue(run, lambda: most)


def _submit_all(queue, items, sizes=None, first_alone=False):
    """Submit all the items at once (or the first, then the rest while it is being stored)."""

    async def go():
        submits = [queue.submit(item, (sizes or {}).get(n, 1)) for n, item in enumerate(items)]
        first = []
        if first_alone:
            first = [asyncio.ensure_future(submits.pop(0))]
            await asyncio.sleep(0.005)
        return await asyncio.gather(*first, *submits, return_exceptions=True)

    try:
        return asyncio.run(go())
    finally:
        queue.database.shutdown()


def _slow(batches, fail=None):
    def run(items):
        batches.append(list(items))
        time.sleep(0.02)
        if fail is not None:
            fail(items)
        return [f"stored {item}" for item in items]

    return run


def test_the_queue_stores_what_waits_together_and_answers_each_its_own():
    batches: list = []
    items = [f"m{n}" for n in range(20)]
    results = _submit_all(_queue(_slow(batches)), items, first_alone=True)
    assert results == [f"stored m{n}" for n in range(20)]
    assert batches[0] == ["m0"]  # the first alone, at once; the rest waited behind it
    assert batches[1] == [f"m{n}" for n in range(1, 20)]


def test_a_batch_holds_at_most_the_cap_in_arrival_order():
    batches: list = []
    _submit_all(_queue(_slow(batches), most=50), list(range(7)), {n: 20 for n in range(7)})
    assert batches == [[0, 1], [2, 3], [4, 5], [6]]  # 2 × 20 readings fit in 50, 3 do not


def test_a_poison_item_fails_alone():
    def fail(items):
        if "poison" in items:
            raise ValueError("bad")

    results = _submit_all(_queue(_slow([], fail)), ["a", "poison", "c"])
    assert results[0] == "stored a" and results[2] == "stored c"
    assert isinstance(results[1], ValueError)


def test_a_database_away_fails_the_whole_batch():
    def fail(items):
        raise OperationalError("connection refused")

    results = _submit_all(_queue(_slow([], fail)), ["a", "b", "c"])
    assert all(isinstance(result, OperationalError) for result in results)


# --- killed mid-stream ------------------------------------------------------------------------


class _ServerProcess:
    """uvicorn with anjian/gateway.py in a process group of its own, as deployed."""

    def __init__(self, db, log):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = subprocess.Popen(  # noqa: S603 (our own server)
            [
                sys.executable,
                *("-m", "uvicorn", "anjian.gateway:application"),
                *("--host", "127.0.0.1", "--port", str(self.port), "--workers", "2"),
                *("--loop", "uvloop", "--http", "httptools", "--no-access-log"),
            ],
            cwd=settings.BASE_DIR,
            env={**db.env, "ALLOWED_HOSTS": "127.0.0.1"},
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if _post(self.port, {"readings": []})[0] == 401:
                    break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("uvicorn did not start:\n" + log.read_text(errors="replace"))
            time.sleep(0.1)

    def kill(self):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


@pytest.mark.django_db(transaction=True)
def test_a_server_killed_mid_stream_loses_no_acknowledged_reading(enterprise_a, now, tmp_path):
    db = SharedDatabase(tmp_path)
    gateways = gateways_with_points(enterprise_a, 6, 5, prefix="GW-K")
    db.share()
    server = _ServerProcess(db, tmp_path / "gateway.log")
    acknowledged, unanswered = set(), []
    answered = threading.Semaphore(0)
    lock = threading.Lock()

    def poll(gateway, step):
        return [
            {"point": f"dp{k}", "ts": at(now, -3000 + 10 * step), "value": 900 + k}
            for k in range(5)
        ]

    def sends(gateway, port):
        for step in range(200):
            readings = poll(gateway, step)
            try:
                status, answer, _ = _post(port, {"readings": readings}, gateway.token)
            except (OSError, http.client.HTTPException):
                status, answer = 0, {}
            with lock:
                if status == 200:
                    assert answer["accepted"] + answer["duplicate"] == 5, answer
                    acknowledged.update((gateway.pk, step, k) for k in range(5))
                    answered.release()
                else:
                    unanswered.append((gateway, step))

    try:
        threads = [threading.Thread(target=sends, args=(g, server.port)) for g in gateways]
        for thread in threads:
            thread.start()
        for _ in range(60):  # some requests answered, more in flight: then the server dies
            assert answered.acquire(timeout=30), "no answers from the gateway server"
        server.kill()
        for thread in threads:
            thread.join(60)
        assert unanswered, "the server died after every request was answered"
        stored = {
            (gateway.pk, code): {stamp for stamp, _ in db.readings(point)}
            for gateway in gateways
            for code, point in ((p.code, p) for p in gateway.made)
        }

        def stamp(step):
            return sqlite_stamp(datetime.fromisoformat(at(now, -3000 + 10 * step)))

        lost = [
            (gk, step, k) for gk, step, k in acknowledged if stamp(step) not in stored[gk, f"dp{k}"]
        ]
        assert lost == []
        # The gateways send again what was not answered: stored, each reading once.
        again = _ServerProcess(db, tmp_path / "gateway.log")
        try:
            for gateway, step in unanswered:
                status, answer, _ = _post(
                    again.port, {"readings": poll(gateway, step)}, gateway.token
                )
                assert status == 200 and answer["accepted"] + answer["duplicate"] == 5
        finally:
            again.kill()
        for gateway in gateways:
            for point in gateway.made:
                rows = db.readings(point)
                assert len(rows) == len({stamp for stamp, _ in rows}) == 200
    finally:
        server.kill()
