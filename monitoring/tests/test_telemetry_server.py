"""The telemetry endpoint behind the production web server (gunicorn): what Django's test client
cannot show, because it never frames a body as a real server hands it over."""

import contextlib
import http.client
import json
import logging
import socket

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from gunicorn.config import Config
from gunicorn.glogging import Logger
from gunicorn.workers.sync import SyncWorker

from anjian.wsgi import application
from monitoring.conftest import at
from monitoring.models import Reading

URL = "/api/v1/telemetry"


@contextlib.contextmanager
def _same_database_connection():
    # A real server closes stale connections around each request; here the request runs in the
    # test's own transaction, so (as Django's test client does) it must keep that connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def gunicorn_post():
    """post(path, chunks, headers): one request over TCP with http.client, framed as chunked
    transfer encoding, parsed and answered by gunicorn's sync worker running Django (in this
    thread, so it sees the test's data)."""
    config = Config()
    worker = SyncWorker(0, 0, [], None, 30, config, Logger(config))
    worker.wsgi = application
    logging.getLogger("gunicorn.error").setLevel(logging.CRITICAL)

    def post(path, chunks, headers):
        with socket.create_server(("127.0.0.1", 0)) as listener:
            host, port = listener.getsockname()
            connection = http.client.HTTPConnection(host, port, timeout=10)
            connection.connect()
            peer, address = listener.accept()
            connection.request(
                "POST", path, body=iter(chunks), headers=headers, encode_chunked=True
            )
            with _same_database_connection():
                worker.handle(listener, peer, address)
            response = connection.getresponse()
            body = response.read()
            connection.close()
            return response.status, json.loads(body)

    return post


def _chunks(body: bytes, size: int = 1000) -> list[bytes]:
    return [body[i : i + size] for i in range(0, len(body), size)]


def _headers(gateway) -> dict:
    # No Content-Length: http.client sends Transfer-Encoding: chunked.
    return {"Authorization": f"Bearer {gateway.token}", "Content-Type": "application/json"}


@pytest.mark.django_db
def test_a_chunked_body_is_read(gunicorn_post, gateway_a, points_a, now):
    readings = [{"point": "dp1", "ts": at(now, -i), "value": 900 + i} for i in range(200)]
    body = json.dumps({"readings": readings}).encode()
    status, answer = gunicorn_post(URL, _chunks(body), _headers(gateway_a))
    assert status == 200, answer
    assert answer["accepted"] == 200
    assert Reading.objects.count() == 200


@pytest.mark.django_db
@override_settings(TELEMETRY_MAX_BYTES=2000)
def test_a_chunked_body_over_the_cap_is_413(gunicorn_post, gateway_a, points_a, now):
    readings = [{"point": "dp1", "ts": at(now, -i), "value": 900} for i in range(100)]
    body = json.dumps({"readings": readings}).encode()
    status, answer = gunicorn_post(URL, _chunks(body, 500), _headers(gateway_a))
    assert status == 413
    assert "字节" in answer["detail"]
    assert Reading.objects.count() == 0
