"""Notifications by other channels (core.channels, core.delivery): e-mail, an SMS gateway and a
企业微信 robot, each reached for real (Django's locmem mail; a local HTTP server standing in for
the gateway and the robot); a failing channel is retried and recorded and never loses the
in-app copy; digests, quiet hours, urgent alarms; the settings page."""

import json
import threading
from datetime import datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from conftest import client_for
from core import delivery, notify
from core.models import Delivery, DeliveryState, Notification, NotificationPreference

SHANGHAI = timezone.get_fixed_timezone(8 * 60)


class Gateway:
    """A local HTTP endpoint: records each JSON body, answers with the queued statuses."""

    def __init__(self):
        self.received = []
        self.answers = []  # (status, body) per request; then 200 {"errcode": 0}
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                gateway.received.append(
                    (json.loads(self.rfile.read(length)), self.headers.get("Authorization"))
                )
                status, body = gateway.answers.pop(0) if gateway.answers else (200, {"errcode": 0})
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway():
    server = Gateway()
    yield server
    server.close()


@pytest.fixture
def channels_on(settings, gateway):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NOTIFY_CHANNELS = ["email", "sms", "wecom"]
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = gateway.url
    settings.SMS_GATEWAY_KEY = "sms-key"
    settings.WECOM_WEBHOOK_URL = gateway.url
    settings.SITE_URL = "https://anjian.example.gov"
    return settings


@pytest.fixture
def officer_with_phone(users):
    user = users[Role.SAFETY_OFFICER]
    user.email, user.phone = "safety@example.com", "13800000001"
    user.save()
    return user


def prefer(user, *channels, digest=False, quiet=None):
    return NotificationPreference.objects.create(
        user=user,
        channels=list(channels),
        digest=digest,
        quiet_start=quiet[0] if quiet else None,
        quiet_end=quiet[1] if quiet else None,
    )


def test_each_channel_delivers_for_real(
    channels_on, gateway, officer_with_phone, django_capture_on_commit_callbacks, immediate_tasks
):
    prefer(officer_with_phone, "email", "sms", "wecom")
    with django_capture_on_commit_callbacks(execute=True):
        notify.send([officer_with_phone], "隐患待整改", "打磨工位积尘", "/hazards/7/", "hazards")
    assert Notification.objects.filter(recipient=officer_with_phone).count() == 1
    sent = Delivery.objects.filter(state=DeliveryState.SENT)
    assert sorted(sent.values_list("channel", flat=True)) == ["email", "sms", "wecom"]
    assert mail.outbox[0].subject == "隐患待整改" and mail.outbox[0].to == ["safety@example.com"]
    assert "https://anjian.example.gov/hazards/7/" in mail.outbox[0].body
    bodies = [body for body, _ in gateway.received]
    sms = next(b for b in bodies if "phone" in b)
    robot = next(b for b in bodies if "msgtype" in b)
    assert sms == {"phone": "13800000001", "text": "【安监平台】隐患待整改"}
    assert ("Bearer sms-key") in [auth for _, auth in gateway.received]
    assert robot["text"]["mentioned_mobile_list"] == ["13800000001"]
    assert robot["text"]["content"].startswith("隐患待整改\n打磨工位积尘")


def test_a_failing_gateway_is_retried_and_recorded_and_the_inbox_keeps_the_copy(
    channels_on, gateway, officer_with_phone
):
    prefer(officer_with_phone, "sms")
    gateway.answers = [(500, {"error": "busy"}), (503, {})]
    notify.send([officer_with_phone], "报警待处置", "", "/monitoring/alarms/1/", "monitoring")
    row = Delivery.objects.get()
    now = timezone.now()
    assert delivery.attempt(row.pk, now) is False
    row.refresh_from_db()
    assert row.state == DeliveryState.PENDING and row.attempts == 1
    assert row.last_error == "网关返回 HTTP 500"
    assert row.next_attempt_at == now + timedelta(minutes=1)
    assert delivery.retry_due(now) == 0  # not due yet
    assert delivery.retry_due(now + timedelta(minutes=1)) == 0  # 503 this time
    row.refresh_from_db()
    assert row.attempts == 2 and row.next_attempt_at == now + timedelta(minutes=6)
    assert delivery.retry_due(now + timedelta(minutes=6)) == 1
    row.refresh_from_db()
    assert row.state == DeliveryState.SENT and row.last_error == ""
    assert Notification.objects.filter(recipient=officer_with_phone, read_at=None).count() == 1


def test_an_unreachable_channel_is_given_up_after_the_last_retry(
    channels_on, settings, officer_with_phone
):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/unreachable"
    settings.NOTIFY_RETRY_MINUTES = [1]
    prefer(officer_with_phone, "sms")
    notify.send([officer_with_phone], "隐患逾期", kind="hazards")
    row = Delivery.objects.get()
    now = timezone.now()
    delivery.attempt(row.pk, now)
    delivery.retry_due(now + timedelta(minutes=1))
    row.refresh_from_db()
    assert row.state == DeliveryState.FAILED and row.attempts == 2
    assert row.last_error.startswith("无法连接网关")
    assert Notification.objects.filter(title="隐患逾期").exists()


def test_a_robot_error_code_is_a_failure(channels_on, gateway, officer_with_phone):
    prefer(officer_with_phone, "wecom")
    gateway.answers = [(200, {"errcode": 93000, "errmsg": "invalid webhook url"})]
    notify.send([officer_with_phone], "隐患待确认", kind="hazards")
    row = Delivery.objects.get()
    assert delivery.attempt(row.pk) is False
    row.refresh_from_db()
    assert row.last_error == "企业微信返回错误 93000：invalid webhook url"


def test_a_digest_holds_all_but_urgent_and_sends_one_message_a_day(channels_on, officer_with_phone):
    prefer(officer_with_phone, "email", digest=True)
    notify.send([officer_with_phone], "隐患一", kind="hazards")
    notify.send([officer_with_phone], "隐患二", kind="hazards")
    notify.send([officer_with_phone], "可燃气体超限", kind="monitoring", urgent=True)
    states = dict(Delivery.objects.values_list("notification__title", "state"))
    assert states == {
        "隐患一": DeliveryState.HELD,
        "隐患二": DeliveryState.HELD,
        "可燃气体超限": DeliveryState.PENDING,
    }
    assert delivery.send_digests() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "安监平台每日通知汇总（2 条）"
    assert "· 隐患一\n· 隐患二" in mail.outbox[0].body
    assert not Delivery.objects.filter(state=DeliveryState.HELD).exists()
    assert delivery.send_digests() == 0


def test_quiet_hours_put_off_all_but_urgent(channels_on, officer_with_phone, monkeypatch):
    prefer(officer_with_phone, "email", quiet=(time(22, 0), time(7, 0)))
    night = datetime(2026, 12, 6, 23, 30, tzinfo=SHANGHAI)
    monkeypatch.setattr(delivery.timezone, "now", lambda: night)
    notify.send([officer_with_phone], "隐患待确认", kind="hazards")
    notify.send([officer_with_phone], "报警", kind="monitoring", urgent=True)
    later = Delivery.objects.get(notification__title="隐患待确认")
    assert later.next_attempt_at == datetime(2026, 12, 7, 7, 0, tzinfo=SHANGHAI)
    assert Delivery.objects.get(notification__title="报警").next_attempt_at == night


def test_quiet_until_within_a_day_and_across_midnight():
    day = NotificationPreference(quiet_start=time(12, 0), quiet_end=time(14, 0))
    night = NotificationPreference(quiet_start=time(22, 0), quiet_end=time(7, 0))
    noon = datetime(2026, 12, 6, 12, 30, tzinfo=SHANGHAI)
    assert delivery.quiet_until(day, noon) == datetime(2026, 12, 6, 14, 0, tzinfo=SHANGHAI)
    assert delivery.quiet_until(night, noon) is None
    early = datetime(2026, 12, 6, 6, 0, tzinfo=SHANGHAI)
    assert delivery.quiet_until(night, early) == datetime(2026, 12, 6, 7, 0, tzinfo=SHANGHAI)
    assert delivery.quiet_until(NotificationPreference(), noon) is None


def test_no_copy_without_a_preference_an_address_or_the_channel_enabled(
    channels_on, settings, users, officer_with_phone
):
    notify.send([users[Role.PRINCIPAL]], "无设置", kind="hazards")
    assert not Delivery.objects.exists()
    prefer(users[Role.EMPLOYEE], "sms")  # no phone
    notify.send([users[Role.EMPLOYEE]], "无手机号", kind="hazards")
    assert not Delivery.objects.exists()
    settings.NOTIFY_CHANNELS = ["email"]
    prefer(officer_with_phone, "sms")
    notify.send([officer_with_phone], "短信未启用", kind="hazards")
    assert not Delivery.objects.exists()


def test_the_settings_page_saves_and_refuses_a_channel_without_an_address(
    client, channels_on, users, officer_with_phone
):
    client_for(client, users[Role.EMPLOYEE])
    page = client.get(reverse("notification_settings")).content.decode()
    assert "电子邮件" in page and "短信" in page and "企业微信群" in page
    response = client.post(reverse("notification_settings"), {"channels": ["sms"]})
    assert "您的账号未填写手机号，不能选择短信" in response.content.decode()
    assert not NotificationPreference.objects.get(user=users[Role.EMPLOYEE]).channels
    response = client.post(
        reverse("notification_settings"), {"digest": "on", "quiet_start": "22:00"}
    )
    assert "免打扰时段需同时填写开始和结束时间" in response.content.decode()
    client_for(client, officer_with_phone)
    response = client.post(
        reverse("notification_settings"),
        {"channels": ["sms", "email"], "quiet_start": "22:00", "quiet_end": "07:00"},
    )
    assert response.status_code == 302
    saved = NotificationPreference.objects.get(user=officer_with_phone)
    assert sorted(saved.channels) == ["email", "sms"] and saved.quiet_end == time(7, 0)


def test_the_inbox_shows_how_each_copy_went(client, channels_on, gateway, officer_with_phone):
    prefer(officer_with_phone, "sms")
    gateway.answers = [(500, {})]
    notify.send([officer_with_phone], "隐患待整改", kind="hazards")
    delivery.attempt(Delivery.objects.get().pk)
    client_for(client, officer_with_phone)
    page = client.get(reverse("inbox")).content.decode()
    assert "短信待发送" in page and 'title="网关返回 HTTP 500"' in page
