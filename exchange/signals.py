"""Where entries come from, all in the transaction of the change:

- every event the apps record through core.events (record, record_many, record_rows: the
  bulk paths too), through core.events.listen: a hazard's event writes the hazard and the
  event, an alarm's, an inspection's and a penalty's event the object, a grade change the
  enterprise's grade. Among them the changes ingestion and the sweeps make in bulk: alarms
  raised, alarms cleared (a "clear" event, 恢复, one bulk insert per ingestion save), an
  escalation (its event is recorded after the counter's update, so the document shows it);
- the rows an app changes without an event of their own and tells core.events.changed() of:
  a grade whose score or computed level moved in a grading run, its level in force unchanged
  (a row rewritten for its explanation alone is not an entry);
- an enterprise saved (post_save: the registry's pages, the Excel import, the API, and
  `has_monitoring` set by monitoring, which saves the enterprise).

Not an entry of its own: an alarm's last and peak values while it holds (ingestion's bulk
update, a camera's repeated event); they reach the subscriber with the alarm's next event."""

from django.db.models.signals import post_save

from core import events
from enforcement.models import InspectionEvent, PenaltyEvent
from enterprises.models import Enterprise
from exchange import outbox
from grading.models import EnterpriseGrade, GradeChange
from hazards.models import HazardEvent
from monitoring.models import AlarmEvent


def _hazard_events(ids):
    found = list(
        HazardEvent.objects.filter(pk__in=ids).select_related("hazard__enterprise").order_by("pk")
    )
    hazards = {ev.hazard_id: ev.hazard for ev in found}
    outbox.write("hazard", hazards.values(), ("hazard_event", found))


# Events handled per chunk: a province's first grading run records about 100,000 grade
# changes at once, more than one IN (...) may hold on SQLite.
CHUNK = 500


def _listener(model, ids):
    for start in range(0, len(ids), CHUNK):
        _chunk(model, ids[start : start + CHUNK])


def _chunk(model, ids):
    if model is HazardEvent:
        _hazard_events(ids)
    elif model is AlarmEvent:
        outbox.write_ids("alarm", _owner_ids(model, "alarm", ids))
    elif model is InspectionEvent:
        outbox.write_ids("inspection", _owner_ids(model, "inspection", ids))
    elif model is PenaltyEvent:
        outbox.write_ids("penalty", _owner_ids(model, "penalty", ids))
    elif model is GradeChange:
        _grades(_owner_ids(model, "enterprise", ids))
    elif model is EnterpriseGrade:  # rescored by a grading run, its level unchanged
        _grades(sorted(ids))


# What a grade's entry reads: not the explanation, the largest column (a province's run
# writes about 100,000 grade entries).
GRADE_FIELDS = (
    "enterprise_id",
    "level",
    "computed_level",
    "score",
    "scored_at",
    "level_since",
    "enterprise__credit_code",
    "enterprise__scope_path",
)


def _grades(enterprise_ids) -> None:
    grades = EnterpriseGrade.objects.filter(enterprise_id__in=enterprise_ids)
    outbox.write(
        "grade",
        grades.select_related("enterprise").only(*GRADE_FIELDS).order_by("enterprise_id"),
    )


def _owner_ids(model, owner, ids) -> list[int]:
    return sorted(set(model.objects.filter(pk__in=ids).values_list(f"{owner}_id", flat=True)))


def _enterprise_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        outbox.write("enterprise", [instance])


def connect():
    events.listen(_listener)
    post_save.connect(_enterprise_saved, sender=Enterprise, dispatch_uid="exchange_enterprise")


def disconnect():
    """No entries from here on (the benchmarks' runs without the exchange, to measure its
    cost); connect() again to resume."""
    events.unlisten(_listener)
    post_save.disconnect(sender=Enterprise, dispatch_uid="exchange_enterprise")
