"""The county administrator's pages: every role asked, the secret and the token shown once,
the subscriber's state and attempts on its page, replay, a platform switched off; out of
scope is a 404."""

import pytest
from django.urls import reverse

from accounts.roles import PERMISSIONS, Role
from conftest import client_for, make_user
from core.models import Jurisdiction
from exchange import services
from exchange.models import DeliveryAttempt, InboundPlatform, Subscriber

pytestmark = pytest.mark.django_db


def test_every_role(client, users):
    assert PERMISSIONS["exchange.manage"] == {Role.COUNTY_ADMIN}
    for role in Role:
        client.force_login(users[role])
        for name in ("exchange:index", "exchange:subscriber_new", "exchange:platform_new"):
            expected = 200 if role == Role.COUNTY_ADMIN else 403
            assert client.get(reverse(name)).status_code == expected, (role, name)
    # The user menu links the page for the county administrator only.
    link = f'href="{reverse("exchange:index")}"'
    client.force_login(users[Role.COUNTY_ADMIN])
    assert link in client.get(reverse("exchange:index")).content.decode()
    client.force_login(users[Role.SUPERVISOR])
    assert link not in client.get(reverse("notification_settings")).content.decode()
    client.logout()
    assert client.get(reverse("exchange:index")).status_code == 302


def test_create_a_subscriber_shows_its_secret_once(client, admin, town_a):
    client_for(client, admin)
    response = client.post(
        reverse("exchange:subscriber_new"),
        {
            "name": "省风险监测平台",
            "url": "https://province.example/hook",
            "kinds": ["hazard", "alarm"],
            "jurisdiction": town_a.pk,
            "active": "on",
            "adapter": '{"hazard": {"rename": {"id": "yhbh"}}}',
        },
    )
    assert response.status_code == 200
    subscriber = Subscriber.objects.get()
    secret = subscriber.signing_secret()
    assert secret in response.content.decode()
    assert subscriber.jurisdiction == town_a
    assert subscriber.adapter == {"hazard": {"rename": {"id": "yhbh"}}}
    page = client.get(reverse("exchange:subscriber", args=[subscriber.pk])).content.decode()
    assert secret not in page and subscriber.secret not in page
    assert "隐患、报警" in page
    assert "重新生成密钥" in page


def test_refusals_are_said_on_the_form(client, admin):
    client_for(client, admin)
    response = client.post(
        reverse("exchange:subscriber_new"),
        {"name": "x", "url": "ftp://x/", "kinds": ["hazard"], "adapter": "{not json"},
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "字段映射不是有效的 JSON" in page
    assert not Subscriber.objects.exists()
    response = client.post(
        reverse("exchange:subscriber_new"),
        {
            "name": "x",
            "url": "ftp://x/",
            "kinds": ["hazard"],
            "jurisdiction": admin.jurisdiction_id,
        },
    )
    assert "接收地址须为 http 或 https 地址" in response.content.decode()


def test_state_attempts_and_replay(client, admin):
    subscriber, _ = services.create_subscriber(
        admin, name="市平台", url="http://127.0.0.1:9/", kinds=["hazard"]
    )
    Subscriber.objects.filter(pk=subscriber.pk).update(cursor=40, failures=2)
    from django.utils import timezone

    DeliveryAttempt.objects.create(
        subscriber=subscriber,
        at=timezone.now(),
        delivery_id="abc",
        first_seq=41,
        last_seq=43,
        count=3,
        status_code=503,
        duration_ms=12,
        error="HTTP 503",
    )
    client_for(client, admin)
    page = client.get(reverse("exchange:subscriber", args=[subscriber.pk])).content.decode()
    assert "连续失败 2 次" in page and "HTTP 503" in page and "41–43" in page
    replay = reverse("exchange:subscriber_replay", args=[subscriber.pk])
    response = client.post(replay, {"cursor": 5})
    assert response.status_code == 302
    subscriber.refresh_from_db()
    assert subscriber.cursor == 5 and subscriber.failures == 0
    client.post(replay, {"cursor": 99})
    subscriber.refresh_from_db()
    assert subscriber.cursor == 5  # never forward


def test_edit_a_subscriber(client, admin):
    subscriber, _ = services.create_subscriber(
        admin, name="市平台", url="http://127.0.0.1:9/", kinds=["hazard"]
    )
    client_for(client, admin)
    response = client.post(
        reverse("exchange:subscriber", args=[subscriber.pk]),
        {"name": "市平台二", "url": "http://127.0.0.1:10/", "kinds": ["penalty"], "adapter": ""},
    )
    assert response.status_code == 302
    subscriber.refresh_from_db()
    assert (subscriber.name, subscriber.kinds, subscriber.active) == (
        "市平台二",
        ["penalty"],
        False,
    )


def test_register_a_platform_and_switch_it_off(client, admin):
    client_for(client, admin)
    response = client.post(
        reverse("exchange:platform_new"), {"name": "省平台", "jurisdiction": admin.jurisdiction_id}
    )
    platform = InboundPlatform.objects.get()
    page = response.content.decode()
    assert "令牌只显示这一次" in page
    token = page.split("<code>")[1].split("</code>")[0]
    assert services.platform_for_token(token) == platform
    client.post(reverse("exchange:platform_toggle", args=[platform.pk]))
    assert services.platform_for_token(token) is None


def test_another_countys_subscriber_is_404(client, admin, far_enterprise):
    far_county = Jurisdiction.objects.get(pk=far_enterprise.jurisdiction.parent_id)
    far_admin = make_user("far_admin", Role.COUNTY_ADMIN, far_county)
    theirs, _ = services.create_subscriber(
        far_admin, name="冠县订阅", url="http://127.0.0.1:9/", kinds=["hazard"]
    )
    platform, _ = services.register_platform(far_admin, name="冠县上级")
    client_for(client, admin)
    assert client.get(reverse("exchange:subscriber", args=[theirs.pk])).status_code == 404
    replay = reverse("exchange:subscriber_replay", args=[theirs.pk])
    assert client.post(replay, {"cursor": 0}).status_code == 404
    toggle = reverse("exchange:platform_toggle", args=[platform.pk])
    assert client.post(toggle).status_code == 404
    assert "冠县订阅" not in client.get(reverse("exchange:index")).content.decode()
