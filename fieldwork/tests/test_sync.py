"""The offline records' sync (fieldwork.services, /api/v1/offline): a record sent again with its
client id answers the one stored, never a second; a record made from a checklist or criteria
that changed meanwhile is a 409 conflict, stored only when resubmitted accepting the change; a
client id someone else's record holds is refused."""

import io
import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.roles import Role
from conftest import client_for, post_json
from enforcement.inspections import checklists
from enforcement.models import ChecklistItem, Inspection, InspectionAnswer, InspectionPhoto
from hazards.models import Hazard, HazardPhoto, MajorHazardCriterion, SelfInspection

pytestmark = pytest.mark.django_db

BUNDLE = "/api/v1/offline/enterprises/{}"
INSPECTIONS = "/api/v1/offline/inspections"
HAZARDS = "/api/v1/offline/hazards"
SELF_CHECKS = "/api/v1/offline/self-checks"


def photo(name="现场.png"):
    data = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(data, "PNG")
    return SimpleUploadedFile(name, data.getvalue(), content_type="image/png")


def inspection_record(bundle, inspectors, client_id=None, wanting_photos=1):
    items = [item for section in bundle["inspection"]["sections"] for item in section["items"]]
    answers = [{"item_id": item["id"], "result": "compliant"} for item in items]
    answers[0] = {
        "item_id": items[0]["id"],
        "result": "not_compliant",
        "note": "安全管理人员未到岗",
        "photos": wanting_photos,
    }
    return {
        "client_id": str(client_id or uuid.uuid4()),
        "enterprise_id": bundle["enterprise"]["id"],
        "version": bundle["inspection"]["version"],
        "kind": "on_site",
        "inspected_on": "2026-12-01",
        "inspector_ids": [inspectors[0].pk, inspectors[1].pk],
        "place": "打磨车间",
        "answers": answers,
    }


def send(client, url, record, photos=()):
    return client.post(url, {"record": json.dumps(record), "photos": list(photos)})


@pytest.fixture
def enforcer(client, users):
    return client_for(client, users[Role.ENFORCEMENT_OFFICER])


def test_the_bundle_holds_the_enterprise_checklist(enforcer, enterprise_a, inspectors):
    response = enforcer.get(BUNDLE.format(enterprise_a.pk))
    assert response.status_code == 200
    bundle = response.json()
    ids = [i["id"] for s in bundle["inspection"]["sections"] for i in s["items"]]
    assert ids == list(checklists.items_for(enterprise_a).values_list("pk", flat=True))
    assert {i["id"] for i in bundle["inspection"]["inspectors"]} == {u.pk for u in inspectors}
    assert bundle["self_check"] is None  # an enforcement officer does not record self-checks
    assert bundle["hazard"]["sources"]


def test_an_enterprise_outside_the_scope_is_not_found(client, users, enterprise_b):
    town = client_for(client, users[Role.TOWN_SUPERVISOR])
    assert town.get(BUNDLE.format(enterprise_b.pk)).status_code == 404


def test_an_inspection_sent_twice_is_stored_once(enforcer, enterprise_a, inspectors):
    bundle = enforcer.get(BUNDLE.format(enterprise_a.pk)).json()
    record = inspection_record(bundle, inspectors)
    first = send(enforcer, INSPECTIONS, record, [photo()])
    assert first.status_code == 201, first.json()
    assert first.json()["created"] is True
    again = send(enforcer, INSPECTIONS, record, [photo()])
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["id"] == first.json()["id"]
    assert "未重复" in again.json()["detail"]
    inspection = Inspection.objects.get()
    assert str(inspection.client_id) == record["client_id"]
    assert inspection.is_draft
    assert InspectionAnswer.objects.filter(inspection=inspection).count() == len(record["answers"])
    assert InspectionPhoto.objects.count() == 1


def test_a_changed_checklist_is_a_conflict_until_resubmitted(enforcer, enterprise_a, inspectors):
    bundle = enforcer.get(BUNDLE.format(enterprise_a.pk)).json()
    record = inspection_record(bundle, inspectors, wanting_photos=0)
    # Meanwhile an item of the enterprise's checklist is switched off.
    dropped = record["answers"][-1]["item_id"]
    ChecklistItem.objects.filter(pk=dropped).update(active=False)
    response = send(enforcer, INSPECTIONS, record)
    assert response.status_code == 409
    assert "已变更" in response.json()["detail"]
    assert not Inspection.objects.exists()
    # Resubmitted accepting the change: stored, the dropped item left out and said so.
    response = send(enforcer, INSPECTIONS, {**record, "accept_changes": True})
    assert response.status_code == 201
    assert response.json()["skipped"] == [dropped]
    assert "不在清单中" in response.json()["detail"]
    assert Inspection.objects.get().answers.count() == len(record["answers"]) - 1


def test_a_refused_record_stores_nothing(enforcer, enterprise_a, inspectors):
    bundle = enforcer.get(BUNDLE.format(enterprise_a.pk)).json()
    record = inspection_record(bundle, inspectors, wanting_photos=0)
    record["answers"][0]["note"] = ""  # 不符合 without what was found
    response = send(enforcer, INSPECTIONS, record)
    assert response.status_code == 422
    assert "具体问题" in response.json()["detail"]
    assert not Inspection.objects.exists()


def test_the_photo_count_must_match(enforcer, enterprise_a, inspectors):
    bundle = enforcer.get(BUNDLE.format(enterprise_a.pk)).json()
    response = send(
        enforcer, INSPECTIONS, inspection_record(bundle, inspectors, None, 2), [photo()]
    )
    assert response.status_code == 422
    assert not Inspection.objects.exists()


def test_someone_elses_client_id_is_refused(client, enforcer, users, enterprise_a, inspectors):
    bundle = enforcer.get(BUNDLE.format(enterprise_a.pk)).json()
    record = inspection_record(bundle, inspectors, wanting_photos=0)
    assert send(enforcer, INSPECTIONS, record).status_code == 201
    other = client_for(client, users[Role.SUPERVISOR])
    response = send(other, INSPECTIONS, record)
    assert response.status_code == 409
    assert Inspection.objects.count() == 1


def test_unreadable_record_is_a_422(enforcer):
    response = enforcer.post(INSPECTIONS, {"record": "{not json"})
    assert response.status_code == 422
    assert response.json()["detail"] == "请求数据有误"


def test_a_hazard_reported_twice_is_stored_once(client, users, enterprise_a):
    employee = client_for(client, users[Role.EMPLOYEE])
    record = {
        "client_id": str(uuid.uuid4()),
        "enterprise_id": enterprise_a.pk,
        "source": "employee_report",
        "description": "二号车间消防通道堆放货物",
        "place": "二号车间",
        "found_on": "2026-12-01",
    }
    first = send(employee, HAZARDS, record, [photo()])
    assert first.status_code == 201, first.json()
    again = send(employee, HAZARDS, record, [photo()])
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    hazard = Hazard.objects.get()
    assert str(hazard.client_id) == record["client_id"]
    assert HazardPhoto.objects.filter(hazard=hazard).count() == 1


def test_a_self_check_sent_twice_is_stored_once_and_a_changed_list_conflicts(
    client, users, enterprise_a
):
    principal = client_for(client, users[Role.PRINCIPAL])
    bundle = principal.get(BUNDLE.format(enterprise_a.pk)).json()
    form = bundle["self_check"]
    record = {
        "client_id": str(uuid.uuid4()),
        "enterprise_id": enterprise_a.pk,
        "version": form["version"],
        "checked_on": "2026-12-01",
        "led_by": "张厂长",
        "led_by_principal": True,
        "answers": [{"criterion_id": c["id"], "answer": "compliant"} for c in form["criteria"]],
    }
    first = post_json(principal, SELF_CHECKS, record)
    assert first.status_code == 201, first.json()
    again = post_json(principal, SELF_CHECKS, record)
    assert again.status_code == 200
    assert SelfInspection.objects.count() == 1
    # The criteria changed after another phone prepared: a conflict, nothing stored.
    stale = {**record, "client_id": str(uuid.uuid4())}
    criterion = MajorHazardCriterion.objects.get(pk=form["criteria"][0]["id"])
    criterion.text += "（修订）"
    criterion.save()
    response = post_json(principal, SELF_CHECKS, stale)
    assert response.status_code == 409
    assert SelfInspection.objects.count() == 1
    assert post_json(principal, SELF_CHECKS, {**stale, "accept_changes": True}).status_code == 201


def test_a_resend_racing_the_first_answers_its_record(users, enterprise_a, monkeypatch):
    """Two sends of one record at once: both pass the look-up before either has stored; the
    second fails on the unique client id and answers the first's record."""
    from fieldwork import services

    employee = users[Role.EMPLOYEE]
    client_id = uuid.uuid4()
    report = {
        "enterprise_id": enterprise_a.pk,
        "source": "employee_report",
        "description": "配电箱门未关闭",
        "place": "",
        "found_on": Hazard._meta.get_field("found_on").default(),
        "photos": [],
    }
    first = services.sync_hazard(employee, client_id, **report)
    looked_up = services._existing
    calls = []

    def not_yet_stored(*args):
        calls.append(args)
        return None if len(calls) == 1 else looked_up(*args)

    monkeypatch.setattr(services, "_existing", not_yet_stored)
    second = services.sync_hazard(employee, client_id, **report)
    assert len(calls) == 2  # looked up again after the unique index refused the insert
    assert (second.created, second.record.pk) == (False, first.record.pk)
    assert Hazard.objects.count() == 1
