"""The changes made in bulk or by a sweep reach the outbox too, each in the transaction of the
change with the new values (exchange/signals.py): an alarm cleared by ingestion, an escalation,
has_monitoring set by monitoring, a grade whose score or computed level moved in a run."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from exchange.models import ExchangeEntry
from exchange.tests.conftest import raise_alarm
from grading import engine
from grading.models import EnterpriseGrade, GradeChange
from monitoring import services as monitoring_services
from monitoring.conftest import make_gateway, make_point
from monitoring.ingest import ingest

pytestmark = pytest.mark.django_db


def _written(kind, object_id):
    """The entries of this object written so far (numbered or not: still in the transaction)."""
    return list(ExchangeEntry.objects.filter(kind=kind, object_id=object_id).order_by("pk"))


def test_an_alarm_cleared_by_ingestion(enterprise_a):
    alarm = raise_alarm(enterprise_a)
    later = timezone.now()
    with transaction.atomic():
        ingest(
            alarm.point.gateway,
            [{"point": "al1", "ts": later.isoformat(), "value": False}],
            now=later,
        )
        last = _written("alarm", alarm.pk)[-1]
        assert last.document["cleared_at"] is not None  # in the transaction, the new value
    assert len(_written("alarm", alarm.pk)) == 2
    alarm.refresh_from_db()
    assert last.document["cleared_at"] == alarm.cleared_at.isoformat().replace("+00:00", "Z")


@override_settings(ALARM_ESCALATE_TOWN_MINUTES=30, ALARM_ESCALATE_COUNTY_MINUTES=120)
def test_an_escalation_shows_in_the_document(enterprise_a):
    alarm = raise_alarm(enterprise_a)
    with transaction.atomic():
        assert monitoring_services.sweep_escalation(timezone.now() + timedelta(minutes=31)) == 1
        assert _written("alarm", alarm.pk)[-1].document["escalation"] == 1
    monitoring_services.sweep_escalation(timezone.now() + timedelta(minutes=121))
    assert _written("alarm", alarm.pk)[-1].document["escalation"] == 2


def test_has_monitoring_set_by_monitoring(enterprise_a):
    assert enterprise_a.has_monitoring is False
    gateway = make_gateway(enterprise_a, "GW-HM")
    with transaction.atomic():
        point = make_point(gateway, "dp1", "pressure_diff")
        monitoring_services.refresh_has_monitoring(enterprise_a.pk)
        last = _written("enterprise", enterprise_a.pk)[-1]
        assert last.document["has_monitoring"] is True
    point.active = False
    point.save()
    before = len(_written("enterprise", enterprise_a.pk))
    monitoring_services.refresh_has_monitoring(enterprise_a.pk)
    assert _written("enterprise", enterprise_a.pk)[-1].document["has_monitoring"] is False
    # Unchanged: no save, no entry.
    monitoring_services.refresh_has_monitoring(enterprise_a.pk)
    assert len(_written("enterprise", enterprise_a.pk)) == before + 1


def test_a_grade_rescored_without_a_level_change(enterprise_a):
    engine.run([enterprise_a.pk])
    grade = EnterpriseGrade.objects.get(pk=enterprise_a.pk)
    changes = GradeChange.objects.count()
    count = len(_written("grade", enterprise_a.pk))
    # Nothing moved: no entry.
    engine.run([enterprise_a.pk])
    assert len(_written("grade", enterprise_a.pk)) == count
    # Only the explanation (scored_at moves): no entry either.
    EnterpriseGrade.objects.filter(pk=grade.pk).update(fingerprint="other")
    engine.run([enterprise_a.pk])
    assert len(_written("grade", enterprise_a.pk)) == count
    # The stored score differs from what the run computes, the level in force does not.
    EnterpriseGrade.objects.filter(pk=grade.pk).update(score=grade.score + 1)
    with transaction.atomic():
        engine.run([enterprise_a.pk])
        last = _written("grade", enterprise_a.pk)[-1]
        assert len(_written("grade", enterprise_a.pk)) == count + 1
        assert last.document["score"] == float(grade.score)
    # The computed level alone (an override holds the level in force) is an entry too.
    other = "blue" if grade.computed_level != "blue" else "yellow"
    EnterpriseGrade.objects.filter(pk=grade.pk).update(computed_level=other)
    engine.run([enterprise_a.pk])
    assert len(_written("grade", enterprise_a.pk)) == count + 2
    assert _written("grade", enterprise_a.pk)[-1].document["computed_level"] == grade.computed_level
    assert GradeChange.objects.count() == changes  # not a change of the grade in force
