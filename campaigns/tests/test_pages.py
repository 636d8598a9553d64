"""The pages and the API: scoping (404 outside the scope for each role), the phone checklist,
the checks, the ledger opened and read back, the workbench items."""

import io
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from PIL import Image

from accounts.roles import UPPER_ROLES as UPPER
from accounts.roles import Role
from campaigns import services
from campaigns.models import CampaignAnswer, CampaignFinding, CampaignTarget, Verdict
from campaigns.services import AnswerIn
from conftest import bearer, client_for, post_json
from hazards.models import Hazard, HazardPhoto
from hazards.states import State as HazardState
from workbench.items import campaign_items


@pytest.fixture
def town_b_campaign(outsider, today):
    """A campaign issued by the other town (B) on its own enterprise."""
    campaign = services.create_campaign(
        outsider,
        name="清平镇外包施工整治",
        basis="安全生产法",
        starts_on=today,
        ends_on=today + timedelta(days=60),
        template_code="outsourcing",
    )
    services.start(
        outsider,
        campaign.pk,
        self_check_ends_on=today + timedelta(days=5),
        town_check_ends_on=today + timedelta(days=10),
        spot_check_ends_on=today + timedelta(days=20),
    )
    return campaign


# Who sees the other town's campaign: the county's staff; nobody of town A or enterprise A.
SEES_TOWN_B = {Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, *UPPER}


@pytest.mark.parametrize("role", list(Role))
def test_a_campaign_outside_the_scope_is_404_for_each_role(client, users, town_b_campaign, role):
    user = users[role]
    client_for(client, user)
    target = town_b_campaign.targets.get()
    detail = client.get(f"/campaigns/{town_b_campaign.pk}/")
    target_page = client.get(f"/campaigns/targets/{target.pk}/")
    api = client.get(f"/api/v1/campaigns/{town_b_campaign.pk}")
    if role in SEES_TOWN_B:
        assert detail.status_code == 200
        assert target_page.status_code == 200
        assert api.status_code == 200
    elif role in (Role.EMPLOYEE, Role.EXPERT):
        # No campaign.view: 403 whatever the object.
        assert detail.status_code == 403
        assert api.status_code == 403
    else:
        assert detail.status_code == 404
        assert target_page.status_code == 404
        assert api.status_code == 404


def test_the_list_shows_each_user_their_campaigns(client, users, running, town_b_campaign):
    client_for(client, users[Role.TOWN_SUPERVISOR])
    page = client.get("/campaigns/").content.decode()
    assert running.name in page and town_b_campaign.name not in page
    client_for(client, users[Role.PRINCIPAL])
    page = client.get("/campaigns/").content.decode()
    assert running.name in page and "待自查" in page
    api = bearer(users[Role.SUPERVISOR]).get("/api/v1/campaigns").json()
    assert {c["name"] for c in api["items"]} == {running.name, town_b_campaign.name}


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return SimpleUploadedFile("p.png", buffer.getvalue(), content_type="image/png")


def test_the_phone_checklist_records_answers_and_hazards(
    client, users, running, enterprise_a, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client_for(client, users[Role.PRINCIPAL])
    url = f"/campaigns/{running.pk}/checklist/"
    page = client.get(url)
    assert page.status_code == 200
    assert "提交自查" in page.content.decode()
    target = CampaignTarget.objects.get(campaign=running, enterprise=enterprise_a)
    assert target.opened_at is not None
    items = list(running.items.order_by("position"))
    data = {f"verdict_{i.pk}": "conform" for i in items}
    data[f"verdict_{items[0].pk}"] = "nonconform"
    response = client.post(url, data)  # a 不符合 without a note: refused, nothing stored
    assert "第 1 项不符合，请说明存在的问题" in response.content.decode()
    assert not CampaignAnswer.objects.exists()
    data[f"note_{items[0].pk}"] = "警示标志缺失"
    data[f"photo_{items[0].pk}"] = _png()
    data[f"verdict_{items[1].pk}"] = "na"
    response = client.post(url, data)
    assert response.status_code == 302
    finding = CampaignFinding.objects.get()
    assert finding.item == items[0]
    assert HazardPhoto.objects.filter(hazard=finding.hazard).count() == 1
    assert CampaignAnswer.objects.get(item=items[1]).verdict == Verdict.NOT_APPLICABLE
    assert "已于" in client.get(url).content.decode()


def test_a_non_image_photo_is_refused(client, users, running):
    client_for(client, users[Role.PRINCIPAL])
    items = list(running.items.order_by("position"))
    data = {f"verdict_{i.pk}": "conform" for i in items}
    data[f"photo_{items[0].pk}"] = SimpleUploadedFile("x.jpg", b"not an image")
    response = client.post(f"/campaigns/{running.pk}/checklist/", data)
    assert response.status_code == 200
    assert not CampaignAnswer.objects.exists()


def test_the_api_answer_submit(users, running, enterprise_a, enterprise_b):
    items = list(running.items.order_by("position"))
    body = {
        "answers": [
            {"item_id": i.pk, "verdict": "nonconform" if n == 2 else "conform", "note": "无监护人"}
            for n, i in enumerate(items)
        ]
    }
    url = f"/api/v1/campaigns/{running.pk}/answers"
    refused = post_json(bearer(users[Role.PRINCIPAL]), url, {"answers": body["answers"][:2]})
    assert refused.status_code == 422
    assert "还有 3 项检查条目未填写" in refused.json()["detail"]
    assert post_json(bearer(users[Role.SUPERVISOR]), url, body).status_code == 403
    answered = post_json(bearer(users[Role.PRINCIPAL]), url, body)
    assert answered.status_code == 201, answered.content
    assert answered.json()["findings"] == 1
    again = post_json(bearer(users[Role.PRINCIPAL]), url, body)
    assert again.status_code == 409
    targets = bearer(users[Role.TOWN_SUPERVISOR]).get(f"/api/v1/campaigns/{running.pk}/targets")
    assert [t["enterprise_id"] for t in targets.json()["items"]] == [enterprise_a.pk]
    stats = bearer(users[Role.SUPERVISOR]).get(f"/api/v1/campaigns/{running.pk}/stats").json()
    assert [(r["town"], r["self_checked"], r["findings"]) for r in stats] == [
        ("赵寨子镇", 1, 1),
        ("清平镇", 0, 0),
    ]
    bad = post_json(bearer(users[Role.PRINCIPAL]), url, json.dumps([1, 2]))
    assert bad.status_code == 422


def test_town_check_page(client, users, running, enterprise_a):
    services.advance(users[Role.SUPERVISOR], running.pk)
    target = CampaignTarget.objects.get(campaign=running, enterprise=enterprise_a)
    client_for(client, users[Role.TOWN_SUPERVISOR])
    page = client.get(f"/campaigns/targets/{target.pk}/").content.decode()
    assert "登记镇街检查" in page
    response = client.post(
        f"/campaigns/targets/{target.pk}/", {"problems": "入口未上锁\n\n无检测记录\n"}
    )
    assert response.status_code == 302
    assert list(target.findings.values_list("stage", flat=True)) == ["town", "town"]


def test_the_ledger_opens_and_reads_back(client, users, running, enterprise_a):
    target = CampaignTarget.objects.get(campaign=running, enterprise=enterprise_a)
    items = list(running.items.order_by("position"))
    answers = [
        AnswerIn(i.pk, Verdict.NONCONFORM if i.position == 2 else Verdict.CONFORM, "=HYPERLINK(1)")
        for i in items
    ]
    services.answer(users[Role.PRINCIPAL], target.pk, answers)
    finding = target.findings.get()
    Hazard.objects.filter(pk=finding.hazard_id).update(state=HazardState.RECTIFYING)
    client_for(client, users[Role.SUPERVISOR])
    response = client.get(f"/campaigns/{running.pk}/ledger/")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["整治对象台账", "问题隐患清单", "检查条目", "镇街统计"]
    rows = list(book["整治对象台账"].values)
    assert rows[0][:5] == ("镇街", "企业名称", "统一社会信用代码", "纳入原因", "自查提交时间")
    by_name = {row[1]: row for row in rows[1:]}
    mine = by_name["高唐县精工铸造有限公司"]
    assert mine[5:10] == ("符合", "不符合", "符合", "符合", "符合")
    assert mine[10] == 1
    assert by_name["清平木业有限公司"][5:11] == (None, None, None, None, None, 0)
    findings = list(book["问题隐患清单"].values)
    assert len(findings) == 2
    assert findings[1][2:4] == ("企业自查", 2)
    assert findings[1][4].endswith("：=HYPERLINK(1)")  # text, never a formula
    assert findings[1][6] == "整改中"
    towns = list(book["镇街统计"].values)
    assert towns[-1][:2] == ("合计", 2)
    # A town's staff export only their town's enterprises.
    client_for(client, users[Role.TOWN_SUPERVISOR])
    response = client.get(f"/campaigns/{running.pk}/ledger/")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [row[1] for row in list(book["整治对象台账"].values)[1:]] == ["高唐县精工铸造有限公司"]
    client_for(client, users[Role.PRINCIPAL])
    assert client.get(f"/campaigns/{running.pk}/ledger/").status_code == 403


def test_close_page_refuses_with_the_count(client, users, running, enterprise_a):
    target = CampaignTarget.objects.get(campaign=running, enterprise=enterprise_a)
    items = list(running.items.order_by("position"))
    services.answer(
        users[Role.PRINCIPAL],
        target.pk,
        [AnswerIn(i.pk, Verdict.NONCONFORM, "问题") for i in items[:2]]
        + [AnswerIn(i.pk, Verdict.CONFORM) for i in items[2:]],
    )
    for _ in range(3):
        services.advance(users[Role.SUPERVISOR], running.pk)
    client_for(client, users[Role.SUPERVISOR])
    response = client.post(f"/campaigns/{running.pk}/close/", follow=True)
    assert "尚有 2 项问题隐患未销号且未结转" in response.content.decode()
    running.refresh_from_db()
    assert running.state == "close_out"


def test_draft_page_shows_how_many_match(client, users, draft):
    client_for(client, users[Role.SUPERVISOR])
    response = client.post(f"/campaigns/{draft.pk}/targeting/", {"industries": ["textile"]})
    assert response.status_code == 302
    page = client.get(f"/campaigns/{draft.pk}/").content.decode()
    assert "当前符合条件的企业 <strong>1</strong> 家" in page


def test_create_page(client, users, today):
    client_for(client, users[Role.SUPERVISOR])
    response = client.post(
        "/campaigns/new/",
        {
            "name": "预防高处坠落专项整治",
            "template_code": "falls",
            "basis": "安全生产法",
            "starts_on": today.isoformat(),
            "ends_on": (today - timedelta(days=1)).isoformat(),
        },
    )
    assert "结束日期不能早于开始日期" in response.content.decode()


def test_workbench_items(users, running, enterprise_a, today):
    principal, town, supervisor = (
        users[Role.PRINCIPAL],
        users[Role.TOWN_SUPERVISOR],
        users[Role.SUPERVISOR],
    )
    assert [(i.key, i.count) for i in campaign_items(principal, today)] == [
        ("campaign_self_check", 1)
    ]
    late = today + timedelta(days=11)
    assert [i.key for i in campaign_items(principal, late)] == ["campaign_self_check_overdue"]
    target = CampaignTarget.objects.get(campaign=running, enterprise=enterprise_a)
    items = running.items.order_by("position")
    services.answer(principal, target.pk, [AnswerIn(i.pk, Verdict.CONFORM) for i in items])
    assert campaign_items(principal, today) == []
    services.advance(supervisor, running.pk)
    assert [(i.key, i.count) for i in campaign_items(town, today)] == [("campaign_town_check", 1)]
    services.advance(supervisor, running.pk)
    services.advance(supervisor, running.pk)
    assert [i.key for i in campaign_items(supervisor, today)] == ["campaign_ready_to_close"]
    assert campaign_items(town, today) == []  # not theirs to close
