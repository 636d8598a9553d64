"""The one event recorder (core.events): every event table inherits core.models.Event and is
announced by its app's notifications module; a recorded event is delivered once, after its
transaction commits, and never if it rolls back."""

import importlib

import pytest
from django.db import transaction

from core import events
from core.models import Event, Notification
from core.tasks import deliver_pending
from enforcement.models import PenaltyEvent
from enforcement.penalties import services as penalty_services

BASIS = "《中华人民共和国安全生产法》第一百零二条"


class Boom(Exception):
    pass


@pytest.fixture(autouse=True)
def _immediate(immediate_tasks):
    pass


def test_the_event_tables_record_through_the_one_model():
    labels = {model._meta.label for model in events.event_models()}
    assert labels == {
        "hazards.HazardEvent",
        "monitoring.AlarmEvent",
        "enforcement.PenaltyEvent",
        "enforcement.InspectionEvent",
        "enforcement.RemoteInspectionEvent",
        "enforcement.AssistanceEvent",
        "grading.GradeChange",
        "grading.OverrideEvent",
        "reporting.CommitmentEvent",
        "accidents.AccidentEvent",
        "projects.ProjectEvent",
        "standardization.RatingEvent",
        "risks.RiskEvent",
        "rewards.RewardEvent",
        "tips.TipEvent",
        "certificates.CertificateEvent",
        "training.TrainingEvent",
        "campaigns.CampaignEvent",
        "experts.ExpertEvent",
        "accident_warnings.WarningEvent",
        "targets.TargetEvent",
    }


@pytest.mark.parametrize("model", events.event_models(), ids=lambda m: m._meta.label)
def test_every_event_table_names_its_recipients_in_its_app(model):
    assert issubclass(model, Event)
    module = importlib.import_module(f"{model._meta.app_config.name}.notifications")
    assert callable(module.message)


def test_an_event_is_delivered_once_after_commit(
    users, enterprise_a, django_capture_on_commit_callbacks
):
    enforcer = users["enforcement_officer"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        penalty = penalty_services.file_penalty(enforcer, enterprise_a.pk, "违法事实", BASIS, 1000)
    event = PenaltyEvent.objects.get(penalty=penalty)
    assert event.notified_at is None and not Notification.objects.exists()
    for callback in callbacks:
        callback()
    event.refresh_from_db()
    assert event.notified_at is not None
    assert Notification.objects.count() == 1
    # Delivered again (a task run twice, or the sweep): nothing more is sent.
    assert events.deliver(PenaltyEvent, event.pk) is False
    assert deliver_pending.call_local() == 0
    assert Notification.objects.count() == 1


def test_the_sweep_delivers_what_a_lost_task_left(users, enterprise_a):
    penalty_services.file_penalty(
        users["enforcement_officer"], enterprise_a.pk, "违法事实", BASIS, 1000
    )
    # No on-commit callback ran here (the test's transaction never commits): the task was lost.
    assert not Notification.objects.exists()
    assert deliver_pending.call_local() == 1
    assert deliver_pending.call_local() == 0
    assert Notification.objects.count() == 1


def test_a_rolled_back_change_records_and_delivers_nothing(
    users, enterprise_a, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        penalty_services.file_penalty(
            users["enforcement_officer"], enterprise_a.pk, "违法事实", BASIS, 1000
        )
        raise Boom
    assert callbacks == []
    assert not PenaltyEvent.objects.exists()
    assert not Notification.objects.exists()
    assert deliver_pending.call_local() == 0


def test_an_event_nobody_must_hear_of_is_marked_announced(users, enterprise_a):
    enforcer = users["enforcement_officer"]
    penalty = penalty_services.file_penalty(enforcer, enterprise_a.pk, "违法事实", BASIS, 1000)
    event = events.record(
        PenaltyEvent, penalty=penalty, from_state="filed", to_state="notified", actor=enforcer
    )
    assert events.deliver(PenaltyEvent, event.pk) is True
    event.refresh_from_db()
    assert event.notified_at is not None
    assert Notification.objects.count() == 0


def test_event_rows_are_written_only_by_the_recorder():
    """Every model inheriting core.models.Event is written through core.events.record,
    record_many or record_rows (which deliver it): no module of the apps creates their rows
    itself, by the ORM or by core.bulk."""
    import re
    from pathlib import Path

    from django.conf import settings

    names = "|".join(model.__name__ for model in events.event_models())
    direct = re.compile(
        rf"\b({names})\.objects\.(create|bulk_create|get_or_create)\(|bulk\.insert\(({names})\b"
    )
    root = Path(settings.BASE_DIR)
    apps_dirs = [p for p in root.iterdir() if (p / "__init__.py").exists()]
    found = [
        f"{path.relative_to(root)}:{number}"
        for app in apps_dirs
        for path in sorted(app.rglob("*.py"))
        if not {"tests", "migrations"} & set(path.parts)
        and path.name != "conftest.py"
        and path.as_posix() != (root / "core" / "events.py").as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if direct.search(line)
    ]
    assert len(apps_dirs) > 5 and found == []


def test_a_penalty_reaches_its_enterprise_managers_only(
    users, enterprise_a, enterprise_b, outsider, django_capture_on_commit_callbacks
):
    """A penalty case filed and decided is heard by the enterprise's principal (filed) and
    managers (decided): not its employee, the town, the bureau who acted, or another
    enterprise's managers (enforcement.notifications)."""
    from django.utils import timezone

    from conftest import make_user

    make_user("principal_b", "principal", enterprise=enterprise_b)
    enforcer = users["enforcement_officer"]
    with django_capture_on_commit_callbacks(execute=True):
        penalty = penalty_services.file_penalty(enforcer, enterprise_a.pk, "违法事实", BASIS, 1000)
        penalty_services.advance_penalty(enforcer, penalty.pk, "notified", "送达告知书")
        penalty_services.advance_penalty(
            enforcer, penalty.pk, "decided", decided_on=timezone.localdate(), amount="30000"
        )
    told = sorted(Notification.objects.values_list("recipient__username", flat=True))
    assert told == ["principal_a", "principal_a", "safety_a"]


def test_a_batch_is_claimed_at_once_and_a_failing_send_falls_back_to_one_by_one(
    users, enterprise_a, monkeypatch
):
    """deliver_events claims a batch in one update; a sending that fails rolls the batch back
    and its events go one by one, so those before the failing one are still sent once."""
    from enforcement import notifications

    enforcer = users["enforcement_officer"]
    with transaction.atomic():  # no on-commit delivery: the rows stay pending
        filed = [
            penalty_services.file_penalty(enforcer, enterprise_a.pk, f"违法事实{n}", BASIS, 1000)
            for n in range(3)
        ]
    ids = list(
        PenaltyEvent.objects.filter(penalty__in=filed).order_by("pk").values_list("pk", flat=True)
    )
    PenaltyEvent.objects.filter(pk__in=ids).update(notified_at=None)
    Notification.objects.all().delete()
    message = notifications.message

    def failing_last(event):
        if event.pk == ids[-1]:
            raise Boom
        return message(event)

    monkeypatch.setattr(notifications, "message", failing_last)
    with pytest.raises(Boom):
        events.deliver_batch(PenaltyEvent, ids)
    assert Notification.objects.count() == 2
    assert list(events.pending(PenaltyEvent).values_list("pk", flat=True)) == ids[-1:]
    monkeypatch.setattr(notifications, "message", message)
    assert events.deliver_batch(PenaltyEvent, ids) == 1
    assert events.deliver_batch(PenaltyEvent, ids) == 0
    assert Notification.objects.count() == 3


def test_rows_recorded_in_bulk_are_stored_and_delivered_on_commit(
    users, enterprise_a, django_capture_on_commit_callbacks, immediate_tasks
):
    from django.utils import timezone

    from grading.models import ChangeKind, GradeChange

    now = timezone.now()
    columns = ["enterprise_id", "kind", "from_state", "to_state", "note", "payload", "at"]
    rows = [
        dict(
            enterprise_id=enterprise_a.pk,
            kind=ChangeKind.COMPUTED,
            from_state="",
            to_state=level,
            note="批量",
            payload=[{"因素": "从业人数"}],
            at=now,
        )
        for level in ("blue", "yellow", "red")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert events.record_rows(GradeChange, columns, rows) == 3
    stored = GradeChange.objects.filter(note="批量").order_by("pk")
    assert [row.to_state for row in stored] == ["blue", "yellow", "red"]
    assert stored[0].payload == [{"因素": "从业人数"}] and stored[0].at == now
    assert all(row.notified_at is not None for row in stored)
