"""Remote (非现场) inspections: opened from evidence of the enterprise inspected (another
enterprise's refused), explained with checked files, decided with each outcome, overdue
flagged; notifications; per-town counts; scoping for every role; pages and API."""

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.roles import UPPER_ROLES as UPPER
from accounts.roles import Role
from conftest import client_for, post_json
from core import workdays
from core.errors import Refused
from core.models import Notification
from enforcement.constants import REMOTE_EXPLAIN_WORKDAYS
from enforcement.models import (
    Penalty,
    RemoteInspection,
    RemoteInspectionEvent,
    RemoteInspectionFile,
    RemoteOutcome,
    RemoteState,
)
from enforcement.penalties import statistics
from enforcement.remote import services
from hazards.models import Hazard
from hazards.states import Source, State
from monitoring.models import Alarm, Gateway, Point, PowerWarning

BASIS = "《中华人民共和国安全生产法》第九十九条第（二）项"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path, immediate_tasks):
    settings.MEDIA_ROOT = tmp_path


def make_alarm(enterprise, condition="high", code="p1"):
    gateway = Gateway.objects.create(
        enterprise=enterprise,
        code=f"gw-{enterprise.pk}-{code}",
        token_hash=f"{enterprise.pk}{code}".ljust(64, "0"),
        token_hint="0000",
    )
    point = Point.objects.create(
        gateway=gateway,
        enterprise=enterprise,
        code=code,
        equipment="1号除尘器",
        kind="pressure",
        range_min=0,
        range_max=10,
        interval_seconds=60,
        hold_seconds=0,
    )
    now = timezone.now()
    return Alarm.objects.create(
        point=point, enterprise=enterprise, condition=condition, first_at=now, last_at=now
    )


def make_warning(enterprise):
    now = timezone.now()
    return PowerWarning.objects.create(
        enterprise=enterprise,
        kind="covert",
        window_start=now - timedelta(hours=2),
        window_end=now,
        observed_kw=80,
        baseline_kw=5,
        baseline="停产备案",
    )


def pdf(name="说明.pdf", size=None):
    body = b"%PDF-1.4\n" + b"x" * (size or 100)
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def png(name="照片.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def enforcer(users):
    return users[Role.ENFORCEMENT_OFFICER]


@pytest.fixture
def opened(enforcer, enterprise_a):
    alarm = make_alarm(enterprise_a)
    return services.open_remote(
        enforcer, enterprise_a.pk, "alarm", "请说明报警原因及处置情况", alarm_id=alarm.pk
    )


# --- open ---------------------------------------------------------------------------------------


def test_open_from_an_alarm_sets_a_working_day_deadline_and_tells_the_managers(
    enforcer, enterprise_a, users, django_capture_on_commit_callbacks
):
    alarm = make_alarm(enterprise_a)
    with django_capture_on_commit_callbacks(execute=True):
        opened = services.open_remote(
            enforcer, enterprise_a.pk, "alarm", "请说明报警原因及处置情况", alarm_id=alarm.pk
        )
    today = timezone.localdate()
    assert opened.state == RemoteState.AWAITING
    assert opened.alarm.enterprise_id == enterprise_a.pk
    assert opened.due_on == workdays.add_workdays(today, REMOTE_EXPLAIN_WORKDAYS)
    assert opened.due_on > today
    event = RemoteInspectionEvent.objects.get(inspection=opened)
    assert event.action == "open"
    told = set(
        Notification.objects.filter(title__contains="非现场执法待说明").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"principal_a", "safety_a"}


def test_open_from_a_power_warning_and_a_video_event(enforcer, enterprise_a):
    warning = make_warning(enterprise_a)
    remote = services.open_remote(
        enforcer, enterprise_a.pk, "power_warning", "说明停产期间用电情况", warning_id=warning.pk
    )
    assert remote.power_warning_id == warning.pk
    video = make_alarm(enterprise_a, condition="hot_work", code="cam1")
    remote = services.open_remote(
        enforcer, enterprise_a.pk, "video", "说明动火作业审批", alarm_id=video.pk
    )
    assert remote.source == "video"
    plain = make_alarm(enterprise_a, code="p2")
    with pytest.raises(Refused, match="不是视频智能分析事件"):
        services.open_remote(enforcer, enterprise_a.pk, "video", "说明", alarm_id=plain.pk)


def test_evidence_of_another_enterprise_is_refused_and_nothing_saved(
    enforcer, enterprise_a, enterprise_b
):
    alarm = make_alarm(enterprise_b)
    warning = make_warning(enterprise_b)
    with pytest.raises(Refused, match="不属于被检查企业") as exc:
        services.open_remote(enforcer, enterprise_a.pk, "alarm", "说明", alarm_id=alarm.pk)
    assert exc.value.status == 422
    with pytest.raises(Refused, match="不属于被检查企业"):
        services.open_remote(
            enforcer, enterprise_a.pk, "power_warning", "说明", warning_id=warning.pk
        )
    assert not RemoteInspection.objects.exists()
    assert not RemoteInspectionEvent.objects.exists()


def test_open_refusals(users, enterprise_a, enterprise_b):
    town = users[Role.TOWN_SUPERVISOR]
    with pytest.raises(Refused) as exc:
        services.open_remote(town, enterprise_b.pk, "documents", "提供培训记录")
    assert exc.value.status == 404
    with pytest.raises(Refused) as exc:
        services.open_remote(users[Role.PRINCIPAL], enterprise_a.pk, "documents", "x")
    assert exc.value.status == 403
    with pytest.raises(Refused, match="请填写要求说明的事项"):
        services.open_remote(town, enterprise_a.pk, "documents", "  ")
    with pytest.raises(Refused, match="线索来源无效"):
        services.open_remote(town, enterprise_a.pk, "rumour", "说明")
    with pytest.raises(Refused, match="说明期限"):
        services.open_remote(
            town, enterprise_a.pk, "documents", "说明", due_on=timezone.localdate()
        )
    assert not RemoteInspection.objects.exists()
    remote = services.open_remote(town, enterprise_a.pk, "documents", "提供有限空间作业审批记录")
    assert remote.jurisdiction == town.jurisdiction


# --- answer -------------------------------------------------------------------------------------


def test_the_enterprise_answers_with_files_and_the_inspector_hears(
    users, opened, django_capture_on_commit_callbacks
):
    principal = users[Role.PRINCIPAL]
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_remote(principal, opened.pk, "系统误报，已校准", [pdf(), png()])
    opened.refresh_from_db()
    assert opened.state == RemoteState.ANSWERED
    assert opened.explanation == "系统误报，已校准"
    assert sorted(RemoteInspectionFile.objects.values_list("name", flat=True)) == [
        "照片.png",
        "说明.pdf",
    ]
    told = Notification.objects.filter(title__contains="企业已说明")
    assert list(told.values_list("recipient__username", flat=True)) == ["enforcer"]
    with pytest.raises(Refused) as exc:
        services.answer_remote(principal, opened.pk, "再说明")
    assert exc.value.status == 409


def test_files_are_checked_by_content_and_size(users, opened, settings):
    principal = users[Role.PRINCIPAL]
    fake = SimpleUploadedFile("说明.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(Refused, match="不是 PDF"):
        services.answer_remote(principal, opened.pk, "说明", [fake])
    zipped = SimpleUploadedFile("a.zip", b"PK\x03\x04rest", content_type="application/zip")
    with pytest.raises(Refused, match="不是 PDF"):
        services.answer_remote(principal, opened.pk, "说明", [zipped])
    with pytest.raises(Refused, match="超过 10 MB") as exc:
        services.answer_remote(principal, opened.pk, "说明", [pdf(size=10 * 1024 * 1024)])
    assert exc.value.status == 413
    with pytest.raises(Refused, match="最多上传 10 个文件"):
        services.answer_remote(principal, opened.pk, "说明", [pdf() for _ in range(11)])
    opened.refresh_from_db()
    assert opened.state == RemoteState.AWAITING
    assert not RemoteInspectionFile.objects.exists()


def test_only_the_enterprise_inspected_answers(users, opened, enterprise_a2):
    from conftest import make_user

    other = make_user("principal_a2", Role.PRINCIPAL, enterprise=enterprise_a2)
    with pytest.raises(Refused) as exc:
        services.answer_remote(other, opened.pk, "说明")
    assert exc.value.status == 404
    with pytest.raises(Refused) as exc:
        services.answer_remote(users[Role.ENFORCEMENT_OFFICER], opened.pk, "说明")
    assert exc.value.status == 403


# --- decide -------------------------------------------------------------------------------------


def _answered(users, opened):
    services.answer_remote(users[Role.PRINCIPAL], opened.pk, "已处置")
    return opened


def test_decide_no_problem(users, opened):
    _answered(users, opened)
    remote = services.decide_remote(
        users[Role.ENFORCEMENT_OFFICER], opened.pk, "no_problem", "说明属实，系误报"
    )
    assert (remote.state, remote.outcome) == (RemoteState.DECIDED, RemoteOutcome.NO_PROBLEM)
    assert remote.hazard is None and remote.penalty is None
    with pytest.raises(Refused) as exc:
        services.decide_remote(users[Role.ENFORCEMENT_OFFICER], opened.pk, "no_problem", "再")
    assert exc.value.status == 409


def test_decide_a_hazard_with_the_remote_source(users, opened, enterprise_a):
    _answered(users, opened)
    remote = services.decide_remote(
        users[Role.TOWN_SUPERVISOR], opened.pk, "hazard", "除尘器压差超限未及时处置"
    )
    hazard = Hazard.objects.get(pk=remote.hazard_id)
    assert hazard.source == Source.REMOTE_ENFORCEMENT
    assert hazard.enterprise_id == enterprise_a.pk
    assert hazard.state == State.REPORTED
    assert "除尘器压差超限" in hazard.description


def test_decide_a_rectification_order(users, opened):
    _answered(users, opened)
    enforcer = users[Role.ENFORCEMENT_OFFICER]
    with pytest.raises(Refused, match="请填写整改期限"):
        services.decide_remote(enforcer, opened.pk, "order", "限期整改")
    deadline = timezone.localdate() + timedelta(days=15)
    remote = services.decide_remote(
        enforcer, opened.pk, "order", "限期整改除尘系统", rectify_deadline=deadline
    )
    hazard = Hazard.objects.get(pk=remote.hazard_id)
    assert hazard.source == Source.REMOTE_ENFORCEMENT
    assert hazard.state == State.CONFIRMED
    assert hazard.deadline == deadline
    assert hazard.order_link == f"/enforcement/remote/{remote.pk}/"


def test_decide_a_penalty_case_through_the_penalty_service(users, opened, enterprise_a):
    _answered(users, opened)
    enforcer = users[Role.ENFORCEMENT_OFFICER]
    with pytest.raises(Refused, match="处罚依据"):
        services.decide_remote(enforcer, opened.pk, "penalty", "未处置报警")
    opened.refresh_from_db()
    assert opened.state == RemoteState.ANSWERED and not Penalty.objects.exists()
    remote = services.decide_remote(
        enforcer,
        opened.pk,
        "penalty",
        "未处置报警",
        violation="监测报警后未采取措施",
        legal_basis=BASIS,
        amount="20000",
    )
    penalty = Penalty.objects.get(pk=remote.penalty_id)
    assert penalty.enterprise_id == enterprise_a.pk
    assert penalty.state_id == "filed"
    assert str(penalty.amount) == "20000.00"
    # A town supervisor may not file a case: refused, nothing decided.
    other = services.open_remote(enforcer, enterprise_a.pk, "documents", "提供资料")
    _answered(users, other)
    with pytest.raises(Refused) as exc:
        services.decide_remote(
            users[Role.TOWN_SUPERVISOR], other.pk, "penalty", "x", legal_basis=BASIS
        )
    assert exc.value.status == 403
    other.refresh_from_db()
    assert other.state == RemoteState.ANSWERED


def test_no_decision_before_the_answer_or_the_deadline(users, opened):
    with pytest.raises(Refused, match="企业尚未说明") as exc:
        services.decide_remote(users[Role.ENFORCEMENT_OFFICER], opened.pk, "no_problem", "x")
    assert exc.value.status == 409


# --- overdue ------------------------------------------------------------------------------------


def test_overdue_is_flagged_once_and_tells_the_inspector_then_staff_may_decide(
    users, opened, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    RemoteInspection.objects.filter(pk=opened.pk).update(due_on=today - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.flag_overdue(today) == 1
    assert services.flag_overdue(today) == 0
    opened.refresh_from_db()
    assert opened.overdue_at is not None
    told = Notification.objects.filter(title__contains="说明逾期")
    assert list(told.values_list("recipient__username", flat=True)) == ["enforcer"]
    enforcer = users[Role.ENFORCEMENT_OFFICER]
    assert services.remote_actions(enforcer, opened) == ["decide"]
    services.decide_remote(enforcer, opened.pk, "no_problem", "逾期未说明，经核查无问题")


def test_an_answer_after_the_deadline_is_kept_as_late(users, opened):
    RemoteInspection.objects.filter(pk=opened.pk).update(
        due_on=timezone.localdate() - timedelta(days=2)
    )
    services.answer_remote(users[Role.PRINCIPAL], opened.pk, "迟到的说明")
    event = RemoteInspectionEvent.objects.get(inspection=opened, action="answer")
    assert event.payload["late"] is True


# --- per town -----------------------------------------------------------------------------------


def test_per_town_counts_hand_computed(users, enterprise_a, enterprise_a2, enterprise_b):
    enforcer = users[Role.ENFORCEMENT_OFFICER]
    principal = users[Role.PRINCIPAL]
    today = timezone.localdate()
    # Town A: three opened this year; one decided no problem, one a hazard, one awaiting
    # and overdue. One more opened last year, decided this year (closed, not opened).
    a1 = services.open_remote(enforcer, enterprise_a.pk, "documents", "资料1")
    a2 = services.open_remote(enforcer, enterprise_a2.pk, "documents", "资料2")
    a3 = services.open_remote(enforcer, enterprise_a.pk, "documents", "资料3")
    old = services.open_remote(enforcer, enterprise_a.pk, "documents", "旧")
    RemoteInspection.objects.filter(pk=old.pk).update(opened_on=date(today.year - 1, 12, 1))
    services.answer_remote(principal, a1.pk, "说明1")
    services.decide_remote(enforcer, a1.pk, "no_problem", "无问题")
    services.answer_remote(principal, old.pk, "说明")
    services.decide_remote(enforcer, old.pk, "hazard", "发现问题")
    RemoteInspection.objects.filter(pk=a3.pk).update(due_on=today - timedelta(days=1))
    # Town B: one opened, awaiting, not overdue.
    services.open_remote(enforcer, enterprise_b.pk, "documents", "资料B")
    rows = {r.town.name: r for r in statistics.remote_by_town(enforcer, today.year, today)}
    town_a = rows[enterprise_a.jurisdiction.name]
    assert (town_a.opened, town_a.closed, town_a.awaiting, town_a.overdue) == (3, 2, 2, 1)
    assert town_a.outcomes == {"no_problem": 1, "hazard": 1, "order": 0, "penalty": 0}
    assert town_a.able
    town_b = rows[enterprise_b.jurisdiction.name]
    assert (town_b.opened, town_b.closed, town_b.awaiting, town_b.overdue) == (1, 0, 1, 0)
    assert not town_b.able
    assert a2.enterprise.jurisdiction_id == enterprise_a.jurisdiction_id
    # A town supervisor sees their own town only.
    mine = statistics.remote_by_town(users[Role.TOWN_SUPERVISOR], today.year, today)
    assert [r.town.pk for r in mine] == [enterprise_a.jurisdiction_id]
    assert mine[0].opened == 3


# --- scoping ------------------------------------------------------------------------------------

SEES_A = {
    *UPPER,
    Role.COUNTY_ADMIN,
    Role.SUPERVISOR,
    Role.ENFORCEMENT_OFFICER,
    Role.TOWN_SUPERVISOR,
    Role.GRID_MEMBER,
    Role.PRINCIPAL,
    Role.SAFETY_OFFICER,
}


@pytest.mark.parametrize("role", list(Role))
def test_scoping_for_every_role(client, users, role, enforcer, enterprise_a, enterprise_b):
    remote_a = services.open_remote(enforcer, enterprise_a.pk, "documents", "资料A")
    remote_b = services.open_remote(enforcer, enterprise_b.pk, "documents", "资料B")
    user = users[role]
    client_for(client, user)
    # Enterprise B is outside every fixture user's scope but the county's (and those above).
    county = role in {Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, *UPPER}
    expected_b = 200 if county else (403 if role not in SEES_A else 404)
    assert client.get(f"/enforcement/remote/{remote_b.pk}/").status_code == expected_b
    expected_a = 200 if role in SEES_A else 403
    assert client.get(f"/enforcement/remote/{remote_a.pk}/").status_code == expected_a
    listed = set(
        RemoteInspection.objects.for_user(user, "remote.view").values_list("pk", flat=True)
    )
    assert (remote_a.pk in listed) == (role in SEES_A)
    assert (remote_b.pk in listed) == county


def test_pages_flow(client, users, opened):
    client_for(client, users[Role.PRINCIPAL])
    page = client.get(f"/enforcement/remote/{opened.pk}/")
    assert "answer-form" in page.content.decode()
    response = client.post(
        f"/enforcement/remote/{opened.pk}/answer/",
        {"explanation": "已处置", "files": [pdf()]},
    )
    assert response.status_code == 302
    opened.refresh_from_db()
    assert opened.state == RemoteState.ANSWERED
    upload = RemoteInspectionFile.objects.get()
    assert client.get(f"/enforcement/remote-files/{upload.pk}/").status_code == 200
    client_for(client, users[Role.ENFORCEMENT_OFFICER])
    assert "decide-form" in client.get(f"/enforcement/remote/{opened.pk}/").content.decode()
    response = client.post(
        f"/enforcement/remote/{opened.pk}/decide/", {"outcome": "order", "decision": "整改"}
    )
    assert response.status_code == 302
    opened.refresh_from_db()
    assert opened.state == RemoteState.ANSWERED  # refused: no deadline
    page = client.get(f"/enforcement/remote/{opened.pk}/").content.decode()
    assert "责令限期整改请填写整改期限" in page
    deadline = (timezone.localdate() + timedelta(days=10)).isoformat()
    client.post(
        f"/enforcement/remote/{opened.pk}/decide/",
        {"outcome": "order", "decision": "限期整改", "rectify_deadline": deadline},
    )
    opened.refresh_from_db()
    assert opened.outcome == "order"
    page = client.get(f"/enforcement/remote/{opened.pk}/").content.decode()
    assert "查看隐患" in page and "作出处理" in page
    assert client.get("/enforcement/remote/").status_code == 200
    assert (
        client.get(f"/enforcement/remote/new/?enterprise={opened.enterprise_id}").status_code == 200
    )
    assert client.get("/enforcement/statistics/").status_code == 200


def test_workbench_items(users, opened):
    from workbench.items import remote_items

    today = timezone.localdate()
    assert [i.key for i in remote_items(users[Role.PRINCIPAL], today)] == ["remote_explain"]
    services.answer_remote(users[Role.PRINCIPAL], opened.pk, "说明")
    assert remote_items(users[Role.PRINCIPAL], today) == []
    items = remote_items(users[Role.ENFORCEMENT_OFFICER], today)
    assert [(i.key, i.count) for i in items] == [("remote_answered", 1)]


# --- API ----------------------------------------------------------------------------------------


def test_api_open_answer_decide(api, users, outsider, enterprise_a, enterprise_b):
    from conftest import bearer

    alarm_b = make_alarm(enterprise_b)
    staff = api(Role.ENFORCEMENT_OFFICER)
    refused = post_json(
        staff,
        "/api/v1/remote-inspections",
        {
            "enterprise_id": enterprise_a.pk,
            "source": "alarm",
            "question": "说明",
            "alarm_id": alarm_b.pk,
        },
    )
    assert refused.status_code == 422
    assert "不属于被检查企业" in refused.json()["detail"]
    created = post_json(
        staff,
        "/api/v1/remote-inspections",
        {"enterprise_id": enterprise_a.pk, "source": "documents", "question": "提供资料"},
    )
    assert created.status_code == 201, created.content
    remote_id = created.json()["id"]
    assert created.json()["state"] == "awaiting"
    enterprise = api(Role.PRINCIPAL)
    answered = enterprise.post(
        f"/api/v1/remote-inspections/{remote_id}/answer",
        {"explanation": "资料已上传", "files": [pdf()]},
    )
    assert answered.status_code == 200, answered.content
    assert len(answered.json()["files"]) == 1
    decided = post_json(
        staff,
        f"/api/v1/remote-inspections/{remote_id}/decide",
        {"outcome": "no_problem", "decision": "资料齐全"},
    )
    assert decided.status_code == 200
    assert decided.json()["outcome"] == "no_problem"
    listed = staff.get("/api/v1/remote-inspections").json()
    assert [r["id"] for r in listed["items"]] == [remote_id]
    assert (
        api(Role.TOWN_SUPERVISOR).get(f"/api/v1/remote-inspections/{remote_id}").status_code == 200
    )
    assert bearer(outsider).get(f"/api/v1/remote-inspections/{remote_id}").status_code == 404
    assert api(Role.EMPLOYEE).get(f"/api/v1/remote-inspections/{remote_id}").status_code == 403
    by_town = staff.get(f"/api/v1/remote-inspections/by-town?year={timezone.localdate().year}")
    assert by_town.status_code == 200
    row = next(r for r in by_town.json() if r["town_id"] == enterprise_a.jurisdiction_id)
    assert (row["opened"], row["closed"], row["able"]) == (1, 1, True)
