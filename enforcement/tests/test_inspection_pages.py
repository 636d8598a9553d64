"""The inspection pages on a phone: start, answer item by item with photos, complete, re-check,
file a case from it; and the API's answer/complete round trip."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from conftest import client_for
from enforcement.inspections import services as inspections
from enforcement.models import Inspection, InspectionPhoto, Penalty
from enforcement.plans import services
from enforcement.plans.services import DrawRequest
from enforcement.tests.test_inspection_scoping import png
from hazards.models import Hazard

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def enforcer(users):
    return users[Role.ENFORCEMENT_OFFICER]


def test_phone_flow(client, settings, tmp_path, enforcer, inspectors, enterprise_a):
    settings.MEDIA_ROOT = tmp_path
    client_for(client, enforcer)
    response = client.post(
        "/enforcement/inspections/new/",
        {
            "enterprise": enterprise_a.credit_code,
            "kind": "on_site",
            "inspected_on": timezone.localdate().isoformat(),
            "inspectors": [inspectors[0].pk, inspectors[1].pk],
            "place": "熔炼车间",
        },
    )
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{inspection.pk}/")
    page = client.get(f"/enforcement/inspections/{inspection.pk}/").content.decode()
    rows = inspections.checklist_rows(inspection)
    assert f'id="item-{rows[0]["item"].pk}"' in page and 'capture="environment"' in page
    url = f"/enforcement/inspections/{inspection.pk}/items/"
    first = rows[0]["item"]
    response = client.post(
        f"{url}{first.pk}/",
        {
            "result": "not_compliant",
            "note": "未设置断水报警",
            "photos": [png("a.png"), png("b.png")],
        },
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#item-{first.pk}")
    assert InspectionPhoto.objects.count() == 2
    # a wanting item without a note: refused with the reason, nothing stored
    second = rows[1]["item"]
    response = client.post(f"{url}{second.pk}/", {"result": "not_compliant"}, follow=True)
    assert "请写明具体问题" in response.content.decode()
    # completing early names what is missing
    response = client.post(f"/enforcement/inspections/{inspection.pk}/complete/", follow=True)
    assert "尚未作答" in response.content.decode()
    for row in rows[1:]:
        client.post(f"{url}{row['item'].pk}/", {"result": "compliant"})
    deadline = timezone.localdate() + timedelta(days=15)
    response = client.post(
        f"/enforcement/inspections/{inspection.pk}/complete/",
        {"findings": "现场发现一项问题", "rectify_deadline": deadline.isoformat()},
        follow=True,
    )
    html = response.content.decode()
    assert "检查已完成" in html and "现场检查记录" in html and "责令限期整改指令书" in html
    hazard = Hazard.objects.get()
    assert hazard.is_major == bool(first.criterion_id)
    # The photos travel with the hazard: the same files, not copies.
    assert sorted(p.image.name for p in hazard.photos.all()) == sorted(
        p.image.name for p in InspectionPhoto.objects.all()
    )
    shown = client.get(f"/hazards/photos/{hazard.photos.first().pk}/")
    assert shown.status_code == 200 and b"".join(shown.streaming_content)[:8] == PNG_SIGNATURE
    response = client.post(
        f"/enforcement/inspections/{inspection.pk}/recheck/",
        {"rechecked_on": timezone.localdate().isoformat(), "opinion": "整改未完成"},
        follow=True,
    )
    assert "复查已记录" in response.content.decode()
    # a case from it, prefilled
    form = client.get(f"/enforcement/penalties/new/?inspection={inspection.pk}").content.decode()
    assert "未设置断水报警" in form
    client.post(
        "/enforcement/penalties/new/",
        {
            "enterprise": enterprise_a.credit_code,
            "violation": "未设置断水报警",
            "legal_basis": "《安全生产法》第一百零二条",
            "amount": "10000",
            "filed_on": timezone.localdate().isoformat(),
            "inspection": inspection.pk,
        },
    )
    penalty = Penalty.objects.get()
    assert penalty.inspection_id == inspection.pk
    assert (
        "source-inspection" in client.get(f"/enforcement/penalties/{penalty.pk}/").content.decode()
    )
    assert (
        penalty.case_number
        in client.get(f"/enforcement/inspections/{inspection.pk}/").content.decode()
    )


def test_start_from_a_draw_assignment(
    client, enforcer, inspectors, enterprise_a, enterprise_a2, enterprise_b
):
    draw = services.create_draw(enforcer, DrawRequest(name="抽查", enterprise_count=3, seed="p"))
    assignment = draw.assignments.get(enterprise=enterprise_a)
    client_for(client, enforcer)
    page = client.get(f"/enforcement/inspections/new/?assignment={assignment.pk}").content.decode()
    assert enterprise_a.credit_code in page and "双随机抽查：抽查" in page


def test_api_round_trip(client, enforcer, inspectors, enterprise_b):
    client_for(client, enforcer)
    created = client.post(
        "/api/v1/inspections",
        {"enterprise_id": enterprise_b.pk, "kind": "remote", "inspector_ids": [inspectors[0].pk]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    data = created.json()
    base = f"/api/v1/inspections/{data['id']}"
    bad = client.post(f"{base}/complete", {}, content_type="application/json")
    assert bad.status_code == 422 and "尚未作答" in bad.json()["detail"]
    for row in data["checklist"]:
        answer = client.post(
            f"{base}/answers",
            {"item_id": row["item_id"], "result": "compliant"},
            content_type="application/json",
        )
        assert answer.status_code == 200
    wrong = client.post(
        f"{base}/answers",
        {"item_id": 999999, "result": "compliant"},
        content_type="application/json",
    )
    assert wrong.status_code == 422
    done = client.post(
        f"{base}/complete", {"findings": "数据审查未见异常"}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["state"] == "completed"
    assert [d["kind"] for d in done.json()["documents"]] == ["record"]
    again = client.post(f"{base}/complete", {}, content_type="application/json")
    assert again.status_code == 409
    recheck = client.post(
        f"{base}/rechecks",
        {"rechecked_on": timezone.localdate().isoformat(), "opinion": "x"},
        content_type="application/json",
    )
    assert recheck.status_code == 409  # nothing was ordered
    few = client.post(
        "/api/v1/inspections",
        {"enterprise_id": enterprise_b.pk, "kind": "on_site", "inspector_ids": [inspectors[0].pk]},
        content_type="application/json",
    )
    assert few.status_code == 422 and "不得少于 2 名" in few.json()["detail"]
    nul = client.post(
        "/api/v1/inspections",
        {"enterprise_id": enterprise_b.pk, "kind": "on_site", "place": "a\x00"},
        content_type="application/json",
    )
    assert nul.status_code == 422
    huge = client.post(
        "/api/v1/inspections",
        {"enterprise_id": enterprise_b.pk, "kind": "remote", "inspector_ids": [10**25]},
        content_type="application/json",
    )
    assert huge.status_code == 422 and "编号有误" in huge.json()["detail"]
