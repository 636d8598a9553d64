"""Who hears of a hazard's transitions (core.models.Notification), through the outbox: each
HazardEvent is handed to core.tasks.deliver_events once its transaction commits, and the
deliver_pending sweep picks up what was missed. Huey runs in immediate mode here, and the
on-commit callbacks are executed, so a test sees exactly what a worker would have sent.
"""

import inspect

import pytest

from accounts.roles import Role
from conftest import make_user
from core.events import sweep
from core.models import Jurisdiction, JurisdictionKind, Notification
from core.tasks import deliver_events, deliver_pending
from hazards import services
from hazards.models import CriterionScope, HazardEvent, MajorHazardCriterion, Source, State
from hazards.services import TransitionRefused

DESCRIPTION = "打磨工位未设置除尘设施，粉尘积聚"


@pytest.fixture(autouse=True)
def _immediate(immediate_tasks):
    pass


@pytest.fixture
def town_colleague(town_a):
    """A second supervisor of town A: every supervisor of the town hears of its enterprises."""
    return make_user("town_a_supervisor_2", Role.TOWN_SUPERVISOR, town_a)


@pytest.fixture
def county_colleague(county):
    return make_user("supervisor_2", Role.SUPERVISOR, county)


@pytest.fixture
def other_county_supervisor(db):
    """A supervisor of a neighbouring county, outside every fixture enterprise's scope."""
    other = Jurisdiction.objects.create(code="371523", name="茌平区", kind=JurisdictionKind.COUNTY)
    return make_user("other_county_supervisor", Role.SUPERVISOR, other)


@pytest.fixture
def everyone(users, outsider, town_colleague, county_colleague, other_county_supervisor):
    """All the fixture users, so a test can say who did not hear of something."""
    return users


def criterion_for_all():
    criterion, _ = MajorHazardCriterion.objects.get_or_create(
        article=3,
        item=1,
        defaults={
            "text": "测试用条目：适用于所有工贸企业",
            "scope": CriterionScope.ALL,
            "source": "工贸企业重大事故隐患判定标准 第三条",
        },
    )
    return criterion


def report(user, enterprise, *, major=False, source=Source.OTHER):
    return services.report(
        user,
        enterprise.pk,
        source=source,
        description=DESCRIPTION,
        criterion_id=criterion_for_all().pk if major else None,
    )


def recipients(**filters):
    return sorted(
        Notification.objects.filter(**filters).values_list("recipient__username", flat=True)
    )


def last_event(hazard):
    return HazardEvent.objects.filter(hazard=hazard).order_by("at", "id").last()


def test_a_report_by_the_enterprise_notifies_the_supervisors_of_its_town(
    everyone, enterprise_a, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        hazard = report(officer, enterprise_a)

    # One delivery enqueued per event (the outbox); grading adds its own regrade callback, and
    # the regrade its grade change's delivery.
    delivered = [
        inspect.getclosurevars(c).nonlocals["label"]
        for c in callbacks
        if c.__qualname__ == "_deliver_on_commit.<locals>.enqueue"
    ]
    assert delivered.count("hazards.HazardEvent") == 1
    assert recipients() == ["town_a_supervisor", "town_a_supervisor_2"]
    notification = Notification.objects.get(recipient__username="town_a_supervisor")
    assert notification.title == f"【登记隐患】{enterprise_a.name}（一般隐患）"
    assert notification.body == DESCRIPTION
    assert notification.link == f"/hazards/{hazard.pk}/"
    assert notification.read_at is None
    assert last_event(hazard).notified_at is not None


def test_a_submission_by_the_enterprise_notifies_the_town_supervisors(
    everyone, enterprise_a, officer, town, django_capture_on_commit_callbacks
):
    hazard = report(officer, enterprise_a)
    services.confirm(town, hazard.pk)
    services.plan(officer, hazard.pk, owner="李强", measures="加装集尘罩", deadline=hazard.found_on)
    services.start(officer, hazard.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit(officer, hazard.pk, "已加装集尘罩")

    assert recipients() == ["town_a_supervisor", "town_a_supervisor_2"]
    assert set(Notification.objects.values_list("title", flat=True)) == {
        f"【提交验收】{enterprise_a.name}（一般隐患）"
    }


def test_a_transition_by_the_bureau_notifies_the_principal_and_the_safety_officer(
    everyone, enterprise_a, officer, town, django_capture_on_commit_callbacks
):
    hazard = report(officer, enterprise_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm(town, hazard.pk, "情况属实，请制定整改方案")

    assert recipients() == ["principal_a", "safety_a"]
    notification = Notification.objects.get(recipient__username="principal_a")
    assert notification.title == f"【确认隐患】{enterprise_a.name}（一般隐患）"
    assert notification.body == "情况属实，请制定整改方案"


def test_a_report_by_a_grid_member_notifies_the_enterprise_managers(
    everyone, enterprise_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report(everyone[Role.GRID_MEMBER], enterprise_a, source=Source.PUBLIC_TIP)

    assert recipients() == ["principal_a", "safety_a"]


def test_a_major_hazard_also_notifies_the_county_supervisors(
    everyone, enterprise_a, officer, town, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        hazard = report(officer, enterprise_a, major=True)

    assert recipients() == [
        "supervisor",
        "supervisor_2",
        "town_a_supervisor",
        "town_a_supervisor_2",
    ]
    assert set(Notification.objects.values_list("title", flat=True)) == {
        f"【登记隐患】{enterprise_a.name}（重大事故隐患）"
    }

    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm(town, hazard.pk)
    assert recipients() == ["principal_a", "safety_a", "supervisor", "supervisor_2"]


def test_supervisors_of_another_county_are_not_notified_of_a_major_hazard(
    everyone, enterprise_a, enterprise_b, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report(officer, enterprise_a, major=True)
        report(
            everyone[Role.ENFORCEMENT_OFFICER], enterprise_b, major=True, source=Source.ENFORCEMENT
        )

    assert not recipients(recipient__username="other_county_supervisor")
    assert recipients(recipient__username="supervisor") == ["supervisor", "supervisor"]


def test_the_actor_is_never_notified(
    everyone, enterprise_a, officer, town, django_capture_on_commit_callbacks
):
    supervisor = everyone[Role.SUPERVISOR]
    hazard = report(officer, enterprise_a, major=True)
    services.confirm(town, hazard.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.list_for_supervision(supervisor, hazard.pk, level="county", body="高唐县应急局")

    assert recipients() == ["principal_a", "safety_a", "supervisor_2"]

    # The actor stays out even when their role is among the recipients' roles.
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        report(town, enterprise_a, major=True, source=Source.ENFORCEMENT)
    assert recipients() == ["principal_a", "safety_a", "supervisor", "supervisor_2"]


def test_inactive_users_are_not_notified(
    everyone, enterprise_a, officer, town_colleague, django_capture_on_commit_callbacks
):
    town_colleague.is_active = False
    town_colleague.save()
    with django_capture_on_commit_callbacks(execute=True):
        report(officer, enterprise_a)

    assert recipients() == ["town_a_supervisor"]


def test_each_event_is_delivered_once_even_if_delivered_again_or_swept(
    everyone, enterprise_a, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        hazard = report(officer, enterprise_a)
    event = last_event(hazard)
    claimed_at = event.notified_at
    assert claimed_at is not None
    assert Notification.objects.count() == 2

    assert deliver_events("hazards.HazardEvent", [event.pk]).get() == 0
    assert deliver_pending.call_local() == 0

    assert Notification.objects.count() == 2
    event.refresh_from_db()
    assert event.notified_at == claimed_at


def test_the_sweep_delivers_an_event_whose_task_was_lost_and_the_late_task_sends_nothing(
    everyone, enterprise_a, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        hazard = report(officer, enterprise_a)
    assert Notification.objects.count() == 0
    assert last_event(hazard).notified_at is None

    assert deliver_pending.call_local() == 1
    assert recipients() == ["town_a_supervisor", "town_a_supervisor_2"]

    for callback in callbacks:  # the task arrives after the sweep
        callback()
    # Nothing of the hazard's is left (the regrade's grade changes announce nobody).
    assert sweep(HazardEvent) == 0
    deliver_pending.call_local()
    assert Notification.objects.count() == 2


def test_a_refused_transition_sends_nothing(
    everyone, enterprise_a, officer, town, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        hazard = report(officer, enterprise_a, major=True)
    sent = Notification.objects.count()
    events = HazardEvent.objects.count()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(TransitionRefused):
            services.close(town, hazard.pk)  # not submitted yet
        with pytest.raises(TransitionRefused):
            services.confirm(everyone[Role.PRINCIPAL], hazard.pk)  # not the principal's to do
        with pytest.raises(TransitionRefused):
            services.reject(town, hazard.pk, "")  # no reason

    assert callbacks == []
    assert HazardEvent.objects.count() == events
    assert deliver_pending.call_local() == 0
    assert Notification.objects.count() == sent
    assert hazard.state == State.REPORTED


def test_a_delivery_that_fails_is_left_for_the_sweep(
    everyone, enterprise_a, officer, monkeypatch, django_capture_on_commit_callbacks
):
    from core import notify

    def unavailable(*args, **kwargs):
        raise RuntimeError("notification store unavailable")

    monkeypatch.setattr(notify, "send", unavailable)
    with django_capture_on_commit_callbacks(execute=True):
        hazard = report(officer, enterprise_a)
    assert Notification.objects.count() == 0
    assert last_event(hazard).notified_at is None

    monkeypatch.undo()
    assert deliver_pending.call_local() == 1
    assert recipients() == ["town_a_supervisor", "town_a_supervisor_2"]


def test_the_sweep_goes_on_past_an_event_that_cannot_be_delivered(
    everyone, enterprise_a, enterprise_a2, officer, town, monkeypatch
):
    from core import notify

    send = notify.send

    def fails_for_enterprise_a(recipients, title, *args):
        if enterprise_a.name in title:
            raise RuntimeError("notification store unavailable")
        return send(recipients, title, *args)

    first = report(officer, enterprise_a)  # the on-commit tasks are lost: the sweep must send
    second = report(town, enterprise_a2, source=Source.ENFORCEMENT)
    monkeypatch.setattr(notify, "send", fails_for_enterprise_a)

    assert deliver_pending.call_local() == 1
    assert last_event(first).notified_at is None
    assert last_event(second).notified_at is not None
    assert Notification.objects.filter(title__contains=enterprise_a.name).count() == 0

    monkeypatch.undo()
    assert deliver_pending.call_local() == 1
    assert recipients(title__contains=enterprise_a.name) == [
        "town_a_supervisor",
        "town_a_supervisor_2",
    ]
