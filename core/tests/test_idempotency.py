"""API writes safe to resend (core/idempotency.py): the Idempotency-Key header on every POST a
user calls. A resend with the same key and body is answered the first answer without acting; the
same key with another body is a 422; a refusal is not kept; keys expire and are swept; a
concurrent resend waits for the first and never makes a second record; the header is in the
OpenAPI document."""

import json
import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from conftest import bearer
from core import idempotency
from core.models import IdempotencyKey
from hazards import services as hazard_services
from hazards.models import Hazard

URL = "/api/v1/hazards"


def payload(enterprise, description="除尘器泄爆片缺失"):
    return {"enterprise_id": enterprise.pk, "source": "enforcement", "description": description}


def send(client, body, key=None, url=URL):
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def admin_api(users):
    return bearer(users[Role.COUNTY_ADMIN])


def test_a_resend_with_the_same_key_answers_the_first_answer_without_acting(
    admin_api, enterprise_a
):
    first = send(admin_api, payload(enterprise_a), key="8e03978e-40d5-43e8-bc93-6894a57f9324")
    assert first.status_code == 201
    assert idempotency.REPLAYED not in first
    again = send(admin_api, payload(enterprise_a), key="8e03978e-40d5-43e8-bc93-6894a57f9324")
    assert again.status_code == 201
    assert again[idempotency.REPLAYED] == "true"
    assert again.json() == first.json()
    assert Hazard.objects.count() == 1
    row = IdempotencyKey.objects.get()
    assert (row.status, row.method, row.path) == (201, "POST", URL)


def test_the_quoted_form_of_the_draft_is_the_same_key(admin_api, enterprise_a):
    send(admin_api, payload(enterprise_a), key='"abc-1"')
    again = send(admin_api, payload(enterprise_a), key="abc-1")
    assert again[idempotency.REPLAYED] == "true"
    assert Hazard.objects.count() == 1


def test_without_a_key_a_resend_is_a_second_record(admin_api, enterprise_a):
    send(admin_api, payload(enterprise_a))
    send(admin_api, payload(enterprise_a))
    assert Hazard.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_the_same_key_with_another_body_is_a_422_and_changes_nothing(admin_api, enterprise_a):
    send(admin_api, payload(enterprise_a), key="k-1")
    other = send(admin_api, payload(enterprise_a, "安全出口堵塞"), key="k-1")
    assert other.status_code == 422
    assert other.json() == {"detail": idempotency.OTHER_REQUEST}
    assert Hazard.objects.count() == 1
    # On another path too: the key names one request.
    hazard = Hazard.objects.get()
    elsewhere = send(
        admin_api, {"note": "现场核实属实"}, key="k-1", url=f"{URL}/{hazard.pk}/confirm"
    )
    assert elsewhere.status_code == 422
    hazard.refresh_from_db()
    assert hazard.state == "reported"


def test_keys_are_per_user(users, enterprise_a):
    send(bearer(users[Role.COUNTY_ADMIN]), payload(enterprise_a), key="shared")
    other = send(bearer(users[Role.SUPERVISOR]), payload(enterprise_a), key="shared")
    assert other.status_code == 201
    assert idempotency.REPLAYED not in other
    assert Hazard.objects.count() == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "有中文", "a b"])
def test_a_key_that_is_not_one_is_a_422(admin_api, enterprise_a, key):
    response = send(admin_api, payload(enterprise_a), key=key)
    assert response.status_code == 422
    assert response.json() == {"detail": idempotency.INVALID}
    assert not Hazard.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_a_refusal_is_not_kept_so_the_corrected_request_may_use_the_key(
    admin_api, enterprise_a, enterprise_b, far_enterprise
):
    refused = send(admin_api, payload(far_enterprise), key="k-2")
    assert refused.status_code == 404
    assert not IdempotencyKey.objects.exists()
    done = send(admin_api, payload(enterprise_a), key="k-2")
    assert done.status_code == 201
    assert Hazard.objects.count() == 1


def test_without_credentials_nothing_is_kept(enterprise_a):
    response = send(Client(), payload(enterprise_a), key="k-3")
    assert response.status_code == 401
    assert not IdempotencyKey.objects.exists()


def test_an_expired_key_acts_again_and_the_hourly_task_sweeps_it(admin_api, enterprise_a, settings):
    settings.IDEMPOTENCY_KEY_HOURS = 24
    send(admin_api, payload(enterprise_a), key="k-4")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    again = send(admin_api, payload(enterprise_a), key="k-4")
    assert again.status_code == 201
    assert idempotency.REPLAYED not in again
    assert Hazard.objects.count() == 2
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    fresh = send(admin_api, payload(enterprise_a), key="k-5")
    assert fresh.status_code == 201
    from core.ops import prune_ops

    prune_ops.call_local()
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["k-5"]


def test_a_multipart_upload_is_fingerprinted_by_its_fields_and_files(users, enterprise_a):
    """The photo upload endpoints send multipart forms: the digest reads the files, and the
    upload still reaches the endpoint whole."""
    from django.test import RequestFactory

    factory = RequestFactory()

    def digest(content):
        from django.core.files.uploadedfile import SimpleUploadedFile

        request = factory.post(
            URL, {"note": "整改后", "photo": SimpleUploadedFile("a.jpg", content)}
        )
        return idempotency.fingerprint(request)

    assert digest(b"one") == digest(b"one")
    assert digest(b"one") != digest(b"two")


def test_the_header_is_documented_on_user_writes_only(users):
    client = bearer(users[Role.COUNTY_ADMIN])
    document = client.get("/api/v1/openapi.json").json()

    def names(path, method):
        operation = document["paths"][path][method]
        return [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]

    assert names("/api/v1/hazards", "post") == [idempotency.HEADER]
    assert idempotency.HEADER not in names("/api/v1/hazards", "get")
    gateway_writes = [
        path
        for path, item in document["paths"].items()
        if "post" in item and not item["post"].get("security", [{}])
    ]
    for path in gateway_writes:
        assert idempotency.HEADER not in names(path, "post"), path


# --- a concurrent resend ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_resend_waits_for_the_first_and_makes_no_second_record(users, enterprise_a):
    if connection.vendor != "postgresql":
        pytest.skip("the test database of SQLite is one in-memory database shared by threads")
    token_client = bearer(users[Role.COUNTY_ADMIN])
    entered, release = threading.Event(), threading.Event()
    original = hazard_services.report
    calls = []

    def slow_report(*args, **kwargs):
        calls.append(1)
        entered.set()
        assert release.wait(10)
        return original(*args, **kwargs)

    answers = {}

    def resend(name):
        try:
            answers[name] = send(token_client, payload(enterprise_a), key="race-1")
        finally:
            connections.close_all()

    with mock.patch.object(hazard_services, "report", slow_report):
        first = threading.Thread(target=resend, args=("first",))
        first.start()
        assert entered.wait(10)
        second = threading.Thread(target=resend, args=("second",))
        second.start()
        time.sleep(0.5)
        # The second waits on the key's row while the first is inside the endpoint.
        assert second.is_alive()
        release.set()
        first.join(10)
        second.join(10)
    assert answers["first"].status_code == answers["second"].status_code == 201
    assert answers["second"][idempotency.REPLAYED] == "true"
    assert answers["second"].json() == answers["first"].json()
    assert len(calls) == 1
    assert Hazard.objects.count() == 1
