"""The telemetry envelope is checked in one place (monitoring.envelope): the HTTP endpoint and
the MQTT worker refuse the same bad envelope with the same status and the same reason, worded
for their channel."""

import json

import pytest
from django.conf import settings
from django.test import override_settings

from monitoring import envelope, mqtt
from monitoring.conftest import at
from monitoring.models import Reading


def bodies(token, now):
    """{case: (HTTP body, MQTT payload)}: the same envelope over each way in."""
    reading = {"point": "dp1", "ts": at(now), "value": 900}

    def both(body):
        http = body if isinstance(body, bytes) else json.dumps(body).encode()
        if isinstance(body, dict):
            return http, json.dumps({"token": token, **body}).encode()
        return http, http

    return {
        "too large": both({"readings": [reading], "pad": "x" * 2000}),
        "malformed": both(b'{"readings": '),
        "not an object": both(b"[1, 2]"),
        "no readings": both({"readings": "dp1"}),
        "too many": both({"readings": [reading] * 3}),
    }


EXPECTED = {
    "too large": (413, "message too large"),
    "malformed": (422, "malformed JSON"),
    "not an object": (422, "not an object"),
    "no readings": (422, "no readings array"),
    "too many": (413, "too many readings"),
}


@pytest.mark.django_db
@override_settings(TELEMETRY_MAX_READINGS=2, TELEMETRY_MAX_BYTES=2000)
@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_http_and_mqtt_refuse_an_envelope_alike(client, gateway_a, points_a, now, case):
    http_body, mqtt_payload = bodies(gateway_a.token, now)[case]
    status, code = EXPECTED[case]
    with pytest.raises(envelope.Refused) as refused:
        body = envelope.load(http_body, envelope.HTTP)
        envelope.readings(body, envelope.HTTP)
    assert (refused.value.status, refused.value.code) == (status, code)

    response = client.post(
        "/api/v1/telemetry",
        data=http_body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {gateway_a.token}"},
    )
    assert response.status_code == status
    if case != "not an object":  # the API's own gate answers that one first (anjian/api.py)
        assert response.json()["detail"] == refused.value.reason

    handled = mqtt.handle(f"{settings.MQTT_TOPIC_PREFIX}/{gateway_a.code}", mqtt_payload)
    assert handled.status == status
    # The same reason, its noun the channel's (消息 for 请求体), and the code after it.
    expected = refused.value.reason.replace("请求体", "消息").replace("每次请求", "每条消息")
    assert handled.error.startswith(expected.split("，")[0])
    assert handled.error.endswith(f"（{code}）")
    assert Reading.objects.count() == 0
