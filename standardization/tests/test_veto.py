"""The veto (一票否决, seed task 12): an application, a renewal or an announcement is refused
while the enterprise has an open major hazard, the hazard named; a general hazard does not
veto; a major hazard confirmed during a rating's validity opens a review of it."""

from datetime import timedelta

import pytest

from hazards.models import Hazard
from standardization import services
from standardization.models import SpotCheck
from standardization.services import StandardizationRefused
from standardization.states import CheckReason, State
from standardization.tests.conftest import (
    general_hazard,
    major_hazard,
    rated,
    snapshot,
    today,
)

pytestmark = pytest.mark.django_db


def test_an_application_without_an_open_major_hazard_is_accepted(
    enterprise_a, principal, supervisor
):
    general_hazard(supervisor, enterprise_a)  # a general hazard does not veto
    assert services.apply(principal, enterprise_a.pk, "level3").state == State.APPLIED


def test_an_application_is_vetoed_by_an_open_major_hazard_named(
    enterprise_a, principal, supervisor
):
    hazard = major_hazard(supervisor, enterprise_a)
    before = snapshot()
    with pytest.raises(StandardizationRefused) as exc:
        services.apply(principal, enterprise_a.pk, "level3")
    message = str(exc.value)
    assert exc.value.status == 409
    assert "一票否决" in message
    assert f"第{hazard.pk}号" in message and "熔炼炉冷却水" in message
    assert snapshot() == before


def test_a_closed_major_hazard_no_longer_vetoes(enterprise_a, principal, supervisor):
    hazard = major_hazard(supervisor, enterprise_a)
    Hazard.objects.filter(pk=hazard.pk).update(state="closed")
    assert services.apply(principal, enterprise_a.pk, "level3").state == State.APPLIED


def test_a_major_hazard_of_another_enterprise_does_not_veto(
    enterprise_a, enterprise_a2, principal, supervisor
):
    major_hazard(supervisor, enterprise_a2)
    assert services.apply(principal, enterprise_a.pk, "level3").state == State.APPLIED


def test_an_announcement_is_vetoed(enterprise_a, principal, supervisor):
    rating = services.apply(principal, enterprise_a.pk, "level3")
    services.start_review(supervisor, rating, ["王评审"])
    services.record_review(supervisor, rating, True, "符合", today())
    hazard = major_hazard(supervisor, enterprise_a)
    before = snapshot()
    with pytest.raises(StandardizationRefused) as exc:
        services.announce(supervisor, rating, today())
    assert exc.value.status == 409 and f"第{hazard.pk}号" in str(exc.value)
    assert "不能公告" in str(exc.value)
    assert snapshot() == before
    Hazard.objects.filter(pk=hazard.pk).update(state="closed")
    assert services.announce(supervisor, rating, today()).state == State.ANNOUNCED


def test_a_general_hazard_does_not_veto_an_announcement(enterprise_a, principal, supervisor):
    rating = services.apply(principal, enterprise_a.pk, "level3")
    services.start_review(supervisor, rating, ["王评审"])
    services.record_review(supervisor, rating, True, "符合", today())
    general_hazard(supervisor, enterprise_a)
    assert services.announce(supervisor, rating, today()).state == State.ANNOUNCED


def test_a_renewal_is_vetoed(users, enterprise_a, principal, supervisor):
    old = rated(users, enterprise_a, issued_on=today() - timedelta(days=365 * 3 - 30))
    SpotCheck.objects.all().delete()
    Hazard.objects.all().delete()
    # the hazard opens a review of the valid rating; conclude it so that renewing is the question
    hazard = major_hazard(supervisor, enterprise_a)
    old.refresh_from_db()
    if old.state == State.CHECKING:
        services.conclude_check(supervisor, old, "kept", "已责令整改，维持等级")
    before = snapshot()
    with pytest.raises(StandardizationRefused) as exc:
        services.renew(principal, old, "到期换证")
    assert exc.value.status == 409 and f"第{hazard.pk}号" in str(exc.value)
    assert "延期换证" in str(exc.value)
    assert snapshot() == before


def test_a_general_hazard_does_not_veto_a_renewal(users, enterprise_a, principal, supervisor):
    old = rated(users, enterprise_a, issued_on=today() - timedelta(days=365 * 3 - 30))
    general_hazard(supervisor, enterprise_a)
    assert services.renew(principal, old).state == State.APPLIED


def test_a_major_hazard_confirmed_during_validity_opens_a_review(
    users, enterprise_a, supervisor, django_capture_on_commit_callbacks
):
    rating = rated(users, enterprise_a, "level2")
    with django_capture_on_commit_callbacks(execute=True):
        hazard = major_hazard(supervisor, enterprise_a)
    rating.refresh_from_db()
    assert rating.state == State.CHECKING
    check = rating.checks.get()
    assert check.reason == CheckReason.MAJOR_HAZARD and check.hazard == hazard
    event = rating.events.get(action="check_started")
    assert event.actor is None and f"第{hazard.pk}号" in event.note
    # saved again (its next steps): no second review
    with django_capture_on_commit_callbacks(execute=True):
        hazard.save()
    assert rating.checks.count() == 1
    # the grade still stands during the review
    enterprise_a.refresh_from_db()
    assert enterprise_a.standardization == "level2"


def test_a_general_or_unconfirmed_hazard_opens_no_review(
    users, enterprise_a, supervisor, django_capture_on_commit_callbacks
):
    rating = rated(users, enterprise_a, "level2")
    with django_capture_on_commit_callbacks(execute=True):
        general_hazard(supervisor, enterprise_a)
        from hazards import services as hazard_services

        hazard_services.report(
            supervisor, enterprise_a.pk, source="enforcement", description="待确认的疑似重大隐患"
        )
    rating.refresh_from_db()
    assert rating.state == State.VALID and not rating.checks.exists()


def test_no_review_without_a_valid_rating(
    enterprise_a, supervisor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        major_hazard(supervisor, enterprise_a)
    assert not SpotCheck.objects.exists()
