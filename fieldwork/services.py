"""Field work without signal (离线检查): what a phone takes along before going out, and the
records it brings back.

Before going out the user prepares an enterprise (`bundle`): its checklist for an inspection,
its criteria for a self-inspection (企业自查, the routine check), and the hazard sources the
user may claim, each with a `version` (a fingerprint of what the form was built from). Offline,
the phone keeps the answers and photos in IndexedDB (static/js/offline.js); back online it
sends each record once per attempt with the id it made (`client_id`, a UUID).

The sync is idempotent: a record whose client_id is already stored answers that record (not a
second one), whoever resends it and however often; a client_id stored by another user is a
409. A record built from an older version (the checklist or the enterprise changed meanwhile)
is refused with 409 and kept on the phone as a conflict until the user resubmits it accepting
the change (`accept_changes`: answers to items that no longer apply are left out, and said so)
or discards it. Nothing here decides anything the existing services do not: each record goes
through them (enforcement.inspections.services, hazards.services).
"""

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.roles import can
from core.errors import Refused
from enforcement.inspections import checklists
from enforcement.inspections import services as inspections
from enforcement.models import Inspection, InspectionKind
from enterprises.models import Enterprise
from fieldwork.models import OfflineStep
from hazards import services as hazards
from hazards.models import (
    Answer,
    Extension,
    Hazard,
    MajorHazardCriterion,
    SelfInspection,
    Source,
    State,
)
from hazards.states import LINKED_SOURCES

# The kinds of inspection a phone records on site (a remote one is opened from its evidence).
OFFLINE_KINDS = (InspectionKind.ON_SITE, InspectionKind.UNANNOUNCED)
CHANGED = "离线准备后，该企业的信息或{what}已变更，请核对后重新提交或放弃"


def _fingerprint(*parts) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(str(part).encode())
        digest.update(b"\x1f")
    return digest.hexdigest()[:16]


def _enterprise(user, enterprise_id) -> Enterprise:
    enterprise = Enterprise.objects.for_user(user).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise Refused("企业不存在", 404)
    return enterprise


def checklist_version(enterprise, items) -> str:
    return _fingerprint(
        enterprise.pk, enterprise.name, *((i.pk, i.text, i.criterion_id) for i in items)
    )


def criteria_version(enterprise, criteria) -> str:
    return _fingerprint(enterprise.pk, enterprise.name, *((c.pk, c.text) for c in criteria))


def may_inspect(user) -> bool:
    return bool(user.jurisdiction_id) and can(user, "inspection.manage")


def bundle(user, enterprise_id) -> dict:
    """What the phone keeps for one enterprise: the forms this user may fill offline for it."""
    enterprise = _enterprise(user, enterprise_id)
    data: dict = {
        "enterprise": {"id": enterprise.pk, "name": enterprise.name, "address": enterprise.address},
        "prepared_at": timezone.now(),
        "inspection": None,
        "self_check": None,
        "hazard": None,
        "open_hazards": [],
    }
    if may_inspect(user):
        from enforcement.plans.services import inspector_pool

        items = list(checklists.items_for(enterprise))
        sections: list[dict] = []
        for index, item in enumerate(items, start=1):
            if not sections or sections[-1]["id"] != item.template_id:
                sections.append({"id": item.template_id, "name": item.template.name, "items": []})
            sections[-1]["items"].append(
                {
                    "id": item.pk,
                    "index": index,
                    "text": item.text,
                    "legal_basis": item.legal_basis,
                    "major": item.criterion_id is not None,
                }
            )
        data["inspection"] = {
            "version": checklist_version(enterprise, items),
            "kinds": [{"value": k.value, "label": k.label} for k in OFFLINE_KINDS],
            "inspectors": [
                {"id": u.pk, "name": u.display_name, "me": u.pk == user.pk}
                for u in inspector_pool(user.jurisdiction)
            ],
            "sections": sections,
        }
    if can(user, "self_inspection.record") and user.enterprise_id == enterprise.pk:
        criteria = list(MajorHazardCriterion.objects.for_enterprise(enterprise))
        data["self_check"] = {
            "version": criteria_version(enterprise, criteria),
            "answers": [{"value": a.value, "label": a.label} for a in Answer],
            "criteria": [{"id": c.pk, "label": c.label, "text": c.text} for c in criteria],
        }
    data["open_hazards"] = open_hazards(user, enterprise)
    if can(user, "hazard.report"):
        data["hazard"] = {
            "sources": [
                {"value": value, "label": label}
                for value, label in Source.choices
                if value in hazards.sources_for(user) and value not in LINKED_SOURCES
            ]
        }
    return data


# --- sync ---------------------------------------------------------------------------------------


@dataclass
class Synced:
    """A record stored (created) or found again by its client_id (not created)."""

    record: object
    created: bool
    skipped: list[int] = field(default_factory=list)


def _existing(model, client_id: uuid.UUID, user, owner: str):
    row = model.objects.filter(client_id=client_id).first()
    if row is not None and getattr(row, owner) != user.pk:
        raise Refused("该离线记录的编号已被他人的记录使用，请放弃此记录", 409)
    return row


def _idempotent(model, client_id, user, owner: str, create) -> Synced:
    """`create()` once per client_id: a resend answers the stored record. Two resends at once:
    the second waits on the unique index, fails, and answers the first's record."""
    found = _existing(model, client_id, user, owner)
    if found is not None:
        return Synced(found, False)
    try:
        with transaction.atomic():
            return create()
    except IntegrityError:
        found = _existing(model, client_id, user, owner)
        if found is None:
            raise
        return Synced(found, False)


@dataclass
class OfflineAnswer:
    item_id: int
    result: str
    note: str = ""
    photos: list = field(default_factory=list)


def sync_inspection(
    user,
    client_id: uuid.UUID,
    *,
    enterprise_id: int,
    version: str,
    kind: str,
    inspected_on: date,
    inspector_ids: list[int],
    place: str,
    answers: list[OfflineAnswer],
    accept_changes: bool = False,
) -> Synced:
    """An inspection answered offline, stored as a draft (检查中) with its answers and photos;
    the inspector completes it online (findings, deadline, documents)."""
    if not may_inspect(user):
        raise Refused("您的角色不能开展执法检查", 403)
    if kind not in OFFLINE_KINDS:
        raise Refused("检查方式无效")

    def create() -> Synced:
        enterprise = _enterprise(user, enterprise_id)
        items = list(checklists.items_for(enterprise))
        if version != checklist_version(enterprise, items) and not accept_changes:
            raise Refused(CHANGED.format(what="检查清单"), 409)
        current = {item.pk for item in items}
        skipped = [a.item_id for a in answers if a.item_id not in current]
        inspection = inspections.create_inspection(
            user,
            enterprise.pk,
            kind,
            inspected_on,
            inspector_ids,
            place=place,
            client_id=client_id,
        )
        for row in answers:
            if row.item_id in current:
                inspections.answer(
                    user, inspection.pk, row.item_id, row.result, row.note, row.photos
                )
        return Synced(inspection, True, skipped)

    return _idempotent(Inspection, client_id, user, "created_by_id", create)


def sync_hazard(
    user,
    client_id: uuid.UUID,
    *,
    enterprise_id: int,
    source: str,
    description: str,
    place: str,
    found_on: date,
    photos: list,
) -> Synced:
    """A hazard reported offline (上报隐患), with its photos."""
    photos = inspections.checked_photos(photos)

    def create() -> Synced:
        enterprise = _enterprise(user, enterprise_id)
        hazard = hazards.report(
            user,
            enterprise.pk,
            source=source,
            description=description,
            place=place,
            found_on=found_on,
            photos=photos,
            client_id=client_id,
        )
        return Synced(hazard, True)

    return _idempotent(Hazard, client_id, user, "reported_by_id", create)


def sync_self_check(
    user,
    client_id: uuid.UUID,
    *,
    enterprise_id: int,
    version: str,
    checked_on: date,
    led_by: str,
    led_by_principal: bool,
    note: str,
    answers: dict[int, tuple[str, str]],
    accept_changes: bool = False,
) -> Synced:
    """A self-inspection (企业自查) answered offline against the enterprise's criteria."""
    if not can(user, "self_inspection.record"):
        raise Refused("只有企业主要负责人或安全管理人员可以记录自查", 403)

    def create() -> Synced:
        enterprise = _enterprise(user, enterprise_id)
        criteria = list(MajorHazardCriterion.objects.for_enterprise(enterprise))
        skipped: list[int] = []
        if version != criteria_version(enterprise, criteria):
            if not accept_changes:
                raise Refused(CHANGED.format(what="自查条目"), 409)
            current = {c.pk for c in criteria}
            skipped = [pk for pk in answers if pk not in current]
            kept = {pk: a for pk, a in answers.items() if pk in current}
        else:
            kept = answers
        inspection = hazards.record_self_inspection(
            user,
            enterprise.pk,
            checked_on=checked_on,
            led_by=led_by,
            led_by_principal=led_by_principal,
            answers=kept,
            note=note,
            client_id=client_id,
        )
        return Synced(inspection, True, skipped)

    return _idempotent(SelfInspection, client_id, user, "recorded_by_id", create)


# --- steps on an existing hazard ----------------------------------------------------------------

# The steps on a hazard taken in the field, by the hazard's own services (hazards.services): the
# enterprise starts its rectification and reports it done (提交验收, with photos); the reviewer
# verifies it on site (复查: close, or return it), with photos. Who may take which, on which
# hazard and in which state, is hazards.transitions' to say (available_actions), not this list's.
OFFLINE_STEPS = {
    "start": "开始整改",
    "submit": "整改完成，提交验收",
    "close": "复查通过，验收销号",
    "return": "复查不通过，退回整改",
}
STEPS_WITH_PHOTOS = frozenset({"submit", "close", "return"})
# The open hazards one bundle takes along at most (the oldest first).
OPEN_HAZARDS_MAX = 300
HAZARD_CHANGED = "离线记录后，该隐患已有新的办理（现为“{state}”），请核对后重新提交或放弃"


def hazard_version(hazard) -> str:
    """A fingerprint of the hazard as the phone saw it: any step taken on it (a transition, an
    extension decided, a plan revised) saves it and changes this."""
    return _fingerprint(hazard.pk, hazard.state, hazard.updated_at.isoformat())


def _with_pending_extension(hazards_list: list) -> list:
    """Set the `pending_extension` hazards.services.available_actions reads, in one query."""
    pending = {
        e.hazard_id: e
        for e in Extension.objects.filter(
            hazard__in=[h.pk for h in hazards_list], approved__isnull=True
        )
    }
    for hazard in hazards_list:
        hazard.pending_extension = pending.get(hazard.pk)
    return hazards_list


def offline_steps(user, hazard) -> list[str]:
    """The steps this user may take offline on this hazard now (hazards.services decides)."""
    return [a for a in hazards.available_actions(user, hazard) if a in OFFLINE_STEPS]


def hazard_now(user, hazard) -> dict:
    """The hazard as a phone keeps it (and as a conflict shows it): its state, its version and
    the steps this user may take on it offline."""
    if not hasattr(hazard, "pending_extension"):
        _with_pending_extension([hazard])
    return {
        "id": hazard.pk,
        "description": hazard.description,
        "place": hazard.place,
        "is_major": hazard.is_major,
        "state": hazard.state,
        "state_label": hazard.get_state_display(),
        "deadline": hazard.deadline,
        "evidence": hazard.evidence,
        "updated_at": hazard.updated_at,
        "version": hazard_version(hazard),
        "steps": [
            {"value": a, "label": OFFLINE_STEPS[a], "photos": a in STEPS_WITH_PHOTOS}
            for a in offline_steps(user, hazard)
        ],
        "url": f"/hazards/{hazard.pk}/",
    }


def open_hazards(user, enterprise) -> list[dict]:
    """The enterprise's open hazards this user sees and may take a step on offline."""
    if not any(can(user, t) for t in ("hazard.rectify", "hazard.review", "hazard.review_internal")):
        return []
    found = list(
        Hazard.objects.for_user(user)
        .filter(enterprise=enterprise)
        .exclude(state__in=(State.CLOSED, State.REJECTED))
        .order_by("found_on", "pk")[:OPEN_HAZARDS_MAX]
    )
    kept = [hazard_now(user, h) for h in _with_pending_extension(found)]
    return [h for h in kept if h["steps"]]


def require_hazard(user, hazard_id: int) -> None:
    """404 for a hazard this user does not see, before anything else is read."""
    if not Hazard.objects.for_user(user).filter(pk=hazard_id).exists():
        raise Refused("隐患不存在", 404)


def current_hazard(user, hazard_id: int) -> dict:
    """The hazard as it is now (`hazard_now`), if the user sees it: what a phone shows beside a
    step that conflicts with it."""
    hazard = Hazard.objects.for_user(user).filter(pk=hazard_id).first()
    if hazard is None:
        raise Refused("隐患不存在", 404)
    return hazard_now(user, hazard)


def _take(user, hazard_id: int, action: str, note: str, photos: list) -> None:
    if action == "start":
        hazards.start(user, hazard_id, note)
    elif action == "submit":
        hazards.submit(user, hazard_id, note, photos)
    elif action == "close":
        hazards.close(user, hazard_id, note, photos=photos)
    else:
        hazards.send_back(user, hazard_id, note, photos=photos)


def sync_step(
    user,
    client_id: uuid.UUID,
    *,
    hazard_id: int,
    version: str,
    action: str,
    note: str,
    photos: list,
    accept_changes: bool = False,
) -> Synced:
    """A step on an existing hazard recorded offline, taken now through the hazard's service
    (its event and notifications as online). A hazard changed since the phone prepared it, or a
    step it no longer allows, is a 409 (the phone then reads `current_hazard` to show it);
    `accept_changes` takes the step on the hazard as it is now, if that still allows it."""
    if action not in OFFLINE_STEPS:
        raise Refused("该步骤不能离线办理")
    photos = inspections.checked_photos(photos)
    if photos and action not in STEPS_WITH_PHOTOS:
        raise Refused(f"“{OFFLINE_STEPS[action]}”不附照片")

    def create() -> Synced:
        hazard = (
            Hazard.objects.for_user(user).select_for_update(of=("self",)).filter(pk=hazard_id)
        ).first()
        if hazard is None:
            raise Refused("隐患不存在", 404)
        # A resend that waited on the lock while the first one took the step.
        found = _existing(OfflineStep, client_id, user, "user_id")
        if found is not None:
            return Synced(found, False)
        if version != hazard_version(hazard) and not accept_changes:
            raise Refused(HAZARD_CHANGED.format(state=hazard.get_state_display()), 409)
        _take(user, hazard.pk, action, note, photos)
        event = hazard.events.order_by("-pk").first()
        step = OfflineStep.objects.create(
            client_id=client_id, user=user, hazard=hazard, event=event, action=action
        )
        return Synced(step, True)

    return _idempotent(OfflineStep, client_id, user, "user_id", create)


def step_hazard(user, step: OfflineStep) -> dict:
    """The hazard a synced step was taken on, as it is now."""
    return hazard_now(user, Hazard.objects.for_user(user).get(pk=step.hazard_id))
