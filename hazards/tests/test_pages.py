"""The hazard pages, through the real views: the ledger and its filters, the detail page and its
action forms, the action URLs, the report page with photos, and the criteria page.

Scoping follows enterprises/tests/test_scoping.py: a hazard outside a user's scope is a 404 on
every page and action URL, never a 403 that would confirm it exists. An employee sees only the
hazards they reported themselves.
"""

import datetime
import io
import os
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone
from PIL import Image

from accounts.roles import Role
from conftest import client_for
from hazards.models import (
    CriterionScope,
    Extension,
    Hazard,
    HazardEvent,
    HazardPhoto,
    MajorHazardCriterion,
    PhotoKind,
    Source,
    State,
)
from hazards.tests.roles import BUREAU, MANAGERS, REPORTERS, ROLES, SCOPE

MISSING_PK = 987654
HUGE = "99999999999999999999999"


# Which enterprises each role may report for.
ENTERPRISE_SCOPE = {
    Role.COUNTY_ADMIN: {"a", "a2", "b"},
    Role.SUPERVISOR: {"a", "a2", "b"},
    Role.ENFORCEMENT_OFFICER: {"a", "a2", "b"},
    Role.TOWN_SUPERVISOR: {"a", "a2"},
    Role.GRID_MEMBER: {"a"},
    Role.EXPERT: {"a"},
    Role.PRINCIPAL: {"a"},
    Role.SAFETY_OFFICER: {"a"},
    Role.EMPLOYEE: {"a"},
    Role.CITY_SUPERVISOR: {"a", "a2", "b"},
    Role.PROVINCE_SUPERVISOR: {"a", "a2", "b"},
}
# The sources each role may claim, stated here rather than read from hazards.services.
STAFF_SOURCES = {"enforcement", "expert", "public_tip", "monitoring", "other"}
SOURCES = {
    Role.COUNTY_ADMIN: STAFF_SOURCES,
    Role.SUPERVISOR: STAFF_SOURCES,
    Role.ENFORCEMENT_OFFICER: STAFF_SOURCES,
    Role.TOWN_SUPERVISOR: STAFF_SOURCES,
    Role.GRID_MEMBER: {"enforcement", "public_tip", "other"},
    Role.EXPERT: {"expert"},
    Role.PRINCIPAL: {"self_inspection", "employee_report", "other"},
    Role.SAFETY_OFFICER: {"self_inspection", "employee_report", "other"},
    Role.EMPLOYEE: {"employee_report"},
}
OWN_SOURCE = {
    Role.COUNTY_ADMIN: "enforcement",
    Role.SUPERVISOR: "monitoring",
    Role.ENFORCEMENT_OFFICER: "enforcement",
    Role.TOWN_SUPERVISOR: "public_tip",
    Role.GRID_MEMBER: "public_tip",
    Role.EXPERT: "expert",
    Role.PRINCIPAL: "other",  # not self-inspection: reviewed inside (test_internal_review)
    Role.SAFETY_OFFICER: "other",
    Role.EMPLOYEE: "employee_report",
}
# Who may take each action and its label (the transition table, restated).
# The review steps: the bureau's on these hazards (the enterprise reviews its own findings).
REVIEW_STEPS = {"confirm", "reject", "close", "return", "decide_extension"}
ACTIONS = {
    "confirm": (BUREAU, "确认隐患"),
    "reject": (BUREAU, "不予确认"),
    "judge_major": (BUREAU, "认定重大隐患"),
    "plan": (MANAGERS, "制定整改方案"),
    "start": (MANAGERS, "开始整改"),
    "submit": (MANAGERS, "提交验收"),
    "close": (BUREAU, "验收销号"),
    "return": (BUREAU, "退回整改"),
    "request_extension": (MANAGERS, "申请延期"),
    "decide_extension": (BUREAU, "审批延期"),
    "list": (BUREAU, "挂牌督办"),
    "suspend": (BUREAU, "责令停产停用"),
}


def today():
    return timezone.localdate()


def days(n):
    return today() + datetime.timedelta(days=n)


# The state each action is tried from, the state it leads to, and a valid form for it.
def action_setup(action):
    return {
        "confirm": (State.REPORTED, State.CONFIRMED, {"note": "现场核实属实"}),
        "reject": (State.REPORTED, State.REJECTED, {"reason": "现场核查不属实"}),
        "judge_major": (State.REPORTED, State.REPORTED, {"is_major": "1", "reason": "粉尘积聚"}),
        "plan": (State.CONFIRMED, State.PLANNED, plan_form()),
        "start": (State.PLANNED, State.RECTIFYING, {"note": ""}),
        "submit": (State.RECTIFYING, State.SUBMITTED, {"evidence": "已加装集尘罩"}),
        "close": (State.SUBMITTED, State.CLOSED, {"note": "验收合格"}),
        "return": (State.SUBMITTED, State.RECTIFYING, {"reason": "集尘罩未接风管"}),
        "request_extension": (
            State.PLANNED,
            State.PLANNED,
            # (A major hazard's extension past 31 January also needs zero_out_reason.)
            {
                "new_deadline": days(60).isoformat(),
                "reason": "设备到货延迟",
                "zero_out_reason": "设备须定制",
            },
        ),
        "decide_extension": (State.PLANNED, State.PLANNED, {"approved": "1", "note": "同意"}),
        "list": (State.CONFIRMED, State.CONFIRMED, {"level": "county", "body": "高唐县应急局"}),
        "suspend": (State.CONFIRMED, State.CONFIRMED, {"suspension": "production"}),
    }[action]


def plan_form(**changes):
    data = {
        "owner": "李强",
        "measures": "打磨工位加装集尘罩，更换防爆电机",
        "funds": "85000",
        "deadline": days(30).isoformat(),
        "contingency_plan": "整改期间停用打磨线",
    }
    data.update(changes)
    return data


def has_chinese(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def make_hazard(enterprise, description, reporter=None, **extra):
    values = {
        "enterprise": enterprise,
        "source": Source.ENFORCEMENT,
        "description": description,
        "found_by": "检查组",
        "reported_by": reporter,
    }
    values.update(extra)
    return Hazard.objects.create(**values)


def png_bytes(size=(8, 8), noise=False):
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (200, 40, 40))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def png(name="hazard.png", **kwargs):
    return SimpleUploadedFile(name, png_bytes(**kwargs), content_type="image/png")


def fake_png(name="not-an-image.png"):
    return SimpleUploadedFile(name, b"this is plain text, not a picture", content_type="image/png")


def stored_files(root):
    return sorted(p for p in root.rglob("*") if p.is_file())


def recorded_files(root):
    """The files a record refers to: not the photos kept from a refused form (core.uploads)."""
    return [p for p in stored_files(root) if p.relative_to(root).parts[0] != "stash"]


def messages_of(response):
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def options(html, name):
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no <select name={name}>"
    return [value for value in re.findall(r'<option value="([^"]*)"', match.group(1)) if value]


def snapshot(pk):
    """Everything a refused or rejected request must leave alone."""
    return (
        Hazard.objects.filter(pk=pk).values().get(),
        list(HazardEvent.objects.filter(hazard_id=pk).values()),
        list(Extension.objects.filter(hazard_id=pk).values()),
        list(HazardPhoto.objects.filter(hazard_id=pk).values()),
    )


def shown(response):
    return {h.pk for h in response.context["page"].object_list}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def enterprises(enterprise_a, enterprise_a2, enterprise_b):
    return {"a": enterprise_a, "a2": enterprise_a2, "b": enterprise_b}


@pytest.fixture
def as_role(client, users):
    def login(role):
        return client_for(client, users[role])

    return login


@pytest.fixture
def hazards(users, enterprises):
    county_admin = users[Role.COUNTY_ADMIN]
    return {
        "a": make_hazard(
            enterprises["a"],
            "铸造车间打磨工位粉尘积聚",
            users[Role.SAFETY_OFFICER],
            source=Source.SELF_INSPECTION,
        ),
        "own": make_hazard(
            enterprises["a"],
            "员工发现配电箱门未关闭",
            users[Role.EMPLOYEE],
            source=Source.EMPLOYEE_REPORT,
        ),
        "a2": make_hazard(enterprises["a2"], "纺织车间消防通道堵塞", county_admin),
        "b": make_hazard(enterprises["b"], "木业除尘器泄爆片缺失", county_admin),
    }


# --- the ledger, scoped ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_ledger_lists_exactly_the_hazards_in_scope(as_role, hazards, role):
    response = as_role(role).get("/hazards/")
    assert response.status_code == 200
    assert shown(response) == {hazards[key].pk for key in SCOPE[role]}
    html = response.content.decode()
    for key, hazard in hazards.items():
        assert (hazard.description in html) == (key in SCOPE[role]), key


@pytest.mark.parametrize("role", ROLES)
def test_ledger_filters_cannot_widen_the_scope(as_role, hazards, town_b, enterprise_b, role):
    client = as_role(role)
    scope = {hazards[key].pk for key in SCOPE[role]}
    for query in [{"town": town_b.pk}, {"enterprise": enterprise_b.pk}, {"q": "泄爆片"}]:
        response = client.get("/hazards/", query)
        assert response.status_code == 200, query
        assert shown(response) <= scope, query


# --- the detail page and the action URLs, scoped -----------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_detail_page_is_found_only_in_scope(as_role, hazards, role):
    client = as_role(role)
    for key, hazard in hazards.items():
        response = client.get(f"/hazards/{hazard.pk}/")
        assert response.status_code == (200 if key in SCOPE[role] else 404), key
        if response.status_code == 200:
            assert hazard.description in response.content.decode()
    assert client.get(f"/hazards/{MISSING_PK}/").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_every_action_on_an_out_of_scope_hazard_is_404(as_role, hazards, users, role):
    """Even with a valid form, and whatever the state, the answer is 404 and nothing changes."""
    client = as_role(role)
    targets = [hazards[key].pk for key in hazards if key not in SCOPE[role]] + [MISSING_PK]
    for pk in targets:
        before = snapshot(pk) if pk != MISSING_PK else None
        for action in ACTIONS:
            data = action_setup(action)[2]
            response = client.post(f"/hazards/{pk}/{action}/", data)
            assert response.status_code == 404, (pk, action)
        if before is not None:
            assert snapshot(pk) == before


@pytest.mark.parametrize("role", ROLES)
def test_unknown_action_is_404(as_role, hazards, role):
    client = as_role(role)
    for key, hazard in hazards.items():
        for action in ["destroy", "report", "approve", "delete"]:
            response = client.post(f"/hazards/{hazard.pk}/{action}/", {"note": "x"})
            assert response.status_code == 404, (key, action)
    assert client.post(f"/hazards/{MISSING_PK}/destroy/").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_get_on_an_action_url_is_405(as_role, hazards, role):
    client = as_role(role)
    for hazard in [*hazards.values()]:
        for action in ACTIONS:
            response = client.get(f"/hazards/{hazard.pk}/{action}/")
            assert response.status_code == 405, action
            assert response["Allow"] == "POST"
    assert Hazard.objects.filter(state=State.REPORTED).count() == len(hazards)


def test_anonymous_users_are_redirected_to_login(client, hazards):
    hazard = hazards["a"]
    before = snapshot(hazard.pk)
    urls = [
        "/hazards/",
        "/hazards/report/",
        "/hazards/criteria/",
        f"/hazards/{hazard.pk}/",
        f"/hazards/{MISSING_PK}/",
        f"/hazards/{hazard.pk}/confirm/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url
    count = Hazard.objects.count()
    posts = [
        (f"/hazards/{hazard.pk}/confirm/", {"note": "匿名确认"}),
        (f"/hazards/{hazard.pk}/reject/", {"reason": "匿名"}),
        ("/hazards/report/", {"enterprise": hazard.enterprise_id, "description": "匿名"}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url
    assert snapshot(hazard.pk) == before
    assert Hazard.objects.count() == count


# --- every action, every role, on a hazard in scope --------------------------------------------


def prepared(action, enterprise, users):
    """A major hazard of enterprise_a (reported by the employee, so every role sees it) in the
    state `action` is taken from, with a deadline, evidence and, for deciding, a pending
    extension request."""
    state = action_setup(action)[0]
    hazard = make_hazard(
        enterprise,
        f"用于{action}的隐患",
        users[Role.EMPLOYEE],
        source=Source.OTHER,  # reviewed by the bureau (an employee's own: test_internal_review)
        state=state,
        is_major=True,
        major_reason="现场认定",
        deadline=days(20),
        evidence="已加装集尘罩" if state == State.SUBMITTED else "",
    )
    if action == "decide_extension":
        Extension.objects.create(
            hazard=hazard,
            requested_by=users[Role.SAFETY_OFFICER],
            old_deadline=hazard.deadline,
            new_deadline=days(50),
            reason="设备到货延迟",
        )
    return hazard


@pytest.mark.parametrize("role", ROLES)
def test_each_action_succeeds_for_its_roles_and_is_refused_in_chinese_for_others(
    as_role, users, enterprise_a, role
):
    client = as_role(role)
    for action, (roles, label) in ACTIONS.items():
        hazard = prepared(action, enterprise_a, users)
        before = snapshot(hazard.pk)
        _, target, data = action_setup(action)
        response = client.post(f"/hazards/{hazard.pk}/{action}/", data, follow=True)
        hazard.refresh_from_db()
        if role in roles:
            assert response.redirect_chain == [(f"/hazards/{hazard.pk}/", 302)], action
            assert messages_of(response) == [("success", f"已{label}")], action
            assert hazard.state == target, action
            assert HazardEvent.objects.filter(hazard=hazard, action=action).count() == 1
        else:
            # A role that may not: the 403 page with the reason (core.gate.refuse_on_page).
            assert response.status_code == 403, action
            reason = f"您的角色不能{label}"
            if action in REVIEW_STEPS and role in MANAGERS:
                reason = f"该隐患须由监管部门{label}"  # they review only their own findings
            assert reason in response.content.decode(), action
            assert snapshot(hazard.pk) == before, action


def test_deciding_an_extension_when_none_is_pending_is_refused_not_a_500(
    as_role, users, enterprise_a
):
    hazard = make_hazard(enterprise_a, "无延期申请的隐患", state=State.PLANNED, deadline=days(20))
    before = snapshot(hazard.pk)
    for role in [Role.TOWN_SUPERVISOR, Role.SAFETY_OFFICER]:
        response = as_role(role).post(
            f"/hazards/{hazard.pk}/decide_extension/", {"approved": "1"}, follow=True
        )
        assert response.redirect_chain == [(f"/hazards/{hazard.pk}/", 302)]
        [(level, text)] = messages_of(response)
        assert level == "error"
        assert has_chinese(text)
        assert snapshot(hazard.pk) == before


def test_an_invalid_action_form_shows_the_field_error_and_changes_nothing(
    as_role, users, enterprise_a
):
    hazard = prepared("plan", enterprise_a, users)
    before = snapshot(hazard.pk)
    response = as_role(Role.SAFETY_OFFICER).post(
        f"/hazards/{hazard.pk}/plan/", plan_form(deadline="", owner=""), follow=True
    )
    # The detail page again, the form as it was filled in: nothing typed has to be typed again.
    assert (response.redirect_chain, response.status_code) == ([], 200)
    form = dict((name, form) for name, _, form in response.context["actions"])["plan"]
    assert form.is_bound and set(form.errors) == {"owner", "deadline"}
    assert "打磨工位加装集尘罩，更换防爆电机" in response.content.decode()
    errors = messages_of(response)
    assert {level for level, _ in errors} == {"error"}
    assert {text.split("：")[0] for _, text in errors} == {"整改责任人", "整改期限"}
    assert all(has_chinese(text.split("：")[1]) for _, text in errors)
    assert snapshot(hazard.pk) == before


# --- the detail page offers only the actions the user may take ---------------------------------


NONE = frozenset()
# (state, major, pending extension) → actions shown to bureau staff, to enterprise managers;
# the grid member, the expert and the employee never get an action form.
SHOWN = [
    ((State.REPORTED, False, False), {"confirm", "reject", "judge_major"}, NONE),
    ((State.REPORTED, True, False), {"confirm", "reject", "judge_major"}, NONE),
    ((State.CONFIRMED, False, False), {"judge_major"}, {"plan"}),
    ((State.CONFIRMED, True, False), {"judge_major", "list", "suspend"}, {"plan"}),
    ((State.PLANNED, False, False), {"judge_major"}, {"plan", "start", "request_extension"}),
    ((State.PLANNED, False, True), {"judge_major", "decide_extension"}, {"plan", "start"}),
    (
        (State.RECTIFYING, True, False),
        {"judge_major", "list", "suspend"},
        {"submit", "request_extension"},
    ),
    ((State.SUBMITTED, False, False), {"close", "return"}, NONE),
    ((State.SUBMITTED, True, False), {"close", "return", "list", "suspend"}, NONE),
    ((State.CLOSED, True, False), NONE, NONE),
    ((State.REJECTED, False, False), NONE, NONE),
]


@pytest.mark.parametrize("role", ROLES)
def test_detail_page_shows_only_the_actions_the_user_may_take(as_role, users, enterprise_a, role):
    client = as_role(role)
    for (state, major, pending), bureau, managers in SHOWN:
        hazard = make_hazard(
            enterprise_a,
            "打磨工位粉尘积聚",
            users[Role.EMPLOYEE],
            source=Source.OTHER,
            state=state,
            is_major=major,
            deadline=days(20),
            evidence="已整改" if state in (State.SUBMITTED, State.CLOSED) else "",
        )
        if pending:
            Extension.objects.create(
                hazard=hazard,
                requested_by=users[Role.SAFETY_OFFICER],
                old_deadline=hazard.deadline,
                new_deadline=days(40),
                reason="设备到货延迟",
            )
        expected = bureau if role in BUREAU else managers if role in MANAGERS else NONE
        response = client.get(f"/hazards/{hazard.pk}/")
        assert response.status_code == 200
        case = (state, major, pending)
        assert {name for name, _, _ in response.context["actions"]} == expected, case
        html = response.content.decode()
        for action in ACTIONS:
            form_tag = f'action="/hazards/{hazard.pk}/{action}/"'
            assert (form_tag in html) == (action in expected), (case, action)
        assert ("当前没有您可以进行的操作" in html) == (not expected), case


def test_an_employees_report_shows_judging_forms_to_the_principal_and_none_to_the_employee(
    as_role, hazards
):
    own = hazards["own"]  # a general hazard an employee reported: reviewed inside
    html = as_role(Role.PRINCIPAL).get(f"/hazards/{own.pk}/").content.decode()
    assert re.findall(r'id="action-([a-z_]+)"', html) == ["confirm", "reject"]
    # The town sees it and may judge it major (then the review becomes the town's).
    html = as_role(Role.TOWN_SUPERVISOR).get(f"/hazards/{own.pk}/").content.decode()
    assert re.findall(r'id="action-([a-z_]+)"', html) == ["judge_major"]
    html = as_role(Role.EMPLOYEE).get(f"/hazards/{own.pk}/").content.decode()
    assert 'id="action-' not in html
    assert "当前没有您可以进行的操作" in html


def test_confirmed_major_hazard_shows_the_plan_form_to_the_safety_officer(as_role, enterprise_a):
    hazard = make_hazard(
        enterprise_a, "熔炼炉冷却水系统无断水报警", state=State.CONFIRMED, is_major=True
    )
    response = as_role(Role.SAFETY_OFFICER).get(f"/hazards/{hazard.pk}/")
    html = response.content.decode()
    assert re.findall(r'id="action-([a-z_]+)"', html) == ["plan"]
    for field in ["owner", "measures", "funds", "deadline", "contingency_plan"]:
        assert f'name="{field}"' in html


# --- the report page ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", REPORTERS)
def test_report_page_offers_the_form_with_the_sources_the_role_may_claim(
    as_role, users, enterprises, role
):
    response = as_role(role).get("/hazards/report/")
    assert response.status_code == 200
    html = response.content.decode()
    assert set(options(html, "source")) == SOURCES[role]
    form = response.context["form"]
    if users[role].enterprise_id:
        # An enterprise user reports for their own enterprise: a hidden, fixed field.
        assert form.fields["enterprise"].widget.is_hidden
        assert f'type="hidden" name="enterprise" value="{enterprises["a"].pk}"' in html
        assert '<select name="enterprise"' not in html
        assert enterprises["a"].name in html
    else:
        offered = {int(pk) for pk in options(html, "enterprise")}
        assert offered == {enterprises[key].pk for key in ENTERPRISE_SCOPE[role]}


@pytest.mark.parametrize("role", REPORTERS)
def test_reporting_for_an_enterprise_out_of_scope_creates_nothing(
    as_role, users, enterprises, media_root, role
):
    client = as_role(role)
    other = enterprises["b"]
    count = Hazard.objects.count()
    data = {
        "enterprise": other.pk,
        "source": OWN_SOURCE[role],
        "description": "越权登记的隐患",
        "found_on": today().isoformat(),
        "photos": png(),
    }
    get = client.get("/hazards/report/", {"enterprise": other.pk})
    post = client.post("/hazards/report/", data)
    if "b" in ENTERPRISE_SCOPE[role]:
        # County roles see enterprise_b: the report goes through.
        assert get.status_code == 200
        assert post.status_code == 302
        assert Hazard.objects.get(description="越权登记的隐患").enterprise == other
        return
    if users[role].enterprise_id:
        # The enterprise is fixed to the user's own; the tampered value is a form error.
        assert get.status_code == 200
        assert get.context["enterprise"] == enterprises["a"]
        assert other.name not in get.content.decode()
        assert post.status_code == 200
        assert "enterprise" in post.context["form"].errors
    else:
        assert get.status_code == 404
        assert post.status_code == 404
    assert Hazard.objects.count() == count
    assert recorded_files(media_root) == []


@pytest.mark.parametrize("role", REPORTERS)
def test_valid_report_with_a_photo_creates_the_hazard_and_redirects_to_it(
    as_role, users, enterprise_a, media_root, role
):
    client = as_role(role)
    data = {
        "enterprise": enterprise_a.pk,
        "source": OWN_SOURCE[role],
        "description": "  铸造车间砂处理工段除尘管道破损  ",
        "place": "砂处理工段",
        "found_on": days(-1).isoformat(),
        "found_by": "",
        "criterion": "",
        "photos": png("现场.png"),
    }
    response = client.post("/hazards/report/", data)
    hazard = Hazard.objects.get(description="铸造车间砂处理工段除尘管道破损")
    assert response.status_code == 302
    assert response["Location"] == f"/hazards/{hazard.pk}/"
    assert (hazard.enterprise, hazard.source, hazard.reported_by) == (
        enterprise_a,
        OWN_SOURCE[role],
        users[role],
    )
    assert (hazard.state, hazard.is_major, hazard.found_on) == (State.REPORTED, False, days(-1))
    assert hazard.found_by == users[role].display_name
    [photo] = hazard.photos.all()
    assert (photo.kind, photo.uploaded_by) == (PhotoKind.FOUND, users[role])
    assert stored_files(media_root) == [media_root / photo.image.name]
    with Image.open(photo.image.path) as image:
        assert image.format == "PNG"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert messages_of(page) == [("success", "隐患已登记")]
    assert f"/hazards/photos/{photo.pk}/" in page.content.decode()
    assert list(HazardEvent.objects.filter(hazard=hazard).values_list("action", flat=True)) == [
        "report"
    ]


def test_report_matched_to_a_criterion_is_major_and_an_inapplicable_one_is_refused(
    as_role, enterprise_a
):
    client = as_role(Role.TOWN_SUPERVISOR)
    machinery = MajorHazardCriterion.objects.get(article=7, item=1)
    textile = MajorHazardCriterion.objects.filter(industry="textile").first()
    base = {
        "enterprise": enterprise_a.pk,
        "source": "enforcement",
        "found_on": today().isoformat(),
    }
    page = client.get("/hazards/report/", {"enterprise": enterprise_a.pk})
    offered = {int(pk) for pk in options(page.content.decode(), "criterion")}
    assert machinery.pk in offered
    assert textile.pk not in offered

    response = client.post(
        "/hazards/report/", {**base, "description": "纺织条款", "criterion": textile.pk}
    )
    assert response.status_code == 200
    assert "criterion" in response.context["form"].errors
    assert not Hazard.objects.filter(description="纺织条款").exists()

    response = client.post(
        "/hazards/report/", {**base, "description": "机械条款", "criterion": machinery.pk}
    )
    hazard = Hazard.objects.get(description="机械条款")
    assert response["Location"] == f"/hazards/{hazard.pk}/"
    assert (hazard.is_major, hazard.criterion) == (True, machinery)


def test_report_with_a_source_the_role_may_not_claim_is_a_form_error(as_role, enterprise_a):
    response = as_role(Role.EMPLOYEE).post(
        "/hazards/report/",
        {
            "enterprise": enterprise_a.pk,
            "source": "enforcement",
            "description": "员工冒充执法检查",
            "found_on": today().isoformat(),
        },
    )
    assert response.status_code == 200
    assert "source" in response.context["form"].errors
    assert not Hazard.objects.exists()


def test_report_page_refuses_a_non_image_named_png_in_chinese(as_role, enterprise_a, media_root):
    response = as_role(Role.SAFETY_OFFICER).post(
        "/hazards/report/",
        {
            "enterprise": enterprise_a.pk,
            "source": "self_inspection",
            "description": "附件不是图片",
            "found_on": today().isoformat(),
            "photos": [png("good.png"), fake_png()],
        },
    )
    assert response.status_code == 200
    [error] = response.context["form"].errors["photos"]
    assert has_chinese(error)
    assert "图片" in error
    assert error in response.content.decode()
    assert not Hazard.objects.exists()
    assert not HazardPhoto.objects.exists()
    assert recorded_files(media_root) == []


def test_report_page_refuses_a_photo_over_the_size_limit(
    as_role, enterprise_a, media_root, settings
):
    settings.HAZARD_PHOTO_MAX_BYTES = 2048
    big = png("big.png", size=(64, 64), noise=True)
    assert big.size > 2048
    response = as_role(Role.SAFETY_OFFICER).post(
        "/hazards/report/",
        {
            "enterprise": enterprise_a.pk,
            "source": "self_inspection",
            "description": "照片太大",
            "found_on": today().isoformat(),
            "photos": big,
        },
    )
    assert response.status_code == 200
    [error] = response.context["form"].errors["photos"]
    # The limit is stated as it is, not rounded down to "0 MB".
    assert error == "照片“big.png”超过 2 KB"
    assert error in response.content.decode()
    assert not Hazard.objects.exists()
    assert recorded_files(media_root) == []

    small = png("small.png")
    assert small.size <= 2048
    response = as_role(Role.SAFETY_OFFICER).post(
        "/hazards/report/",
        {
            "enterprise": enterprise_a.pk,
            "source": "self_inspection",
            "description": "照片不大",
            "found_on": today().isoformat(),
            "photos": small,
        },
    )
    assert response.status_code == 302
    assert Hazard.objects.get(description="照片不大").photos.count() == 1


def test_report_page_refuses_more_than_nine_photos(as_role, enterprise_a, media_root):
    response = as_role(Role.SAFETY_OFFICER).post(
        "/hazards/report/",
        {
            "enterprise": enterprise_a.pk,
            "source": "self_inspection",
            "description": "照片太多",
            "found_on": today().isoformat(),
            "photos": [png(f"p{i}.png") for i in range(10)],
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["photos"] == ["一次最多上传 9 张照片"]
    assert not Hazard.objects.exists()
    assert recorded_files(media_root) == []


def test_report_page_with_a_malformed_enterprise_is_404(as_role, enterprise_a):
    client = as_role(Role.TOWN_SUPERVISOR)
    for value in ["abc", str(MISSING_PK), HUGE]:
        assert client.get("/hazards/report/", {"enterprise": value}).status_code == 404, value
    assert not Hazard.objects.exists()


# --- the closed loop through the pages ---------------------------------------------------------


def step(client, hazard, action, data, label):
    response = client.post(f"/hazards/{hazard.pk}/{action}/", data, follow=True)
    assert response.redirect_chain == [(f"/hazards/{hazard.pk}/", 302)], action
    assert response.status_code == 200
    assert messages_of(response) == [("success", f"已{label}")], action
    assert f"已{label}" in response.content.decode()
    hazard.refresh_from_db()
    return response


def test_closed_loop_through_the_pages(client, users, enterprise_a, media_root):
    # A general hazard of the enterprise's own self-inspection: the safety officer reports,
    # plans and submits it, the principal confirms and verifies it (reviewed inside).
    officer, reviewer = users[Role.SAFETY_OFFICER], users[Role.PRINCIPAL]
    client.force_login(officer)
    response = client.post(
        "/hazards/report/",
        {
            "enterprise": enterprise_a.pk,
            "source": "self_inspection",
            "description": "抛丸机除尘器未设泄爆装置",
            "place": "清理车间",
            "found_on": today().isoformat(),
            "photos": png("found.png"),
        },
        follow=True,
    )
    hazard = Hazard.objects.get(description="抛丸机除尘器未设泄爆装置")
    assert response.redirect_chain == [(f"/hazards/{hazard.pk}/", 302)]
    assert messages_of(response) == [("success", "隐患已登记")]

    client.force_login(reviewer)
    step(client, hazard, "confirm", {"note": "现场核实属实"}, "确认隐患")
    assert hazard.state == State.CONFIRMED

    client.force_login(officer)
    step(client, hazard, "plan", plan_form(funds="", contingency_plan=""), "制定整改方案")
    assert (hazard.state, hazard.owner, hazard.deadline) == (State.PLANNED, "李强", days(30))
    step(client, hazard, "start", {"note": "设备已订购"}, "开始整改")
    assert hazard.state == State.RECTIFYING
    evidence = {"evidence": "已加装泄爆片并检测合格", "photos": png("evidence.png")}
    step(client, hazard, "submit", evidence, "提交验收")
    assert (hazard.state, hazard.submitted_by) == (State.SUBMITTED, officer)
    assert hazard.evidence == "已加装泄爆片并检测合格"
    assert sorted(hazard.photos.values_list("kind", flat=True)) == ["evidence", "found"]

    client.force_login(reviewer)
    response = step(client, hazard, "close", {"note": "验收合格"}, "验收销号")
    assert (hazard.state, hazard.closed_by) == (State.CLOSED, reviewer)
    assert hazard.closed_at is not None
    assert response.context["actions"] == []
    trail = list(
        HazardEvent.objects.filter(hazard=hazard).values_list("action", "from_state", "to_state")
    )
    assert trail == [
        ("report", "", State.REPORTED),
        ("confirm", State.REPORTED, State.CONFIRMED),
        ("plan", State.CONFIRMED, State.PLANNED),
        ("start", State.PLANNED, State.RECTIFYING),
        ("submit", State.RECTIFYING, State.SUBMITTED),
        ("close", State.SUBMITTED, State.CLOSED),
    ]
    assert len(stored_files(media_root)) == 2
    # The ledger now shows it as closed.
    ledger = client.get("/hazards/", {"state": "closed"})
    assert shown(ledger) == {hazard.pk}


def test_refused_step_shows_the_chinese_reason_and_changes_nothing(client, users, enterprise_a):
    officer, town = users[Role.SAFETY_OFFICER], users[Role.TOWN_SUPERVISOR]
    criterion = MajorHazardCriterion.objects.get(article=7, item=1)
    hazard = make_hazard(
        enterprise_a,
        "铸造熔炼炉炉前无应急水源",
        officer,
        source=Source.SELF_INSPECTION,
        is_major=True,
        criterion=criterion,
    )
    client.force_login(town)
    step(client, hazard, "confirm", {"note": ""}, "确认隐患")

    client.force_login(officer)
    before = snapshot(hazard.pk)
    response = client.post(
        f"/hazards/{hazard.pk}/plan/", plan_form(funds="", contingency_plan=""), follow=True
    )
    # The detail page again, with the plan as it was typed.
    assert (response.redirect_chain, response.status_code) == ([], 200)
    assert "打磨工位加装集尘罩，更换防爆电机" in response.content.decode()
    reason = "重大事故隐患须落实“五落实”，缺少：整改资金、应急预案"
    assert messages_of(response) == [("error", reason)]
    assert reason in response.content.decode()
    assert snapshot(hazard.pk) == before

    # A step out of order, and a step of the other side, are refused the same way.
    response = client.post(f"/hazards/{hazard.pk}/submit/", {"evidence": "已整改"}, follow=True)
    assert messages_of(response) == [("error", "隐患当前状态为“已确认”，不能提交验收")]
    response = client.post(f"/hazards/{hazard.pk}/close/", {"note": ""})
    assert response.status_code == 403
    assert "该隐患须由监管部门验收销号" in response.content.decode()  # a major one
    assert snapshot(hazard.pk) == before

    step(client, hazard, "plan", plan_form(), "制定整改方案")
    assert (hazard.state, hazard.funds) == (State.PLANNED, Decimal("85000"))


def test_submit_with_a_non_image_evidence_photo_is_refused_and_changes_nothing(
    as_role, users, enterprise_a, media_root
):
    hazard = prepared("submit", enterprise_a, users)
    before = snapshot(hazard.pk)
    response = as_role(Role.SAFETY_OFFICER).post(
        f"/hazards/{hazard.pk}/submit/",
        {"evidence": "已整改", "photos": fake_png("evidence.png")},
        follow=True,
    )
    [(level, text)] = messages_of(response)
    assert level == "error"
    assert text.startswith("整改照片：")
    assert "图片" in text
    assert snapshot(hazard.pk) == before
    assert recorded_files(media_root) == []


# --- the ledger filters ------------------------------------------------------------------------


@pytest.fixture
def ledger(users, enterprises):
    """Four hazards that differ in every filtered attribute."""
    return {
        "major": make_hazard(
            enterprises["a"],
            "配电箱未接地",
            source=Source.ENFORCEMENT,
            state=State.CONFIRMED,
            is_major=True,
        ),
        "a2": make_hazard(
            enterprises["a2"],
            "消防通道堵塞",
            source=Source.SELF_INSPECTION,
            state=State.REPORTED,
        ),
        "overdue": make_hazard(
            enterprises["b"],
            "除尘器泄爆片缺失",
            source=Source.EXPERT,
            state=State.RECTIFYING,
            deadline=days(-3),
        ),
        "closed_late": make_hazard(
            enterprises["b"],
            "木料堆放占用安全出口",
            source=Source.PUBLIC_TIP,
            state=State.CLOSED,
            deadline=days(-10),
        ),
    }


def test_ledger_filters_narrow_the_list(as_role, ledger, enterprises, town_a, town_b):
    client = as_role(Role.COUNTY_ADMIN)
    cases = [
        ({}, {"major", "a2", "overdue", "closed_late"}),
        ({"major": "1"}, {"major"}),
        ({"major": "0"}, {"a2", "overdue", "closed_late"}),
        ({"state": "rectifying"}, {"overdue"}),
        ({"state": "closed"}, {"closed_late"}),
        ({"overdue": "on"}, {"overdue"}),
        ({"source": "expert"}, {"overdue"}),
        ({"source": "self_inspection"}, {"a2"}),
        ({"town": town_a.pk}, {"major", "a2"}),
        ({"town": town_b.pk}, {"overdue", "closed_late"}),
        ({"enterprise": enterprises["a2"].pk}, {"a2"}),
        ({"enterprise": enterprises["b"].pk}, {"overdue", "closed_late"}),
        ({"q": "泄爆"}, {"overdue"}),
        ({"q": "鑫泰"}, {"a2"}),  # a fragment of the enterprise's name
        ({"town": town_b.pk, "major": "0", "state": "closed"}, {"closed_late"}),
        ({"town": town_a.pk, "overdue": "on"}, set()),
    ]
    for query, expected in cases:
        response = client.get("/hazards/", query)
        assert response.status_code == 200, query
        assert shown(response) == {ledger[key].pk for key in expected}, query


@pytest.mark.parametrize("name_ids", [10_000, 0])  # 0: the names go as a subquery
def test_ledger_search_by_name_keeps_to_the_scope(as_role, ledger, monkeypatch, name_ids):
    """The search looks the names up among the user's enterprises first: a name outside the
    scope finds nothing, and a word in every name of the scope ("有限公司") finds the whole
    scope, not more."""
    monkeypatch.setattr("hazards.models.SEARCH_ENTERPRISE_IDS", name_ids)
    everything = {"major", "a2", "overdue", "closed_late"}
    cases = [
        (Role.COUNTY_ADMIN, "有限公司", everything),
        (Role.COUNTY_ADMIN, "有限公", everything),
        (Role.COUNTY_ADMIN, "清平", {"overdue", "closed_late"}),
        (Role.COUNTY_ADMIN, "木", {"overdue", "closed_late"}),  # a name and a description
        (Role.COUNTY_ADMIN, "精工铸造", {"major"}),
        (Role.COUNTY_ADMIN, "消防", {"a2"}),
        (Role.COUNTY_ADMIN, "远方", set()),
        (Role.TOWN_SUPERVISOR, "有限公司", {"major", "a2"}),
        (Role.TOWN_SUPERVISOR, "清平", set()),
        (Role.TOWN_SUPERVISOR, "木", set()),
        (Role.EXPERT, "有限公司", {"major"}),
        (Role.EXPERT, "纺织", set()),
    ]
    for role, text, expected in cases:
        response = as_role(role).get("/hazards/", {"q": text})
        assert response.status_code == 200, (role, text)
        assert shown(response) == {ledger[key].pk for key in expected}, (role, text)


def test_ledger_search_ignores_case(as_role, ledger, enterprises):
    """Latin letters match in either case; a text without them is compared as it is."""
    plc = make_hazard(enterprises["a"], "Plc控制柜未接地")
    client = as_role(Role.COUNTY_ADMIN)
    for text in ["plc", "PLC", "Plc控制", "控制柜", "c控"]:
        assert shown(client.get("/hazards/", {"q": text})) == {plc.pk}, text


def test_ledger_search_for_two_characters(as_role, ledger, enterprises):
    """A two-character term (no trigram to index it) is found at the start, the end or inside
    a description, in digits too."""
    dated = make_hazard(enterprises["a"], "12号炉冷却水断水报警失效")
    client = as_role(Role.COUNTY_ADMIN)
    for text, expected in [
        ("12", {dated.pk}),
        ("失效", {dated.pk}),
        ("泄爆", {ledger["overdue"].pk}),
        ("缺失", {ledger["overdue"].pk}),
        ("断水", {dated.pk}),
        ("水断", {dated.pk}),
        ("失缺", set()),
    ]:
        assert shown(client.get("/hazards/", {"q": text})) == expected, text


def test_ledger_ignores_an_invalid_filter_value_but_keeps_the_valid_ones(as_role, ledger, town_b):
    client = as_role(Role.COUNTY_ADMIN)
    everything = {h.pk for h in ledger.values()}
    invalid = [
        {"major": "2"},
        {"state": "bogus"},
        {"source": "bogus"},
        {"town": "abc"},
        {"town": str(MISSING_PK)},
        {"town": HUGE},
        {"enterprise": "abc"},
        {"enterprise": HUGE},
        {"page": "abc"},
        {"page": "999"},
        {"q": "x" * 300},
    ]
    for query in invalid:
        response = client.get("/hazards/", query)
        assert response.status_code == 200, query
        assert shown(response) == everything, query
    # One bad value does not drop the other filters the page still shows as selected.
    response = client.get("/hazards/", {"major": "1", "state": "bogus"})
    assert shown(response) == {ledger["major"].pk}
    response = client.get("/hazards/", {"town": "abc", "source": "expert"})
    assert shown(response) == {ledger["overdue"].pk}
    response = client.get("/hazards/", {"town": town_b.pk, "enterprise": "abc"})
    assert shown(response) == {ledger["overdue"].pk, ledger["closed_late"].pk}


def test_ledger_town_filter_of_another_town_is_ignored_within_the_scope(as_role, ledger, town_b):
    response = as_role(Role.TOWN_SUPERVISOR).get("/hazards/", {"town": town_b.pk, "major": "1"})
    assert response.status_code == 200
    assert shown(response) == {ledger["major"].pk}


def test_ledger_htmx_request_renders_only_the_table(as_role, ledger):
    response = as_role(Role.COUNTY_ADMIN).get("/hazards/", {"major": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    names = [t.name for t in response.templates]
    assert "hazards/_table.html" in names
    assert "hazards/ledger.html" not in names
    html = response.content.decode()
    assert "配电箱未接地" in html
    assert "消防通道堵塞" not in html
    assert "<html" not in html


def test_ledger_marks_only_open_hazards_past_their_deadline_as_overdue(as_role, ledger):
    html = as_role(Role.COUNTY_ADMIN).get("/hazards/").content.decode()
    assert html.count(">逾期</span>") == 1
    detail = as_role(Role.COUNTY_ADMIN).get(f"/hazards/{ledger['overdue'].pk}/")
    assert detail.context["overdue"] is True
    detail = as_role(Role.COUNTY_ADMIN).get(f"/hazards/{ledger['closed_late'].pk}/")
    assert detail.context["overdue"] is False


# --- the criteria page -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_criteria_page_renders_every_criterion_for_every_role(as_role, users, role):
    response = as_role(role).get("/hazards/criteria/")
    assert response.status_code == 200
    items = list(response.context["items"])
    assert len(items) == 65
    assert [(c.article, c.item) for c in items] == sorted((c.article, c.item) for c in items)
    assert "第十四条" in response.content.decode()


def test_criteria_page_filters_by_industry(as_role, users):
    response = as_role(Role.EMPLOYEE).get("/hazards/criteria/", {"industry": "machinery"})
    items = list(response.context["items"])
    expected = MajorHazardCriterion.objects.filter(
        Q(scope__in=[CriterionScope.ALL, CriterionScope.MONITORING])
        | Q(scope=CriterionScope.INDUSTRY, industry="machinery")
    )
    assert {c.pk for c in items} == set(expected.values_list("pk", flat=True))
    assert sum(c.industry == "machinery" for c in items) == 7
    assert {c.industry for c in items} <= {"", "machinery"}
    assert not any(c.scope == CriterionScope.SECTOR for c in items)
    html = response.content.decode()
    assert '<option value="machinery" selected>' in html


def test_criteria_page_filters_by_sector_tag(as_role, users):
    response = as_role(Role.TOWN_SUPERVISOR).get("/hazards/criteria/", {"tag": "combustible_dust"})
    items = list(response.context["items"])
    assert len(items) == 10
    assert {c.sector_tag_id for c in items} == {"combustible_dust"}
    assert {c.article for c in items} == {11}
    html = response.content.decode()
    assert '<option value="combustible_dust" selected>' in html


def test_criteria_page_ignores_an_unknown_industry(as_role, users):
    response = as_role(Role.SUPERVISOR).get("/hazards/criteria/", {"industry": "bogus"})
    assert response.status_code == 200
    assert len(response.context["items"]) == 65


def test_ledger_count_line_agrees_with_the_filtered_rows(as_role, ledger, town_b):
    response = as_role(Role.COUNTY_ADMIN).get("/hazards/", {"town": town_b.pk})
    assert response.context["page"].paginator.count == 2
    assert "共 2 条隐患" in response.content.decode()
