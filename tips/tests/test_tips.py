import io
import math
import re
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from accounts.roles import Role
from conftest import client_for
from core import workdays
from core.models import CalendarDay, CalendarYear
from hazards.models import Hazard
from hazards.states import Source
from tips import services
from tips.models import Reward, Tip, TipEvent, TipPhoto
from tips.services import TipRefused
from tips.states import State

D = date


def png(name="p.png", size=(8, 8)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.TIPS_PER_ADDRESS_PER_DAY = 5
    settings.TIPS_SEARCHES_PER_MINUTE = 30


def submit(enterprise=None, address="192.0.2.1", **extra):
    fields = {
        "what": "车间粉尘堆积，除尘器不开",
        "place": "打磨车间",
        "enterprise_id": enterprise.pk if enterprise else None,
        **extra,
    }
    return services.submit(address=address, **fields)


def snapshot():
    return [
        list(model.objects.order_by("pk").values())
        for model in (Tip, TipPhoto, TipEvent, Reward, Hazard)
    ]


# --- tracking codes ---------------------------------------------------------------------------


def test_codes_have_at_least_80_bits_and_look_random():
    codes = [services.new_code() for _ in range(2000)]
    assert len(set(codes)) == len(codes)
    assert all(len(c) == services.CODE_LENGTH for c in codes)
    bits = services.CODE_LENGTH * math.log2(len(services.ALPHABET))
    assert bits >= 80
    # Every symbol of the alphabet is used about equally (a chi-square far below a broken
    # generator's).
    counts = Counter("".join(codes))
    assert set(counts) == set(services.ALPHABET)
    expected = len(codes) * services.CODE_LENGTH / len(services.ALPHABET)
    chi = sum((n - expected) ** 2 / expected for n in counts.values())
    assert chi < 80  # 31 degrees of freedom: p < 1e-7 beyond this
    assert re.fullmatch(r"(\w{4}-){4}\w{4}", services.grouped(codes[0]))


def test_only_a_hash_of_the_code_is_stored(users, enterprise_a):
    submission = submit(enterprise_a)
    row = Tip.objects.filter(pk=submission.tip.pk).values().get()
    for value in row.values():
        assert submission.code not in str(value)
    assert row["code_hash"] == services.code_hash(submission.code)
    # The address is stored only as a keyed hash.
    assert "192.0.2.1" not in str(row)


def test_status_by_code_grouped_or_typed_loosely(users, enterprise_a):
    submission = submit(enterprise_a)
    loose = submission.grouped_code.lower().replace("-", " ")
    found = services.public_status(loose)
    assert found["state"] == State.SUBMITTED
    assert "town_a_supervisor" not in str(found)


def test_unknown_and_malformed_codes_answer_identically(users, enterprise_a):
    submit(enterprise_a)
    client = Client()
    answers = []
    for code in [services.new_code(), "x", "' OR 1=1 --", "A" * 500, "", "😀"]:
        response = client.get("/api/v1/tips/status", {"code": code})
        answers.append((response.status_code, response.content))
    assert len(set(answers)) == 1
    assert answers[0][0] == 404
    # The page too: the same status and the same message whatever was typed.
    pages = [
        client.post("/public/tips/status/", {"code": code})
        for code in [services.new_code(), "!!", "B" * 90]
    ]
    assert {p.status_code for p in pages} == {404}
    assert all("未找到该查询码" in p.content.decode() for p in pages)


def test_public_status_shows_progress_and_outcome_only(users, enterprise_a, town):
    submission = submit(
        enterprise_a, anonymous=False, contact_name="李四", contact_phone="13800001111"
    )
    services.act(town, submission.tip.pk, "accept")
    services.act(town, submission.tip.pk, "start")
    services.act(town, submission.tip.pk, "dismiss", "现场未发现")
    services.act(town, submission.tip.pk, "reply", "经核查未发现所述问题，感谢监督")
    response = Client().get("/api/v1/tips/status", {"code": submission.code})
    body = response.json()
    assert response.status_code == 200
    assert body["state"] == State.REPLIED and "感谢监督" in body["outcome"]
    text = response.content.decode()
    for secret in ("李四", "13800001111", "town_a_supervisor", enterprise_a.name, "现场未发现"):
        assert secret not in text


# --- submission: bad input, photos, rate limit --------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"what": ""}, "请填写举报内容"),
        ({"place": "  "}, "请填写地点"),
        ({"what": "x" * 2001}, "不能超过"),
        ({"place": "a\x00b"}, "控制字符"),
        ({"anonymous": False}, "实名举报请填写联系电话"),
        ({"anonymous": False, "contact_phone": "abc"}, "联系电话格式不正确"),
        ({"enterprise_id": "999999"}, "所选企业不存在"),
        ({"enterprise_id": "abc"}, "所选企业不存在"),
    ],
)
def test_bad_input_refused_in_chinese_nothing_saved(users, fields, message):
    before = snapshot()
    with pytest.raises(TipRefused, match=message):
        submit(**fields)
    assert snapshot() == before


def test_photos_checked_by_content_and_size(users, enterprise_a, settings):
    before = snapshot()
    fake = SimpleUploadedFile("evil.png", b"<?php echo 1; ?>", content_type="image/png")
    with pytest.raises(TipRefused, match="不是有效的"):
        submit(enterprise_a, photos=[fake])
    pdf = SimpleUploadedFile("a.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    with pytest.raises(TipRefused, match="格式不支持"):
        submit(enterprise_a, photos=[pdf])
    big = png()
    big.size = 9 * 1024 * 1024
    with pytest.raises(TipRefused, match="文件过大"):
        submit(enterprise_a, photos=[big])
    assert snapshot() == before
    submission = submit(enterprise_a, photos=[png(), png("b.png")])
    assert submission.tip.photos.count() == 2


def test_api_refuses_a_non_image_with_422_and_saves_nothing(users, enterprise_a):
    before = snapshot()
    response = Client().post(
        "/api/v1/tips",
        {
            "what": "有问题",
            "place": "车间",
            "enterprise_id": str(enterprise_a.pk),
            "photos": SimpleUploadedFile("x.jpg", b"not a picture", content_type="image/jpeg"),
        },
    )
    assert response.status_code == 422
    assert "照片" in response.json()["detail"]
    assert snapshot() == before


def test_rate_limit_per_address_and_day(users, enterprise_a, settings):
    settings.TIPS_PER_ADDRESS_PER_DAY = 2
    client = Client(REMOTE_ADDR="198.51.100.7")
    data = {"what": "有问题", "place": "车间", "enterprise_id": str(enterprise_a.pk)}
    assert client.post("/api/v1/tips", data).status_code == 201
    assert client.post("/api/v1/tips", data).status_code == 201
    refused = client.post("/api/v1/tips", data)
    assert refused.status_code == 429
    assert "每天最多提交 2 条" in refused.json()["detail"]
    assert Tip.objects.count() == 2
    # Another address is not held back; the page answers 429 in Chinese too.
    assert Client(REMOTE_ADDR="198.51.100.8").post("/api/v1/tips", data).status_code == 201
    page = client.post("/public/tips/", {**data, "anonymous": "on"})
    assert page.status_code == 429 and "每天最多提交" in page.content.decode()
    # The count is the stored rows': the next day the address may submit again.
    services.submit(address="198.51.100.7", what="x", place="y", today=D(2030, 1, 2))
    settings.TIPS_PER_ADDRESS_PER_DAY = 0  # disabled (the benchmark)
    assert client.post("/api/v1/tips", data).status_code == 201


def test_public_search_returns_names_and_ids_only_and_is_rate_limited(
    users, enterprise_a, settings
):
    settings.TIPS_SEARCHES_PER_MINUTE = 3
    from django.core.cache import cache

    cache.clear()
    client = Client(REMOTE_ADDR="198.51.100.9")
    response = client.get("/api/v1/tips/enterprises", {"q": enterprise_a.name[:4]})
    assert response.status_code == 200
    assert response.json() == [{"id": enterprise_a.pk, "name": enterprise_a.name}]
    client.get("/api/v1/tips/enterprises", {"q": "高唐"})
    client.get("/public/tips/search/", {"q": "高唐"})
    refused = client.get("/api/v1/tips/enterprises", {"q": "高唐"})
    assert refused.status_code == 429 and "频繁" in refused.json()["detail"]


def test_public_pages_open_without_log_in(users, enterprise_a):
    client = Client()
    form = client.get("/public/tips/")
    assert form.status_code == 200 and "举报安全生产隐患" in form.content.decode()
    assert client.get("/public/tips/status/").status_code == 200
    found = client.get("/public/tips/search/", {"q": enterprise_a.name[:4]}).content.decode()
    assert enterprise_a.name in found and enterprise_a.credit_code not in found


def test_public_page_submits_and_shows_the_code(users, enterprise_a):
    response = Client().post(
        "/public/tips/",
        {
            "enterprise": str(enterprise_a.pk),
            "what": "消防通道堵塞",
            "place": "库房",
            "anonymous": "on",
            "photos": png(),
        },
    )
    assert response.status_code == 200
    code = re.search(r'id="tracking-code">([^<]+)<', response.content.decode()).group(1)
    assert services.public_status(code)["state"] == State.SUBMITTED
    assert Tip.objects.get().photos.count() == 1
    refused = Client().post("/public/tips/", {"what": "", "place": ""})
    assert refused.status_code == 422 and Tip.objects.count() == 1


# --- routing, deadlines -----------------------------------------------------------------------


def test_routed_to_the_town_or_the_county(users, enterprise_a, county, town_a):
    assert submit(enterprise_a).tip.jurisdiction == town_a
    free = submit(enterprise_text="某无名作坊").tip
    assert free.jurisdiction == county and free.enterprise is None


def test_deadlines_in_working_days_across_a_holiday(users, enterprise_a):
    # 2025 National Day: 1–8 October off, Saturday 11 October a make-up working day.
    CalendarYear.objects.get_or_create(year=2025, defaults={"source": "国办发明电〔2024〕12号"})
    for day in range(1, 9):
        CalendarDay.objects.update_or_create(
            date=D(2025, 10, day), defaults={"is_workday": False, "note": "国庆节、中秋节"}
        )
    CalendarDay.objects.update_or_create(
        date=D(2025, 10, 11), defaults={"is_workday": True, "note": "调休上班"}
    )
    workdays.clear_cache()
    try:
        tip = submit(enterprise_a, today=D(2025, 9, 30)).tip
        # 3 working days after Tuesday 30 September: 9, 10 and (make-up) 11 October.
        assert tip.accept_due == D(2025, 10, 11)
        assert tip.reply_due == workdays.add_workdays(D(2025, 9, 30), 30)
        assert tip.reply_due > D(2025, 11, 7)
    finally:
        workdays.clear_cache()


def test_overdue_shows_on_the_workbench_and_reminds_the_town_once(
    users, enterprise_a, town, client
):
    tip = submit(enterprise_a, today=D(2024, 1, 2)).tip
    assert services.remind_overdue(D(2024, 4, 1)) == 2  # acceptance and reply
    assert services.remind_overdue(D(2024, 4, 2)) == 0
    client_for(client, town)
    page = client.get("/").content.decode()
    assert "受理逾期的举报" in page and "答复逾期的举报" in page
    assert TipEvent.objects.filter(tip=tip, action="remind").count() == 2


def test_a_new_tip_notifies_the_town_supervisors(users, enterprise_a, town, immediate_tasks):
    from django.db import transaction

    from core.models import Notification

    with transaction.atomic():
        submit(enterprise_a)
    # on_commit inside the test transaction: deliver directly
    from core.events import deliver_events

    deliver_events("tips.TipEvent", list(TipEvent.objects.values_list("pk", flat=True)))
    assert Notification.objects.filter(recipient=town, title__contains="群众举报").exists()


# --- handling: a verified tip becomes a hazard; reward ------------------------------------------


def test_verified_tip_becomes_a_public_tip_hazard_and_earns_a_reward(
    users, enterprise_a, town, county_supervisor
):
    tip = submit(enterprise_a, photos=[png()]).tip
    with pytest.raises(TipRefused, match="不能核查属实"):
        services.verify(town, tip.pk, "属实")
    services.act(town, tip.pk, "accept")
    services.act(town, tip.pk, "start")
    tip = services.verify(town, tip.pk, "现场属实")
    assert tip.state == State.VERIFIED
    hazard = tip.hazard
    assert hazard.source == Source.PUBLIC_TIP and hazard.enterprise == enterprise_a
    assert hazard.photos.count() == 1
    reward = services.decide_reward(town, tip.pk, "general")
    assert reward.amount == 500 and "鲁应急发〔2021〕3号" in reward.source
    admin = users[Role.COUNTY_ADMIN]
    with pytest.raises(TipRefused, match="不能进行此操作"):
        services.advance_reward(admin, tip.pk, "pay")
    with pytest.raises(TipRefused) as refused:
        services.advance_reward(town, tip.pk, "approve")
    assert refused.value.status == 403
    services.advance_reward(admin, tip.pk, "approve")
    reward = services.advance_reward(county_supervisor, tip.pk, "pay")
    assert reward.state == "paid" and reward.paid_by == county_supervisor
    assert reward.approved_by == admin and reward.decided_by == town
    with pytest.raises(TipRefused, match="不超过"):
        services.decide_reward(town, submit(enterprise_a).tip.pk, "general", "999999")


def test_refusals_of_handling(users, enterprise_a, town):
    tip = submit(enterprise_a).tip
    before = snapshot()
    with pytest.raises(TipRefused, match="须填写理由"):
        services.act(town, tip.pk, "refuse", "")
    with pytest.raises(TipRefused, match="不能答复办结"):
        services.act(town, tip.pk, "reply", "答复")
    with pytest.raises(TipRefused, match="只有核查属实"):
        services.decide_reward(town, tip.pk, "general")
    with pytest.raises(TipRefused) as refused:
        services.act(users[Role.ENFORCEMENT_OFFICER], tip.pk, "accept")
    assert refused.value.status == 403
    assert snapshot() == before


# --- identity: the county administrator only, audited --------------------------------------------


def test_identity_only_for_the_county_admin_and_every_view_audited(users, enterprise_a, client):
    tip = submit(
        enterprise_a, anonymous=False, contact_name="张三", contact_phone="13900002222"
    ).tip
    for role in (Role.SUPERVISOR, Role.TOWN_SUPERVISOR, Role.ENFORCEMENT_OFFICER):
        c = client_for(Client(), users[role])
        detail = c.get(f"/tips/{tip.pk}/").content.decode()
        assert "13900002222" not in detail and "张三" not in detail
        assert c.get(f"/tips/{tip.pk}/contact/").status_code == 403
        api = c.get(f"/api/v1/tips/{tip.pk}").content.decode()
        assert "13900002222" not in api
    admin = users[Role.COUNTY_ADMIN]
    c = client_for(client, admin)
    for _ in range(2):
        response = c.get(f"/tips/{tip.pk}/contact/")
        page = response.content.decode()
        assert response.status_code == 200, page[-3000:]
        assert "13900002222" in page and "张三" in page
    entries = LogEntry.objects.get_for_object(tip).filter(action=LogEntry.Action.ACCESS)
    assert entries.count() == 2 and {e.actor for e in entries} == {admin}
    assert "13900002222" not in str(list(entries.values()))


# --- scoping per role ---------------------------------------------------------------------------


def test_scoping_per_role(users, enterprise_a, enterprise_b, outsider):
    in_a = submit(enterprise_a).tip
    in_b = submit(enterprise_b).tip
    county_tip = submit(enterprise_text="无名作坊").tip
    everything = {in_a.pk, in_b.pk, county_tip.pk}
    expected = {
        Role.COUNTY_ADMIN: everything,
        Role.SUPERVISOR: everything,
        Role.ENFORCEMENT_OFFICER: everything,
        Role.TOWN_SUPERVISOR: {in_a.pk},
        Role.GRID_MEMBER: set(),
        Role.EXPERT: set(),
        Role.PRINCIPAL: set(),
        Role.SAFETY_OFFICER: set(),
        Role.EMPLOYEE: set(),
    }
    for role, ids in expected.items():
        user = users[role]
        assert set(Tip.objects.for_user(user, "tip.view").values_list("pk", flat=True)) == ids
        c = client_for(Client(), user)
        for tip in (in_a, in_b, county_tip):
            response = c.get(f"/tips/{tip.pk}/")
            if tip.pk in ids:
                assert response.status_code == 200, role
            else:
                assert response.status_code in (403, 404), role
        api = c.get("/api/v1/tips")
        if ids:
            assert {row["id"] for row in api.json()["items"]} == ids
        else:
            assert api.status_code in (200, 403)
            if api.status_code == 200:
                assert api.json()["items"] == []
    assert Tip.objects.for_user(outsider, "tip.view").get() == in_b
    # Acting on a tip out of scope is a 404.
    c = client_for(Client(), outsider)
    assert c.post(f"/tips/{in_a.pk}/accept/").status_code == 404
    assert Tip.objects.get(pk=in_a.pk).state == State.SUBMITTED


def test_bureau_pages_render(users, enterprise_a, client):
    tip = submit(enterprise_a).tip
    c = client_for(client, users[Role.COUNTY_ADMIN])
    assert "群众举报" in c.get("/tips/").content.decode()
    assert c.get("/tips/?overdue=accept&town=abc").status_code == 200
    assert enterprise_a.jurisdiction.name in c.get("/tips/statistics/").content.decode()
    response = c.post(f"/tips/{tip.pk}/accept/")
    assert response.status_code == 302
    assert Tip.objects.get(pk=tip.pk).state == State.ACCEPTED


def test_api_actions(users, enterprise_a, town):
    from conftest import post_json

    tip = submit(enterprise_a).tip
    c = client_for(Client(), town)
    assert post_json(c, f"/api/v1/tips/{tip.pk}/actions", {"action": "accept"}).status_code == 200
    assert post_json(c, f"/api/v1/tips/{tip.pk}/actions", {"action": "start"}).status_code == 200
    response = post_json(c, f"/api/v1/tips/{tip.pk}/actions", {"action": "verify", "note": "属实"})
    assert response.status_code == 200 and response.json()["hazard_id"]
    refused = post_json(c, f"/api/v1/tips/{tip.pk}/actions", {"action": "accept"})
    assert refused.status_code == 409 and "不能受理" in refused.json()["detail"]
    decided = post_json(c, f"/api/v1/tips/{tip.pk}/reward", {"rule": "major"})
    assert decided.status_code == 201 and Decimal(decided.json()["amount"]) == 3000
    assert c.post(f"/api/v1/tips/{tip.pk}/reward/approve").status_code == 403
    admin = client_for(Client(), users[Role.COUNTY_ADMIN])
    approved = admin.post(f"/api/v1/tips/{tip.pk}/reward/approve")
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    paid = admin.post(f"/api/v1/tips/{tip.pk}/reward/pay")
    assert paid.status_code == 200 and paid.json()["paid_at"]


def test_demo_loads(users, town, county_supervisor, enterprise_a, enterprise_a2, enterprise_b):
    from tips import demo

    result = demo.load(town, county_supervisor, [enterprise_a, enterprise_a2, enterprise_b])
    assert result["tips"] == 4  # two in town A, two in free text
    assert Tip.objects.filter(state=State.ACCEPTED).count() == 2  # one in town A, one county
    assert demo.load(town, county_supervisor, [enterprise_a])["tips"] == 0


def test_list_pages_take_as_many_queries_for_five_tips_as_for_one(users, enterprise_a, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = client_for(client, users[Role.COUNTY_ADMIN])
    submit(enterprise_a)

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert c.get(url).status_code == 200
        return len(queries)

    one = {url: count(url) for url in ("/tips/", "/api/v1/tips", "/tips/statistics/")}
    for n in range(4):
        submit(enterprise_a, address=f"192.0.2.{n + 10}", photos=[png()])
        submit(enterprise_text="某作坊", address=f"192.0.2.{n + 20}")
    assert {url: count(url) for url in one} == one


def test_unknown_and_malformed_codes_take_the_same_work(users, enterprise_a):
    """Both are hashed and looked up: one query each, so neither answers sooner."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    submit(enterprise_a)
    counts = []
    for code in (services.new_code(), "not-a-code", "", "x" * 1000):
        with CaptureQueriesContext(connection) as queries:
            assert services.public_status(code) is None
        counts.append(len(queries))
    assert counts == [1, 1, 1, 1]
