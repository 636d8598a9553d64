"""The inbox (站内通知): the bell's unread count on every page, the inbox page with its kinds,
marking read, and /api/v1/notifications; a user reads only their own notifications (another's
is a 404, on the page and in the API)."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from conftest import client_for
from core import notify
from core.models import Notification
from hazards import services as hazard_services


@pytest.fixture(autouse=True)
def _immediate(immediate_tasks):
    pass


@pytest.fixture
def town(users):
    return users[Role.TOWN_SUPERVISOR]


@pytest.fixture
def mail(town, users):
    """Three notifications for the town supervisor (two hazards, one alarm), one for another."""
    notify.send([town], "隐患待确认", "打磨工位未设置除尘设施", "/hazards/1/", "hazards")
    notify.send([town], "隐患已提交整改", "", "/hazards/2/", "hazards")
    notify.send([town], "可燃气体浓度超限", "", "/monitoring/alarms/3/", "monitoring")
    notify.send([users[Role.SUPERVISOR]], "县局通知", "", "/hazards/4/", "hazards")
    return {n.title: n for n in Notification.objects.all()}


def test_an_event_is_delivered_with_the_kind_of_its_app(
    users, enterprise_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        hazard_services.report(
            users[Role.SUPERVISOR], enterprise_a.pk, source="enforcement", description="积尘"
        )
    received = Notification.objects.all()
    assert received.exists()
    assert {n.kind for n in received} == {"hazards"}
    assert received.first().kind_label == "隐患排查治理"


def test_the_bell_shows_the_unread_count_on_every_page(client, town, mail):
    client_for(client, town)
    page = client.get(reverse("hazards:ledger")).content.decode()
    assert 'id="bell"' in page and "3 条未读" in page
    Notification.objects.filter(recipient=town).update(read_at="2026-12-01T08:00:00+08:00")
    page = client.get(reverse("hazards:ledger")).content.decode()
    assert "条未读" not in page


def test_the_inbox_lists_by_kind_and_unread(client, town, mail):
    client_for(client, town)
    page = client.get(reverse("inbox")).content.decode()
    assert "隐患待确认" in page and "可燃气体浓度超限" in page and "县局通知" not in page
    assert "隐患排查治理" in page and "监测预警" in page
    page = client.get(reverse("inbox"), {"kind": "monitoring"}).content.decode()
    assert "可燃气体浓度超限" in page and "隐患待确认" not in page


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, town, mail):
    client_for(client, town)
    notification = mail["隐患待确认"]
    response = client.get(reverse("inbox_open", args=[notification.pk]))
    assert response.status_code == 302 and response["Location"] == "/hazards/1/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_a_link_to_another_site_is_not_followed(client, town):
    notify.send([town], "外部链接", "", "//evil.example/x", "hazards")
    client_for(client, town)
    notification = Notification.objects.get(title="外部链接")
    response = client.get(reverse("inbox_open", args=[notification.pk]))
    assert response["Location"] == reverse("inbox")


def test_mark_read_and_mark_all_read_keep_the_filter(client, town, mail):
    client_for(client, town)
    response = client.post(
        reverse("inbox_read", args=[mail["隐患已提交整改"].pk]), {"kind": "hazards"}
    )
    assert response["Location"] == reverse("inbox") + "?kind=hazards"
    assert Notification.objects.filter(recipient=town, read_at__isnull=True).count() == 2
    client.post(reverse("inbox_read_all"), {"kind": "hazards"})
    unread = Notification.objects.filter(recipient=town, read_at__isnull=True)
    assert [n.title for n in unread] == ["可燃气体浓度超限"]
    client.post(reverse("inbox_read_all"))
    assert not Notification.objects.filter(recipient=town, read_at__isnull=True).exists()
    # The other user's notification is untouched.
    assert Notification.objects.get(title="县局通知").read_at is None


def test_another_users_notification_is_a_404_on_the_page(client, town, mail):
    client_for(client, town)
    theirs = mail["县局通知"]
    assert client.get(reverse("inbox_open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("inbox_read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_api_lists_counts_and_marks_only_the_callers_own(client, town, mail):
    client_for(client, town)
    listed = client.get("/api/v1/notifications").json()
    assert listed["count"] == 3
    assert {item["kind_label"] for item in listed["items"]} == {"隐患排查治理", "监测预警"}
    unread = client.get("/api/v1/notifications/unread").json()
    assert unread["unread"] == 3
    assert {k["kind"]: k["unread"] for k in unread["kinds"]} == {"hazards": 2, "monitoring": 1}
    theirs = mail["县局通知"]
    response = client.post(f"/api/v1/notifications/{theirs.pk}/read")
    assert response.status_code == 404
    mine = mail["隐患待确认"]
    marked = client.post(f"/api/v1/notifications/{mine.pk}/read").json()
    assert marked["read_at"] is not None and marked["link"] == "/hazards/1/"
    assert client.get("/api/v1/notifications", {"unread": "true"}).json()["count"] == 2
    marked = client.post("/api/v1/notifications/read-all?kind=hazards").json()
    assert marked == {"marked": 1}
    assert client.post("/api/v1/notifications/read-all").json() == {"marked": 1}
    assert Notification.objects.get(title="县局通知").read_at is None


def test_the_api_refuses_a_kind_too_long_and_a_huge_id(client, town, mail):
    client_for(client, town)
    assert client.get("/api/v1/notifications", {"kind": "x" * 31}).status_code == 422
    assert client.post(f"/api/v1/notifications/{2**64}/read").status_code == 422
