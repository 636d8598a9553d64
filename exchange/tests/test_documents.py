"""One document per kind, built by its serializer (exchange.documents.KINDS) and written in the
transaction of the change that caused it."""

import pytest
from django.db import transaction

from enterprises.models import Enterprise
from exchange.documents import KINDS, check
from exchange.models import ExchangeEntry
from exchange.tests.conftest import (
    complete_inspection,
    entries,
    file_penalty,
    raise_alarm,
    report_hazard,
)
from grading import services as grading_services
from grading.models import EnterpriseGrade

pytestmark = pytest.mark.django_db


def _valid(entry):
    """The stored document is its kind's schema, field for field, at its version."""
    spec = KINDS[entry.kind]
    assert entry.version == spec.version == "v1"
    assert set(entry.document) == set(spec.schema.model_fields)
    # The builder's JSON form is what the schema makes of it, value for value.
    assert check(entry.kind, entry.document) == entry.document


def test_enterprise_saved_is_an_entry(enterprise_a):
    enterprise_a.name = "高唐县精工铸造有限公司（新名）"
    enterprise_a.save()
    last = entries("enterprise")[-1]
    _valid(last)
    assert last.object_id == enterprise_a.pk
    assert last.document["name"] == "高唐县精工铸造有限公司（新名）"
    assert last.document["credit_code"] == enterprise_a.credit_code
    assert last.document["jurisdiction_code"] == enterprise_a.jurisdiction.code
    assert last.scope_path == enterprise_a.scope_path


def test_hazard_and_its_event(users, county_supervisor, enterprise_a):
    hazard = report_hazard(county_supervisor, enterprise_a)
    (doc,) = entries("hazard")
    (event,) = entries("hazard_event")
    _valid(doc)
    _valid(event)
    assert doc.document["id"] == hazard.pk
    assert doc.document["state"] == hazard.state
    assert doc.document["description"] == "除尘器泄爆口朝向人员通道"
    assert event.document["hazard_id"] == hazard.pk
    assert event.document["to_state"] == hazard.state
    assert event.enterprise_id == enterprise_a.pk


def test_alarm_raised_in_bulk_by_ingestion(enterprise_a):
    alarm = raise_alarm(enterprise_a)
    (doc,) = entries("alarm")
    _valid(doc)
    assert doc.document["id"] == alarm.pk
    assert doc.document["point_code"] == "al1"
    assert doc.document["state"] == alarm.state


def test_inspection(users, officers, enterprise_a):
    inspection = complete_inspection(officers, enterprise_a)
    last = entries("inspection")[-1]
    _valid(last)
    assert last.document["id"] == inspection.pk
    assert last.document["state"] == inspection.state


def test_penalty(county_supervisor, enterprise_a):
    penalty = file_penalty(county_supervisor, enterprise_a)
    last = entries("penalty")[-1]
    _valid(last)
    assert last.document["case_number"] == penalty.case_number
    assert last.document["violation"] == "未按规定清理积尘"


def test_grade(county_supervisor, enterprise_a):
    grading_services.recompute(county_supervisor, enterprise_a.pk)
    last = entries("grade")[-1]
    _valid(last)
    assert last.document["enterprise_id"] == enterprise_a.pk
    assert last.document["level"] == EnterpriseGrade.objects.get(pk=enterprise_a.pk).level


def test_a_change_rolled_back_leaves_no_entry(county_supervisor, enterprise_a):
    before = ExchangeEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        report_hazard(county_supervisor, enterprise_a)
        Enterprise.objects.get(pk=enterprise_a.pk).save()
        assert ExchangeEntry.objects.count() > before  # written inside the change's transaction
        raise RuntimeError("rolled back")
    assert ExchangeEntry.objects.count() == before
