"""Status and dates by the rules; reminder dates across the 2025 National Day holiday (1–8
October, with Sunday 28 September a make-up working day: core/migrations' real data), and the
daily reminders reaching the enterprise's safety officer."""

import datetime

import pytest
from django.utils import timezone

from accounts.roles import Role
from certificates import services
from certificates.models import Action, Certificate, CertificateEvent, Status, mask, status
from certificates.tasks import send_certificate_reminders
from certificates.tests.conftest import make_certificate
from conftest import make_user
from core import workdays
from core.models import Notification

D = datetime.date


@pytest.fixture(autouse=True)
def fresh_calendar():
    workdays.clear_cache()
    yield
    workdays.clear_cache()


def test_review_after_three_years_expiry_after_six():
    assert services.default_dates(D(2022, 3, 1)) == (D(2025, 3, 1), D(2028, 3, 1))
    assert services.default_dates(D(2024, 2, 29)) == (D(2027, 2, 28), D(2030, 2, 28))


def test_status_valid_due_expired():
    review, expiry = D(2025, 3, 1), D(2028, 3, 1)
    assert status(review, expiry, D(2024, 12, 1)) == Status.VALID
    assert status(review, expiry, D(2025, 1, 1)) == Status.DUE  # within 60 days of the review
    assert status(review, expiry, D(2025, 3, 1)) == Status.DUE
    # Not reviewed in time: the certificate lapses.
    assert status(review, expiry, D(2025, 3, 2)) == Status.EXPIRED
    # Reviewed (no review pending): only the expiry counts.
    assert status(None, expiry, D(2027, 12, 1)) == Status.VALID
    assert status(None, expiry, D(2028, 1, 15)) == Status.DUE
    assert status(None, expiry, D(2028, 3, 2)) == Status.EXPIRED


def test_id_numbers_are_masked():
    assert mask("371526198001011234") == "3715**********1234"


def test_a_review_moves_the_next_one_or_clears_it(users, enterprise_a, manager):
    certificate = make_certificate(enterprise_a, issued_on=D(2022, 3, 1))
    services.review(manager, certificate.pk, D(2025, 2, 10))
    certificate.refresh_from_db()
    # The next review (2028-03-01) is not before the expiry: 延期换证 then, no review.
    assert certificate.review_due_on is None
    assert certificate.last_reviewed_on == D(2025, 2, 10)
    assert certificate.attention_on == D(2028, 3, 1)
    with pytest.raises(services.CertificateRefused) as refused:
        services.review(manager, certificate.pk, D(2025, 2, 11))
    assert "延期换证" in str(refused.value)


def test_reminder_on_a_holiday_goes_out_the_working_day_before(db):
    # 60 days before 2025-12-04 is Sunday 5 October, in the National Day holiday; the working
    # day before it is Tuesday 30 September. 30 and 7 days before are working days.
    assert not workdays.is_workday(D(2025, 10, 5))
    assert services.reminder_dates(D(2025, 12, 4)) == [
        D(2025, 9, 30),
        D(2025, 11, 4),
        D(2025, 11, 27),
    ]
    # 60 days before 2025-12-09 is 10 October (a Friday, a working day): unchanged.
    assert services.reminder_dates(D(2025, 12, 9))[0] == D(2025, 10, 10)


def test_the_daily_task_reminds_the_safety_officer_once(
    users, enterprise_a, immediate_tasks, django_capture_on_commit_callbacks
):
    # Review due 2025-12-04: its 60-day reminder falls on 5 October, sent on 30 September.
    certificate = make_certificate(enterprise_a, issued_on=D(2022, 12, 4))
    assert certificate.review_due_on == D(2025, 12, 4)
    sent_on = []
    day = D(2025, 9, 25)
    while day <= D(2025, 10, 12):
        with django_capture_on_commit_callbacks(execute=True):
            if services.send_reminders(day):
                sent_on.append(day)
        day += datetime.timedelta(days=1)
    assert sent_on == [D(2025, 9, 30)]
    # Run again that day: nothing new.
    assert services.send_reminders(D(2025, 9, 30)) == 0
    event = CertificateEvent.objects.get(action=Action.REVIEW_REMINDER)
    assert event.payload == {"due": "2025-12-04", "days": 60}
    told = set(
        Notification.objects.filter(title__contains="复审提醒").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {users[Role.SAFETY_OFFICER].username, users[Role.PRINCIPAL].username}


def test_the_task_runs_for_today(db, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: D(2025, 10, 4))  # a holiday
    assert send_certificate_reminders.call_local() == 0


def test_a_review_date_is_required_and_plausible(users, enterprise_a, manager):
    certificate = make_certificate(enterprise_a)
    for bad, words in ((None, "请填写复审日期"), ("2025-01-01", "合理的日期")):
        with pytest.raises(services.CertificateRefused) as refused:
            services.review(manager, certificate.pk, bad)
        assert words in str(refused.value)
    certificate.refresh_from_db()
    assert certificate.last_reviewed_on is None


def test_certificates_follow_their_enterprise_to_another_town(users, enterprise_a, town_b):
    certificate = make_certificate(enterprise_a)
    enterprise_a.jurisdiction = town_b
    enterprise_a.grid = None
    enterprise_a.save()
    certificate.refresh_from_db()
    assert certificate.scope_path == enterprise_a.scope_path
    assert certificate.scope_path.startswith(town_b.path)


def test_an_expiry_reminder_after_the_review(users, enterprise_a):
    # Reviewed: no review pending; the expiry 2026-06-08 (a Monday) is reminded 7 days before,
    # on Monday 1 June 2026.
    make_certificate(
        enterprise_a, issued_on=D(2020, 6, 8), review_due_on=None, expires_on=D(2026, 6, 8)
    )
    assert services.send_reminders(D(2026, 6, 1)) == 1
    event = CertificateEvent.objects.get()
    assert event.action == Action.EXPIRY_REMINDER
    assert event.payload == {"due": "2026-06-08", "days": 7}


def test_a_certificate_follows_its_enterprise_to_another_town(users, enterprise_a, town_b):
    """A certificate keeps a copy of its enterprise's scope path (the list's index reads it):
    when the enterprise moves, the copy follows, so the old town no longer sees it and the new
    one does."""
    certificate = make_certificate(enterprise_a)
    old_town = users[Role.TOWN_SUPERVISOR]
    assert Certificate.objects.for_user(old_town).filter(pk=certificate.pk).exists()
    enterprise_a.jurisdiction, enterprise_a.grid = town_b, None
    enterprise_a.save()
    certificate.refresh_from_db()
    assert certificate.scope_path == town_b.path
    assert not Certificate.objects.for_user(old_town).filter(pk=certificate.pk).exists()
    new_town = make_user("town_b_sup", Role.TOWN_SUPERVISOR, town_b)
    assert Certificate.objects.for_user(new_town).filter(pk=certificate.pk).exists()
