"""The hazard API under /api/v1/hazards: the ledger (filters, pagination, scope per role), a
hazard's detail with its event trail, reporting, every transition endpoint and the extension
requests, each with the status a client sees: 200/201 and the new state for the roles that may
act, 403 with the Chinese reason for a role that may not, 409 for a hazard in the wrong state,
422 with Chinese messages for missing or invalid data, 404 (never 403) for anything outside the
caller's scope and 401 without credentials. Every refusal is checked for changing nothing.
Clients authenticate with a bearer token or, like the app's own pages, with the session."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from conftest import client_for, post_json
from hazards.models import (
    Extension,
    Hazard,
    HazardEvent,
    HazardPhoto,
    MajorHazardCriterion,
    Source,
    State,
)
from hazards.tests.roles import BUREAU, MANAGERS, REPORTERS, ROLES, SCOPE

URL = "/api/v1/hazards"
HUGE = "99999999999999999999"
NOT_FOUND = {"detail": "对象不存在"}
UNAUTHENTICATED = {"detail": "未认证：请提供有效的令牌或先登录"}


ALL_KEYS = {"a", "own", "a2", "b", "far"}
# A source each role may claim when reporting (stated here, not read from hazards.services).
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


def today():
    return timezone.localdate()


def days(n):
    return today() + datetime.timedelta(days=n)


# Dates in the bodies below are named, not computed: a body built when the tests are collected
# would carry yesterday's date into a run that crosses midnight. dated() gives them on the day.
RELATIVE_DATES = {
    "yesterday": -1, "past": -5, "sooner": 10, "month": 30, "later": 40, "two_months": 60,
}  # fmt: skip


def dated(payload):
    payload = dict(payload)
    for key in ("deadline", "new_deadline"):
        if payload.get(key) in RELATIVE_DATES:
            payload[key] = days(RELATIVE_DATES[payload[key]]).isoformat()
    return payload


def plan_payload(**changes):
    payload = {
        "owner": "李强",
        "measures": "打磨工位加装集尘罩，更换防爆电机",
        "funds": "85000",
        "deadline": "month",
        "contingency_plan": "整改期间停用打磨线",
    }
    payload.update(changes)
    return payload


# Each endpoint under /{hazard_id}/ (plus the extension decision): its label in refusals, the
# roles that may call it, the state it is called from, whether the hazard must be major, a
# valid body, the state it leads to and the action its event records.
ENDPOINTS = {
    "confirm": (
        "确认隐患", BUREAU, State.REPORTED, False, {"note": "现场核实属实"}, State.CONFIRMED,
        "confirm",
    ),
    "reject": (
        "不予确认", BUREAU, State.REPORTED, False, {"reason": "现场核查不属实"}, State.REJECTED,
        "reject",
    ),
    "plan": (
        "制定整改方案", MANAGERS, State.CONFIRMED, False, plan_payload(), State.PLANNED, "plan",
    ),
    "start": ("开始整改", MANAGERS, State.PLANNED, False, {}, State.RECTIFYING, "start"),
    "submit": (
        "提交验收", MANAGERS, State.RECTIFYING, False, {"evidence": "已加装集尘罩并更换防爆电机"},
        State.SUBMITTED, "submit",
    ),
    "close": (
        "验收销号", BUREAU, State.SUBMITTED, False, {"note": "验收合格"}, State.CLOSED, "close",
    ),
    "return": (
        "退回整改", BUREAU, State.SUBMITTED, False, {"reason": "集尘罩未接风管"}, State.RECTIFYING,
        "return",
    ),
    "judge": (
        "认定重大隐患", BUREAU, State.REPORTED, False, {"is_major": True, "reason": "粉尘大量积聚"},
        State.REPORTED, "judge_major",
    ),
    "listing": (
        "挂牌督办", BUREAU, State.CONFIRMED, True, {"level": "county", "body": "高唐县应急管理局"},
        State.CONFIRMED, "list",
    ),
    "suspension": (
        "责令停产停用", BUREAU, State.CONFIRMED, True, {"suspension": "production"},
        State.CONFIRMED, "suspend",
    ),
    "extensions": (
        "申请延期", MANAGERS, State.PLANNED, False,
        {"new_deadline": "two_months", "reason": "防爆电机到货延迟"}, State.PLANNED,
        "request_extension",
    ),
    "decision": (
        "审批延期", BUREAU, State.PLANNED, False, {"approved": True, "note": "同意"},
        State.PLANNED, "decide_extension",
    ),
}  # fmt: skip
ACTING = {BUREAU: Role.TOWN_SUPERVISOR, MANAGERS: Role.SAFETY_OFFICER}


def has_chinese(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def ids(response):
    assert response.status_code == 200, response.content.decode()
    body = response.json()
    assert body["count"] == len(body["items"])
    return {item["id"] for item in body["items"]}


# The endpoints of the review steps, the bureau's on these hazards.
REVIEW_ENDPOINTS = {"confirm", "reject", "close", "return", "decision"}


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


def world():
    """Everything a refused request must leave alone."""
    return (
        list(Hazard.objects.order_by("pk").values()),
        list(HazardEvent.objects.order_by("pk").values()),
        list(Extension.objects.order_by("pk").values()),
        list(HazardPhoto.objects.order_by("pk").values()),
    )


def criterion(article, item):
    return MajorHazardCriterion.objects.get(article=article, item=item)


@pytest.fixture
def hazards(users, enterprise_a, enterprise_a2, enterprise_b, far_enterprise):
    admin = users[Role.COUNTY_ADMIN]
    return {
        "a": make_hazard(
            enterprise_a, "铸造车间打磨工位粉尘积聚", users[Role.SAFETY_OFFICER],
            source=Source.SELF_INSPECTION,
        ),
        "own": make_hazard(
            enterprise_a, "员工发现配电箱门未关闭", users[Role.EMPLOYEE],
            source=Source.EMPLOYEE_REPORT,
        ),
        "a2": make_hazard(enterprise_a2, "纺织车间消防通道堵塞", admin),
        "b": make_hazard(enterprise_b, "木业除尘器泄爆片缺失", admin),
        "far": make_hazard(far_enterprise, "冠县远方机械喷涂间通风不良", None),
    }  # fmt: skip


def prepare(endpoint, enterprise, users, state=None, major=None):
    """A hazard of `enterprise` ready for `endpoint` (or in `state`), reported by the employee
    so that every role of the `users` fixture sees it; returns it and the endpoint's URL."""
    _, _, from_state, needs_major, _, _, _ = ENDPOINTS[endpoint]
    state = state or from_state
    values = {
        "state": state,
        "is_major": needs_major if major is None else major,
        # Not an employee's report, which the enterprise reviews itself
        # (test_internal_review.py): these endpoints' matrix is of the bureau's review.
        "source": Source.OTHER,
    }
    if state not in (State.REPORTED, State.REJECTED, State.CONFIRMED):
        values.update(owner="李强", measures="加装集尘罩", deadline=days(20))
    if state in (State.SUBMITTED, State.CLOSED):
        values.update(evidence="已加装集尘罩", submitted_by=users[Role.SAFETY_OFFICER])
    hazard = make_hazard(enterprise, "打磨工位粉尘积聚", users[Role.EMPLOYEE], **values)
    if endpoint == "decision":
        extension = Extension.objects.create(
            hazard=hazard,
            requested_by=users[Role.SAFETY_OFFICER],
            old_deadline=hazard.deadline or days(20),
            new_deadline=days(50),
            reason="设备到货延迟",
        )
        return hazard, f"{URL}/extensions/{extension.pk}/decision"
    return hazard, f"{URL}/{hazard.pk}/{endpoint}"


# --- the ledger --------------------------------------------------------------------------------


@pytest.mark.parametrize("auth", ["token", "session"])
@pytest.mark.parametrize("role", ROLES)
def test_list_is_exactly_the_hazards_in_scope(client, api, users, hazards, role, auth):
    caller = api(role) if auth == "token" else client_for(client, users[role])
    assert ids(caller.get(URL)) == {hazards[key].pk for key in SCOPE[role]}


@pytest.mark.parametrize("role", ROLES)
def test_list_filters_cannot_widen_the_scope(api, hazards, town_b, enterprise_b, role):
    caller = api(role)
    visible = {hazards[key].pk for key in SCOPE[role]}
    assert ids(caller.get(URL, {"town": town_b.pk})) <= visible
    assert ids(caller.get(URL, {"enterprise": enterprise_b.pk})) <= visible
    assert ids(caller.get(URL, {"q": "远方"})) == set()


@pytest.fixture
def ledger(users, enterprise_a, enterprise_a2, enterprise_b):
    admin = users[Role.COUNTY_ADMIN]
    return {
        # Major, open and past its deadline: overdue.
        "overdue": make_hazard(
            enterprise_a, "铸造熔炼炉冷却水无断水报警", admin, is_major=True,
            state=State.RECTIFYING, deadline=days(-3), source=Source.SELF_INSPECTION,
        ),
        "general": make_hazard(
            enterprise_a2, "纺织车间疏散指示灯损坏", admin, state=State.PLANNED,
            deadline=days(10),
        ),
        # Past its deadline but closed: not overdue.
        "closed": make_hazard(
            enterprise_b, "木业除尘器泄爆片缺失", admin, is_major=True, state=State.CLOSED,
            deadline=days(-30), source=Source.PUBLIC_TIP,
        ),
        "reported": make_hazard(
            enterprise_a, "员工反映配电箱门未关闭", admin, source=Source.EMPLOYEE_REPORT,
        ),
    }  # fmt: skip


def test_list_filters(api, ledger, enterprise_a, town_a, town_b):
    admin = api(Role.COUNTY_ADMIN)

    def found(**params):
        return {key for key, h in ledger.items() if h.pk in ids(admin.get(URL, params))}

    assert found() == {"overdue", "general", "closed", "reported"}
    assert found(major="1") == {"overdue", "closed"}
    assert found(major="0") == {"general", "reported"}
    assert found(state="planned") == {"general"}
    assert found(state="closed") == {"closed"}
    assert found(overdue="true") == {"overdue"}
    assert found(overdue="false") == {"overdue", "general", "closed", "reported"}
    assert found(source="public_tip") == {"closed"}
    assert found(source="self_inspection") == {"overdue"}
    assert found(town=town_a.pk) == {"overdue", "general", "reported"}
    assert found(town=town_b.pk) == {"closed"}
    assert found(enterprise=enterprise_a.pk) == {"overdue", "reported"}
    assert found(q="配电箱") == {"reported"}
    assert found(q="纺织") == {"general"}  # the enterprise's name
    assert found(major="1", town=town_a.pk) == {"overdue"}
    assert found(major="1", state="rectifying", overdue="true", source="self_inspection") == {
        "overdue"
    }


def test_list_items_carry_the_ledger_fields(api, ledger):
    body = api(Role.SUPERVISOR).get(URL, {"overdue": "true"}).json()
    [item] = body["items"]
    assert item["id"] == ledger["overdue"].pk
    assert item["enterprise_name"] == "高唐县精工铸造有限公司"
    assert (item["state"], item["is_major"], item["overdue"]) == ("rectifying", True, True)
    assert item["deadline"] == days(-3).isoformat()
    assert "events" not in item


def test_invalid_filter_values_are_ignored_not_errors(api, ledger, grid_a2):
    everything = {h.pk for h in ledger.values()}
    admin = api(Role.COUNTY_ADMIN)
    for params in [
        {"state": "bogus"},
        {"major": "2"},
        {"source": "rumour"},
        {"town": 987654},
        {"town": grid_a2.pk},  # a grid is not a town
        {"enterprise": 0},
    ]:
        assert ids(admin.get(URL, params)) == everything, params


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"town": "abc"}, "query.town", "应为整数"),
        ({"enterprise": "一"}, "query.enterprise", "应为整数"),
        ({"overdue": "perhaps"}, "query.overdue", "应为 true 或 false"),
        ({"limit": 0}, "query.limit", "数值过小"),
        ({"offset": -1}, "query.offset", "数值过小"),
    ],
)
def test_a_malformed_filter_is_a_chinese_422(api, ledger, params, field, message):
    response = api(Role.COUNTY_ADMIN).get(URL, params)
    assert response.status_code == 422
    assert response.json()["detail"] == "请求数据有误"
    assert {"field": field, "message": message} in response.json()["errors"]


def test_list_paginates_with_count(api, users, enterprise_a):
    for n in range(12):
        make_hazard(enterprise_a, f"第{n}号隐患", users[Role.COUNTY_ADMIN], found_on=days(-n))
    admin = api(Role.COUNTY_ADMIN)
    pages = [admin.get(URL, {"limit": 5, "offset": offset}).json() for offset in (0, 5, 10, 50)]
    assert [page["count"] for page in pages] == [12] * 4
    assert [len(page["items"]) for page in pages] == [5, 5, 2, 0]
    seen = [item["id"] for page in pages for item in page["items"]]
    # Newest first, every hazard exactly once.
    expected = list(Hazard.objects.order_by("-found_on", "-id").values_list("pk", flat=True))
    assert seen == expected
    filtered = admin.get(URL, {"limit": 1, "q": "第1"}).json()  # 第1号, 第10号, 第11号
    assert (filtered["count"], len(filtered["items"])) == (3, 1)


# --- detail -------------------------------------------------------------------------------------


def test_detail_carries_the_event_trail(api, users, enterprise_a):
    reporter = api(Role.SAFETY_OFFICER)
    response = post_json(
        reporter,
        URL,
        {
            "enterprise_id": enterprise_a.pk,
            "source": "self_inspection",
            "description": "打磨工位除尘系统未设置锁气卸灰装置",
            "place": "铸造车间",
        },
    )
    assert response.status_code == 201
    pk = response.json()["id"]
    # A general hazard of the enterprise's own self-inspection: its principal confirms it.
    confirmed = post_json(api(Role.PRINCIPAL), f"{URL}/{pk}/confirm", {"note": "现场核实"})
    assert confirmed.status_code == 200

    body = reporter.get(f"{URL}/{pk}").json()
    assert (body["state"], body["place"], body["found_by"]) == ("confirmed", "铸造车间", "safety_a")
    trail = [
        (e["action"], e["action_label"], e["from_state"], e["to_state"], e["actor"], e["note"])
        for e in body["events"]
    ]
    assert trail == [
        ("report", "登记隐患", "", "reported", "safety_a", ""),
        ("confirm", "确认隐患", "reported", "confirmed", "principal_a", "现场核实"),
    ]
    assert all(e["at"] for e in body["events"])


def test_detail_shows_an_event_without_an_actor(api, users, enterprise_a):
    hazard, _ = prepare("start", enterprise_a, users)
    HazardEvent.objects.create(hazard=hazard, action="remind", actor=None)
    response = api(Role.PRINCIPAL).get(f"{URL}/{hazard.pk}")
    assert response.status_code == 200
    [event] = response.json()["events"]
    assert (event["action_label"], event["actor"]) == ("整改期限提醒", None)


@pytest.mark.parametrize("role", ROLES)
def test_detail_is_found_only_in_scope(api, hazards, role):
    caller = api(role)
    for key in sorted(ALL_KEYS):
        response = caller.get(f"{URL}/{hazards[key].pk}")
        if key in SCOPE[role]:
            assert response.status_code == 200, key
            assert response.json()["description"] == hazards[key].description
        else:
            assert response.status_code == 404, key
            assert response.json() == NOT_FOUND


@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_on_a_hazard_out_of_scope_is_404(api, users, hazards, role):
    caller = api(role)
    for key in sorted(ALL_KEYS - SCOPE[role]):
        hazard = hazards[key]
        Extension.objects.create(
            hazard=hazard,
            requested_by=users[Role.SAFETY_OFFICER],
            old_deadline=days(5),
            new_deadline=days(40),
            reason="设备到货延迟",
        )
        extension = hazard.extensions.get()
        before = world()
        for endpoint, (*_, payload, _, _) in ENDPOINTS.items():
            url = (
                f"{URL}/extensions/{extension.pk}/decision"
                if endpoint == "decision"
                else f"{URL}/{hazard.pk}/{endpoint}"
            )
            response = post_json(caller, url, dated(payload))
            assert response.status_code == 404, (key, endpoint, response.content.decode())
            assert response.json() == NOT_FOUND
        assert world() == before


# --- reporting ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", REPORTERS)
def test_each_role_reports_a_hazard(api, users, enterprise_a, role):
    response = post_json(
        api(role),
        URL,
        {
            "enterprise_id": enterprise_a.pk,
            "source": OWN_SOURCE[role],
            "description": "  熔炼炉周边有积水  ",
            "found_on": days(-2).isoformat(),
        },
    )
    assert response.status_code == 201, response.content.decode()
    body = response.json()
    hazard = Hazard.objects.get(pk=body["id"])
    assert (hazard.enterprise, hazard.reported_by, hazard.source) == (
        enterprise_a,
        users[role],
        OWN_SOURCE[role],
    )
    assert (hazard.description, hazard.found_on, hazard.found_by) == (
        "熔炼炉周边有积水",
        days(-2),
        users[role].display_name,
    )
    assert (body["state"], body["is_major"], body["criterion_id"]) == ("reported", False, None)
    assert [e["action"] for e in body["events"]] == ["report"]
    # The reporter finds it in the ledger afterwards (an employee sees their own reports).
    assert hazard.pk in ids(api(role).get(URL))


def test_a_report_matched_to_a_criterion_is_major(api, users, enterprise_a):
    matched = criterion(7, 1)  # 机械: applies to enterprise_a's industry
    response = post_json(
        api(Role.EXPERT),
        URL,
        {
            "enterprise_id": enterprise_a.pk,
            "source": "expert",
            "description": "铸造熔炼炉冷却水系统未设置断水报警",
            "found_by": "省专家组 张工",
            "criterion_id": matched.pk,
        },
    )
    assert response.status_code == 201, response.content.decode()
    body = response.json()
    assert (body["is_major"], body["criterion_id"], body["criterion_label"]) == (
        True,
        matched.pk,
        "第七条（一）",
    )
    assert body["found_by"] == "省专家组 张工"
    assert body["found_on"] == today().isoformat()
    assert Hazard.objects.get(pk=body["id"]).criterion == matched


@pytest.mark.parametrize(
    ("role", "changes", "detail"),
    [
        (Role.EMPLOYEE, {"source": "enforcement"}, "您登记的隐患来源只能是：员工报告"),
        (Role.EXPERT, {"source": "self_inspection"}, "您登记的隐患来源只能是：专家检查"),
        (Role.PRINCIPAL, {"description": "   "}, "请填写隐患描述"),
        (Role.PRINCIPAL, {"found_on": "tomorrow"}, "发现日期不能晚于今天"),
        (Role.SUPERVISOR, {"criterion": (4, 1)}, "所选判定标准条目不适用于该企业"),
        (Role.SUPERVISOR, {"criterion_id": 987654}, "所选判定标准条目不适用于该企业"),
    ],
)
def test_a_refused_report_is_a_chinese_422_and_creates_nothing(
    api, enterprise_a, role, changes, detail
):
    payload = {
        "enterprise_id": enterprise_a.pk,
        "source": OWN_SOURCE[role],
        "description": "熔炼炉周边有积水",
    }
    payload.update(changes)
    if payload.get("found_on") == "tomorrow":
        payload["found_on"] = days(1).isoformat()
    if "criterion" in payload:
        payload["criterion_id"] = criterion(*payload.pop("criterion")).pk  # 冶金: not machinery
    before = world()
    response = post_json(api(role), URL, payload)
    assert response.status_code == 422
    assert response.json() == {"detail": detail}
    assert world() == before


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        (
            {"source": "enforcement"},
            [("enterprise_id", "缺少必填字段"), ("description", "缺少必填字段")],
        ),
        (
            {"enterprise_id": "一号", "source": "enforcement", "description": "积水"},
            [("enterprise_id", "应为整数")],
        ),
        (
            {"enterprise_id": 1, "source": "enforcement", "description": ["积水"]},
            [("description", "应为字符串")],
        ),
        (
            {"enterprise_id": 1, "source": "other", "description": "积水", "found_on": "昨天"},
            [("found_on", "格式不正确")],
        ),
    ],
)  # fmt: skip
def test_report_with_missing_or_mistyped_fields_is_a_422(api, enterprise_a, payload, errors):
    before = world()
    response = post_json(api(Role.COUNTY_ADMIN), URL, payload)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "请求数据有误"
    assert [(e["field"], e["message"]) for e in body["errors"]] == errors
    assert world() == before


def test_reporting_for_an_enterprise_out_of_scope_is_404(api, enterprise_a, enterprise_b):
    before = world()
    for role, enterprise in [
        (Role.TOWN_SUPERVISOR, enterprise_b),
        (Role.GRID_MEMBER, enterprise_b),
        (Role.EXPERT, enterprise_b),
        (Role.PRINCIPAL, enterprise_b),
    ]:
        payload = {
            "enterprise_id": enterprise.pk,
            "source": OWN_SOURCE[role],
            "description": "除尘器泄爆片缺失",
        }
        response = post_json(api(role), URL, payload)
        assert response.status_code == 404, role
        assert response.json() == NOT_FOUND
    assert world() == before


# --- transitions --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_each_endpoint_succeeds_for_its_roles_and_is_403_for_the_others(
    api, users, enterprise_a, endpoint, role
):
    label, allowed, _, _, payload, target, action = ENDPOINTS[endpoint]
    hazard, url = prepare(endpoint, enterprise_a, users)
    before = world()
    response = post_json(api(role), url, dated(payload))
    if role not in allowed:
        assert response.status_code == 403, response.content.decode()
        reason = f"您的角色不能{label}"
        if endpoint in REVIEW_ENDPOINTS and role in MANAGERS:
            reason = f"该隐患须由监管部门{label}"  # they review only their own findings
        assert response.json() == {"detail": reason}
        assert world() == before
        return

    body = response.json()
    hazard.refresh_from_db()
    assert hazard.state == target
    event = hazard.events.get()
    assert (event.action, event.actor, event.to_state) == (action, users[role], target)
    if endpoint == "extensions":
        assert response.status_code == 201, body
        extension = hazard.extensions.get()
        assert body == {
            "id": extension.pk,
            "hazard_id": hazard.pk,
            "old_deadline": days(20).isoformat(),
            "new_deadline": days(60).isoformat(),
            "reason": "防爆电机到货延迟",
            "zero_out_reason": "",  # a general hazard: the rule does not apply
            "breaks_zero_out": False,
            "approved": None,
        }
        assert hazard.deadline == days(20)
        return
    assert response.status_code == 200, body
    if endpoint == "decision":
        extension = hazard.extensions.get()
        assert (body["id"], body["approved"]) == (extension.pk, True)
        assert (extension.approved, extension.decided_by) == (True, users[role])
        assert hazard.deadline == days(50)
        return
    assert (body["id"], body["state"]) == (hazard.pk, target)
    assert body["events"][-1]["action"] == action
    if endpoint == "plan":
        assert (hazard.owner, hazard.deadline, str(hazard.funds)) == ("李强", days(30), "85000.00")
    if endpoint == "submit":
        assert hazard.submitted_by == users[role]
    if endpoint == "close":
        assert hazard.closed_by == users[role] and hazard.closed_at is not None
    if endpoint == "judge":
        assert (body["is_major"], body["major_reason"]) == (True, "粉尘大量积聚")
    if endpoint == "listing":
        assert (body["listed_level"], body["listed_by"]) == ("county", "高唐县应急管理局")
    if endpoint == "suspension":
        assert body["suspension"] == "production"


# For each endpoint, a state it cannot be called from.
WRONG_STATE = {
    "confirm": State.CONFIRMED,
    "reject": State.CLOSED,
    "plan": State.REPORTED,
    "start": State.CONFIRMED,
    "submit": State.PLANNED,
    "close": State.RECTIFYING,
    "return": State.CLOSED,
    "judge": State.SUBMITTED,
    "listing": State.REPORTED,
    "suspension": State.CLOSED,
    "extensions": State.SUBMITTED,
    "decision": State.SUBMITTED,
}


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_an_endpoint_in_the_wrong_state_is_409(api, users, enterprise_a, endpoint):
    label, allowed, _, _, payload, _, _ = ENDPOINTS[endpoint]
    state = WRONG_STATE[endpoint]
    _, url = prepare(endpoint, enterprise_a, users, state=state)
    before = world()
    response = post_json(api(ACTING[allowed]), url, dated(payload))
    assert response.status_code == 409, response.content.decode()
    assert response.json() == {"detail": f"隐患当前状态为“{State(state).label}”，不能{label}"}
    assert world() == before


# (endpoint, state to call it from or None, major or None, body, expected body of the 422)
INVALID = [
    ("reject", None, None, {}, [("reason", "缺少必填字段")]),
    ("reject", None, None, {"reason": "  "}, "不予确认须填写理由"),
    ("reject", None, None, {"reason": 42}, [("reason", "应为字符串")]),
    (
        "plan", None, None, {"owner": "李强"},
        [("measures", "缺少必填字段"), ("deadline", "缺少必填字段")],
    ),
    ("plan", None, None, plan_payload(owner=" "), "请填写整改责任人"),
    ("plan", None, None, plan_payload(measures=""), "请填写整改措施"),
    ("plan", None, None, plan_payload(deadline="yesterday"), "整改期限不能早于今天"),
    ("plan", None, None, plan_payload(deadline="2026-02-30"), [("deadline", "格式不正确")]),
    ("plan", None, None, plan_payload(funds="-1"), "整改资金不能为负数"),
    ("plan", None, None, plan_payload(funds="很多"), [("funds", "应为数字")]),
    (
        "plan", None, True, plan_payload(funds=None, contingency_plan=""),
        "重大事故隐患须落实“五落实”，缺少：整改资金、应急预案",
    ),
    ("plan", State.PLANNED, None, plan_payload(deadline="later"), "推迟整改期限须申请延期"),
    ("submit", None, None, {"evidence": "   "}, "提交验收须填写整改情况说明"),
    ("submit", None, None, {}, [("evidence", "缺少必填字段")]),
    ("return", None, None, {"reason": ""}, "退回整改须填写理由"),
    ("judge", None, None, {"is_major": False}, "未对应判定标准条目时，须填写认定理由"),
    ("judge", None, None, {"is_major": True}, "未对应判定标准条目时，须填写认定理由"),
    (
        "judge", None, None, {"is_major": True, "criterion_id": "4-1"},
        "所选判定标准条目不适用于该企业",
    ),
    ("judge", None, None, {"is_major": "也许"}, [("is_major", "应为 true 或 false")]),
    (
        "listing", None, False, {"level": "county", "body": "高唐县应急管理局"},
        "只有重大事故隐患可以挂牌督办",
    ),
    ("listing", None, None, {"level": "national", "body": "高唐县应急管理局"}, "请选择督办级别"),
    ("listing", None, None, {"level": "city", "body": " "}, "请填写督办单位"),
    ("suspension", None, False, {"suspension": "production"}, "只有重大事故隐患可以责令停产停用"),
    ("suspension", None, None, {"suspension": "equipment"}, "请填写停用的设施设备"),
    ("suspension", None, None, {"suspension": "holiday"}, [("suspension", "格式不正确")]),
    # Lifting a suspension is not an order to suspend: it happens when the hazard is closed.
    ("suspension", None, None, {"suspension": "none"}, [("suspension", "格式不正确")]),
    (
        "extensions", None, None, {"new_deadline": "sooner", "reason": "来不及"},
        "延期后的期限须晚于原整改期限",
    ),
    (
        "extensions", None, None, {"new_deadline": "past", "reason": "来不及"},
        "延期后的期限不能早于今天",
    ),
    ("extensions", None, None, {"new_deadline": "later", "reason": " "}, "申请延期须填写理由"),
    ("extensions", None, None, {"reason": "来不及"}, [("new_deadline", "缺少必填字段")]),
    ("decision", None, None, {"approved": False}, "不予延期须填写审批意见"),
    ("decision", None, None, {"note": "同意"}, [("approved", "缺少必填字段")]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("endpoint", "state", "major", "payload", "expected"),
    INVALID,
    ids=[f"{e[0]}-{n}" for n, e in enumerate(INVALID)],
)
def test_missing_or_invalid_data_is_a_chinese_422_and_changes_nothing(
    api, users, enterprise_a, endpoint, state, major, payload, expected
):
    _, allowed, *_ = ENDPOINTS[endpoint]
    _, url = prepare(endpoint, enterprise_a, users, state=state, major=major)
    payload = dated(payload)
    if payload.get("criterion_id") == "4-1":
        payload["criterion_id"] = criterion(4, 1).pk
    before = world()
    response = post_json(api(ACTING[allowed]), url, payload)
    assert response.status_code == 422, response.content.decode()
    body = response.json()
    if isinstance(expected, str):
        assert body == {"detail": expected}
    else:
        assert body["detail"] == "请求数据有误"
        assert [(e["field"], e["message"]) for e in body["errors"]] == expected
    assert world() == before


@pytest.mark.parametrize("endpoint", ["confirm", "start", "close", "reject", "plan"])
@pytest.mark.parametrize("body", ["[1]", "null", "5", '"确认"', "true", "{not json"])
def test_a_body_that_is_not_a_json_object_is_a_422_and_changes_nothing(
    api, users, enterprise_a, endpoint, body
):
    # confirm, start and close take only an optional note: a list or a number must not pass
    # as "no note" and move the hazard on.
    _, allowed, *_ = ENDPOINTS[endpoint]
    _, url = prepare(endpoint, enterprise_a, users)
    before = world()
    response = api(ACTING[allowed]).post(url, body, content_type="application/json")
    assert response.status_code == 422, response.content.decode()
    assert response.json()["detail"] == "请求数据有误"
    messages = [e["message"] for e in response.json()["errors"]]
    assert messages
    assert all(has_chinese(m) for m in messages), messages
    if endpoint in ("confirm", "start", "close"):
        expected = "JSON 格式错误" if body == "{not json" else "应为 JSON 对象"
        assert messages == [expected]
    assert world() == before


def test_a_major_hazard_is_judged_by_a_criterion_and_back_to_general(api, users, enterprise_a):
    _, url = prepare("judge", enterprise_a, users)
    matched = criterion(3, 1)
    supervisor = api(Role.SUPERVISOR)
    body = post_json(supervisor, url, {"is_major": True, "criterion_id": matched.pk}).json()
    assert (body["is_major"], body["criterion_id"], body["criterion_label"]) == (
        True,
        matched.pk,
        "第三条（一）",
    )
    body = post_json(supervisor, url, {"is_major": False, "reason": "复核不属于重大隐患"}).json()
    assert (body["is_major"], body["criterion_id"], body["major_reason"]) == (
        False,
        None,
        "复核不属于重大隐患",
    )
    assert [e["action"] for e in body["events"]] == ["judge_major", "judge_major"]


def test_the_closed_loop_through_the_api(api, users, enterprise_a):
    manager, town = api(Role.SAFETY_OFFICER), api(Role.TOWN_SUPERVISOR)
    matched = criterion(7, 2)
    report = {
        "enterprise_id": enterprise_a.pk,
        "source": "self_inspection",
        "description": "砂处理工段除尘器未设置泄爆装置",
        "criterion_id": matched.pk,
    }
    pk = post_json(manager, URL, report).json()["id"]
    steps = [
        (town, "confirm", {}),
        (manager, "plan", dated(plan_payload())),
        (manager, "start", {"note": "已停用砂处理线"}),
        (manager, "submit", {"evidence": "已加装泄爆片"}),
        (town, "return", {"reason": "泄爆口朝向人员通道"}),
        (manager, "submit", {"evidence": "泄爆口已改向室外"}),
        (town, "close", {"note": "验收合格"}),
    ]
    for caller, endpoint, payload in steps:
        response = post_json(caller, f"{URL}/{pk}/{endpoint}", payload)
        assert response.status_code == 200, (endpoint, response.content.decode())
    body = manager.get(f"{URL}/{pk}").json()
    assert body["state"] == "closed"
    assert [e["to_state"] for e in body["events"]] == [
        "reported",
        "confirmed",
        "planned",
        "rectifying",
        "submitted",
        "rectifying",
        "submitted",
        "closed",
    ]


# --- extensions ---------------------------------------------------------------------------------


def test_an_extension_is_requested_once_and_decided_once(api, users, enterprise_a):
    hazard, url = prepare("extensions", enterprise_a, users)
    manager, town = api(Role.PRINCIPAL), api(Role.TOWN_SUPERVISOR)
    request = {"new_deadline": days(45).isoformat(), "reason": "防爆电机到货延迟"}
    response = post_json(manager, url, request)
    assert response.status_code == 201
    extension_id = response.json()["id"]

    before = world()
    again = post_json(manager, url, {"new_deadline": days(50).isoformat(), "reason": "再延"})
    assert again.status_code == 409
    assert again.json() == {"detail": "已有待审批的延期申请"}
    assert world() == before

    decision_url = f"{URL}/extensions/{extension_id}/decision"
    refused = post_json(manager, decision_url, {"approved": True})
    assert refused.status_code == 403
    assert refused.json() == {"detail": "该隐患须由监管部门审批延期"}
    assert world() == before

    response = post_json(town, decision_url, {"approved": False, "note": "期限内可完成"})
    assert response.status_code == 200
    assert response.json()["approved"] is False
    hazard.refresh_from_db()
    assert hazard.deadline == days(20)  # a refused extension leaves the deadline

    before = world()
    for payload in ({"approved": True, "note": "改为同意"}, {"approved": False, "note": "不同意"}):
        twice = post_json(api(Role.SUPERVISOR), decision_url, payload)
        assert twice.status_code == 409
        assert twice.json() == {"detail": "该延期申请已审批"}
    assert world() == before

    # Decided, a new request may follow, and its approval moves the deadline.
    second = post_json(manager, url, request).json()["id"]
    approved = post_json(town, f"{URL}/extensions/{second}/decision", {"approved": True})
    assert (approved.status_code, approved.json()["approved"]) == (200, True)
    hazard.refresh_from_db()
    assert hazard.deadline == days(45)
    assert [e.action for e in hazard.events.all()] == [
        "request_extension",
        "decide_extension",
        "request_extension",
        "decide_extension",
    ]


@pytest.mark.parametrize("role", ROLES)
def test_deciding_an_extension_outside_scope_is_404(api, users, hazards, role):
    caller = api(role)
    extensions = {}
    for key, hazard in hazards.items():
        Hazard.objects.filter(pk=hazard.pk).update(state=State.PLANNED, deadline=days(5))
        extensions[key] = Extension.objects.create(
            hazard=hazard,
            requested_by=users[Role.SAFETY_OFFICER],
            old_deadline=days(5),
            new_deadline=days(40),
            reason="设备到货延迟",
        )
    before = world()
    for key in sorted(ALL_KEYS - SCOPE[role]):
        url = f"{URL}/extensions/{extensions[key].pk}/decision"
        response = post_json(caller, url, {"approved": True, "note": "同意"})
        assert response.status_code == 404, key
        assert response.json() == NOT_FOUND
    for missing in (987654, HUGE):
        response = post_json(caller, f"{URL}/extensions/{missing}/decision", {"approved": True})
        assert response.status_code == 404
    assert world() == before


# --- authentication and the session -------------------------------------------------------------


@pytest.mark.parametrize(
    "header", [None, "Bearer aj_not-a-real-token", "Bearer ", "Token abc", "Basic Zm9vOmJhcg=="]
)
def test_without_valid_credentials_every_endpoint_is_a_401(users, hazards, header):
    client = Client(HTTP_AUTHORIZATION=header) if header else Client()
    pk = hazards["a"].pk
    extension = Extension.objects.create(
        hazard=hazards["a"],
        requested_by=users[Role.SAFETY_OFFICER],
        old_deadline=days(5),
        new_deadline=days(40),
        reason="设备到货延迟",
    )
    before = world()
    responses = [client.get(URL), client.get(f"{URL}/{pk}")]
    report = {"enterprise_id": hazards["a"].enterprise_id, "source": "other", "description": "x"}
    responses.append(post_json(client, URL, report))
    for endpoint, (*_, payload, _, _) in ENDPOINTS.items():
        url = (
            f"{URL}/extensions/{extension.pk}/decision"
            if endpoint == "decision"
            else f"{URL}/{pk}/{endpoint}"
        )
        responses.append(post_json(client, url, dated(payload)))
    for response in responses:
        assert response.status_code == 401, response.request["PATH_INFO"]
        assert response.json() == UNAUTHENTICATED
    assert world() == before


def test_a_session_needs_the_csrf_token_a_bearer_token_does_not(api, users, enterprise_a):
    _, url = prepare("confirm", enterprise_a, users)
    session = Client(enforce_csrf_checks=True)
    session.force_login(users[Role.TOWN_SUPERVISOR])
    before = world()
    assert post_json(session, url, {"note": "核实"}).status_code == 403
    assert world() == before

    session.get("/hazards/")  # sets the CSRF cookie, as the app's own pages do
    csrf = session.cookies["csrftoken"].value
    response = session.post(
        url, json.dumps({"note": "核实"}), content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert response.status_code == 200
    assert response.json()["state"] == "confirmed"

    _, other_url = prepare("confirm", enterprise_a, users)
    assert post_json(api(Role.TOWN_SUPERVISOR), other_url, {}).status_code == 200


# --- documentation ------------------------------------------------------------------------------


def test_openapi_document_lists_every_hazard_path(client, users):
    client.force_login(users[Role.SUPERVISOR])
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    expected = {
        URL: {"get", "post"},
        f"{URL}/{{hazard_id}}": {"get"},
        f"{URL}/extensions/{{extension_id}}/decision": {"post"},
    }
    for endpoint in ENDPOINTS:
        if endpoint != "decision":
            expected[f"{URL}/{{hazard_id}}/{endpoint}"] = {"post"}
    documented = {path: set(ops) for path, ops in paths.items() if path.startswith(URL)}
    assert documented == expected
    for path in expected:
        for operation in paths[path].values():
            assert has_chinese(operation["summary"]), path
            assert operation["tags"] == ["隐患"]


# --- nothing is a 500 ---------------------------------------------------------------------------

LONG = "长" * 300
NUL = "\x00"
BIG = int(HUGE)


def report_body(**changes):
    return {"enterprise_id": "ENT", "source": "other", "description": "积水", **changes}


def plan_body(**changes):
    return {"owner": "李强", "measures": "加装集尘罩", "deadline": "2999-01-01", **changes}


def equipment(name):
    return {"suspension": "equipment", "equipment": name}


def extension_body(new_deadline="2999-01-01", reason="设备到货延迟"):
    return {"new_deadline": new_deadline, "reason": reason}


# (role, endpoint to prepare or None, method, path under URL, body). "{pk}" is the prepared
# hazard (the decision endpoint goes to its pending extension); a string body is sent as it
# is, any other as JSON, "ENT" standing for enterprise_a's id.
ADMIN, TOWN, MANAGER, PRINCIPAL = (
    Role.COUNTY_ADMIN,
    Role.TOWN_SUPERVISOR,
    Role.SAFETY_OFFICER,
    Role.PRINCIPAL,
)
NO_500 = [
    (ADMIN, None, "get", "/abc", None),
    (ADMIN, None, "get", f"/{HUGE}", None),
    (ADMIN, None, "get", "/-1", None),
    (ADMIN, None, "get", f"?town={HUGE}", None),
    (ADMIN, None, "get", f"?enterprise={HUGE}", None),
    (ADMIN, None, "get", "?enterprise=-5", None),
    (ADMIN, None, "get", "?q=%00", None),
    (ADMIN, None, "get", "?q=" + "高" * 500, None),
    (ADMIN, None, "get", "?state=%00&source=%00&major=%00", None),
    (ADMIN, None, "get", f"?limit={HUGE}", None),
    (ADMIN, None, "get", f"?offset={HUGE}", None),
    (ADMIN, None, "get", "?offset=9223372036854775800&limit=100", None),
    (ADMIN, None, "get", "/extensions/abc/decision", None),
    (ADMIN, "confirm", "delete", "/{pk}", None),
    (ADMIN, "confirm", "put", "/{pk}", "{}"),
    (ADMIN, "confirm", "patch", "/{pk}", "{}"),
    (ADMIN, "confirm", "get", "/{pk}/confirm", None),
    (ADMIN, "confirm", "post", "/{pk}/destroy", "{}"),
    (PRINCIPAL, None, "post", "", "{not json"),
    (PRINCIPAL, None, "post", "", ""),
    (PRINCIPAL, None, "post", "", "null"),
    (PRINCIPAL, None, "post", "", "[1, 2]"),
    (PRINCIPAL, None, "post", "", "x=1&y=2"),
    (PRINCIPAL, None, "post", "", report_body(enterprise_id=BIG)),
    (PRINCIPAL, None, "post", "", report_body(enterprise_id=-1)),
    (PRINCIPAL, None, "post", "", report_body(enterprise_id=None)),
    (PRINCIPAL, None, "post", "", report_body(criterion_id=BIG)),
    (PRINCIPAL, None, "post", "", report_body(description=NUL)),
    (PRINCIPAL, None, "post", "", report_body(description="积水" + NUL)),
    (PRINCIPAL, None, "post", "", report_body(source=NUL)),
    (PRINCIPAL, None, "post", "", report_body(place=LONG)),
    (PRINCIPAL, None, "post", "", report_body(found_by=LONG)),
    (PRINCIPAL, None, "post", "", report_body(found_on="99999-01-01")),
    (PRINCIPAL, None, "post", "", report_body(found_on=20260101)),
    (TOWN, None, "post", f"/{HUGE}/confirm", {}),
    (TOWN, None, "post", "/abc/confirm", {}),
    (TOWN, "confirm", "post", "/{pk}/confirm", "{bad"),
    (TOWN, "confirm", "post", "/{pk}/confirm", "[1]"),
    (TOWN, "confirm", "post", "/{pk}/confirm", {"note": 5}),
    (TOWN, "confirm", "post", "/{pk}/confirm", {"note": NUL}),
    (TOWN, "reject", "post", "/{pk}/reject", {"reason": "不属实" + NUL}),
    (MANAGER, "plan", "post", "/{pk}/plan", plan_body(owner=LONG)),
    (MANAGER, "plan", "post", "/{pk}/plan", plan_body(funds=1e20)),
    (MANAGER, "plan", "post", "/{pk}/plan", plan_body(funds="99999999999999")),
    (MANAGER, "plan", "post", "/{pk}/plan", plan_body(funds="1.23456")),
    (MANAGER, "plan", "post", "/{pk}/plan", plan_body(funds="NaN")),
    (MANAGER, "plan", "post", "/{pk}/plan", plan_body(funds="Infinity")),
    (MANAGER, "plan", "post", "/{pk}/plan", plan_body(funds="-Infinity")),
    (MANAGER, "plan", "post", "/{pk}/plan", plan_body(deadline="99999-01-01")),
    (MANAGER, "plan", "post", "/{pk}/plan", plan_body(deadline=None)),
    (MANAGER, "plan", "post", "/{pk}/plan", plan_body(measures=NUL)),
    (MANAGER, "plan", "post", "/{pk}/plan", plan_body(contingency_plan=NUL)),
    (MANAGER, "start", "post", "/{pk}/start", {"note": NUL}),
    (MANAGER, "submit", "post", "/{pk}/submit", {"evidence": NUL}),
    (TOWN, "close", "post", "/{pk}/close", {"note": NUL}),
    (TOWN, "return", "post", "/{pk}/return", {"reason": NUL}),
    (TOWN, "judge", "post", "/{pk}/judge", {"is_major": True, "reason": NUL}),
    (TOWN, "judge", "post", "/{pk}/judge", {"is_major": True, "criterion_id": BIG}),
    (TOWN, "judge", "post", "/{pk}/judge", {"is_major": None}),
    (TOWN, "listing", "post", "/{pk}/listing", {"level": "county", "body": LONG}),
    (TOWN, "listing", "post", "/{pk}/listing", {"level": "county", "body": NUL}),
    (TOWN, "listing", "post", "/{pk}/listing", {"level": NUL, "body": "县局"}),
    (TOWN, "suspension", "post", "/{pk}/suspension", equipment(LONG)),
    (TOWN, "suspension", "post", "/{pk}/suspension", equipment(NUL)),
    (TOWN, "suspension", "post", "/{pk}/suspension", {"suspension": ["production"]}),
    (MANAGER, "extensions", "post", "/{pk}/extensions", extension_body(reason=NUL)),
    (MANAGER, "extensions", "post", "/{pk}/extensions", extension_body("99999-01-01")),
    (MANAGER, "extensions", "post", "/{pk}/extensions", extension_body(1)),
    (MANAGER, None, "post", f"/{HUGE}/extensions", extension_body()),
    (TOWN, "decision", "post", "", {"approved": False, "note": NUL}),
    (TOWN, "decision", "post", "", {"approved": True, "note": "同意" + NUL}),
    (TOWN, "decision", "post", "", {"approved": "maybe"}),
    (TOWN, None, "post", f"/extensions/{HUGE}/decision", {"approved": True}),
]


@pytest.mark.parametrize(
    ("role", "endpoint", "method", "path", "body"),
    NO_500,
    ids=[f"{n}-{case[2]}" for n, case in enumerate(NO_500)],
)
def test_no_request_is_a_server_error(api, users, enterprise_a, role, endpoint, method, path, body):
    url = URL + path
    if endpoint:
        hazard, prepared = prepare(endpoint, enterprise_a, users)
        url = prepared if endpoint == "decision" else url.replace("{pk}", str(hazard.pk))
    if body is not None and not isinstance(body, str):
        if body.get("enterprise_id") == "ENT":
            body = {**body, "enterprise_id": enterprise_a.pk}
        body = json.dumps(body)
    before = world()
    kwargs = {} if body is None else {"data": body, "content_type": "application/json"}
    response = getattr(api(role), method)(url, **kwargs)
    assert response.status_code < 500, response.content[:300]
    if method != "get":
        # A write that is refused changes nothing, and is refused in Chinese.
        assert response.status_code >= 400, response.content[:300]
        assert world() == before
        if response.get("Content-Type", "").startswith("application/json"):
            assert has_chinese(response.json()["detail"])


def test_a_linked_source_is_only_recorded_by_its_record(api, enterprise_a):
    """专家会诊, 专项整治 and 非现场执法 hazards come from their visit, campaign or remote
    inspection; reported by hand they are refused and nothing is stored."""
    before = world()
    payload = {"enterprise_id": enterprise_a.pk, "source": "expert_visit", "description": "积水"}
    response = post_json(api(Role.EXPERT), URL, payload)
    assert response.status_code == 422
    assert response.json() == {"detail": "该来源的隐患只由专项整治、专家会诊或非现场执法的记录生成"}
    assert world() == before
