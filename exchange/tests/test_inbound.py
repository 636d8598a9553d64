"""Tasks pushed down by a platform above: its own token, validated (Chinese 4xx reasons), all
or nothing with a reason per unknown enterprise, once per external id, kept with the campaign
draft it made, and told to the county's supervisors."""

import pytest
from django.test import Client

from accounts.roles import Role
from campaigns.models import Campaign, State
from conftest import post_json
from core.models import Notification
from exchange import services
from exchange.models import InboundTask

URL = "/api/v1/exchange/inbound/tasks"
pytestmark = pytest.mark.django_db


@pytest.fixture
def platform(admin, county):
    found, token = services.register_platform(admin, name="聊城市应急管理局平台")
    assert found.jurisdiction == county
    return found, token


def _client(token):
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _task(**extra):
    return {
        "external_id": "LC-2026-0007",
        "kind": "campaign",
        "name": "有限空间作业专项整治",
        "basis": "《工贸企业有限空间作业安全规定》（应急管理部令第13号）",
        "starts_on": "2026-12-10",
        "ends_on": "2027-03-31",
        **extra,
    }


def test_a_campaign_task_makes_a_draft_and_tells_the_county(
    platform, users, django_capture_on_commit_callbacks
):
    _, token = platform
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(_client(token), URL, _task(template_code="falls"))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["created"] is True and body["external_id"] == "LC-2026-0007"
    campaign = Campaign.objects.get(pk=body["campaign_id"])
    assert campaign.state == State.DRAFT
    assert campaign.name == "有限空间作业专项整治"
    assert "聊城市应急管理局平台下发" in campaign.source_note
    assert campaign.items.exists()  # the template's checklist
    task = InboundTask.objects.get()
    assert task.campaign == campaign and task.platform == platform[0]
    told = set(Notification.objects.filter(kind="exchange").values_list("recipient", flat=True))
    assert told == {users[Role.SUPERVISOR].pk, users[Role.COUNTY_ADMIN].pk}


def test_a_check_list_targets_exactly_those_enterprises(platform, enterprise_a, enterprise_b):
    _, token = platform
    payload = _task(
        kind="check_list",
        external_id="LC-CHECK-1",
        enterprises=[enterprise_a.credit_code, enterprise_b.credit_code],
    )
    response = post_json(_client(token), URL, payload)
    assert response.status_code == 201, response.json()
    campaign = Campaign.objects.get(pk=response.json()["campaign_id"])
    assert sorted(campaign.targeting["enterprise_ids"]) == sorted(
        [enterprise_a.pk, enterprise_b.pk]
    )


def test_sent_again_it_is_the_same_task(platform):
    _, token = platform
    first = post_json(_client(token), URL, _task())
    again = post_json(_client(token), URL, _task())
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["campaign_id"] == first.json()["campaign_id"]
    assert Campaign.objects.count() == 1 and InboundTask.objects.count() == 1
    other = post_json(_client(token), URL, _task(name="另一个名称"))
    assert other.status_code == 409
    assert "已接收过不同的内容" in other.json()["detail"]


def test_unknown_enterprises_are_reported_per_row_and_nothing_is_made(
    platform, enterprise_a, far_enterprise
):
    _, token = platform
    payload = _task(
        kind="check_list",
        enterprises=[enterprise_a.credit_code, "91371526000000000X", far_enterprise.credit_code],
    )
    response = post_json(_client(token), URL, payload)
    assert response.status_code == 422
    body = response.json()
    assert "2 行无法接收" in body["detail"]
    assert [(e["row"], e["credit_code"]) for e in body["errors"]] == [
        (1, "91371526000000000X"),
        (2, far_enterprise.credit_code),
    ]
    assert all(e["reason"] == "企业不存在或不在下发范围内" for e in body["errors"])
    assert not Campaign.objects.exists() and not InboundTask.objects.exists()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"kind": "check_list"}, "至少需要一家企业"),
        ({"ends_on": "2026-01-01"}, "结束日期不能早于开始日期"),
        ({"template_code": "nonsense"}, "整治模板不存在"),
        ({"external_id": "  "}, "任务编号"),
        ({"name": ""}, "专项整治名称"),
    ],
)
def test_invalid_tasks_are_refused_in_chinese(platform, change, reason):
    _, token = platform
    response = post_json(_client(token), URL, _task(**change))
    assert response.status_code == 422
    assert reason in response.json()["detail"]
    assert not Campaign.objects.exists()


def test_unreadable_body_is_422(platform):
    _, token = platform
    response = post_json(_client(token), URL, {"kind": "other"})
    assert response.status_code == 422
    assert response.json()["detail"] == "请求数据有误"


def test_token_auth(platform, admin, users):
    found, token = platform
    assert post_json(Client(), URL, _task()).status_code == 401
    assert post_json(_client("ajp_wrong"), URL, _task()).status_code == 401
    # A user's API token is not a platform's.
    from accounts.services import create_token

    _, user_token = create_token(users[Role.SUPERVISOR], "x")
    assert post_json(_client(user_token), URL, _task()).status_code == 401
    services.set_platform_active(admin, found.pk, False)
    assert post_json(_client(token), URL, _task()).status_code == 401
    services.set_platform_active(admin, found.pk, True)
    assert post_json(_client(token), URL, _task()).status_code == 201


def test_a_town_platform_pushes_only_to_its_town(admin, town_a, enterprise_a, enterprise_b):
    _, token = services.register_platform(admin, name="镇平台", jurisdiction_id=town_a.pk)
    payload = _task(kind="check_list", enterprises=[enterprise_b.credit_code])
    assert post_json(_client(token), URL, payload).status_code == 422
    payload = _task(kind="check_list", enterprises=[enterprise_a.credit_code])
    assert post_json(_client(token), URL, payload).status_code == 201


def test_only_the_county_admin_registers_a_platform(users, far_enterprise):
    for role, user in users.items():
        if role == Role.COUNTY_ADMIN:
            continue
        with pytest.raises(services.ExchangeRefused) as refused:
            services.register_platform(user, name="x")
        assert refused.value.status == 403
    far_town = far_enterprise.jurisdiction
    with pytest.raises(services.ExchangeRefused, match="管辖范围"):
        services.register_platform(users[Role.COUNTY_ADMIN], name="x", jurisdiction_id=far_town.pk)
