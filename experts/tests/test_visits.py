"""The visit: planned with its experts (assigned, told), its four parts, findings that are
hazards of the ledger (source expert visit), the review of the ledger, the numbered feedback
report (Word, numbers per issuing body and year), closing when the hazards are closed; each
refusal in Chinese with nothing changed."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from docx import Document

from accounts.roles import Role
from conftest import client_for, make_user
from core.models import Notification
from experts import notifications, services
from experts.models import EventAction, ExpertEvent, SpaceReview, VisitFinding
from experts.reference import VisitState
from experts.services import ExpertRefused
from experts.tests.conftest import diagnose, snapshot, today
from hazards.models import Hazard
from hazards.states import Source, State

pytestmark = pytest.mark.django_db


def test_planning_assigns_the_experts_and_tells_them_and_the_enterprise(
    users, enterprise_a, visiting_expert, immediate_tasks, django_capture_on_commit_callbacks
):
    supervisor = users[Role.SUPERVISOR]
    day = today() + timedelta(days=5)
    with django_capture_on_commit_callbacks(execute=True):
        visit = services.plan_visit(
            supervisor, enterprise_a.pk, planned_on=day, expert_ids=[visiting_expert.pk]
        )
    assert visit.state == VisitState.PLANNED
    assert visit.jurisdiction == supervisor.jurisdiction
    assert list(visit.experts.all()) == [visiting_expert]
    # The expert's scope now holds the enterprise: they read its ledger and report there.
    assert enterprise_a in visiting_expert.assigned_enterprises.all()
    event = ExpertEvent.objects.get(visit=visit)
    assert event.action == EventAction.PLANNED and event.to_state == VisitState.PLANNED
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"expert_zhang", "principal_a", "safety_a"}
    body = Notification.objects.get(recipient=visiting_expert).body
    assert f"{day:%Y-%m-%d}" in body and enterprise_a.name in body


def test_the_notification_table_matches_what_is_sent(users, enterprise_a, visit, visiting_expert):
    event = ExpertEvent.objects.get(visit=visit, action=EventAction.PLANNED)
    assert notifications.kinds_of(event) == ("assigned", "scheduled")
    assert set(notifications.KINDS) == set(notifications.RECIPIENTS)
    names = sorted(u.username for u in notifications.message(event).recipients)
    assert names == ["expert_zhang", "principal_a", "safety_a"]
    part = ExpertEvent(visit=visit, enterprise=enterprise_a, action=EventAction.PART)
    assert notifications.message(part) is None


@pytest.mark.parametrize(
    ("change", "message", "status"),
    [
        ({"planned_on": date(1, 1, 1)}, "计划日期超出合理范围", 422),
        ({"planned_on": "明天"}, "请填写计划日期", 422),
        ({"expert_ids": []}, "请至少指派一名专家", 422),
        ({"expert_ids": "1"}, "请至少指派一名专家", 422),
        ({"expert_ids": [2**70]}, "所选专家不存在或已停用", 422),
        ({"expert_ids": [True]}, "所选专家不存在或已停用", 422),
        ({"expert_ids": list(range(1, 12))}, "最多指派 10 名专家", 422),
    ],
)
def test_a_bad_plan_is_refused(users, enterprise_a, visiting_expert, change, message, status):
    before = snapshot()
    values = {"planned_on": today(), "expert_ids": [visiting_expert.pk]} | change
    with pytest.raises(ExpertRefused) as refused:
        services.plan_visit(users[Role.SUPERVISOR], enterprise_a.pk, **values)
    assert str(refused.value).startswith(message) and refused.value.status == status
    assert snapshot() == before
    assert not visiting_expert.assigned_enterprises.exists()


def test_a_past_date_a_non_expert_and_a_foreign_enterprise_are_refused(
    users, enterprise_a, enterprise_b, visiting_expert
):
    supervisor, town = users[Role.SUPERVISOR], users[Role.TOWN_SUPERVISOR]
    with pytest.raises(ExpertRefused, match="计划日期不能早于今天"):
        services.plan_visit(
            supervisor,
            enterprise_a.pk,
            planned_on=today() - timedelta(days=1),
            expert_ids=[visiting_expert.pk],
        )
    with pytest.raises(ExpertRefused, match="所选专家不存在或已停用"):
        services.plan_visit(supervisor, enterprise_a.pk, planned_on=today(), expert_ids=[town.pk])
    with pytest.raises(ExpertRefused) as refused:
        services.plan_visit(
            town, enterprise_b.pk, planned_on=today(), expert_ids=[visiting_expert.pk]
        )
    assert refused.value.status == 404
    with pytest.raises(ExpertRefused) as refused:
        services.plan_visit(users[Role.EXPERT], enterprise_a.pk, planned_on=today(), expert_ids=[1])
    assert refused.value.status == 403


def test_the_whole_visit(
    users,
    enterprise_a,
    space,
    visit,
    visiting_expert,
    immediate_tasks,
    django_capture_on_commit_callbacks,
):
    expert = visiting_expert
    services.record_part(
        expert, visit.pk, part="mobilize", held_on=today(), attendees=30, content="动员培训"
    )
    visit.refresh_from_db()
    assert visit.state == VisitState.IN_PROGRESS
    # The report waits for the on-site diagnosis.
    with pytest.raises(ExpertRefused, match="请先登记现场会诊环节") as refused:
        services.issue_report(expert, visit.pk, summary="总体良好")
    assert refused.value.status == 409
    diagnose(expert, visit, findings=1)
    finding = VisitFinding.objects.get()
    hazard = finding.hazard
    assert hazard.source == Source.EXPERT_VISIT and hazard.enterprise == enterprise_a
    assert hazard.reported_by == expert and hazard.state == State.REPORTED
    assert hazard.expert_finding.visit == visit
    # A problem in the ledger, recorded as a finding at once.
    review = services.review_space(
        expert, visit.pk, space.pk, result="problem", note="未设置挂牌上锁", as_finding=True
    )
    assert review.finding.space == space
    assert review.finding.hazard.description == "1号污水池：未设置挂牌上锁"
    assert review.finding.hazard.place == "厂区东南角"
    assert Hazard.objects.filter(source=Source.EXPERT_VISIT).count() == 2
    # The same problem twice is refused; a new verdict replaces the note only.
    with pytest.raises(ExpertRefused, match="已登记为隐患"):
        services.review_space(
            expert, visit.pk, space.pk, result="problem", note="再次", as_finding=True
        )
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        visit = services.issue_report(expert, visit.pk, summary="台账基本完整。\n整改入口管控。")
    assert visit.state == VisitState.REPORTED
    assert visit.report_number == f"高唐应急专家反馈〔{today().year}〕1号"
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"principal_a", "safety_a"}
    assert "发现问题隐患 2 项" in Notification.objects.first().body
    # Parts and findings stop once the report is out.
    before = snapshot()
    with pytest.raises(ExpertRefused, match="会诊已出具反馈报告，不能登记会诊问题") as refused:
        services.add_finding(expert, visit.pk, description="再补一条")
    assert refused.value.status == 409
    assert snapshot() == before
    # Closing waits for the hazards.
    assert services.open_hazards(visit) == 2
    with pytest.raises(ExpertRefused, match="尚有 2 项会诊隐患未闭环"):
        services.close(users[Role.SUPERVISOR], visit.pk)
    Hazard.objects.filter(pk=hazard.pk).update(state=State.CLOSED)
    assert services.close_settled() == 0
    Hazard.objects.filter(source=Source.EXPERT_VISIT).update(state=State.CLOSED)
    assert services.close_settled() == 1
    visit.refresh_from_db()
    assert visit.state == VisitState.CLOSED and visit.closed_at is not None
    states = list(
        ExpertEvent.objects.filter(visit=visit)
        .exclude(to_state="")
        .values_list("action", "to_state")
    )
    assert states[0] == ("planned", "planned")
    assert states[-2:] == [("reported", "reported"), ("closed", "closed")]


def test_the_report_opens_in_word_and_numbers_run_per_issuer_and_year(
    client, users, enterprise_a, enterprise_a2, space, visiting_expert
):
    supervisor, town = users[Role.SUPERVISOR], users[Role.TOWN_SUPERVISOR]
    numbers = []
    for planner, enterprise in [
        (supervisor, enterprise_a),
        (supervisor, enterprise_a2),
        (town, enterprise_a),
    ]:
        visit = services.plan_visit(
            planner, enterprise.pk, planned_on=today(), expert_ids=[visiting_expert.pk]
        )
        diagnose(visiting_expert, visit, findings=0)
        numbers.append(
            services.issue_report(visiting_expert, visit.pk, summary="良好").report_number
        )
    year = today().year
    assert numbers == [
        f"高唐应急专家反馈〔{year}〕1号",
        f"高唐应急专家反馈〔{year}〕2号",
        f"赵寨子镇应急专家反馈〔{year}〕1号",
    ]
    # No findings: the visit is closed with its report.
    visit.refresh_from_db()
    assert visit.state == VisitState.CLOSED
    client_for(client, users[Role.PRINCIPAL])
    response = client.get(f"/experts/visits/{visit.pk}/report.docx")
    assert response.status_code == 200
    document = Document(BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert numbers[2] in text and "有限空间专家会诊讲评反馈报告" in text
    assert "赵寨子镇应急" in text and enterprise_a.name in text
    assert "本次会诊未发现问题隐患" in text
    parts = [row.cells[0].text for row in document.tables[0].rows[1:]]
    assert parts == ["动员培训", "现场会诊", "交流研讨", "讲评反馈"]


def test_a_visit_without_report_has_no_document(client, users, visit):
    client_for(client, users[Role.SUPERVISOR])
    assert client.get(f"/experts/visits/{visit.pk}/report.docx").status_code == 404


def test_an_expert_not_on_the_visit_cannot_act(users, visit, space):
    # The fixture's expert follows enterprise_a but is not on this visit.
    other = users[Role.EXPERT]
    before = snapshot()
    for call in (
        lambda: services.record_part(
            other, visit.pk, part="diagnose", held_on=today(), attendees=1, content="x"
        ),
        lambda: services.add_finding(other, visit.pk, description="x"),
        lambda: services.review_space(other, visit.pk, space.pk, result="ok"),
        lambda: services.issue_report(other, visit.pk, summary="x"),
    ):
        with pytest.raises(ExpertRefused) as refused:
            call()
        assert refused.value.status == 404
    assert snapshot() == before


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"part": "party"}, "会诊环节无效"),
        ({"attendees": 0}, "参加人数应在 1 至 10000 之间"),
        ({"attendees": "5"}, "参加人数应为整数"),
        ({"attendees": 2**70}, "参加人数应在 1 至 10000 之间"),
        ({"content": "a\x07b"}, "内容含有控制字符或无效字符"),
        ({"content": "x" * 2001}, "内容不能超过 2000 个字"),
        ({"held_on": date(9999, 1, 1)}, "日期超出合理范围"),
    ],
)
def test_a_bad_part_is_refused(visit, visiting_expert, values, message):
    before = snapshot()
    data = {"part": "diagnose", "held_on": today(), "attendees": 5, "content": "会诊"} | values
    with pytest.raises(ExpertRefused) as refused:
        services.record_part(visiting_expert, visit.pk, **data)
    assert str(refused.value).startswith(message)
    assert snapshot() == before


def test_a_review_needs_a_note_for_a_problem_and_a_space_of_the_enterprise(
    users, enterprise_b, visit, visiting_expert, space
):
    from experts.models import ConfinedSpace

    with pytest.raises(ExpertRefused, match="存在问题时请填写说明"):
        services.review_space(visiting_expert, visit.pk, space.pk, result="problem")
    with pytest.raises(ExpertRefused, match="只有存在问题的才能登记为隐患"):
        services.review_space(visiting_expert, visit.pk, space.pk, result="ok", as_finding=True)
    principal_b = make_user("principal_b", Role.PRINCIPAL, enterprise=enterprise_b)
    theirs = services.save_space(
        principal_b,
        enterprise_b.pk,
        name="罐",
        location="x",
        kind="tank",
        hazards=["dust"],
        responsible="x",
    )
    with pytest.raises(ExpertRefused, match="该有限空间不在本企业台账中"):
        services.review_space(visiting_expert, visit.pk, theirs.pk, result="ok")
    assert not SpaceReview.objects.exists()
    assert ConfinedSpace.objects.count() == 2


def test_the_phone_diagnosis_page(client, visit, visiting_expert, space):
    client_for(client, visiting_expert)
    page = client.get(f"/experts/visits/{visit.pk}/diagnose/").content.decode()
    assert "登记发现的问题" in page and "1号污水池" in page
    response = client.post(
        f"/experts/visits/{visit.pk}/diagnose/",
        {"description": "气体检测仪未校准", "place": "污水站", "space": space.pk},
    )
    assert response.status_code == 302
    finding = VisitFinding.objects.get()
    assert finding.space == space and finding.hazard.source == Source.EXPERT_VISIT
    response = client.post(
        f"/experts/visits/{visit.pk}/spaces/{space.pk}/review/",
        {"result": "problem", "note": "无通风设备"},
    )
    assert response.status_code == 302
    assert SpaceReview.objects.get().note == "无通风设备"
    # A bad finding: its reason on the page, nothing saved.
    response = client.post(f"/experts/visits/{visit.pk}/diagnose/", {"description": "a\x00"})
    assert response.status_code == 200
    assert VisitFinding.objects.count() == 1
    detail = client.get(f"/experts/visits/{visit.pk}/").content.decode()
    assert "气体检测仪未校准" in detail and 'id="open-count">1<' in detail


def test_planning_from_the_page(client, users, enterprise_a, visiting_expert):
    client_for(client, users[Role.TOWN_SUPERVISOR])
    response = client.post(
        f"/experts/enterprises/{enterprise_a.pk}/visits/new/",
        {"planned_on": today().isoformat(), "experts": [visiting_expert.pk]},
    )
    assert response.status_code == 302
    visit = visiting_expert.expert_visits.get()
    assert visit.jurisdiction == users[Role.TOWN_SUPERVISOR].jurisdiction


def test_the_forms_refuse_ids_beyond_64_bits(client, users, enterprise_a, visit, space):
    client_for(client, users[Role.SUPERVISOR])
    before = snapshot()
    response = client.post(
        f"/experts/enterprises/{enterprise_a.pk}/visits/new/",
        {"planned_on": today().isoformat(), "experts": [str(2**70)]},
    )
    assert response.status_code == 200
    response = client.post(
        f"/experts/visits/{visit.pk}/diagnose/",
        {"description": "问题", "space": str(2**70)},
    )
    assert response.status_code == 200
    assert client.get(f"/experts/visits/{2**70}/").status_code == 404
    assert snapshot() == before


def test_parts_report_and_close_from_the_pages(client, users, visit, visiting_expert):
    client_for(client, visiting_expert)
    response = client.post(
        f"/experts/visits/{visit.pk}/parts/",
        {"part": "diagnose", "held_on": today().isoformat(), "attendees": "6", "content": "会诊"},
    )
    assert response.status_code == 302
    services.add_finding(visiting_expert, visit.pk, description="未配备气体检测仪")
    response = client.post(f"/experts/visits/{visit.pk}/report/", {"summary": "请整改。"})
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.state == VisitState.REPORTED
    # The supervisor's 闭环 is refused while the hazard is open, with the count.
    client_for(client, users[Role.SUPERVISOR])
    response = client.post(f"/experts/visits/{visit.pk}/close/", follow=True)
    assert "尚有 1 项会诊隐患未闭环" in response.content.decode()
    visit.refresh_from_db()
    assert visit.state == VisitState.REPORTED
    Hazard.objects.filter(source=Source.EXPERT_VISIT).update(state=State.CLOSED)
    client.post(f"/experts/visits/{visit.pk}/close/")
    visit.refresh_from_db()
    assert visit.state == VisitState.CLOSED
    assert ExpertEvent.objects.get(visit=visit, action="closed").actor == users[Role.SUPERVISOR]


def test_an_expert_unassigned_from_the_enterprise_is_refused(visit, visiting_expert):
    visiting_expert.assigned_enterprises.clear()
    before = snapshot()
    with pytest.raises(ExpertRefused, match="该企业已不在您的指派企业中") as refused:
        services.add_finding(visiting_expert, visit.pk, description="问题")
    assert refused.value.status == 403
    assert snapshot() == before
