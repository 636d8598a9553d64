"""A rating's life: application, review by named reviewers, announcement, certificate with
its validity, spot check (kept, downgraded, revoked), expiry and renewal; each step an event,
and Enterprise.standardization derived from the rating that stands."""

from datetime import date, timedelta

import pytest

from accounts.roles import Role
from core.models import Notification
from standardization import services
from standardization.models import RatingEvent, ValidityRule
from standardization.services import StandardizationRefused
from standardization.states import State
from standardization.tests.conftest import has_chinese, rated, snapshot, today

pytestmark = pytest.mark.django_db


def test_the_whole_way_to_a_certificate(users, enterprise_a, principal, supervisor):
    rating = services.apply(principal, enterprise_a.pk, "level3", "已完成自评")
    assert rating.state == State.APPLIED
    services.start_review(supervisor, rating, ["王评审", " 李评审 ", "王评审"])
    rating.refresh_from_db()
    assert rating.reviewers == ["王评审", "李评审"]
    services.record_review(supervisor, rating, True, "符合三级要求", today())
    enterprise_a.refresh_from_db()
    assert enterprise_a.standardization == "none"  # not before the announcement
    services.announce(supervisor, rating, today())
    enterprise_a.refresh_from_db()
    assert enterprise_a.standardization == "level3"
    rating = services.certify(supervisor, rating, "GT-2026-001", today())
    assert rating.state == State.VALID
    # three years (ValidityRule): to the day before the same date three years later
    assert rating.valid_until == today().replace(year=today().year + 3) - timedelta(days=1)
    actions = list(rating.events.values_list("action", "from_state", "to_state"))
    assert actions == [
        ("applied", "", "applied"),
        ("review_started", "applied", "reviewing"),
        ("reviewed", "reviewing", "reviewed"),
        ("announced", "reviewed", "announced"),
        ("certified", "announced", "valid"),
    ]


def test_validity_years_are_data(users, enterprise_a, supervisor):
    rule = ValidityRule.objects.get(grade="level2")
    assert rule.unconfirmed and rule.source
    rule.years = 5
    rule.save()
    rating = rated(users, enterprise_a, "level2", issued_on=date(2025, 6, 1))
    assert rating.valid_until == date(2030, 5, 31)


def test_a_failed_review_ends_the_application(users, enterprise_a, principal, supervisor):
    rating = services.apply(principal, enterprise_a.pk, "level3")
    services.start_review(supervisor, rating, ["王评审"])
    rating = services.record_review(supervisor, rating, False, "现场管理不符合要求", today())
    assert rating.state == State.REJECTED
    # and a new application may be made
    assert services.apply(principal, enterprise_a.pk, "level3").state == State.APPLIED


def test_steps_out_of_order_are_refused_with_nothing_saved(
    users, enterprise_a, principal, supervisor
):
    rating = services.apply(principal, enterprise_a.pk, "level3")
    before = snapshot()
    with pytest.raises(StandardizationRefused) as exc:
        services.announce(supervisor, rating, today())
    assert exc.value.status == 409 and has_chinese(exc.value)
    with pytest.raises(StandardizationRefused) as exc:
        services.apply(principal, enterprise_a.pk, "level2")
    assert exc.value.status == 409 and "正在办理" in str(exc.value)
    assert snapshot() == before


@pytest.mark.parametrize(
    "call, field",
    [
        (lambda u, r: services.start_review(u, r, []), "reviewers"),
        (lambda u, r: services.start_review(u, r, "王评审"), "reviewers"),
        (lambda u, r: services.start_review(u, r, ["王\x00评审"]), "reviewers"),
        (lambda u, r: services.start_review(u, r, ["王" * 41]), "reviewers"),
    ],
)
def test_bad_reviewers_are_refused_in_chinese(
    users, enterprise_a, principal, supervisor, call, field
):
    rating = services.apply(principal, enterprise_a.pk, "level3")
    before = snapshot()
    with pytest.raises(StandardizationRefused) as exc:
        call(supervisor, rating)
    assert exc.value.status == 422 and has_chinese(exc.value)
    assert snapshot() == before


def test_bad_input_is_refused_with_nothing_saved(users, enterprise_a, principal, supervisor):
    before = snapshot()
    for grade in ("none", "level4", None, 3):
        with pytest.raises(StandardizationRefused) as exc:
            services.apply(principal, enterprise_a.pk, grade)
        assert exc.value.field == "grade" and has_chinese(exc.value)
    with pytest.raises(StandardizationRefused):
        services.apply(principal, enterprise_a.pk, "level3", "说明\x07")
    rating = services.apply(principal, enterprise_a.pk, "level3")
    services.start_review(supervisor, rating, ["王评审"])
    before = snapshot()
    with pytest.raises(StandardizationRefused) as exc:
        services.record_review(supervisor, rating, "yes", "结论", today())
    assert exc.value.field == "passed"
    with pytest.raises(StandardizationRefused) as exc:
        services.record_review(supervisor, rating, True, "", today())
    assert exc.value.field == "conclusion"
    with pytest.raises(StandardizationRefused) as exc:
        services.record_review(supervisor, rating, True, "结论", today() + timedelta(days=1))
    assert exc.value.field == "reviewed_on"
    assert snapshot() == before


def test_roles_may_take_only_their_steps(users, enterprise_a, principal, supervisor):
    for role in (
        Role.TOWN_SUPERVISOR,
        Role.GRID_MEMBER,
        Role.EXPERT,
        Role.EMPLOYEE,
        Role.SUPERVISOR,
    ):
        with pytest.raises(StandardizationRefused) as exc:
            services.apply(users[role], enterprise_a.pk, "level3")
        assert exc.value.status == 403
    rating = services.apply(users[Role.SAFETY_OFFICER], enterprise_a.pk, "level3")
    for role in (Role.PRINCIPAL, Role.TOWN_SUPERVISOR, Role.ENFORCEMENT_OFFICER, Role.EMPLOYEE):
        with pytest.raises(StandardizationRefused) as exc:
            services.start_review(users[role], rating, ["王评审"])
        assert exc.value.status in (403, 404)
    services.start_review(users[Role.COUNTY_ADMIN], rating, ["王评审"])


def test_an_enterprise_out_of_scope_is_not_found(users, far_enterprise, principal):
    with pytest.raises(StandardizationRefused) as exc:
        services.apply(principal, far_enterprise.pk, "level3")
    assert exc.value.status == 404


def test_spot_check_kept_downgraded_revoked(users, enterprise_a, supervisor):
    rating = rated(users, enterprise_a, "level2")
    services.start_check(supervisor, rating, "年度抽查")
    rating.refresh_from_db()
    assert rating.state == State.CHECKING
    services.conclude_check(supervisor, rating, "kept", "符合要求")
    rating.refresh_from_db()
    assert rating.state == State.VALID
    services.start_check(supervisor, rating)
    before = snapshot()
    for bad in ("level1", "level2", "small_micro", "x"):
        with pytest.raises(StandardizationRefused) as exc:
            services.conclude_check(supervisor, rating, "downgraded", "问题较多", bad)
        assert exc.value.field == "new_grade"
    assert snapshot() == before
    services.conclude_check(supervisor, rating, "downgraded", "问题较多", "level3")
    enterprise_a.refresh_from_db()
    assert enterprise_a.standardization == "level3"
    services.start_check(supervisor, rating)
    services.conclude_check(supervisor, rating, "revoked", "弄虚作假")
    rating.refresh_from_db()
    enterprise_a.refresh_from_db()
    assert rating.state == State.REVOKED
    assert enterprise_a.standardization == "none"
    assert [c.outcome for c in rating.checks.order_by("pk")] == ["kept", "downgraded", "revoked"]


def test_expiry_marks_the_rating_and_clears_the_field(users, enterprise_a):
    rating = rated(users, enterprise_a, "level3", issued_on=date(2023, 1, 10))
    assert rating.valid_until == date(2026, 1, 9)
    assert services.expire_due(date(2026, 1, 9)) == 0  # the last valid day
    enterprise_a.refresh_from_db()
    assert services.expire_due(date(2026, 1, 10)) == 1
    rating.refresh_from_db()
    enterprise_a.refresh_from_db()
    assert rating.state == State.EXPIRED
    assert enterprise_a.standardization == "none"
    event = rating.events.get(action="expired")
    assert event.actor is None
    assert services.expire_due(date(2026, 1, 11)) == 0  # once


def test_renewal_replaces_the_old_certificate(users, enterprise_a, principal, supervisor):
    old = rated(users, enterprise_a, "level3", issued_on=today() - timedelta(days=365 * 3 - 30))
    new = services.renew(principal, old, "到期换证")
    assert new.renews == old and new.state == State.APPLIED
    with pytest.raises(StandardizationRefused):
        services.renew(principal, old)
    services.start_review(supervisor, new, ["王评审"])
    services.record_review(supervisor, new, True, "符合", today())
    services.announce(supervisor, new, today())
    services.certify(supervisor, new, "GT-NEW", today())
    old.refresh_from_db()
    assert old.state == State.REPLACED
    enterprise_a.refresh_from_db()
    assert enterprise_a.standardization == "level3"


def test_renewal_too_early_is_refused(users, enterprise_a, principal):
    old = rated(users, enterprise_a, "level3")
    before = snapshot()
    with pytest.raises(StandardizationRefused) as exc:
        services.renew(principal, old)
    assert exc.value.status == 409 and "180" in str(exc.value)
    assert snapshot() == before


def test_events_are_announced(
    users, enterprise_a, principal, supervisor, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.apply(principal, enterprise_a.pk, "level3")
    told = sorted(Notification.objects.values_list("recipient__username", flat=True))
    assert told == ["county_admin", "supervisor", "town_a_supervisor"]
    note = Notification.objects.get(recipient__username="supervisor")
    assert note.title == f"【标准化申请定级】{enterprise_a.name}"
    assert RatingEvent.objects.filter(notified_at__isnull=False).count() == 1
    Notification.objects.all().delete()
    rating = enterprise_a.ratings.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.start_review(supervisor, rating, ["王评审"])
    told = sorted(Notification.objects.values_list("recipient__username", flat=True))
    assert told == ["principal_a", "safety_a"]


def test_the_daily_task_expires(users, enterprise_a):
    from standardization.tasks import expire_ratings

    rated(users, enterprise_a, "level3", issued_on=date(2023, 1, 10))
    assert expire_ratings.call_local() == 1
    enterprise_a.refresh_from_db()
    assert enterprise_a.standardization == "none"


def test_an_upgrade_replaces_the_lower_certificate(users, enterprise_a, principal, supervisor):
    lower = rated(users, enterprise_a, "level3")
    higher = services.apply(principal, enterprise_a.pk, "level2", "申请升级")
    services.start_review(supervisor, higher, ["王评审"])
    services.record_review(supervisor, higher, True, "符合二级", today())
    services.announce(supervisor, higher, today())
    enterprise_a.refresh_from_db()
    assert enterprise_a.standardization == "level2"  # the better of the two that stand
    services.certify(supervisor, higher, "GT-UP", today())
    lower.refresh_from_db()
    assert lower.state == State.REPLACED and "重新定级" in lower.end_reason
    enterprise_a.refresh_from_db()
    assert enterprise_a.standardization == "level2"


def test_a_check_open_at_expiry_ends_with_it(users, enterprise_a, supervisor):
    rating = rated(users, enterprise_a, "level3", issued_on=date(2023, 1, 10))
    services.start_check(supervisor, rating)
    before = snapshot()
    with pytest.raises(StandardizationRefused) as exc:
        services.conclude_check(supervisor, rating, "ended", "x")
    assert exc.value.field == "outcome"
    assert snapshot() == before
    services.expire_due(date(2026, 1, 10))
    check = rating.checks.get()
    assert check.outcome == "ended" and "届满" in check.conclusion
    rating.refresh_from_db()
    assert rating.state == State.EXPIRED
