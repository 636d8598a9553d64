"""The exchanged documents: one schema and one builder per kind, versioned, kept as data in
KINDS (kind → version, schema, builder). A document says what the object is now, in the
platform's own field names and codes; a subscriber's adapter (exchange.adapters) renames and
maps them for a provincial interface. The schemas are ninja schemas, so each document's shape
is in the OpenAPI document (the changes endpoint's `document` is one of them)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from ninja import Schema
from pydantic_core import to_jsonable_python

from enforcement.models import Inspection, Penalty
from enterprises.models import Enterprise
from grading.models import EnterpriseGrade
from hazards.models import Hazard, HazardEvent
from monitoring.models import Alarm


class ExchangeEnterpriseDoc(Schema):
    id: int
    credit_code: str
    name: str
    address: str
    jurisdiction_code: str
    industry: str
    status: str
    employee_count: int | None = None
    small_micro: bool
    above_scale: bool
    standardization: str
    has_monitoring: bool
    updated_at: datetime


class ExchangeGradeDoc(Schema):
    enterprise_id: int
    credit_code: str
    level: str
    computed_level: str
    score: float
    scored_at: datetime
    level_since: datetime


class ExchangeHazardDoc(Schema):
    id: int
    enterprise_id: int
    credit_code: str
    source: str
    description: str
    place: str
    found_on: date
    is_major: bool
    state: str
    deadline: date | None = None
    closed_at: datetime | None = None
    updated_at: datetime


class ExchangeHazardEventDoc(Schema):
    id: int
    hazard_id: int
    enterprise_id: int
    credit_code: str
    action: str
    from_state: str
    to_state: str
    at: datetime
    note: str


class ExchangeAlarmDoc(Schema):
    id: int
    enterprise_id: int
    credit_code: str
    point_code: str
    equipment: str
    point_kind: str
    condition: str
    state: str
    first_at: datetime
    last_at: datetime
    cleared_at: datetime | None = None
    closed_at: datetime | None = None
    peak_value: float | None = None
    limit: float | None = None
    escalation: int


class ExchangeInspectionDoc(Schema):
    id: int
    enterprise_id: int
    credit_code: str
    kind: str
    state: str
    inspected_on: date
    completed_at: datetime | None = None
    rectify_deadline: date | None = None


class ExchangePenaltyDoc(Schema):
    id: int
    enterprise_id: int
    credit_code: str
    case_number: str
    violation: str
    legal_basis: str
    amount: float | None = None
    state: str
    filed_on: date | None = None
    decided_on: date | None = None
    closed_on: date | None = None


def _enterprise(e: Enterprise) -> dict[str, Any]:
    return {
        "id": e.pk,
        "credit_code": e.credit_code,
        "name": e.name,
        "address": e.address,
        "jurisdiction_code": e.jurisdiction.code,
        "industry": e.industry,
        "status": e.status,
        "employee_count": e.employee_count,
        "small_micro": e.small_micro,
        "above_scale": e.above_scale,
        "standardization": e.standardization,
        "has_monitoring": e.has_monitoring,
        "updated_at": e.updated_at,
    }


def _grade(g: EnterpriseGrade) -> dict[str, Any]:
    return {
        "enterprise_id": g.enterprise_id,
        "credit_code": g.enterprise.credit_code,
        "level": g.level,
        "computed_level": g.computed_level,
        "score": float(g.score),
        "scored_at": g.scored_at,
        "level_since": g.level_since,
    }


def _hazard(h: Hazard) -> dict[str, Any]:
    return {
        "id": h.pk,
        "enterprise_id": h.enterprise_id,
        "credit_code": h.enterprise.credit_code,
        "source": h.source,
        "description": h.description,
        "place": h.place,
        "found_on": h.found_on,
        "is_major": h.is_major,
        "state": h.state,
        "deadline": h.deadline,
        "closed_at": h.closed_at,
        "updated_at": h.updated_at,
    }


def _hazard_event(ev: HazardEvent) -> dict[str, Any]:
    return {
        "id": ev.pk,
        "hazard_id": ev.hazard_id,
        "enterprise_id": ev.hazard.enterprise_id,
        "credit_code": ev.hazard.enterprise.credit_code,
        "action": ev.action,
        "from_state": ev.from_state,
        "to_state": ev.to_state,
        "at": ev.at,
        "note": ev.note,
    }


def _alarm(a: Alarm) -> dict[str, Any]:
    return {
        "id": a.pk,
        "enterprise_id": a.enterprise_id,
        "credit_code": a.enterprise.credit_code,
        "point_code": a.point.code,
        "equipment": a.point.equipment,
        "point_kind": a.point.kind,
        "condition": a.condition,
        "state": a.state,
        "first_at": a.first_at,
        "last_at": a.last_at,
        "cleared_at": a.cleared_at,
        "closed_at": a.closed_at,
        "peak_value": a.peak_value,
        "limit": a.limit,
        "escalation": a.escalation,
    }


def _inspection(i: Inspection) -> dict[str, Any]:
    return {
        "id": i.pk,
        "enterprise_id": i.enterprise_id,
        "credit_code": i.enterprise.credit_code,
        "kind": i.kind,
        "state": i.state,
        "inspected_on": i.inspected_on,
        "completed_at": i.completed_at,
        "rectify_deadline": i.rectify_deadline,
    }


def _penalty(p: Penalty) -> dict[str, Any]:
    return {
        "id": p.pk,
        "enterprise_id": p.enterprise_id,
        "credit_code": p.enterprise.credit_code,
        "case_number": p.case_number,
        "violation": p.violation,
        "legal_basis": p.legal_basis,
        "amount": None if p.amount is None else float(p.amount),
        "state": p.state_id,
        "filed_on": p.filed_on,
        "decided_on": p.decided_on,
        "closed_on": p.closed_on,
    }


@dataclass(frozen=True)
class DocumentKind:
    version: str
    schema: type[Schema]
    build: Callable[[Any], dict[str, Any]]
    # The related rows a builder reads, fetched with the objects.
    related: tuple[str, ...]


KINDS: dict[str, DocumentKind] = {
    "enterprise": DocumentKind("v1", ExchangeEnterpriseDoc, _enterprise, ("jurisdiction",)),
    "grade": DocumentKind("v1", ExchangeGradeDoc, _grade, ("enterprise",)),
    "hazard": DocumentKind("v1", ExchangeHazardDoc, _hazard, ("enterprise",)),
    "hazard_event": DocumentKind(
        "v1", ExchangeHazardEventDoc, _hazard_event, ("hazard__enterprise",)
    ),
    "alarm": DocumentKind("v1", ExchangeAlarmDoc, _alarm, ("enterprise", "point")),
    "inspection": DocumentKind("v1", ExchangeInspectionDoc, _inspection, ("enterprise",)),
    "penalty": DocumentKind("v1", ExchangePenaltyDoc, _penalty, ("enterprise",)),
}
DOCUMENT_SCHEMAS = tuple(kind.schema for kind in KINDS.values())


def document(kind: str, obj: Any) -> dict[str, Any]:
    """The JSON document of `obj` as kind `kind`: its builder's fields in JSON form, by
    pydantic's own serializer (dates and times as the schema writes them). Not validated here,
    one by one: a province's grading run writes about 100,000 at once; the tests check every
    kind's documents against its schema (check())."""
    fields = {
        name: value.value if isinstance(value, Enum) else value
        for name, value in KINDS[kind].build(obj).items()
    }
    return to_jsonable_python(fields)


def check(kind: str, doc: dict[str, Any]) -> dict[str, Any]:
    """The document validated by its kind's schema and written back: equal to `doc` when the
    builder and the schema agree."""
    return KINDS[kind].schema(**doc).model_dump(mode="json")
