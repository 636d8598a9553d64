"""The gateways' lean HTTP path: telemetry served without the middleware (core.lean), the
token remembered per process and checked again as readings are stored, and the requests of a
process stored together while they wait on each other (monitoring.group_commit)."""

import io
import json
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import OperationalError, connection

from anjian.wsgi import application
from monitoring import services
from monitoring.api import group_commit
from monitoring.conftest import at
from monitoring.group_commit import GroupCommit
from monitoring.models import Gateway, Reading
from monitoring.tests.test_ingest import post
from monitoring.tests.test_telemetry_server import _same_database_connection

# --- the group commit, alone ------------------------------------------------------------------


def _slow_echo(batches):
    def run(items):
        batches.append(list(items))
        time.sleep(0.02)  # long enough for the other threads to queue behind this batch
        return [f"stored {item}" for item in items]

    return run


def _submit_all(commit, items, sizes=None):
    results, errors = {}, {}

    def one(n):
        try:
            results[n] = commit.submit(items[n], (sizes or {}).get(n, 1))
        except Exception as error:
            errors[n] = error

    threads = [threading.Thread(target=one, args=(n,)) for n in range(len(items))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_waiting_requests_are_stored_together_and_each_gets_its_own_answer():
    batches: list = []
    commit = GroupCommit(_slow_echo(batches), lambda: 100)
    items = [f"m{n}" for n in range(20)]
    results, errors = _submit_all(commit, items)
    assert not errors
    assert results == {n: f"stored m{n}" for n in range(20)}
    assert sorted(item for batch in batches for item in batch) == sorted(items)
    assert len(batches) < 20  # at least some waited and went together
    assert max(len(batch) for batch in batches) > 1


def test_a_request_alone_is_stored_at_once():
    batches: list = []
    commit = GroupCommit(_slow_echo(batches), lambda: 100)
    started = time.perf_counter()
    assert commit.submit("alone") == "stored alone"
    assert batches == [["alone"]]
    assert time.perf_counter() - started < 0.5  # no window to wait out


def test_a_batch_holds_at_most_the_cap():
    batches: list = []
    commit = GroupCommit(_slow_echo(batches), lambda: 50)
    results, errors = _submit_all(commit, list(range(12)), {n: 20 for n in range(12)})
    assert not errors and len(results) == 12
    assert all(len(batch) <= 2 for batch in batches)  # 2 × 20 readings fit in 50, 3 do not


def test_a_failing_request_fails_alone():
    def run(items):
        time.sleep(0.02)
        if "poison" in items:
            raise ValueError("bad")
        return [f"stored {item}" for item in items]

    commit = GroupCommit(run, lambda: 100)
    items = ["a", "b", "poison", "c", "d", "e"]
    results, errors = _submit_all(commit, items)
    assert set(errors) == {2}
    assert isinstance(errors[2], ValueError)
    assert results == {n: f"stored {item}" for n, item in enumerate(items) if n != 2}


def test_a_database_away_fails_the_whole_batch_as_unavailable():
    calls = []

    def run(items):
        calls.append(list(items))
        raise OperationalError("connection refused")

    commit = GroupCommit(run, lambda: 100)
    with pytest.raises(OperationalError):
        commit.submit("a")
    assert calls == [["a"]]  # not tried again alone: a database away is away for each


# --- the endpoint -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_gateway_switched_off_is_refused_at_once_though_its_token_is_remembered(
    client, gateway_a, points_a, now
):
    first = post(client, gateway_a, {"readings": [{"point": "dp1", "ts": at(now), "value": 900}]})
    assert first.status_code == 200
    Gateway.objects.filter(pk=gateway_a.pk).update(active=False, last_seen_at=None)
    later = {"readings": [{"point": "dp1", "ts": at(now, 10), "value": 901}]}
    response = post(client, gateway_a, later)
    assert response.status_code == 401
    assert "令牌" in response.json()["detail"]
    assert Reading.objects.count() == 1
    assert Gateway.objects.get(pk=gateway_a.pk).last_seen_at is None


@pytest.mark.django_db
def test_a_rotated_token_holds_for_its_grace_period_then_is_refused_at_once(
    client, users, gateway_a, points_a, now
):
    from accounts.roles import Role

    old = gateway_a.token
    assert post(client, gateway_a, {"readings": [{"point": "dp1", "ts": at(now), "value": 900}]})
    services.rotate_token(users[Role.COUNTY_ADMIN], gateway_a.pk)
    grace = {"readings": [{"point": "dp1", "ts": at(now, 10), "value": 901}]}
    assert post(client, gateway_a, grace, token=old).status_code == 200  # within the grace
    # The grace is cut short (as a second rotation does): the remembered token no longer opens.
    Gateway.objects.filter(pk=gateway_a.pk).update(previous_token_until=now - timedelta(hours=1))
    late = {"readings": [{"point": "dp1", "ts": at(now, 20), "value": 902}]}
    assert post(client, gateway_a, late, token=old).status_code == 401
    assert Reading.objects.count() == 2


@pytest.mark.django_db
def test_a_token_far_longer_than_any_given_is_refused_without_a_lookup(
    client, gateway_a, points_a, now, django_assert_num_queries
):
    body = {"readings": [{"point": "dp1", "ts": at(now), "value": 900}]}
    long = gateway_a.token + "x" * (Gateway.TOKEN_MAX_LENGTH - len(gateway_a.token) + 1)
    with django_assert_num_queries(0):
        assert services.gateway_for_token(long) is None
        assert services.gateway_for_token(long, cached=True) is None
        assert services.remembered_gateway(long) is None
    response = post(client, gateway_a, body, token="gw_" + "a" * 100_000)
    assert response.status_code == 401
    assert Reading.objects.count() == 0
    # The longest a token may be is well above what set_new_token gives.
    assert len(gateway_a.token) * 2 < Gateway.TOKEN_MAX_LENGTH


@pytest.mark.django_db
def test_the_token_is_looked_up_once_per_cache_period(
    client, gateway_a, points_a, now, django_assert_max_num_queries
):
    body = {"readings": [{"point": "dp1", "ts": at(now), "value": 900}]}
    assert post(client, gateway_a, body).status_code == 200
    lookups = []

    def count(execute, sql, params, many, context):
        # gateway_for_token's query (not the lock query, nor the MQTT worker's IN lookup)
        if "previous_token_until" in sql and "FOR UPDATE" not in sql and "IN (" not in sql:
            lookups.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        body = {"readings": [{"point": "dp1", "ts": at(now, 10), "value": 901}]}
        assert post(client, gateway_a, body).status_code == 200
    assert lookups == []


def _environ(path, body=b"", host="127.0.0.1", token=""):
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": host,
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def _call(environ):
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = int(status.split()[0]), dict(headers)

    body = b"".join(application(environ, start_response))
    return answer["status"], answer["headers"], body


@pytest.fixture
def same_connection():
    with _same_database_connection():
        yield


@pytest.mark.django_db
def test_telemetry_goes_around_the_middleware_and_the_pages_through_it(
    same_connection, gateway_a, points_a, now
):
    body = json.dumps({"readings": [{"point": "dp1", "ts": at(now), "value": 900}]}).encode()
    status, headers, answer = _call(_environ("/api/v1/telemetry", body, token=gateway_a.token))
    assert status == 200, answer
    assert json.loads(answer)["accepted"] == 1
    # None of the page middleware ran: no CSP, frame or session headers, no cookie.
    assert not {"Content-Security-Policy", "X-Frame-Options", "Vary", "Set-Cookie"} & set(headers)
    # A page through the same application still gets them all.
    status, headers, _ = _call(_environ("/api/v1/alarms") | {"REQUEST_METHOD": "GET"})
    assert status == 401
    assert "X-Frame-Options" in headers and "Content-Security-Policy" in headers


@pytest.mark.django_db
def test_the_lean_path_still_checks_the_host(same_connection, gateway_a, points_a, now):
    body = json.dumps({"readings": [{"point": "dp1", "ts": at(now), "value": 900}]}).encode()
    status, _, _ = _call(
        _environ("/api/v1/telemetry", body, host="evil.example", token=gateway_a.token)
    )
    assert status == 400
    assert Reading.objects.count() == 0


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="concurrent writers on the in-memory SQLite test database lock each other out",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_of_many_gateways_are_all_stored_in_fewer_transactions(
    enterprise_a, now
):
    from monitoring.conftest import gateways_with_points

    gateways = gateways_with_points(enterprise_a, 8, 5)
    batches_before, items_before = group_commit.batches, group_commit.items
    answers, errors = [], []

    def gateway_polls(gateway):
        try:
            found = services.gateway_for_token(gateway.token, cached=True)
            digest = Gateway.hash_token(gateway.token)
            for step in range(10):
                readings = [
                    {"point": f"dp{k}", "ts": at(now, -600 + 10 * step), "value": 900 + k}
                    for k in range(5)
                ]
                answers.append(group_commit.submit((found, readings, digest), len(readings)))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=gateway_polls, args=(g,)) for g in gateways]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(answers) == 80
    assert all(answer.accepted == 5 and not answer.revoked for answer in answers)
    assert Reading.objects.count() == 400
    assert group_commit.items - items_before == 80
    assert group_commit.batches - batches_before < 80
