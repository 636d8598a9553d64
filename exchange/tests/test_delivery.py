"""Pushes to a subscriber: a receiver on 127.0.0.1 (http.server in a thread) verifies each
signature, is down for a while (refusing, then answering 500, then taking a batch but failing
the answer) and then up; it ends with every change in order, no gaps, and duplicates only as
re-sends of the same entry ids."""

import hashlib
import hmac
import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from exchange import delivery, outbox, services
from exchange.models import ExchangeEntry, Subscriber
from exchange.tests.conftest import raise_alarm, report_hazard

pytestmark = pytest.mark.django_db


class Receiver:
    """A subscriber's endpoint. mode: "ok" (2xx), "500" (refuses the batch), "take_then_500"
    (stores the batch, then answers 500: the sender cannot know it arrived), "redirect"."""

    def __init__(self, secret, port=0):
        self.secret = secret.encode()
        self.mode = "ok"
        self.batches = []  # every body received and verified, in order
        self.bad_signatures = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = "sha256=" + hmac.new(receiver.secret, body, hashlib.sha256).hexdigest()
                if not hmac.compare_digest(expected, self.headers["X-Anjian-Signature"]):
                    receiver.bad_signatures += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                payload = json.loads(body)
                assert payload["delivery"] == self.headers["X-Anjian-Delivery"]
                if receiver.mode in ("ok", "take_then_500"):
                    receiver.batches.append(payload)
                if receiver.mode == "redirect":
                    self.send_response(302)
                    self.send_header("Location", "http://127.0.0.1:1/")
                    self.end_headers()
                    return
                self.send_response(200 if receiver.mode == "ok" else 500)
                self.end_headers()
                if receiver.mode == "take_then_500":
                    receiver.mode = "ok"

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def received(self):
        return [entry for batch in self.batches for entry in batch["entries"]]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _later(minutes=120):
    return timezone.now() + timedelta(minutes=minutes)


@pytest.fixture
def subscriber(admin):
    port = _free_port()
    found, secret = services.create_subscriber(
        admin,
        name="省风险监测平台",
        url=f"http://127.0.0.1:{port}/hook",
        kinds=["hazard", "hazard_event", "alarm"],
    )
    found.secret_plain = secret
    found.port = port
    return found


def test_signature_is_hmac_sha256_of_the_raw_body():
    body = b'{"entries":[]}'
    assert delivery.signature("k", body) == (
        "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()
    )


def test_down_for_a_while_then_every_change_in_order(
    settings, subscriber, county_supervisor, enterprise_a, enterprise_b, far_enterprise
):
    settings.EXCHANGE_BATCH = 3
    for n in range(4):
        report_hazard(county_supervisor, enterprise_a, f"隐患 {n}")
    raise_alarm(enterprise_b)
    # Down: nothing listens on the port.
    assert delivery.deliver(subscriber.pk) == 0
    subscriber.refresh_from_db()
    assert subscriber.cursor == 0 and subscriber.failures == 1
    assert subscriber.next_attempt_at > timezone.now()
    assert delivery.deliver(subscriber.pk) == 0  # not due yet: no attempt
    assert subscriber.attempts.count() == 1
    first = subscriber.attempts.get()
    assert first.status_code is None and first.error and not first.ok

    receiver = Receiver(subscriber.secret_plain, port=subscriber.port)
    try:
        receiver.mode = "500"
        delivery.deliver(subscriber.pk, now=_later())
        subscriber.refresh_from_db()
        assert subscriber.cursor == 0 and subscriber.failures == 2
        assert subscriber.attempts.first().status_code == 500
        # More changes while it is down.
        for n in range(3):
            report_hazard(county_supervisor, enterprise_b, f"后来的隐患 {n}")
        # The first batch arrives but its answer fails: it is sent again, same ids.
        receiver.mode = "take_then_500"
        delivery.deliver(subscriber.pk, now=_later(240))
        subscriber.refresh_from_db()
        assert subscriber.cursor == 0 and subscriber.failures == 3
        delivered = delivery.deliver(subscriber.pk, now=_later(480))
        subscriber.refresh_from_db()
        assert subscriber.failures == 0 and subscriber.next_attempt_at is None
        assert subscriber.last_success_at is not None and delivered > 0
    finally:
        receiver.stop()

    assert receiver.bad_signatures == 0
    expected = list(
        ExchangeEntry.objects.filter(kind__in=subscriber.kinds)
        .exclude(enterprise_id=far_enterprise.pk)
        .order_by("seq")
        .values_list("pk", "seq")
    )
    assert len(expected) == 4 * 2 + 1 + 3 * 2
    received = receiver.received()
    # Deduplicated by entry id, the receiver holds every entry once, in cursor order.
    unique, seen = [], {}
    for entry in received:
        if entry["id"] in seen:
            assert entry == seen[entry["id"]]  # a re-send: the same entry, the same content
            continue
        seen[entry["id"]] = entry
        unique.append((entry["id"], entry["cursor"]))
    assert unique == expected
    assert len(received) - len(unique) == 3  # exactly the batch whose answer failed
    assert subscriber.cursor == outbox.last()
    for batch in receiver.batches:
        assert batch["entry_ids"] == [e["id"] for e in batch["entries"]]
    # Every attempt is logged: refused, 500, taken-then-500, then the successes.
    attempts = list(subscriber.attempts.order_by("at", "id"))
    assert [a.ok for a in attempts[:3]] == [False, False, False]
    assert all(a.ok and a.status_code == 200 for a in attempts[3:])
    assert [a.count for a in attempts[3:]] == [3, 3, 3, 3, 3]  # 15 entries, batches of 3


def test_no_redirect_is_followed(subscriber, county_supervisor, enterprise_a):
    report_hazard(county_supervisor, enterprise_a)
    receiver = Receiver(subscriber.secret_plain, port=subscriber.port)
    receiver.mode = "redirect"
    try:
        delivery.deliver(subscriber.pk)
    finally:
        receiver.stop()
    subscriber.refresh_from_db()
    assert subscriber.cursor == 0 and subscriber.failures == 1
    assert subscriber.attempts.get().status_code == 302


def test_backoff_doubles_up_to_its_cap(settings):
    settings.EXCHANGE_BACKOFF_MAX_MINUTES = 10
    waits = [delivery.backoff(n).total_seconds() for n in range(1, 8)]
    assert waits == [30, 60, 120, 240, 480, 600, 600]


def test_replay_sends_again_from_the_cursor(admin, subscriber, county_supervisor, enterprise_a):
    report_hazard(county_supervisor, enterprise_a)
    receiver = Receiver(subscriber.secret_plain, port=subscriber.port)
    try:
        delivery.deliver(subscriber.pk)
        subscriber.refresh_from_db()
        assert subscriber.cursor == outbox.last()
        first = [e["id"] for e in receiver.received()]
        services.replay(admin, subscriber.pk, 0)
        delivery.deliver(subscriber.pk)
    finally:
        receiver.stop()
    assert [e["id"] for e in receiver.received()] == first + first


def test_a_configured_adapter_maps_a_provincial_interface(admin, county_supervisor, enterprise_a):
    adapter = {
        "hazard": {
            "select": ["id", "credit_code", "state", "is_major"],
            "codes": {"state": {"confirmed": "02", "reported": "01"}},
            "rename": {"id": "yhbh", "credit_code": "tyshxydm", "state": "zt"},
        }
    }
    port = _free_port()
    found, secret = services.create_subscriber(
        admin, name="省平台", url=f"http://127.0.0.1:{port}/", kinds=["hazard"], adapter=adapter
    )
    hazard = report_hazard(county_supervisor, enterprise_a)
    receiver = Receiver(secret, port=port)
    try:
        delivery.deliver(found.pk)
    finally:
        receiver.stop()
    (entry,) = receiver.received()
    assert entry["document"] == {
        "yhbh": hazard.pk,
        "tyshxydm": enterprise_a.credit_code,
        "zt": {"reported": "01", "confirmed": "02"}.get(hazard.state, hazard.state),
        "is_major": hazard.is_major,
    }
    assert entry["id"] and entry["kind"] == "hazard"
    # The pull API and the outbox keep the platform's own document.
    assert ExchangeEntry.objects.get(pk=entry["id"]).document["description"]


def test_a_bad_adapter_is_refused(admin):
    for adapter, reason in [
        ({"nonsense": {}}, "不存在"),
        ({"hazard": {"select": ["no_such_field"]}}, "没有字段"),
        ({"hazard": {"drop": []}}, "只能包含"),
    ]:
        with pytest.raises(services.ExchangeRefused, match=reason):
            services.create_subscriber(
                admin, name="x", url="http://127.0.0.1:9/", kinds=["hazard"], adapter=adapter
            )


def test_only_http_urls(admin):
    for url in ("ftp://example.org/", "file:///etc/passwd", "127.0.0.1:80", ""):
        with pytest.raises(services.ExchangeRefused, match="http"):
            services.create_subscriber(admin, name="x", url=url, kinds=["hazard"])


def test_inactive_subscriber_gets_nothing(subscriber, county_supervisor, enterprise_a):
    Subscriber.objects.filter(pk=subscriber.pk).update(active=False)
    report_hazard(county_supervisor, enterprise_a)
    assert delivery.deliver_all() == 0
    assert not subscriber.attempts.exists()


def test_an_outage_is_told_once_and_its_end_too(
    settings, subscriber, admin, users, county_supervisor, enterprise_a, far_enterprise
):
    from accounts.roles import Role
    from conftest import make_user
    from core.models import Notification

    settings.EXCHANGE_ALERT_FAILURES = 3
    report_hazard(county_supervisor, enterprise_a)
    told = Notification.objects.filter(kind="exchange")
    # Another county's administrator is not told.
    far_admin = make_user("far_exchange_admin", Role.COUNTY_ADMIN, far_enterprise.jurisdiction)
    for failures in range(1, 6):
        Subscriber.objects.filter(pk=subscriber.pk).update(next_attempt_at=None)
        assert delivery.deliver(subscriber.pk) == 0
        subscriber.refresh_from_db()
        assert subscriber.failures == failures
        # Told at the third failure in a row, and only then.
        assert told.count() == (0 if failures < 3 else 1)
    notice = told.get()
    assert notice.recipient == admin
    assert notice.title == "数据推送中断：省风险监测平台"
    assert "连续失败 3 次" in notice.body
    assert notice.link == f"/exchange/subscribers/{subscriber.pk}/"
    assert subscriber.alerted_at is not None
    assert not told.filter(recipient=far_admin).exists()
    receiver = Receiver(subscriber.secret_plain, port=subscriber.port)
    try:
        Subscriber.objects.filter(pk=subscriber.pk).update(next_attempt_at=None)
        assert delivery.deliver(subscriber.pk) > 0
    finally:
        receiver.stop()
    subscriber.refresh_from_db()
    assert subscriber.alerted_at is None and subscriber.failures == 0
    assert list(told.order_by("pk").values_list("title", flat=True)) == [
        "数据推送中断：省风险监测平台",
        "数据推送已恢复：省风险监测平台",
    ]


def test_no_alert_when_switched_off(settings, subscriber, county_supervisor, enterprise_a):
    from core.models import Notification

    settings.EXCHANGE_ALERT_FAILURES = 0
    report_hazard(county_supervisor, enterprise_a)
    for _ in range(8):
        Subscriber.objects.filter(pk=subscriber.pk).update(next_attempt_at=None)
        delivery.deliver(subscriber.pk)
    assert not Notification.objects.filter(kind="exchange").exists()
