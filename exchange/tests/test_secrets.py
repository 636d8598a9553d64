"""The subscribers' signing secrets: kept encrypted at rest (exchange.sealing), still signing
every push; regenerated on the page and shown once; the existing rows sealed by the migration;
and the audit log of subscribers and platforms that never holds a secret or a token's hash."""

import hashlib
import hmac
import json
from importlib import import_module

import pytest
from auditlog.models import LogEntry
from django.apps import apps as django_apps
from django.test import override_settings
from django.urls import reverse

from conftest import client_for
from exchange import delivery, sealing, services
from exchange.models import DeliveryAttempt, Subscriber
from exchange.tests.conftest import report_hazard

pytestmark = pytest.mark.django_db


def _subscriber(admin, url="http://127.0.0.1:9/hook"):
    return services.create_subscriber(admin, name="省风险监测平台", url=url, kinds=["hazard"])


def test_sealed_at_rest_and_opened_to_sign(admin):
    subscriber, secret = _subscriber(admin)
    stored = Subscriber.objects.values_list("secret", flat=True).get(pk=subscriber.pk)
    assert stored.startswith(sealing.PREFIX) and secret not in stored
    assert Subscriber.objects.get(pk=subscriber.pk).signing_secret() == secret
    # A fresh nonce each time: the same secret sealed twice differs.
    assert sealing.seal(secret) != sealing.seal(secret)


def test_an_altered_value_or_another_key_does_not_open(admin):
    subscriber, _ = _subscriber(admin)
    sealed = subscriber.secret
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(sealing.SealError):
        sealing.unseal(tampered)
    with pytest.raises(sealing.SealError):
        sealing.unseal("not sealed")
    with override_settings(EXCHANGE_SECRET_KEY="another key"), pytest.raises(sealing.SealError):
        sealing.unseal(sealed)


def test_a_push_is_signed_with_the_secret_in_clear(admin, county_supervisor, enterprise_a):
    subscriber, secret = _subscriber(admin)
    report_hazard(county_supervisor, enterprise_a)
    sent = []

    def fake_post(url, body, headers):
        sent.append((body, headers))
        return 200

    original = delivery.post
    delivery.post = fake_post
    try:
        assert delivery.deliver(subscriber.pk) == 1
    finally:
        delivery.post = original
    body, headers = sent[0]
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Anjian-Signature"] == expected


def test_a_secret_that_does_not_open_is_a_failed_attempt(admin, county_supervisor, enterprise_a):
    subscriber, _ = _subscriber(admin)
    report_hazard(county_supervisor, enterprise_a)
    with override_settings(EXCHANGE_SECRET_KEY="changed since"):
        assert delivery.deliver(subscriber.pk) == 0
    attempt = DeliveryAttempt.objects.get()
    assert not attempt.ok and attempt.status_code is None
    assert "重新生成密钥" in attempt.error


def test_regenerate_on_the_page_shows_the_new_secret_once(client, admin, users):
    from accounts.roles import Role

    subscriber, old = _subscriber(admin)
    url = reverse("exchange:subscriber_secret", args=[subscriber.pk])
    client_for(client, users[Role.SUPERVISOR])
    assert client.post(url).status_code == 403
    client_for(client, admin)
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 200
    subscriber.refresh_from_db()
    new = subscriber.signing_secret()
    assert new != old
    page = response.content.decode()
    assert new in page and "原密钥已作废" in page
    again = client.get(reverse("exchange:subscriber", args=[subscriber.pk]))
    assert new not in again.content.decode()


def test_the_migration_seals_secrets_kept_in_clear(admin):
    subscriber, _ = _subscriber(admin)
    Subscriber.objects.filter(pk=subscriber.pk).update(secret="ab" * 32)
    migration = import_module("exchange.migrations.0003_encrypt_subscriber_secrets")
    migration.seal_existing(django_apps, None)
    migration.seal_existing(django_apps, None)  # twice: sealed once
    subscriber.refresh_from_db()
    assert sealing.is_sealed(subscriber.secret)
    assert subscriber.signing_secret() == "ab" * 32
    migration.open_existing(django_apps, None)
    assert Subscriber.objects.get(pk=subscriber.pk).secret == "ab" * 32


def test_the_audit_log_never_holds_a_secret_or_a_token_hash(admin):
    subscriber, secret = _subscriber(admin)
    services.edit_subscriber(
        admin,
        subscriber.pk,
        name="省风险监测平台（新）",
        url=subscriber.url,
        kinds=["hazard", "alarm"],
        adapter={},
        active=True,
    )
    services.regenerate_secret(admin, subscriber.pk)
    platform, token = services.register_platform(admin, name="聊城市应急管理局平台")
    services.set_platform_active(admin, platform.pk, False)
    subscriber.refresh_from_db()
    platform.refresh_from_db()
    logged = LogEntry.objects.filter(
        content_type__app_label="exchange",
        content_type__model__in=["subscriber", "inboundplatform"],
    )
    assert logged.filter(content_type__model="subscriber").count() == 3
    assert logged.filter(content_type__model="inboundplatform").count() == 2
    everything = json.dumps([entry.changes for entry in logged], ensure_ascii=False)
    assert "省风险监测平台（新）" in everything and "secret_changed_at" in everything
    kept = (secret, subscriber.secret, subscriber.signing_secret(), token, platform.token_hash)
    for value in kept:
        assert value not in everything
    assert '"secret"' not in everything and "token_hash" not in everything
