"""The pages and the API: the enterprise tab, the phone drill form with photos, the bureau's
board and its export, the officers' page, /api/v1/training and /api/v1/drills, scoping per
role, bad input refused in Chinese with nothing saved."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from accounts.roles import Role
from anjian.api import api as ninja_api
from conftest import client_for, make_user, post_json
from training import services
from training.models import Drill, DrillFinding, DrillPhoto, TrainingRecord
from training.tests.test_services import snapshot

pytestmark = pytest.mark.django_db


def png(name="现场.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def today():
    return timezone.localdate()


def make_drill(user, enterprise, **extra):
    values = {
        "held_on": today(),
        "kind": "evacuation",
        "scenario": "车间火灾疏散",
        "participants": 20,
        "no_notice": True,
        "no_script": True,
        "no_preset_scene": True,
        "no_preset_place": True,
        "findings": ["应急照明灯不亮"],
    }
    values.update(extra)
    return services.record_drill(user, enterprise.pk, **values)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_enterprise_tab_shows_state_and_records(client, officer, enterprise_a, media):
    make_drill(officer, enterprise_a)
    client_for(client, officer)
    page = client.get(f"/training/enterprises/{enterprise_a.pk}/").content.decode()
    assert "主要负责人未培训" in page  # a foundry: task 17 applies
    assert "本期已演练" in page and "车间火灾疏散" in page
    assert "登记培训" in page and "登记演练" in page
    detail = client.get(f"/enterprises/{enterprise_a.pk}/").content.decode()
    assert f"/training/enterprises/{enterprise_a.pk}/" in detail


def test_phone_drill_form_with_photos_and_findings(client, officer, enterprise_a, media):
    client_for(client, officer)
    form = client.get(f"/training/enterprises/{enterprise_a.pk}/drills/new/").content.decode()
    assert 'capture="environment"' in form and "不预设地点" in form
    response = client.post(
        f"/training/enterprises/{enterprise_a.pk}/drills/new/",
        {
            "held_on": today().isoformat(),
            "kind": "evacuation",
            "scenario": "夜班突发火情",
            "participants": "35",
            "no_notice": "on",
            "no_script": "on",
            "no_preset_scene": "on",
            "no_preset_place": "on",
            "findings": "安全出口被锁\n疏散指示标志缺失",
            "photos": [png("a.png"), png("b.png")],
        },
    )
    drill = Drill.objects.get()
    assert response.status_code == 302 and response.url == f"/training/drills/{drill.pk}/"
    assert drill.unannounced and drill.photos.count() == 2
    assert list(drill.findings.values_list("description", flat=True)) == [
        "安全出口被锁",
        "疏散指示标志缺失",
    ]
    page = client.get(response.url).content.decode()
    assert "“四不”演练" in page and "登记为隐患" in page
    finding = drill.findings.first()
    client.post(f"/training/findings/{finding.pk}/hazard/")
    finding.refresh_from_db()
    assert finding.hazard is not None and finding.hazard.source == "self_inspection"
    photo = drill.photos.first()
    assert client.get(f"/training/photos/{photo.pk}/").status_code == 200


def test_bad_drill_form_is_refused_in_chinese_and_keeps_photos(
    client, officer, enterprise_a, media
):
    client_for(client, officer)
    before = snapshot()
    response = client.post(
        f"/training/enterprises/{enterprise_a.pk}/drills/new/",
        {
            "held_on": "2099-01-01",
            "kind": "evacuation",
            "scenario": "火灾",
            "participants": "0",
            "photos": [png()],
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "确保该值大于或等于 1" in page or "参演人数" in page
    assert "已保留 1 张照片" in page
    assert snapshot() == before


def test_bad_training_form_is_refused_in_chinese(client, officer, enterprise_a, media):
    client_for(client, officer)
    before = snapshot()
    response = client.post(
        f"/training/enterprises/{enterprise_a.pk}/new/",
        {
            "kind": "principal",
            "person_name": "王建国",
            "course": "专题培训",
            "organiser": "县局",
            "hours": "8",
            "trained_on": (date(today().year + 1, 1, 1)).isoformat(),
            "evidence": SimpleUploadedFile("证明.pdf", b"fake"),
        },
    )
    assert response.status_code == 200
    assert snapshot() == before
    response = client.post(
        f"/training/enterprises/{enterprise_a.pk}/new/",
        {
            "kind": "principal",
            "person_name": "王建国",
            "course": "专题培训",
            "organiser": "县局",
            "hours": "8",
            "trained_on": today().isoformat(),
            "evidence": SimpleUploadedFile("证明.pdf", b"fake"),
        },
    )
    assert "培训证明：文件内容不是有效的 PDF" in response.content.decode()
    assert snapshot() == before


def test_board_missing_lists_and_export(client, users, enterprise_a, enterprise_b, media):
    supervisor = users[Role.SUPERVISOR]
    client_for(client, supervisor)
    page = client.get("/training/").content.decode()
    assert "赵寨子镇" in page and "清平镇" in page and "未开展" in page
    missing = client.get("/training/principals-missing/").content.decode()
    assert enterprise_a.name in missing
    drills = client.get("/training/drills-missing/").content.decode()
    assert enterprise_a.name in drills and enterprise_b.name in drills
    response = client.get("/training/export/")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames[:2] == ["主要负责人未培训", "本期未演练企业"]
    assert book["主要负责人未培训"]["B2"].value == enterprise_a.name
    officers = list(book.worksheets[2].iter_rows(min_row=2, values_only=True))
    assert ("enforcer", "enforcer") in officers
    # A town supervisor's board holds their town only.
    client_for(client, users[Role.TOWN_SUPERVISOR])
    page = client.get("/training/").content.decode()
    assert "赵寨子镇" in page and "清平镇" not in page


def test_observation_and_officer_training_pages(client, users, town_a, town_b, media):
    client_for(client, users[Role.TOWN_SUPERVISOR])
    response = client.post(
        "/training/observations/new/",
        {
            "jurisdiction": town_b.pk,
            "held_on": today().isoformat(),
            "scenario": "x",
            "attendees": 5,
        },
    )
    assert response.status_code == 200  # another town: not a choice
    response = client.post(
        "/training/observations/new/",
        {
            "jurisdiction": town_a.pk,
            "held_on": today().isoformat(),
            "scenario": "粉尘涉爆企业疏散观摩",
            "attendees": 60,
        },
    )
    assert response.status_code == 302
    rows = {row.town.pk: row for row in services.town_rows(users[Role.TOWN_SUPERVISOR], today())}
    assert rows[town_a.pk].observation == today()
    client_for(client, users[Role.SUPERVISOR])
    enforcer = users[Role.ENFORCEMENT_OFFICER]
    assert "enforcer" in client.get("/training/officers/").content.decode()
    response = client.post(
        "/training/officers/new/",
        {
            "officer": enforcer.pk,
            "person_name": "执法一",
            "course": "重大事故隐患判定标准",
            "organiser": "市应急局",
            "hours": "24",
            "trained_on": today().isoformat(),
        },
    )
    assert response.status_code == 302
    assert not services.untrained_officers(users[Role.SUPERVISOR], today().year).exists()


# --- scoping per role ----------------------------------------------------------------------------


def test_scoping_per_role(client, users, enterprise_a, enterprise_b, media):
    county_admin = users[Role.COUNTY_ADMIN]
    inside = make_drill(county_admin, enterprise_a)
    outside = make_drill(county_admin, enterprise_b)
    services.record_training(
        county_admin,
        kind="principal",
        enterprise_id=enterprise_b.pk,
        person_name="外镇",
        course="c",
        organiser="o",
        hours=1,
        trained_on=today(),
    )
    services.record_training(
        county_admin,
        kind="officer",
        officer_id=users[Role.ENFORCEMENT_OFFICER].pk,
        person_name="执法一",
        course="c",
        organiser="o",
        hours=1,
        trained_on=today(),
    )
    expected = {
        Role.COUNTY_ADMIN: ({inside.pk, outside.pk}, 2),
        Role.SUPERVISOR: ({inside.pk, outside.pk}, 2),
        Role.ENFORCEMENT_OFFICER: ({inside.pk, outside.pk}, 2),
        Role.TOWN_SUPERVISOR: ({inside.pk}, 0),
        Role.GRID_MEMBER: ({inside.pk}, 0),
        Role.EXPERT: ({inside.pk}, 0),
        Role.PRINCIPAL: ({inside.pk}, 0),
        Role.SAFETY_OFFICER: ({inside.pk}, 0),
        Role.EMPLOYEE: (None, None),
    }
    for role, (drills, records) in expected.items():
        client_for(client, users[role])
        response = client.get("/api/v1/drills")
        if drills is None:
            assert response.status_code == 403, role
            assert client.get("/api/v1/training").status_code == 403
            assert client.get(f"/training/drills/{inside.pk}/").status_code == 403
            continue
        assert {item["id"] for item in response.json()["items"]} == drills, role
        assert client.get("/api/v1/training").json()["count"] == records, role
        status = client.get(f"/training/drills/{outside.pk}/").status_code
        assert status == (200 if outside.pk in drills else 404), role
        status = client.get(f"/api/v1/drills/{outside.pk}").status_code
        assert status == (200 if outside.pk in drills else 404), role


# --- API -----------------------------------------------------------------------------------------


def test_api_records_and_refuses(client, users, officer, enterprise_a, enterprise_b, media):
    client_for(client, officer)
    response = post_json(
        client,
        "/api/v1/drills",
        {
            "enterprise_id": enterprise_a.pk,
            "held_on": today().isoformat(),
            "kind": "evacuation",
            "scenario": "仓库火灾",
            "participants": 12,
            "no_notice": True,
            "no_script": True,
            "no_preset_scene": True,
            "no_preset_place": False,
            "findings": ["消防通道堵塞"],
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["unannounced"] is False and body["findings"][0]["hazard_id"] is None
    finding_id = body["findings"][0]["id"]
    response = client.post(f"/api/v1/drills/findings/{finding_id}/hazard")
    assert response.status_code == 201
    assert DrillFinding.objects.get(pk=finding_id).hazard_id == response.json()["hazard_id"]
    assert client.post(f"/api/v1/drills/findings/{finding_id}/hazard").status_code == 409

    response = post_json(
        client,
        "/api/v1/training",
        {
            "kind": "principal",
            "enterprise_id": enterprise_a.pk,
            "person_name": "王建国",
            "course": "主要负责人专题培训",
            "organiser": "县局",
            "hours": "16",
            "trained_on": today().isoformat(),
        },
    )
    assert response.status_code == 201 and response.json()["kind"] == "principal"
    assert client.get("/api/v1/training", {"kind": "principal"}).json()["count"] == 1

    before = snapshot()
    refused = post_json(
        client,
        "/api/v1/drills",
        {
            "enterprise_id": enterprise_a.pk,
            "held_on": f"{today().year + 2}-01-01",
            "kind": "evacuation",
            "scenario": "仓库火灾",
            "participants": 12,
        },
    )
    assert refused.status_code == 422 and "不能晚于今天" in refused.json()["detail"]
    assert refused.json()["errors"] == {"held_on": [refused.json()["detail"]]}
    out = post_json(
        client,
        "/api/v1/drills",
        {
            "enterprise_id": enterprise_b.pk,
            "held_on": today().isoformat(),
            "kind": "evacuation",
            "scenario": "仓库火灾",
            "participants": 12,
        },
    )
    assert out.status_code == 404
    bad = post_json(client, "/api/v1/training", {"kind": "principal"})
    assert bad.status_code == 422 and bad.json()["detail"]
    officer_record = post_json(
        client,
        "/api/v1/training",
        {
            "kind": "officer",
            "officer_id": users[Role.ENFORCEMENT_OFFICER].pk,
            "person_name": "x",
            "course": "x",
            "organiser": "x",
            "hours": 1,
            "trained_on": today().isoformat(),
        },
    )
    assert officer_record.status_code == 403 and "无权" in officer_record.json()["detail"]
    assert snapshot() == before
    assert TrainingRecord.objects.count() == 1 and DrillPhoto.objects.count() == 0


def test_in_the_openapi_document():
    paths = ninja_api.get_openapi_schema()["paths"]
    assert {"/api/v1/training", "/api/v1/drills", "/api/v1/drills/{drill_id}"} <= set(paths)


def test_workbench_items(client, users, enterprise_a, media):
    from workbench.items import items_for

    principal = users[Role.PRINCIPAL]
    keys = {item.key for item in items_for(principal, date(2026, 12, 6))}
    assert "drill_due" in keys  # the second half ends 31 December, nothing drilled
    town = users[Role.TOWN_SUPERVISOR]
    [item] = [i for i in items_for(town, date(2026, 12, 6)) if i.key == "principals_untrained"]
    assert item.count == 1 and item.label == "主要负责人未培训"
    make_user("second_principal", Role.PRINCIPAL, enterprise=enterprise_a)


def test_observations_through_the_api(client, users, town_a, town_b, enterprise_a, media):
    client_for(client, users[Role.TOWN_SUPERVISOR])
    payload = {
        "jurisdiction_id": town_a.pk,
        "held_on": today().isoformat(),
        "scenario": "粉尘涉爆企业疏散观摩",
        "attendees": 60,
        "host_id": enterprise_a.pk,
    }
    response = post_json(client, "/api/v1/drills/observations", payload)
    assert response.status_code == 201 and response.json()["host_id"] == enterprise_a.pk
    other = post_json(
        client, "/api/v1/drills/observations", {**payload, "jurisdiction_id": town_b.pk}
    )
    assert other.status_code == 422 and "管辖范围" in other.json()["detail"]
    assert client.get("/api/v1/drills/observations").json()["count"] == 1
    client_for(client, users[Role.PRINCIPAL])
    assert client.get("/api/v1/drills/observations").status_code == 403
    assert post_json(client, "/api/v1/drills/observations", payload).status_code == 403
