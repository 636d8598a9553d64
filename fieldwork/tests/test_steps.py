"""Steps on an existing hazard recorded offline (fieldwork.services.sync_step,
/api/v1/offline/hazards/{id}/steps): 离线准备 takes along the enterprise's open hazards on
which the user may take a step, each with its version; the step synced goes through the
hazard's own service (its event, its photos, its notifications); sent again with its client id
it is taken once; a hazard changed meanwhile, or a step it no longer allows, is a 409 with the
hazard as it is now; a hazard outside the user's scope is a 404."""

import io
import json
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.roles import Role
from conftest import client_for
from core.models import Notification
from fieldwork.models import OfflineStep
from fieldwork.services import hazard_version
from hazards import services as hazards
from hazards.models import Hazard, HazardEvent, HazardPhoto, PhotoKind, Source, State

pytestmark = pytest.mark.django_db

BUNDLE = "/api/v1/offline/enterprises/{}"
STEPS = "/api/v1/offline/hazards/{}/steps"
HAZARD = "/api/v1/offline/hazards/{}"


def photo(name="整改后.png"):
    data = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 160, 30)).save(data, "PNG")
    return SimpleUploadedFile(name, data.getvalue(), content_type="image/png")


def send(client, hazard_id, record, photos=()):
    return client.post(
        STEPS.format(hazard_id), {"record": json.dumps(record), "photos": list(photos)}
    )


def hazard_in(state, users, enterprise, description="二号车间配电箱未接地"):
    """A hazard the enforcement officer found, taken through the services up to `state`."""
    enforcer = users[Role.ENFORCEMENT_OFFICER]
    principal = users[Role.PRINCIPAL]
    hazard = hazards.report(
        enforcer, enterprise.pk, source=Source.ENFORCEMENT, description=description
    )
    if state == State.REPORTED:
        return hazard
    hazards.confirm(users[Role.TOWN_SUPERVISOR], hazard.pk)
    hazards.plan(
        principal,
        hazard.pk,
        owner="李主任",
        measures="重新敷设接地线",
        deadline=timezone.localdate() + timedelta(days=10),
    )
    if state == State.PLANNED:
        return Hazard.objects.get(pk=hazard.pk)
    hazards.start(principal, hazard.pk)
    if state == State.RECTIFYING:
        return Hazard.objects.get(pk=hazard.pk)
    hazards.submit(principal, hazard.pk, "接地线已重新敷设，经检测合格")
    return Hazard.objects.get(pk=hazard.pk)


def cached(client, enterprise, hazard):
    bundle = client.get(BUNDLE.format(enterprise.pk)).json()
    return next(h for h in bundle["open_hazards"] if h["id"] == hazard.pk)


def step(kept, action, note="", photos=0, **extra):
    return {
        "client_id": str(uuid.uuid4()),
        "version": kept["version"],
        "action": action,
        "note": note,
        "photos": photos,
        **extra,
    }


@pytest.fixture
def enforcer(client, users):
    return client_for(client, users[Role.ENFORCEMENT_OFFICER])


@pytest.fixture
def principal_client(client, users):
    return client_for(client, users[Role.PRINCIPAL])


def test_the_bundle_takes_the_open_hazards_each_user_may_act_on(
    client, users, enterprise_a, enterprise_a2
):
    submitted = hazard_in(State.SUBMITTED, users, enterprise_a)
    rectifying = hazard_in(State.RECTIFYING, users, enterprise_a, "消防通道堆放货物")
    hazard_in(State.REPORTED, users, enterprise_a, "灭火器过期")  # nobody's step offline
    elsewhere = hazard_in(State.REPORTED, users, enterprise_a2, "别家企业的隐患")
    Hazard.objects.filter(pk=elsewhere.pk).update(state=State.SUBMITTED, evidence="已整改")
    # The enterprise: its rectification to report done; the verification is not its own.
    bundle = client_for(client, users[Role.PRINCIPAL]).get(BUNDLE.format(enterprise_a.pk)).json()
    assert [(h["id"], [s["value"] for s in h["steps"]]) for h in bundle["open_hazards"]] == [
        (rectifying.pk, ["submit"])
    ]
    kept = bundle["open_hazards"][0]
    assert (kept["state"], kept["state_label"], kept["url"]) == (
        "rectifying",
        "整改中",
        f"/hazards/{rectifying.pk}/",
    )
    assert kept["steps"][0]["photos"] is True
    # The reviewer: the verification on site (复查), pass or fail, of the enterprise prepared.
    bundle = client_for(client, users[Role.TOWN_SUPERVISOR]).get(BUNDLE.format(enterprise_a.pk))
    assert [(h["id"], [s["value"] for s in h["steps"]]) for h in bundle.json()["open_hazards"]] == [
        (submitted.pk, ["close", "return"])
    ]
    # An employee takes no step on a hazard.
    bundle = client_for(client, users[Role.EMPLOYEE]).get(BUNDLE.format(enterprise_a.pk))
    assert bundle.json()["open_hazards"] == []


def test_a_step_sent_twice_is_taken_once_with_its_photos_and_its_notifications(
    principal_client, users, enterprise_a, immediate_tasks, django_capture_on_commit_callbacks
):
    hazard = hazard_in(State.RECTIFYING, users, enterprise_a)
    kept = cached(principal_client, enterprise_a, hazard)
    record = step(kept, "submit", "接地线已重新敷设", photos=1)
    with django_capture_on_commit_callbacks(execute=True):
        first = send(principal_client, hazard.pk, record, [photo()])
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["created"] is True
    assert body["hazard"]["state"] == "submitted"
    assert body["url"] == f"/hazards/{hazard.pk}/"
    again = send(principal_client, hazard.pk, record, [photo()])
    assert again.status_code == 200, again.json()
    assert again.json()["created"] is False
    assert again.json()["id"] == body["id"]
    assert "未重复" in again.json()["detail"]
    hazard.refresh_from_db()
    assert (hazard.state, hazard.evidence) == (State.SUBMITTED, "接地线已重新敷设")
    event = HazardEvent.objects.get(pk=body["id"])
    assert (event.action, event.actor_id) == ("submit", users[Role.PRINCIPAL].pk)
    assert HazardEvent.objects.filter(hazard=hazard, action="submit").count() == 1
    assert HazardPhoto.objects.filter(hazard=hazard, kind=PhotoKind.EVIDENCE).count() == 1
    assert OfflineStep.objects.get().client_id == uuid.UUID(record["client_id"])
    # The town, which verifies it next, is told, as when it is submitted online.
    told = Notification.objects.filter(link=f"/hazards/{hazard.pk}/", title__contains="提交验收")
    assert users[Role.TOWN_SUPERVISOR].pk in told.values_list("recipient", flat=True)


def test_a_verification_on_site_closes_or_returns_with_photos(client, users, enterprise_a):
    town = client_for(client, users[Role.TOWN_SUPERVISOR])
    passed = hazard_in(State.SUBMITTED, users, enterprise_a)
    failed = hazard_in(State.SUBMITTED, users, enterprise_a, "消防通道堆放货物")
    response = send(
        town, passed.pk, step(cached(town, enterprise_a, passed), "close", "复查合格", 1), [photo()]
    )
    assert response.status_code == 201, response.json()
    assert response.json()["hazard"]["state"] == "closed"
    assert response.json()["hazard"]["steps"] == []
    assert HazardPhoto.objects.filter(hazard=passed, kind=PhotoKind.RECHECK).count() == 1
    # A return needs its reason, as online; nothing is changed without it.
    kept = cached(town, enterprise_a, failed)
    response = send(town, failed.pk, step(kept, "return"))
    assert response.status_code == 422
    assert "理由" in response.json()["detail"]
    assert Hazard.objects.get(pk=failed.pk).state == State.SUBMITTED
    response = send(town, failed.pk, step(kept, "return", "货物仍未清走"))
    assert response.status_code == 201
    assert Hazard.objects.get(pk=failed.pk).state == State.RECTIFYING


def test_a_hazard_changed_meanwhile_is_a_conflict_with_its_state_now(client, users, enterprise_a):
    town = client_for(client, users[Role.TOWN_SUPERVISOR])
    hazard = hazard_in(State.SUBMITTED, users, enterprise_a)
    kept = cached(town, enterprise_a, hazard)
    # Meanwhile the county verified it online.
    hazards.send_back(users[Role.SUPERVISOR], hazard.pk, "整改照片不清晰")
    record = step(kept, "close", "复查合格")
    response = send(town, hazard.pk, record)
    assert response.status_code == 409
    body = response.json()
    assert "已有新的办理" in body["detail"] and "整改中" in body["detail"]
    assert not OfflineStep.objects.exists()
    # The phone reads the hazard as it is now, to show beside what it recorded.
    now = town.get(HAZARD.format(hazard.pk)).json()
    assert (now["state"], now["state_label"]) == ("rectifying", "整改中")
    assert now["version"] != kept["version"]
    assert now["steps"] == []
    # Resubmitted on the hazard as it is now: the step is no longer allowed, still a conflict.
    response = send(town, hazard.pk, {**record, "accept_changes": True})
    assert response.status_code == 409
    assert "不能验收销号" in response.json()["detail"]
    assert Hazard.objects.get(pk=hazard.pk).state == State.RECTIFYING


def test_a_resubmitted_step_still_allowed_is_taken(principal_client, users, enterprise_a):
    hazard = hazard_in(State.RECTIFYING, users, enterprise_a)
    kept = cached(principal_client, enterprise_a, hazard)
    # Meanwhile the plan's deadline is extended: the hazard changed, the step is still allowed.
    Hazard.objects.filter(pk=hazard.pk).update(updated_at=timezone.now() + timedelta(seconds=1))
    record = step(kept, "submit", "已整改")
    assert send(principal_client, hazard.pk, record).status_code == 409
    response = send(principal_client, hazard.pk, {**record, "accept_changes": True})
    assert response.status_code == 201, response.json()
    assert Hazard.objects.get(pk=hazard.pk).state == State.SUBMITTED


@pytest.mark.parametrize(
    "role", [Role.TOWN_SUPERVISOR, Role.PRINCIPAL, Role.EMPLOYEE, Role.GRID_MEMBER]
)
def test_a_hazard_outside_the_scope_is_not_found(client, users, enterprise_b, role):
    hazard = hazard_in(State.REPORTED, users, enterprise_b)
    before = Hazard.objects.get(pk=hazard.pk).updated_at
    record = {"client_id": str(uuid.uuid4()), "version": "x", "action": "start", "photos": 0}
    response = send(client_for(client, users[role]), hazard.pk, record)
    assert response.status_code == 404
    assert response.json()["detail"] == "隐患不存在"
    assert Hazard.objects.get(pk=hazard.pk).updated_at == before
    assert send(client, 987654321, record).status_code == 404
    assert client.get(HAZARD.format(hazard.pk)).status_code == 404


def test_a_step_the_role_may_not_take_is_refused(client, users, enterprise_a):
    hazard = hazard_in(State.SUBMITTED, users, enterprise_a)
    principal = client_for(client, users[Role.PRINCIPAL])
    kept = {"version": hazard_version(hazard)}
    response = send(principal, hazard.pk, step(kept, "close", "合格"))
    assert response.status_code == 403
    assert Hazard.objects.get(pk=hazard.pk).state == State.SUBMITTED


@pytest.mark.parametrize(
    ("change", "photos", "message"),
    [
        ({"action": "plan"}, 0, "不能离线办理"),
        ({"action": "start", "photos": 1}, 1, "不附照片"),
        ({"photos": 2}, 1, "照片张数"),
        ({"client_id": "not-a-uuid"}, 0, "请求数据有误"),
        ({"photos": -1}, 0, "请求数据有误"),
    ],
)
def test_bad_input_changes_nothing(principal_client, users, enterprise_a, change, photos, message):
    hazard = hazard_in(State.PLANNED, users, enterprise_a)
    kept = cached(principal_client, enterprise_a, hazard)
    record = {**step(kept, "start"), **change}
    response = send(principal_client, hazard.pk, record, [photo() for _ in range(photos)])
    assert response.status_code == 422, response.json()
    assert message in response.json()["detail"]
    assert Hazard.objects.get(pk=hazard.pk).state == State.PLANNED
    assert not OfflineStep.objects.exists()


def test_not_a_picture_is_refused(principal_client, users, enterprise_a):
    hazard = hazard_in(State.RECTIFYING, users, enterprise_a)
    kept = cached(principal_client, enterprise_a, hazard)
    fake = SimpleUploadedFile("假照片.png", b"not an image", content_type="image/png")
    response = send(principal_client, hazard.pk, step(kept, "submit", "已整改", 1), [fake])
    assert response.status_code == 422
    assert "不是有效的图片" in response.json()["detail"]
    assert Hazard.objects.get(pk=hazard.pk).state == State.RECTIFYING


def test_a_client_id_used_for_another_hazard_is_refused(principal_client, users, enterprise_a):
    first = hazard_in(State.PLANNED, users, enterprise_a)
    second = hazard_in(State.PLANNED, users, enterprise_a, "消防通道堆放货物")
    record = step(cached(principal_client, enterprise_a, first), "start")
    assert send(principal_client, first.pk, record).status_code == 201
    response = send(principal_client, second.pk, record)
    assert response.status_code == 409
    assert Hazard.objects.get(pk=second.pk).state == State.PLANNED
