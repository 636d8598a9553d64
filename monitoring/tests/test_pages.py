"""The monitoring pages through the real views: who may open each page (a permission table
stated here, not read from accounts.roles), scoping (an object outside the user's scope is a 404
on every page and action URL, for every role), the must-connect list and its export, the
alarm's action forms, the power warning's review, and gateways and points."""

import io
import json
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from accounts.roles import UPPER_ROLES as UPPER
from accounts.roles import Role
from conftest import make_enterprise
from core.models import Jurisdiction, JurisdictionKind
from core.tests.test_xlsx import CONTROLS, FORMULAS, text_cells_only
from enterprises.choices import DustClass
from enterprises.models import Enterprise
from monitoring import rollups
from monitoring.conftest import at, make_gateway, make_point
from monitoring.ingest import ingest
from monitoring.models import (
    Alarm,
    AlarmEvent,
    AlarmPhoto,
    AlarmState,
    Condition,
    Gateway,
    Point,
    PowerWarning,
    WarningKind,
    WarningState,
)

ROLES = list(Role)
VIEWERS = frozenset(ROLES) - {Role.EMPLOYEE}
EXPORTERS = frozenset(
    {
        Role.COUNTY_ADMIN,
        Role.SUPERVISOR,
        Role.ENFORCEMENT_OFFICER,
        Role.TOWN_SUPERVISOR,
        Role.GRID_MEMBER,
        Role.EXPERT,
        *UPPER,
    }
)
GATEWAY_MANAGERS = frozenset(
    {Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.PRINCIPAL, Role.SAFETY_OFFICER}
)
HANDLERS = frozenset(
    {
        Role.SUPERVISOR,
        Role.TOWN_SUPERVISOR,
        Role.GRID_MEMBER,
        Role.PRINCIPAL,
        Role.SAFETY_OFFICER,
    }
)
CLOSERS = frozenset({Role.SUPERVISOR, Role.TOWN_SUPERVISOR})
REVIEWERS = frozenset({Role.SUPERVISOR, Role.TOWN_SUPERVISOR})


def png(name="p.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def make_alarm(point, condition=Condition.HIGH, **extra):
    now = timezone.now()
    values = {
        "point": point,
        "enterprise_id": point.enterprise_id,
        "condition": condition,
        "first_at": now - timedelta(minutes=30),
        "last_at": now - timedelta(minutes=5),
        "first_value": 75.0,
        "last_value": 82.0,
        "peak_value": 88.0,
        "limit": 70.0,
    }
    values.update(extra)
    return Alarm.objects.create(**values)


def make_warning(enterprise, kind=WarningKind.COVERT, **extra):
    now = timezone.now()
    values = {
        "enterprise": enterprise,
        "kind": kind,
        "window_start": now - timedelta(hours=3),
        "window_end": now - timedelta(hours=1),
        "observed_kw": 310.0,
        "baseline_kw": 20.0,
        "baseline": "近 30 天停产时段功率的 95 分位",
        "evidence": {
            "readings": [
                {"ts": (now - timedelta(hours=3)).isoformat(), "value": 300.0},
                {"ts": (now - timedelta(hours=2)).isoformat(), "value": 320.0},
                [(now - timedelta(hours=1)).isoformat(), 310.0],
                ["not a time", 1.0],
                {"ts": (now - timedelta(hours=1)).isoformat(), "value": "NaN text"},
            ],
            "status": "ordered_to_stop",
        },
    }
    values.update(extra)
    return PowerWarning.objects.create(**values)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def world(users, points_a, gateway_b, enterprise_a, enterprise_b, media):
    """enterprise_a's alarm, warning and photo (in every role's scope but the outsider's) and
    enterprise_b's (the other town)."""
    alarm_a = make_alarm(points_a["temp"])
    alarm_b = make_alarm(gateway_b.points.get())
    return {
        "alarm_a": alarm_a,
        "alarm_b": alarm_b,
        "point_a": points_a["temp"],
        "warning_a": make_warning(enterprise_a),
        "warning_b": make_warning(enterprise_b),
        "photo_a": AlarmPhoto.objects.create(alarm=alarm_a, kind=AlarmPhoto.SNAPSHOT, image=png()),
        "photo_b": AlarmPhoto.objects.create(alarm=alarm_b, kind=AlarmPhoto.SNAPSHOT, image=png()),
    }


@pytest.fixture
def foreign(world):
    """Objects of another county, outside every fixture user's scope."""
    county = Jurisdiction.objects.create(code="371527", name="邻县", kind=JurisdictionKind.COUNTY)
    town = Jurisdiction.objects.create(
        code="371527-10", name="邻县某镇", kind=JurisdictionKind.TOWN, parent=county
    )
    enterprise = make_enterprise(town, serial=9, name="邻县化工有限公司")
    gateway = make_gateway(enterprise, "GW-X")
    point = make_point(gateway, "tx", "hopper_temp")
    alarm = make_alarm(point)
    return {
        "enterprise": enterprise,
        "gateway": gateway,
        "point": point,
        "alarm": alarm,
        "warning": make_warning(enterprise),
        "photo": AlarmPhoto.objects.create(alarm=alarm, image=png()),
    }


def object_urls(objects):
    return [
        f"/monitoring/alarms/{objects['alarm'].pk}/",
        f"/monitoring/points/{objects['point'].pk}/",
        f"/monitoring/warnings/{objects['warning'].pk}/",
        f"/monitoring/photos/{objects['photo'].pk}/",
        f"/monitoring/gateways/{objects['gateway'].pk}/points/new/",
        f"/monitoring/gateways/?enterprise={objects['enterprise'].pk}",
        f"/monitoring/enterprises/{objects['enterprise'].pk}/",
    ]


def object_posts(objects):
    return [
        f"/monitoring/alarms/{objects['alarm'].pk}/acknowledge/",
        f"/monitoring/alarms/{objects['alarm'].pk}/handle/",
        f"/monitoring/alarms/{objects['alarm'].pk}/close/",
        f"/monitoring/warnings/{objects['warning'].pk}/review/",
        f"/monitoring/gateways/{objects['gateway'].pk}/rotate/",
        f"/monitoring/gateways/{objects['gateway'].pk}/points/new/",
        "/monitoring/gateways/new/",
    ]


# --- who may open what ---------------------------------------------------------------------


LIST_PAGES = [
    ("/monitoring/", VIEWERS),
    ("/monitoring/connect/", VIEWERS),
    ("/monitoring/connect/export/", EXPORTERS),
    ("/monitoring/alarms/", VIEWERS),
    ("/monitoring/alarms/?state=all&condition=high", VIEWERS),
    ("/monitoring/warnings/", VIEWERS),
    ("/monitoring/gateways/", GATEWAY_MANAGERS),
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("url", "allowed"), LIST_PAGES)
def test_list_pages_per_role(client, users, world, role, url, allowed):
    client.force_login(users[role])
    response = client.get(url)
    assert response.status_code == (200 if role in allowed else 403)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_object_pages_per_role(client, users, world, gateway_a, enterprise_a, role):
    client.force_login(users[role])
    viewer = 200 if role in VIEWERS else 403
    manager = 200 if role in GATEWAY_MANAGERS else 403
    expected = {
        f"/monitoring/alarms/{world['alarm_a'].pk}/": viewer,
        f"/monitoring/points/{world['point_a'].pk}/": viewer,
        f"/monitoring/points/{world['point_a'].pk}/?range=7d": viewer,
        f"/monitoring/points/{world['point_a'].pk}/?range=bogus": viewer,
        f"/monitoring/warnings/{world['warning_a'].pk}/": viewer,
        f"/monitoring/photos/{world['photo_a'].pk}/": viewer,
        f"/monitoring/enterprises/{enterprise_a.pk}/": viewer,
        f"/monitoring/gateways/?enterprise={enterprise_a.pk}": manager,
        f"/monitoring/gateways/{gateway_a.pk}/points/new/": manager,
    }
    for url, status in expected.items():
        assert client.get(url).status_code == status, url


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_nav_offers_monitoring_to_viewers(client, users, role):
    client.force_login(users[role])
    page = client.get("/hazards/").content.decode()
    assert ('href="/monitoring/"' in page) == (role in VIEWERS)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [*ROLES, "outsider"])
def test_objects_outside_scope_are_404_for_every_role(client, users, outsider, foreign, role):
    client.force_login(outsider if role == "outsider" else users[role])
    for url in object_urls(foreign):
        assert client.get(url).status_code == 404, url
    for url in object_posts(foreign):
        data = {"note": "x", "confirmed": "1", "enterprise": foreign["enterprise"].pk, "code": "Q"}
        assert client.post(url, data).status_code == 404, url
    foreign["alarm"].refresh_from_db()
    assert foreign["alarm"].state == AlarmState.OPEN
    assert not AlarmEvent.objects.filter(alarm=foreign["alarm"]).exists()
    assert not Gateway.objects.filter(code="Q").exists()


@pytest.mark.django_db
def test_the_other_towns_objects_are_404_for_its_outsider(
    client, outsider, world, gateway_a, enterprise_a
):
    client.force_login(outsider)
    objects = {
        "alarm": world["alarm_a"],
        "point": world["point_a"],
        "warning": world["warning_a"],
        "photo": world["photo_a"],
        "gateway": gateway_a,
        "enterprise": enterprise_a,
    }
    for url in object_urls(objects):
        assert client.get(url).status_code == 404, url
    # And their own town's are theirs.
    assert client.get(f"/monitoring/alarms/{world['alarm_b'].pk}/").status_code == 200
    assert client.get(f"/monitoring/photos/{world['photo_b'].pk}/").status_code == 200


@pytest.mark.django_db
def test_pages_need_a_login(client, world):
    for url in ["/monitoring/", f"/monitoring/alarms/{world['alarm_a'].pk}/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_unknown_ids_and_actions_are_404(client, users, world):
    client.force_login(users[Role.SUPERVISOR])
    alarm = world["alarm_a"]
    assert client.post(f"/monitoring/alarms/{alarm.pk}/delete/").status_code == 404
    assert client.get("/monitoring/alarms/987654/").status_code == 404
    assert client.get("/monitoring/gateways/?enterprise=99999999999999999999999").status_code == 404
    assert client.get("/monitoring/gateways/?enterprise=abc").status_code == 404
    assert client.get("/monitoring/alarms/?enterprise=99999999999999999999999").status_code == 200
    assert client.get("/monitoring/connect/?town=abc&connected=maybe").status_code == 200


@pytest.mark.django_db
def test_a_photo_is_the_image(client, users, world):
    client.force_login(users[Role.SAFETY_OFFICER])
    response = client.get(f"/monitoring/photos/{world['photo_a'].pk}/")
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


# --- the overview and the must-connect list ------------------------------------------------


@pytest.fixture
def connections(world, gateway_a, points_a, enterprise_a, enterprise_a2, enterprise_b, now):
    """enterprise_a: metal dust, 15 workers, a reading a minute ago (connected);
    enterprise_a2: metal dust, 12 workers, no gateway at all (not connected);
    enterprise_b: wood dust, 5 workers (not required by the dust rule, and no key sector)."""
    enterprise_a.dust_class, enterprise_a.dust_workers = DustClass.METAL, 15
    enterprise_a.save()
    enterprise_a2.dust_class, enterprise_a2.dust_workers = DustClass.METAL, 12
    enterprise_a2.save()
    enterprise_b.dust_class, enterprise_b.dust_workers = DustClass.WOOD, 5
    enterprise_b.save()
    outcome = ingest(gateway_a, [{"point": "dp1", "ts": at(now), "value": 900}], now=now)
    assert outcome.accepted == 1


def connect_rows(response):
    page = response.content.decode()
    rows = re.findall(r'<tr data-enterprise="(\d+)">(.*?)</tr>', page, re.S)
    return {int(pk): ("已接入" in body and "未接入" not in body) for pk, body in rows}


@pytest.mark.django_db
def test_the_must_connect_list_counts_right(
    client, users, connections, enterprise_a, enterprise_a2
):
    client.force_login(users[Role.TOWN_SUPERVISOR])
    response = client.get("/monitoring/connect/")
    assert connect_rows(response) == {enterprise_a.pk: True, enterprise_a2.pk: False}
    page = response.content.decode()
    assert "涉粉作业 10 人以上的金属粉尘、木粉尘企业" in page
    assert "从未上报" in page
    assert connect_rows(client.get("/monitoring/connect/?connected=0")) == {enterprise_a2.pk: False}
    assert connect_rows(client.get("/monitoring/connect/?connected=1")) == {enterprise_a.pk: True}
    counts = re.sub(r"\s+", " ", re.search(r'id="counts">(.*?)</div>', page, re.S).group(1))
    assert re.sub(r"<[^>]+>", "", counts) == "应接入 2 家，已接入 1 家，未接入 1 家"


@pytest.mark.django_db
def test_a_reading_older_than_a_day_is_not_connected(
    client, users, connections, points_a, enterprise_a
):
    Point.objects.filter(pk=points_a["dp"].pk).update(last_ts=timezone.now() - timedelta(hours=25))
    client.force_login(users[Role.SUPERVISOR])
    assert connect_rows(client.get("/monitoring/connect/"))[enterprise_a.pk] is False


@pytest.mark.django_db
def test_the_overview_counts_per_town(client, users, connections, town_a, town_b):
    client.force_login(users[Role.SUPERVISOR])
    response = client.get("/monitoring/")
    page = response.content.decode()
    table = re.search(r'<table class="table table-sm mb-0" id="towns">(.*?)</table>', page, re.S)
    cells = [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)
    ]
    # town, must, connected, not connected, rate, unfinished alarms, open warnings
    assert ["赵寨子镇", "2", "1", "1", "50%", "1", "1"] in cells
    assert ["清平镇", "0", "0", "0", "—", "1", "1"] in cells
    chart = json.loads(re.search(r'id="towns-data"[^>]*>(.*?)</script>', page, re.S).group(1))
    by_town = {
        town: (connected, missing, alarms)
        for town, connected, missing, alarms in zip(
            chart["towns"], chart["connected"], chart["not_connected"], chart["alarms"], strict=True
        )
    }
    assert by_town == {"赵寨子镇": (1, 1, 1), "清平镇": (0, 0, 1)}
    assert 'id="kpi-must">2<' in page


@pytest.mark.django_db
def test_the_town_supervisor_sees_only_their_town(client, users, connections):
    client.force_login(users[Role.TOWN_SUPERVISOR])
    page = client.get("/monitoring/").content.decode()
    assert "赵寨子镇" in page
    assert "清平镇" not in page


@pytest.mark.django_db
def test_the_export_holds_the_rows(client, users, connections, enterprise_a, enterprise_a2):
    client.force_login(users[Role.SUPERVISOR])
    response = client.get("/monitoring/connect/export/")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.getvalue()))
    rows = list(book["应接尽接清单"].iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "企业名称", "统一社会信用代码", "所属镇街")
    by_name = {row[1]: row for row in rows[1:]}
    assert set(by_name) == {enterprise_a.name, enterprise_a2.name}
    assert by_name[enterprise_a.name][-1] == "是"
    assert by_name[enterprise_a.name][-2]  # its latest reading time
    assert by_name[enterprise_a2.name][-1] == "否"
    assert by_name[enterprise_a2.name][-2] in (None, "")
    assert "金属粉尘" in by_name[enterprise_a2.name][7]
    filtered = client.get("/monitoring/connect/export/?connected=0")
    rows = list(load_workbook(io.BytesIO(filtered.getvalue()))["应接尽接清单"].values)
    assert [row[1] for row in rows[1:]] == [enterprise_a2.name]


@pytest.mark.django_db
def test_the_export_survives_stored_control_characters_and_formula_text(
    client, users, connections, enterprise_a, enterprise_a2
):
    """Names stored before input was checked (straight through the ORM): the county's export
    answers, without the control character, and a formula-like name is a text cell."""
    Enterprise.objects.filter(pk=enterprise_a.pk).update(name=FORMULAS[0])
    Enterprise.objects.filter(pk=enterprise_a2.pk).update(name=f"纺织{CONTROLS}有限公司")
    client.force_login(users[Role.COUNTY_ADMIN])
    response = client.get("/monitoring/connect/export/")
    assert response.status_code == 200
    book = text_cells_only(response.getvalue())
    names = {row[1] for row in book["应接尽接清单"].iter_rows(min_row=2, values_only=True)}
    assert names == {FORMULAS[0], "纺织有限公司"}


# --- alarms --------------------------------------------------------------------------------


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.django_db
def test_the_alarm_list_filters(client, users, world, points_a):
    closed = make_alarm(
        points_a["dp"], Condition.LOW, state=AlarmState.CLOSED, cleared_at=timezone.now()
    )
    client.force_login(users[Role.SUPERVISOR])

    def listed(query):
        page = client.get(f"/monitoring/alarms/{query}").content.decode()
        return {int(pk) for pk in re.findall(r'data-alarm="(\d+)"', page)}

    a, b = world["alarm_a"].pk, world["alarm_b"].pk
    assert listed("") == {a, b}
    assert listed("?state=unfinished") == {a, b}
    assert listed("?state=all") == {a, b, closed.pk}
    assert listed("?state=closed") == {closed.pk}
    assert listed("?state=all&condition=low") == {closed.pk}
    assert listed(f"?town={world['alarm_b'].enterprise.jurisdiction_id}") == {b}
    assert listed(f"?enterprise={world['alarm_a'].enterprise_id}&state=all") == {a, closed.pk}
    assert listed("?q=清平") == {b}
    response = client.get("/monitoring/alarms/", headers={"HX-Request": "true"})
    assert "<html" not in response.content.decode()


@pytest.mark.django_db
def test_the_alarm_page_shows_its_chart_timeline_and_forms(client, users, world, points_a, now):
    ingest(
        world["alarm_a"].point.gateway,
        [{"point": "t1", "ts": at(now, -600 + 60 * i), "value": 60 + i} for i in range(10)],
        now=now,
    )
    client.force_login(users[Role.TOWN_SUPERVISOR])
    response = client.get(f"/monitoring/alarms/{world['alarm_a'].pk}/")
    page = response.content.decode()
    chart = json.loads(re.search(r'id="chart-data"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert len(chart["readings"]) == 10
    assert chart["high"] == 70
    assert [a["id"] for a in chart["alarms"]] == [world["alarm_a"].pk]
    assert 'id="action-acknowledge"' in page
    assert 'id="action-handle"' in page
    assert 'id="action-close"' not in page  # not handled yet
    assert "js/charts.js" in page


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_forms_shown_follow_the_role(client, users, world, role):
    client.force_login(users[role])
    page = client.get(f"/monitoring/alarms/{world['alarm_a'].pk}/").content.decode()
    if role not in VIEWERS:
        return
    assert ('id="action-acknowledge"' in page) == (role in HANDLERS)
    assert ('id="action-handle"' in page) == (role in HANDLERS)


@pytest.mark.django_db
def test_an_alarm_goes_through_its_life_by_the_forms(client, users, world, media):
    alarm = world["alarm_a"]
    url = f"/monitoring/alarms/{alarm.pk}"
    client.force_login(users[Role.SAFETY_OFFICER])
    response = client.post(f"{url}/acknowledge/", {"note": "已通知车间"}, follow=True)
    assert messages_of(response) == ["已确认报警"]
    alarm.refresh_from_db()
    assert alarm.state == AlarmState.ACKNOWLEDGED
    response = client.post(
        f"{url}/handle/", {"note": "清理灰斗积尘，温度回落", "photos": [png("a.png")]}, follow=True
    )
    assert messages_of(response) == ["已处置报警"]
    alarm.refresh_from_db()
    assert alarm.state == AlarmState.HANDLED
    assert alarm.handling == "清理灰斗积尘，温度回落"
    photo = alarm.photos.get(kind=AlarmPhoto.HANDLING)
    page = response.content.decode()
    assert f"/monitoring/photos/{photo.pk}/" in page
    assert "确认报警" in page and "处置报警" in page  # the timeline's labels

    # The condition still holds: closing is refused with its reason, nothing changes.
    client.force_login(users[Role.TOWN_SUPERVISOR])
    response = client.post(f"{url}/close/", {"note": "关闭"}, follow=True)
    assert messages_of(response) == ["报警条件仍然存在，恢复正常后才能关闭"]
    alarm.refresh_from_db()
    assert alarm.state == AlarmState.HANDLED
    assert not alarm.events.filter(action="close").exists()

    Alarm.objects.filter(pk=alarm.pk).update(cleared_at=timezone.now())
    response = client.post(f"{url}/close/", {"note": "已恢复正常"}, follow=True)
    assert messages_of(response) == ["已关闭报警"]
    alarm.refresh_from_db()
    assert alarm.state == AlarmState.CLOSED
    assert list(alarm.events.values_list("action", flat=True)) == [
        "acknowledge",
        "handle",
        "close",
    ]
    assert "已关闭" in response.content.decode()


@pytest.mark.django_db
def test_refused_actions_show_the_reason_and_change_nothing(client, users, world):
    alarm = world["alarm_a"]
    url = f"/monitoring/alarms/{alarm.pk}"
    client.force_login(users[Role.SAFETY_OFFICER])
    # Handling needs what was done.
    response = client.post(f"{url}/handle/", {"note": "  "}, follow=True)
    assert messages_of(response) == ["请填写处置情况"]
    # Only the bureau closes: a role that may not is the 403 page (core.gate.refuse_on_page).
    response = client.post(f"{url}/close/", {})
    assert response.status_code == 403
    # Not an image.
    bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    response = client.post(f"{url}/handle/", {"note": "处置", "photos": [bad]}, follow=True)
    assert len(messages_of(response)) == 1
    assert messages_of(response)[0].startswith("现场照片：")
    # The county admin watches but does not handle.
    client.force_login(users[Role.COUNTY_ADMIN])
    assert client.post(f"{url}/acknowledge/", {}).status_code == 403
    # An employee may not see alarms at all.
    client.force_login(users[Role.EMPLOYEE])
    assert client.post(f"{url}/acknowledge/", {}).status_code == 403
    alarm.refresh_from_db()
    assert alarm.state == AlarmState.OPEN
    assert alarm.handling == ""
    assert not alarm.events.exists()
    assert not alarm.photos.filter(kind=AlarmPhoto.HANDLING).exists()


@pytest.mark.django_db
def test_a_refused_handling_keeps_the_photos_chosen(client, users, world, media):
    """Handling without saying what was done is refused: the page comes back with the photo
    kept (core.uploads), and the handling sent again stores it once."""
    alarm = world["alarm_a"]
    url = f"/monitoring/alarms/{alarm.pk}"
    client.force_login(users[Role.SAFETY_OFFICER])
    response = client.post(f"{url}/handle/", {"note": " ", "photos": [png("scene.png")]})
    assert response.status_code == 200
    assert messages_of(response) == ["请填写处置情况"]
    page = response.content.decode()
    assert "已保留 1 张照片" in page
    [token] = re.findall(r'name="kept_photos" value="([^"]+)"', page)
    assert not alarm.photos.filter(kind=AlarmPhoto.HANDLING).exists()
    response = client.post(f"{url}/handle/", {"note": "已停机清理", "kept_photos": token})
    assert response.status_code == 302
    [photo] = alarm.photos.filter(kind=AlarmPhoto.HANDLING)
    assert photo.image.name.startswith("alarms/")
    assert not (media / "stash").exists() or not any((media / "stash").iterdir())


@pytest.mark.django_db
def test_acknowledging_twice_is_refused(client, users, world):
    alarm = world["alarm_a"]
    client.force_login(users[Role.PRINCIPAL])
    client.post(f"/monitoring/alarms/{alarm.pk}/acknowledge/", {}, follow=True)
    response = client.post(f"/monitoring/alarms/{alarm.pk}/acknowledge/", {}, follow=True)
    assert messages_of(response) == ["报警当前状态为“已确认”，不能确认报警"]
    assert alarm.events.count() == 1


# --- the point page ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_point_chart_holds_readings_thresholds_and_alarms(client, users, world, now):
    point = world["point_a"]
    readings = [{"point": "t1", "ts": at(now, -3600 * 30), "value": 40}]
    readings += [{"point": "t1", "ts": at(now, -60 * i), "value": 40 + i / 4} for i in range(90)]
    ingest(point.gateway, readings, now=now)
    rollups.run(now + timedelta(seconds=1))  # the week's chart reads the minute rollups
    # The reading 30 hours ago, below the threshold, cleared the fixture's alarm then.
    old = world["alarm_a"]
    old.refresh_from_db()
    assert old.cleared_at == now - timedelta(hours=30)
    recent = make_alarm(point, Condition.RATE)
    client.force_login(users[Role.GRID_MEMBER])

    def chart(query=""):
        page = client.get(f"/monitoring/points/{point.pk}/{query}").content.decode()
        return json.loads(re.search(r'id="chart-data"[^>]*>(.*?)</script>', page, re.S).group(1))

    day = chart()
    assert len(day["readings"]) == 90
    assert day["readings"] == sorted(day["readings"])
    assert (day["high"], day["low"]) == (70, None)
    assert day["unit"] == "℃"
    assert [a["id"] for a in day["alarms"]] == [recent.pk]
    assert day["until"] - day["since"] == 24 * 3600 * 1000
    hour = chart("?range=1h")
    assert 58 <= len(hour["readings"]) <= 61  # "now" moved on since the fixture's
    week = chart("?range=7d")
    assert week["resolution"] == "minute" and day["resolution"] == "raw"
    assert len(week["readings"]) == 91  # one reading a minute
    assert [a["id"] for a in week["alarms"]] == [old.pk, recent.pk]


# --- power warnings ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_warning_page_shows_its_evidence(client, users, world):
    warning = world["warning_a"]
    client.force_login(users[Role.TOWN_SUPERVISOR])
    page = client.get(f"/monitoring/warnings/{warning.pk}/").content.decode()
    chart = json.loads(re.search(r'id="chart-data"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert [value for _, value in chart["readings"]] == [300.0, 320.0, 310.0]
    assert chart["baseline"] == 20.0
    assert 'id="review-form"' in page
    client.force_login(users[Role.PRINCIPAL])
    page = client.get(f"/monitoring/warnings/{warning.pk}/").content.decode()
    assert 'id="review-form"' not in page


@pytest.mark.django_db
def test_a_warning_with_odd_evidence_still_renders(client, users, enterprise_a):
    warning = make_warning(enterprise_a, evidence={"readings": "none"})
    other = make_warning(enterprise_a, kind=WarningKind.OVERLOAD, evidence=[1, 2])
    client.force_login(users[Role.SUPERVISOR])
    assert client.get(f"/monitoring/warnings/{warning.pk}/").status_code == 200
    assert client.get(f"/monitoring/warnings/{other.pk}/").status_code == 200


@pytest.mark.django_db
def test_the_warning_list_filters(client, users, world):
    client.force_login(users[Role.SUPERVISOR])
    world["warning_b"].state = WarningState.DISMISSED
    world["warning_b"].save()

    def listed(query):
        page = client.get(f"/monitoring/warnings/{query}").content.decode()
        return {int(pk) for pk in re.findall(r'data-warning="(\d+)"', page)}

    assert listed("") == {world["warning_a"].pk, world["warning_b"].pk}
    assert listed("?state=open") == {world["warning_a"].pk}
    assert listed("?kind=overload") == set()


@pytest.mark.django_db
def test_reviewing_a_warning(client, users, world):
    warning = world["warning_a"]
    url = f"/monitoring/warnings/{warning.pk}/review/"
    client.force_login(users[Role.TOWN_SUPERVISOR])
    response = client.post(url, {"confirmed": "1", "note": ""}, follow=True)
    assert messages_of(response) == ["研判意见：这个字段是必填项。"]
    warning.refresh_from_db()
    assert warning.state == WarningState.OPEN
    response = client.post(url, {"confirmed": "1", "note": "夜间现场核查，确在生产"}, follow=True)
    assert messages_of(response) == ["研判结论已保存"]
    warning.refresh_from_db()
    assert (warning.state, warning.reviewed_by) == (
        WarningState.CONFIRMED,
        users[Role.TOWN_SUPERVISOR],
    )
    response = client.post(url, {"confirmed": "0", "note": "改判"}, follow=True)
    assert messages_of(response) == ["该预警已研判"]
    warning.refresh_from_db()
    assert warning.state == WarningState.CONFIRMED
    assert "夜间现场核查，确在生产" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_reviewers_may_review(client, users, world, role):
    warning = world["warning_a"]
    client.force_login(users[role])
    response = client.post(
        f"/monitoring/warnings/{warning.pk}/review/", {"confirmed": "1", "note": "属实"}
    )
    assert response.status_code == (302 if role in REVIEWERS else 403)
    warning.refresh_from_db()
    assert (warning.state == WarningState.CONFIRMED) == (role in REVIEWERS)


# --- gateways and points -------------------------------------------------------------------


def shown_token(response) -> str:
    return re.search(r'id="token" readonly value="([^"]+)"', response.content.decode()).group(1)


@pytest.mark.django_db
def test_a_gateway_is_created_with_its_token_shown_once(client, users, enterprise_a):
    client.force_login(users[Role.PRINCIPAL])
    page = client.get("/monitoring/gateways/").content.decode()
    assert 'id="gateway-form"' in page
    response = client.post(
        "/monitoring/gateways/new/",
        {"enterprise": enterprise_a.pk, "code": "GW-NEW", "name": "1号车间"},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = shown_token(response)
    gateway = Gateway.objects.get(code="GW-NEW")
    assert gateway.enterprise == enterprise_a
    assert gateway.token_hash == Gateway.hash_token(token)
    # The list shows its hint, never the token.
    page = client.get("/monitoring/gateways/").content.decode()
    assert "GW-NEW" in page and token[-4:] in page and token not in page
    # The same code again is refused with the reason.
    response = client.post(
        "/monitoring/gateways/new/", {"enterprise": enterprise_a.pk, "code": "GW-NEW"}, follow=True
    )
    assert len(messages_of(response)) == 1 and "网关编码" in messages_of(response)[0]
    response = client.post(
        "/monitoring/gateways/new/",
        {"enterprise": enterprise_a.pk, "code": "bad code!"},
        follow=True,
    )
    assert "编码只能包含字母、数字、点、下划线和连字符" in messages_of(response)[0]
    assert Gateway.objects.filter(enterprise=enterprise_a).count() == 1


@pytest.mark.django_db
def test_an_enterprise_user_cannot_create_for_another_enterprise(client, users, enterprise_b):
    client.force_login(users[Role.SAFETY_OFFICER])
    data = {"enterprise": enterprise_b.pk, "code": "GW-Z"}
    assert client.post("/monitoring/gateways/new/", data).status_code == 404
    client.force_login(users[Role.SUPERVISOR])
    data = {"enterprise": 987654, "code": "GW-Y"}
    assert client.post("/monitoring/gateways/new/", data).status_code == 404
    assert not Gateway.objects.filter(code__in=["GW-Y", "GW-Z"]).exists()


@pytest.mark.django_db
def test_rotating_a_token(client, users, gateway_a):
    old = gateway_a.token_hash
    client.force_login(users[Role.SUPERVISOR])
    response = client.post(f"/monitoring/gateways/{gateway_a.pk}/rotate/")
    token = shown_token(response)
    gateway_a.refresh_from_db()
    assert gateway_a.token_hash == Gateway.hash_token(token) != old
    assert gateway_a.token_rotated_at is not None
    client.force_login(users[Role.TOWN_SUPERVISOR])
    assert client.post(f"/monitoring/gateways/{gateway_a.pk}/rotate/").status_code == 403


@pytest.mark.django_db
def test_adding_a_point_with_its_kind_defaults(client, users, gateway_a):
    client.force_login(users[Role.SAFETY_OFFICER])
    url = f"/monitoring/gateways/{gateway_a.pk}/points/new/"
    response = client.get(f"{url}?kind=hopper_temp")
    form = response.context["form"]
    assert form["high"].value() == 70
    assert form["unit"].value() == "℃"
    defaults = json.loads(
        re.search(r'id="kind-defaults"[^>]*>(.*?)</script>', response.content.decode(), re.S).group(
            1
        )
    )
    assert defaults["combustible_gas"]["high"] == 25
    response = client.post(
        url, {"code": "t9", "equipment": "2号除尘器", "kind": "hopper_temp", "high": "65"}
    )
    assert response.status_code == 302
    point = Point.objects.get(gateway=gateway_a, code="t9")
    assert (point.high, point.unit, point.interval_seconds) == (65, "℃", 60)
    # Refused by the service (a point code taken on this gateway): shown, nothing added.
    response = client.post(url, {"code": "t9", "equipment": "3号除尘器", "kind": "co"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Point.objects.filter(gateway=gateway_a, code="t9").count() == 1
    response = client.post(url, {"code": "x", "equipment": "", "kind": "nonsense"})
    assert response.status_code == 200
    assert not Point.objects.filter(gateway=gateway_a, code="x").exists()


# --- the enterprise page's tab -------------------------------------------------------------


@pytest.mark.django_db
def test_the_enterprise_tab(client, users, world, enterprise_a):
    client.force_login(users[Role.PRINCIPAL])
    page = client.get(f"/enterprises/{enterprise_a.pk}/").content.decode()
    assert f"/monitoring/enterprises/{enterprise_a.pk}/" in page
    tab = client.get(f"/monitoring/enterprises/{enterprise_a.pk}/").content.decode()
    assert f'data-alarm="{world["alarm_a"].pk}"' in tab
    assert "t1" in tab and "dp1" in tab
    client.force_login(users[Role.EMPLOYEE])
    page = client.get(f"/enterprises/{enterprise_a.pk}/").content.decode()
    assert f"/monitoring/enterprises/{enterprise_a.pk}/" not in page
