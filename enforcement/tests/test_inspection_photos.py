"""Photos of an inspection answer, through the API (multipart) and the page alike: the checks
live in enforcement.inspections.services.answer, so both refuse the same things with the same
reasons and store nothing when they do."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.roles import Role
from conftest import client_for
from enforcement.inspections import services as inspections
from enforcement.inspections.services import MAX_PHOTOS_PER_ANSWER
from enforcement.models import InspectionAnswer, InspectionPhoto, Result

MANAGE = {Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, Role.TOWN_SUPERVISOR}
# Which drafts (of enterprise_a, enterprise_b) each role that may inspect reaches.
REACH = {
    Role.SUPERVISOR: {"a", "b"},
    Role.ENFORCEMENT_OFFICER: {"a", "b"},
    Role.TOWN_SUPERVISOR: {"a"},
}


def image(name="p.jpg", fmt="JPEG", size=(8, 8)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "blue").save(buffer, fmt)
    kind = {"JPEG": "image/jpeg", "PNG": "image/png"}[fmt]
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=kind)


def not_an_image(name="scan.jpg"):
    return SimpleUploadedFile(name, b"%PDF-1.4 not a picture at all", content_type="image/jpeg")


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture
def world(settings, tmp_path, users, inspectors, enterprise_a, enterprise_b):
    settings.MEDIA_ROOT = tmp_path
    enforcer = users[Role.ENFORCEMENT_OFFICER]

    def draft(enterprise):
        return inspections.create_inspection(
            enforcer, enterprise.pk, "on_site", None, [inspectors[0].pk, inspectors[1].pk]
        )

    drafts = {"a": draft(enterprise_a), "b": draft(enterprise_b)}
    first = {key: inspections.checklist_rows(d)[0]["item"] for key, d in drafts.items()}
    return {"drafts": drafts, "first": first, "enforcer": enforcer, "root": tmp_path}


def url(inspection, item):
    return f"/api/v1/inspections/{inspection.pk}/items/{item.pk}/photos"


def test_answer_an_item_with_photos(client, world):
    client_for(client, world["enforcer"])
    draft, item = world["drafts"]["a"], world["first"]["a"]
    response = client.post(
        url(draft, item),
        {
            "result": "not_compliant",
            "note": "除尘器泄爆口朝向人员通道",
            "photos": [image("a.jpg"), image("b.png", "PNG")],
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["item_id"] == item.pk
    assert body["result"] == "not_compliant" and body["note"] == "除尘器泄爆口朝向人员通道"
    row = InspectionAnswer.objects.get(inspection=draft, item=item)
    assert row.result == Result.NOT_COMPLIANT and row.answered_by == world["enforcer"]
    assert row.photos.count() == 2 and len(body["photos"]) == 2
    assert len(stored_files(world["root"])) == 2
    served = client.get(body["photos"][0])
    assert served.status_code == 200
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).format == "JPEG"
    # the inspection's detail lists the same photos
    detail = client.get(f"/api/v1/inspections/{draft.pk}").json()
    row_out = next(r for r in detail["checklist"] if r["item_id"] == item.pk)
    assert row_out["photos"] == body["photos"]


def test_add_photos_to_an_existing_answer(client, world):
    enforcer = world["enforcer"]
    draft, item = world["drafts"]["a"], world["first"]["a"]
    inspections.answer(enforcer, draft.pk, item.pk, Result.NOT_COMPLIANT, "泄爆口朝向通道")
    client_for(client, enforcer)
    first = client.post(url(draft, item), {"photos": [image("1.jpg")]})
    second = client.post(url(draft, item), {"photos": [image("2.jpg"), image("3.jpg")]})
    assert first.status_code == second.status_code == 200
    assert second.json()["result"] == "not_compliant" and second.json()["note"] == "泄爆口朝向通道"
    assert len(second.json()["photos"]) == 3
    row = InspectionAnswer.objects.get(inspection=draft, item=item)
    assert (row.result, row.note, row.photos.count()) == (Result.NOT_COMPLIANT, "泄爆口朝向通道", 3)


def _refusals(world):
    """(name, prepare(), request body, status, reason) for one draft item of enterprise_a."""
    enforcer = world["enforcer"]
    draft, item = world["drafts"]["a"], world["first"]["a"]

    def answered():
        inspections.answer(enforcer, draft.pk, item.pk, Result.COMPLIANT)

    def full():
        answered()
        row = InspectionAnswer.objects.get(inspection=draft, item=item)
        for n in range(MAX_PHOTOS_PER_ANSWER - 1):
            InspectionPhoto.objects.create(answer=row, image=f"enforcement/x{n}.jpg")

    many = [image(f"{n}.jpg") for n in range(MAX_PHOTOS_PER_ANSWER + 1)]
    return [
        ("not an image", answered, {"photos": [not_an_image()]}, 422, "不是有效的图片"),
        ("image among", answered, {"photos": [image(), not_an_image("b.png")]}, 422, "b.png"),
        ("too big", answered, {"photos": [image(size=(400, 400))]}, 413, "超过 2 KB"),
        ("too many at once", answered, {"photos": many}, 422, f"最多 {MAX_PHOTOS_PER_ANSWER} 张"),
        ("too many in all", full, {"photos": [image(), image()]}, 422, "最多"),
        ("not answered yet", lambda: None, {"photos": [image()]}, 422, "尚未作答"),
        ("bad result", lambda: None, {"result": "ok", "photos": [image()]}, 422, "检查结果无效"),
        (
            "wanting without note",
            lambda: None,
            {"result": "not_compliant", "photos": [image()]},
            422,
            "请写明具体问题",
        ),
        ("no photos", answered, {"result": "compliant"}, 422, "请求数据有误"),
    ]


@pytest.mark.parametrize("case", range(9))
def test_refusals_change_nothing(client, settings, world, case):
    settings.HAZARD_PHOTO_MAX_BYTES = 2048
    name, prepare, body, status, reason = _refusals(world)[case]
    prepare()
    draft, item = world["drafts"]["a"], world["first"]["a"]
    before = (
        list(InspectionAnswer.objects.values_list("item_id", "result", "note")),
        InspectionPhoto.objects.count(),
        len(stored_files(world["root"])),
    )
    client_for(client, world["enforcer"])
    response = client.post(url(draft, item), body)
    assert response.status_code == status, (name, response.content)
    assert reason in response.content.decode(), name
    after = (
        list(InspectionAnswer.objects.values_list("item_id", "result", "note")),
        InspectionPhoto.objects.count(),
        len(stored_files(world["root"])),
    )
    assert after == before, name


def test_not_a_draft_and_not_on_the_checklist(client, world, inspect, enterprise_a):
    client_for(client, world["enforcer"])
    done = inspect(enterprise_a)
    item = done.answers.first().item
    response = client.post(url(done, item), {"photos": [image()]})
    assert response.status_code == 409 and "检查已完成" in response.json()["detail"]
    # an item of enterprise_b's checklist that enterprise_a's does not have (its industry)
    draft = world["drafts"]["a"]
    own = {row["item"].pk for row in inspections.checklist_rows(draft)}
    other = next(
        row["item"]
        for row in inspections.checklist_rows(world["drafts"]["b"])
        if row["item"].pk not in own
    )
    response = client.post(url(draft, other), {"photos": [image()]})
    assert response.status_code == 422 and "不在本企业的检查清单中" in response.json()["detail"]
    for path in (
        f"/api/v1/inspections/{draft.pk}/items/{2**70}/photos",
        f"/api/v1/inspections/{2**70}/items/{other.pk}/photos",
        f"/api/v1/inspections/999999/items/{other.pk}/photos",
    ):
        response = client.post(path, {"photos": [image()]})
        assert response.status_code in (404, 422), (path, response.content)
    assert InspectionPhoto.objects.count() == 0
    assert stored_files(world["root"]) == []


@pytest.mark.parametrize("role", list(Role))
def test_who_may_upload(client, world, users, role):
    client_for(client, users[role])
    for key, draft in world["drafts"].items():
        item = world["first"][key]
        before = InspectionPhoto.objects.count()
        response = client.post(url(draft, item), {"result": "compliant", "photos": [image()]})
        # a role that may not inspect: 403 whatever the id; one that may: 404 out of its scope
        wanted = 200 if key in REACH.get(role, ()) else 404
        if role not in MANAGE:
            wanted = 403
        assert response.status_code == wanted, (key, response.content)
        assert InspectionPhoto.objects.count() == before + (1 if wanted == 200 else 0)
        if wanted == 404:
            assert response.json()["detail"] == "执法检查不存在"


def test_outsider_gets_404(client, world, outsider):
    client_for(client, outsider)
    draft, item = world["drafts"]["a"], world["first"]["a"]
    response = client.post(url(draft, item), {"result": "compliant", "photos": [image()]})
    assert response.status_code == 404
    assert not InspectionAnswer.objects.filter(inspection=draft).exists()


def test_token_auth(client, world):
    from accounts.services import create_token

    _, secret = create_token(world["enforcer"], "手机")
    draft, item = world["drafts"]["a"], world["first"]["a"]
    response = client.post(
        url(draft, item),
        {"result": "compliant", "photos": [image()]},
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 200, response.content
    anonymous = client.post(url(draft, item), {"photos": [image()]})
    assert anonymous.status_code == 401


# --- the page shares the checks -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("photos", "reason"),
    [
        (lambda: [not_an_image()], "不是有效的图片"),
        (lambda: [image(size=(400, 400))], "超过 2 KB"),
        (lambda: [image(f"{n}.jpg") for n in range(MAX_PHOTOS_PER_ANSWER + 1)], "最多 18 张"),
    ],
)
def test_the_page_refuses_the_same(client, settings, world, photos, reason):
    settings.HAZARD_PHOTO_MAX_BYTES = 2048
    client_for(client, world["enforcer"])
    draft, item = world["drafts"]["a"], world["first"]["a"]
    response = client.post(
        f"/enforcement/inspections/{draft.pk}/items/{item.pk}/",
        {"result": "compliant", "photos": photos()},
        follow=True,
    )
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert not InspectionAnswer.objects.filter(inspection=draft).exists()
    assert InspectionPhoto.objects.count() == 0 and stored_files(world["root"]) == []


def test_the_page_stores_good_photos(client, world):
    client_for(client, world["enforcer"])
    draft, item = world["drafts"]["a"], world["first"]["a"]
    client.post(
        f"/enforcement/inspections/{draft.pk}/items/{item.pk}/",
        {"result": "compliant", "photos": [image("x.jpg"), image("y.png", "PNG")]},
    )
    row = InspectionAnswer.objects.get(inspection=draft, item=item)
    assert row.result == Result.COMPLIANT and row.photos.count() == 2


def test_the_openapi_document_describes_the_upload(client, users):
    client.force_login(users[Role.SUPERVISOR])
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/inspections/{inspection_id}/items/{item_id}/photos"]
    body = operation["post"]["requestBody"]["content"]
    assert list(body) == ["multipart/form-data"]
    assert {"photos", "result", "note"} <= set(body["multipart/form-data"]["schema"]["properties"])
