"""The alarm's life (acknowledge, handle, close), the sweeps (offline, escalation, 第十四条
hazards), video events, gateways and tokens, and the alarm API's scope for every role."""

import base64
import io
from datetime import timedelta

import pytest
from django.test import override_settings
from PIL import Image

from accounts.roles import UPPER_ROLES as UPPER
from accounts.roles import Role
from conftest import make_user
from core.models import Notification
from hazards.models import Hazard, Source
from monitoring import services
from monitoring.conftest import at, make_point
from monitoring.ingest import ingest
from monitoring.models import Alarm, AlarmPhoto, AlarmState, Condition, Gateway
from monitoring.tasks import sweep


@pytest.fixture(autouse=True)
def _immediate(immediate_tasks):
    pass


def raise_fault(gateway, now, code="al1"):
    ingest(gateway, [{"point": code, "ts": at(now), "value": True}], now=now)
    return Alarm.objects.get(point__code=code, condition=Condition.FAULT)


def clear_fault(gateway, now, code="al1"):
    ingest(gateway, [{"point": code, "ts": at(now, 1), "value": False}], now=now)


# --- life -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_raising_notifies_the_enterprise_managers(
    users, gateway_a, points_a, now, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        raise_fault(gateway_a, now)
    notified = set(Notification.objects.values_list("recipient__username", flat=True))
    assert notified == {"principal_a", "safety_a"}
    assert "锁气卸灰故障" in Notification.objects.first().title


@pytest.mark.django_db
def test_acknowledge_handle_close(users, gateway_a, points_a, now):
    alarm = raise_fault(gateway_a, now)
    officer, town = users[Role.SAFETY_OFFICER], users[Role.TOWN_SUPERVISOR]
    services.act(officer, alarm.pk, "acknowledge")
    services.act(officer, alarm.pk, "handle", note="更换卸灰阀电机，恢复运行")
    # Handled, but the fault still holds: no close button yet, and no closing.
    alarm.refresh_from_db()
    assert services.available_actions(town, alarm) == []
    with pytest.raises(services.Refused, match="报警条件仍然存在"):
        services.act(town, alarm.pk, "close", note="已核实")
    clear_fault(gateway_a, now)
    alarm.refresh_from_db()
    assert services.available_actions(town, alarm) == ["close"]
    alarm = services.act(town, alarm.pk, "close", note="已核实")
    assert alarm.state == AlarmState.CLOSED
    assert alarm.handling == "更换卸灰阀电机，恢复运行"
    actions = list(alarm.events.values_list("action", "actor__username"))
    assert actions == [
        ("raise", None),
        ("acknowledge", "safety_a"),
        ("handle", "safety_a"),
        ("clear", None),  # 恢复: its condition stopped
        ("close", "town_a_supervisor"),
    ]


@pytest.mark.django_db
def test_refusals_say_why_and_change_nothing(users, gateway_a, points_a, now):
    alarm = raise_fault(gateway_a, now)
    officer, town = users[Role.SAFETY_OFFICER], users[Role.TOWN_SUPERVISOR]
    cases = [
        (users[Role.EMPLOYEE], "acknowledge", "", 403),
        (town, "close", "", 409),  # not handled yet
        (officer, "handle", "  ", 422),  # no account of what was done
    ]
    for user, action, note, status in cases:
        with pytest.raises(services.Refused) as refused:
            services.act(user, alarm.pk, action, note=note)
        assert refused.value.status == status
    services.act(officer, alarm.pk, "handle", note="已处理")
    with pytest.raises(services.Refused) as refused:
        services.act(officer, alarm.pk, "close")
    assert refused.value.status == 403  # the enterprise does not close its own alarms
    with pytest.raises(services.Refused) as refused:
        services.act(town, alarm.pk, "close")
    assert refused.value.status == 409 and "仍然存在" in str(refused.value)
    alarm.refresh_from_db()
    assert alarm.state == AlarmState.HANDLED and alarm.closed_at is None
    assert alarm.events.count() == 2


@pytest.mark.django_db
def test_out_of_scope_alarm_is_not_found(users, outsider, gateway_a, points_a, now):
    alarm = raise_fault(gateway_a, now)
    with pytest.raises(Alarm.DoesNotExist):
        services.act(outsider, alarm.pk, "acknowledge")


# --- sweeps -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_silent_point_goes_offline_once_and_a_reading_clears_it(gateway_a, points_a, now):
    dp = points_a["dp"]
    ingest(gateway_a, [{"point": "dp1", "ts": at(now), "value": 900}], now=now)
    # Interval 60 s, 3 intervals: silent for 3 minutes is not yet offline, past that it is.
    assert services.sweep_offline(now + timedelta(seconds=180)) == 0
    later = now + timedelta(seconds=181)
    raised = services.sweep_offline(later)
    offline = Alarm.objects.filter(condition=Condition.OFFLINE)
    assert offline.filter(point=dp).count() == 1
    # Points that never reported count from their creation; the camera is not swept.
    assert not offline.filter(point=points_a["camera"]).exists()
    assert raised == offline.count()
    services.sweep_offline(later + timedelta(minutes=5))
    assert offline.filter(point=dp).count() == 1  # one alarm while it holds
    ingest(gateway_a, [{"point": "dp1", "ts": at(later), "value": 900}], now=later)
    assert offline.get(point=dp).cleared_at == later


@pytest.mark.django_db
@override_settings(ALARM_ESCALATE_TOWN_MINUTES=30, ALARM_ESCALATE_COUNTY_MINUTES=120)
def test_unacknowledged_alarms_escalate_to_the_town_then_the_county(
    users, gateway_a, points_a, now
):
    alarm = raise_fault(gateway_a, now)
    assert services.sweep_escalation(now + timedelta(minutes=29)) == 0
    assert services.sweep_escalation(now + timedelta(minutes=31)) == 1
    alarm.refresh_from_db()
    assert alarm.escalation == 1
    assert services.sweep_escalation(now + timedelta(minutes=60)) == 0
    assert services.sweep_escalation(now + timedelta(minutes=121)) == 1
    alarm.refresh_from_db()
    assert alarm.escalation == 2
    assert list(alarm.events.values_list("action", flat=True)) == [
        "raise",
        "escalate_town",
        "escalate_county",
    ]
    assert services.sweep_escalation(now + timedelta(days=1)) == 0


@pytest.mark.django_db
def test_escalation_notifies_the_town_then_the_county(
    users, outsider, gateway_a, points_a, now, django_capture_on_commit_callbacks
):
    alarm = raise_fault(gateway_a, now)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.sweep_escalation(now + timedelta(hours=1))
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "town_a_supervisor"
    }
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.sweep_escalation(now + timedelta(hours=3))
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"supervisor"}
    alarm.refresh_from_db()
    assert alarm.escalation == 2


@pytest.mark.django_db
def test_an_acknowledged_alarm_does_not_escalate(users, gateway_a, points_a, now):
    alarm = raise_fault(gateway_a, now)
    services.act(users[Role.SAFETY_OFFICER], alarm.pk, "acknowledge")
    assert services.sweep_escalation(now + timedelta(hours=5)) == 0


@pytest.mark.django_db
@override_settings(DEVICE_FAULT_HAZARD_HOURS=24)
def test_a_device_out_of_order_for_a_day_is_one_major_hazard(users, gateway_a, points_a, now):
    alarm = raise_fault(gateway_a, now)
    assert services.sweep_device_hazards(now + timedelta(hours=23)) == 0
    assert services.sweep_device_hazards(now + timedelta(hours=25)) == 1
    hazard = Hazard.objects.get()
    assert hazard.is_major and hazard.source == Source.MONITORING
    assert (hazard.criterion.article, hazard.criterion.item) == (14, 0)
    assert hazard.enterprise_id == gateway_a.enterprise_id
    assert "锁气卸灰故障" in hazard.description
    alarm.refresh_from_db()
    assert alarm.hazard == hazard
    assert services.sweep_device_hazards(now + timedelta(hours=30)) == 0
    # The device recovers, fails again and stays down: the open hazard is the same one.
    later = now + timedelta(hours=26)
    clear_fault(gateway_a, later)
    raise_fault_again = now + timedelta(hours=27)
    ingest(
        gateway_a,
        [{"point": "al1", "ts": at(raise_fault_again), "value": True}],
        now=raise_fault_again,
    )
    assert services.sweep_device_hazards(now + timedelta(hours=52)) == 0
    assert Hazard.objects.count() == 1
    assert Alarm.objects.filter(hazard=hazard).count() == 2


@pytest.mark.django_db
def test_a_silent_power_meter_is_no_major_hazard(gateway_a, points_a, now):
    services.sweep_offline(now + timedelta(days=2))
    assert Alarm.objects.filter(point=points_a["power"], condition=Condition.OFFLINE).exists()
    services.sweep_device_hazards(now + timedelta(days=4))
    assert not Alarm.objects.filter(point=points_a["power"], hazard__isnull=False).exists()
    # The safety devices that went silent with it are (one hazard for the gateway's outage).
    assert Hazard.objects.get().alarms.count() == 4  # pressure, temperature, airlock, spark


# --- a silent gateway is one outage (issue 10, item 21) ---------------------------------------

SAFETY_DEVICES = [
    "1号除尘器压差",
    "1号除尘器灰斗温度",
    "1号除尘器锁气卸灰故障",
    "1号除尘器火花探测",
]


@pytest.mark.django_db
@override_settings(DEVICE_FAULT_HAZARD_HOURS=24)
def test_a_silent_gateway_is_one_major_hazard_naming_every_device(
    gateway_a, points_a, gateway_b, now
):
    for code, kind in [("co1", "co"), ("nh1", "nh3"), ("gas1", "combustible_gas")]:
        make_point(gateway_a, code, kind, equipment="气体报警")
    # Both gateways fall silent: each is its own outage.
    assert services.sweep_offline(now + timedelta(hours=1)) == 9
    assert services.sweep_device_hazards(now + timedelta(hours=23)) == 0
    assert services.sweep_device_hazards(now + timedelta(hours=25)) == 2
    hazard = Hazard.objects.get(enterprise=gateway_a.enterprise)
    assert hazard.is_major and (hazard.criterion.article, hazard.criterion.item) == (14, 0)
    assert "GW-A" in hazard.description and "7 个" in hazard.description
    for device in [*SAFETY_DEVICES, "气体报警一氧化碳", "气体报警氨气浓度", "气体报警可燃气体"]:
        assert device in hazard.description
    assert hazard.alarms.count() == 7
    assert set(hazard.alarms.values_list("condition", flat=True)) == {Condition.OFFLINE}
    other = Hazard.objects.get(enterprise=gateway_b.enterprise)
    assert other.alarms.get().point.code == "dpb"
    # Later sweeps of the same outage add nothing.
    assert services.sweep_device_hazards(now + timedelta(hours=30)) == 0
    assert Hazard.objects.count() == 2


@pytest.mark.django_db
@override_settings(DEVICE_FAULT_HAZARD_HOURS=24)
def test_a_device_silent_while_its_gateway_reports_is_its_own_hazard(gateway_a, points_a, now):
    later = now + timedelta(hours=2)
    readings = [
        {"point": code, "ts": at(later, -60 * n), "value": value}
        for n in range(5)
        for code, value in [("dp1", 900), ("t1", 30), ("al1", False), ("kw1", 100)]
    ]
    ingest(gateway_a, readings, now=later)  # every device but the spark detector
    services.sweep_offline(later)
    raise_fault(gateway_a, later + timedelta(seconds=30))  # and a fault on the airlock
    assert services.sweep_device_hazards(later + timedelta(hours=25)) == 2
    descriptions = sorted(Hazard.objects.values_list("description", flat=True))
    assert "火花探测监测装置离线" in descriptions[0]
    assert "锁气卸灰故障监测装置设备故障" in descriptions[1]
    assert not any("网关" in d for d in descriptions)


@pytest.mark.django_db
@override_settings(DEVICE_FAULT_HAZARD_HOURS=24)
def test_a_device_with_an_open_hazard_keeps_it_through_an_outage(gateway_a, points_a, now):
    raise_fault(gateway_a, now)
    services.sweep_device_hazards(now + timedelta(hours=25))
    own = Hazard.objects.get()
    # Then the whole gateway goes silent.
    services.sweep_offline(now + timedelta(hours=26))
    assert services.sweep_device_hazards(now + timedelta(hours=52)) == 1
    outage = Hazard.objects.exclude(pk=own.pk).get()
    assert outage.alarms.count() == 3
    assert "锁气卸灰" not in outage.description
    assert Alarm.objects.filter(point=points_a["airlock"], hazard=own).count() == 2


@pytest.mark.django_db
def test_the_minute_task_runs_the_sweeps(gateway_a, points_a):
    result = sweep.call_local()
    assert set(result) == {"offline", "escalated", "hazards", "delivered"}


# --- video events -----------------------------------------------------------------------------


def _png() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def video(client, gateway, body):
    return client.post(
        "/api/v1/video-events",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {gateway.token}"},
    )


@pytest.mark.django_db
def test_video_events_become_alarms(client, gateway_a, points_a, now):
    body = {"camera": "cam1", "event": "hot_work", "ts": at(now), "snapshot": _png()}
    response = video(client, gateway_a, body)
    assert response.status_code == 201, response.content
    alarm = Alarm.objects.get()
    assert alarm.condition == Condition.HOT_WORK
    assert AlarmPhoto.objects.get(alarm=alarm).kind == AlarmPhoto.SNAPSHOT
    assert video(client, gateway_a, dict(body, ts=at(now, 30))).status_code == 201
    assert Alarm.objects.count() == 1  # the same alarm while uncleared
    crowd = {"camera": "cam1", "event": "overcrowding", "ts": at(now), "count": 14, "limit": 10}
    response = video(client, gateway_a, crowd)
    assert response.status_code == 201
    assert response.json()["data"] == {"event": "overcrowding", "count": 14, "limit": 10}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"camera": "nope", "event": "hot_work"}, 404),
        ({"camera": "dp1", "event": "hot_work"}, 404),  # not a camera
        ({"camera": "cam1", "event": "smoking"}, 422),
        ({"camera": "cam1", "event": "overcrowding"}, 422),
        ({"camera": "cam1", "event": "overcrowding", "count": 5, "limit": 10}, 422),
        ({"camera": "cam1", "event": "hot_work", "snapshot": "***"}, 422),
        ({"camera": "cam1", "event": "hot_work", "snapshot": "aGVsbG8="}, 422),  # not an image
        ({"camera": "cam1", "event": "hot_work", "ts": "1970-01-01T08:00:00+08:00"}, 422),
        ({"camera": "cam1", "event": "hot_work", "ts": "0001-01-01T00:00:00+14:00"}, 422),
    ],
)
def test_bad_video_events_are_refused(client, gateway_a, points_a, now, body, status):
    response = video(client, gateway_a, {"ts": at(now), **body})
    assert response.status_code == status
    assert response.json()["detail"]
    assert not Alarm.objects.exists()


@pytest.mark.django_db
def test_video_event_needs_a_gateway_token(client, users, gateway_a, points_a, now):
    client.force_login(users[Role.SUPERVISOR])
    body = {"camera": "cam1", "event": "hot_work", "ts": at(now)}
    response = client.post("/api/v1/video-events", data=body, content_type="application/json")
    assert response.status_code == 401


# --- gateways -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_gateway_token_shown_once_stored_hashed_and_rotatable(users, enterprise_a, now):
    officer = users[Role.SAFETY_OFFICER]
    gateway, token = services.create_gateway(officer, enterprise_a.pk, code="GW-NEW")
    assert token.startswith("gw_") and token not in gateway.token_hash
    assert services.gateway_for_token(token) == gateway
    _, new_token = services.rotate_token(officer, gateway.pk)
    assert services.gateway_for_token(new_token) == gateway
    # The old token keeps its grace period (test_mqtt: ..._stays_valid_for_the_grace_period).
    assert services.gateway_for_token(token) == gateway


@pytest.mark.django_db
def test_gateway_refusals(users, outsider, enterprise_a, enterprise_b, gateway_a):
    with pytest.raises(services.Refused) as refused:
        services.create_gateway(users[Role.EMPLOYEE], enterprise_a.pk, code="X")
    assert refused.value.status == 403
    with pytest.raises(services.Refused) as refused:
        services.create_gateway(users[Role.PRINCIPAL], enterprise_a.pk, code="GW-A")
    assert "已存在" in str(refused.value) or "exists" in str(refused.value)
    with pytest.raises(services.Refused):
        services.create_gateway(users[Role.PRINCIPAL], enterprise_a.pk, code="有 空格")
    from enterprises.models import Enterprise

    with pytest.raises(Enterprise.DoesNotExist):
        services.create_gateway(users[Role.PRINCIPAL], enterprise_b.pk, code="GW-X")
    with pytest.raises(Gateway.DoesNotExist):
        services.rotate_token(
            make_user("p_b", Role.PRINCIPAL, enterprise=enterprise_b), gateway_a.pk
        )
    assert Gateway.objects.count() == 1


@pytest.mark.django_db
def test_points_keep_has_monitoring_true(users, enterprise_a, gateway_a):
    officer = users[Role.SAFETY_OFFICER]
    services.add_point(officer, gateway_a.pk, code="kw", equipment="总进线", kind="power")
    enterprise_a.refresh_from_db()
    assert not enterprise_a.has_monitoring  # a power meter is not a safety device
    point = services.add_point(
        officer, gateway_a.pk, code="dp", equipment="1号除尘器", kind="pressure_diff"
    )
    enterprise_a.refresh_from_db()
    assert enterprise_a.has_monitoring
    assert (point.unit, point.high, point.low, point.hold_seconds) == ("Pa", 1800, 300, 300)
    with pytest.raises(services.Refused):
        services.add_point(officer, gateway_a.pk, code="dp", equipment="重复", kind="pressure_diff")
    with pytest.raises(services.Refused):
        services.add_point(officer, gateway_a.pk, code="z", equipment="?", kind="radar")


# --- API scope for every role -----------------------------------------------------------------

ALL_ROLES = list(Role)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL_ROLES)
def test_alarm_api_scope_for_every_role(
    client, users, outsider, gateway_a, points_a, gateway_b, now, role
):
    mine = raise_fault(gateway_a, now)
    ingest(gateway_b, [{"point": "dpb", "ts": at(now), "value": 99999}], now=now)
    theirs = Alarm.objects.get(point__code="dpb")
    user = users[role]
    client.force_login(user)
    listed = client.get("/api/v1/alarms")
    detail_mine = client.get(f"/api/v1/alarms/{mine.pk}")
    detail_theirs = client.get(f"/api/v1/alarms/{theirs.pk}")
    if role == Role.EMPLOYEE:
        assert listed.status_code == 403
        return
    assert listed.status_code == 200
    ids = {row["id"] for row in listed.json()["items"]}
    sees_b = role in (Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, *UPPER)
    assert ids == ({mine.pk, theirs.pk} if sees_b else {mine.pk})
    assert detail_mine.status_code == 200
    assert detail_theirs.status_code == (200 if sees_b else 404)
    # Acting on an alarm out of scope is a 404 whatever the role may do.
    response = client.post(
        f"/api/v1/alarms/{theirs.pk}/acknowledge", data={}, content_type="application/json"
    )
    if not sees_b:
        assert response.status_code == 404


@pytest.mark.django_db
def test_alarm_api_actions(client, users, gateway_a, points_a, now):
    alarm = raise_fault(gateway_a, now)
    client.force_login(users[Role.SAFETY_OFFICER])
    url = f"/api/v1/alarms/{alarm.pk}"
    assert client.post(f"{url}/close", {}, content_type="application/json").status_code == 403
    response = client.post(f"{url}/handle", {"note": ""}, content_type="application/json")
    assert response.status_code == 422 and "处置情况" in response.json()["detail"]
    response = client.post(f"{url}/handle", {"note": "已更换"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "handled"
    response = client.post(f"{url}/acknowledge", {}, content_type="application/json")
    assert response.status_code == 409


@pytest.mark.django_db
def test_outsider_sees_no_alarm_of_another_town(client, outsider, gateway_a, points_a, now):
    alarm = raise_fault(gateway_a, now)
    client.force_login(outsider)
    assert client.get(f"/api/v1/alarms/{alarm.pk}").status_code == 404
    assert client.get("/api/v1/alarms").json()["items"] == []
    point = points_a["dp"]
    assert client.get(f"/api/v1/points/{point.pk}/readings").status_code == 404


@pytest.mark.django_db
@override_settings(DEVICE_FAULT_HAZARD_HOURS=24)
def test_a_device_offline_later_in_the_outage_joins_its_hazard(gateway_a, points_a, now):
    # A water level reported every 10 hours is offline only after 30 hours of silence.
    slow = make_point(gateway_a, "wl1", "water_level", equipment="消防水池", interval_seconds=36000)
    services.sweep_offline(now + timedelta(hours=1))
    assert services.sweep_device_hazards(now + timedelta(hours=25)) == 1
    services.sweep_offline(now + timedelta(hours=31))
    assert services.sweep_device_hazards(now + timedelta(hours=56)) == 0
    hazard = Hazard.objects.get()
    assert hazard.alarms.filter(point=slow, condition=Condition.OFFLINE).exists()
    assert hazard.alarms.count() == 5
