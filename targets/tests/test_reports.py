"""The monthly and annual reports: drafted from hand-made figures (month-end snapshots, a few
hazards, penalties and alarms of November 2026), read back from the Word and Excel files,
edited, issued with a number, refused when they should be, scoped."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from accounts.roles import Role
from conftest import client_for, make_user, post_json
from enforcement.penalties import services as penalty_services
from hazards.models import Hazard
from monitoring.conftest import make_gateway, make_point
from monitoring.models import Alarm
from targets import charts, documents, measures, notifications, reports
from targets.models import (
    EventAction,
    Period,
    Report,
    ReportState,
    Snapshot,
    SnapshotRun,
    TargetEvent,
)
from targets.services import TargetsRefused

TODAY = date(2026, 12, 7)
NOV = date(2026, 11, 30)
OCT = date(2026, 10, 31)

# connect (percent) per node: (numerator, denominator) at the two month ends.
CONNECT = {
    NOV: {"county": (3, 4), "town_a": (2, 2), "town_b": (1, 2)},
    OCT: {"county": (2, 4), "town_a": (1, 2), "town_b": (1, 2)},
}
# majors_overdue (count) at the two month ends.
OVERDUE = {
    NOV: {"county": 1, "town_a": 1, "town_b": 0},
    OCT: {"county": 0, "town_a": 0, "town_b": 0},
}


def _aware(*args):
    return timezone.make_aware(datetime(*args))


def _snapshots(nodes: dict, end: date, skip=()):
    run = SnapshotRun.objects.create(
        period=Period.MONTH, period_end=end, started_at=_aware(2026, 12, 1)
    )
    rows = []
    for measure in measures.MEASURES:
        if measure.key in skip:
            continue
        for name, node in nodes.items():
            if measure.key == "connect":
                numerator, denominator = CONNECT[end][name]
            elif measure.key == "majors_overdue":
                numerator, denominator = OVERDUE[end][name], None
            else:
                numerator = 0
                denominator = 0 if measure.unit == measures.PERCENT else None
            rows.append(
                Snapshot(
                    jurisdiction=node,
                    measure=measure.key,
                    period=Period.MONTH,
                    period_end=end,
                    numerator=numerator,
                    denominator=denominator,
                    run=run,
                )
            )
    Snapshot.objects.bulk_create(rows)


@pytest.fixture
def world(users, county, town_a, town_b, enterprise_a, enterprise_b):
    nodes = {"county": county, "town_a": town_a, "town_b": town_b}
    _snapshots(nodes, OCT)
    _snapshots(nodes, NOV)
    # An overdue major hazard (found 2025, open), a closed one, a listed one open at the end of
    # November, a listed one closed before it, a rejected listed one.
    Hazard.objects.create(
        enterprise=enterprise_a,
        source="enforcement",
        description="除尘系统未设置锁气卸灰装置",
        found_on=date(2025, 6, 1),
        found_by="张三",
        is_major=True,
        state="rectifying",
        deadline=date(2025, 12, 31),
    )
    Hazard.objects.create(
        enterprise=enterprise_a,
        source="enforcement",
        description="已整改的重大隐患",
        found_on=date(2025, 5, 1),
        found_by="张三",
        is_major=True,
        state="closed",
        closed_at=_aware(2026, 3, 1),
    )
    Hazard.objects.create(
        enterprise=enterprise_b,
        source="enforcement",
        description="涉爆粉尘作业场所电气设备不防爆",
        found_on=date(2026, 9, 10),
        found_by="李四",
        is_major=True,
        state="planned",
        deadline=date(2026, 12, 31),
        listed_level="county",
        listed_by="高唐县应急管理局",
    )
    Hazard.objects.create(
        enterprise=enterprise_b,
        source="enforcement",
        description="十月已销号的督办隐患",
        found_on=date(2026, 8, 1),
        found_by="李四",
        state="closed",
        closed_at=_aware(2026, 10, 20),
        listed_level="county",
    )
    supervisor = users[Role.SUPERVISOR]
    # Penalties: two in town A in November (3000 + 2000.50), one in December (not counted).
    for amount, filed_on in ((3000, date(2026, 11, 5)), (Decimal("2000.50"), date(2026, 11, 20))):
        penalty = penalty_services.file_penalty(supervisor, enterprise_a.pk, "未清理积尘", "第九条")
        type(penalty).objects.filter(pk=penalty.pk).update(filed_on=filed_on, amount=amount)
    penalty_services.file_penalty(supervisor, enterprise_a.pk, "十二月案件", "第九条")
    # Alarms: town A raised 2 in November (one escalated to the town, closed in November),
    # one raised in October still open; town B one raised in November, escalated to the
    # county, closed in December (open at the end of November).
    point_a = make_point(make_gateway(enterprise_a, "GW-A"), "p1", "airlock_fault")
    point_b = make_point(make_gateway(enterprise_b, "GW-B"), "p1", "airlock_fault")

    def alarm(point, raised, closed=None, escalation=0, cleared=True):
        return Alarm.objects.create(
            point=point,
            enterprise_id=point.enterprise_id,
            condition="signal",
            state="closed" if closed else "open",
            first_at=raised,
            last_at=raised,
            raised_at=raised,
            cleared_at=raised if cleared else None,
            closed_at=closed,
            escalation=escalation,
        )

    alarm(point_a, _aware(2026, 11, 2, 8), _aware(2026, 11, 3, 9), escalation=1)
    alarm(point_a, _aware(2026, 11, 28, 8))
    alarm(point_a, _aware(2026, 10, 15, 8))
    alarm(point_b, _aware(2026, 11, 10, 8), _aware(2026, 12, 2), escalation=2)
    alarm(point_b, _aware(2026, 12, 1, 8), cleared=False)  # after the period
    return nodes


def _draft(user, **extra):
    values = {"kind": "monthly", "year": 2026, "month": 11, "today": TODAY}
    return reports.draft(user, **{**values, **extra})


def _line(report, key):
    return next(line for line in report.content["measures"] if line["key"] == key)


# --- the content --------------------------------------------------------------------------------


def test_the_drafted_content_holds_the_hand_computed_figures(users, world, town_a, town_b):
    report = _draft(users[Role.SUPERVISOR])
    assert report.state == ReportState.DRAFT
    assert report.title == "高唐县工贸行业安全生产治本攻坚2026年11月工作报告"
    assert (report.period_start, report.period_end) == (date(2026, 11, 1), NOV)
    connect = _line(report, "connect")
    assert connect["value"] == "75.0"
    assert connect["previous"] == "50.0"
    assert connect["change"] == "25.0"
    assert connect["goal"] == "100"
    assert connect["light"] == measures.RED
    assert connect["children"] == {
        str(town_a.pk): {"value": "100.0", "light": measures.GREEN},
        str(town_b.pk): {"value": "50.0", "light": measures.RED},
    }
    # A goal but nothing to measure (no enterprise in the denominator): 无数据, not 无目标.
    standardization = _line(report, "standardization")
    assert (standardization["value"], standardization["goal"]) == (None, "100")
    assert standardization["light_label"] == "无数据"
    overdue = _line(report, "majors_overdue")
    assert (overdue["value"], overdue["previous"], overdue["change"]) == ("1", "0", "1")
    assert report.content["live"] == []

    hazards = report.content["hazards"]
    assert hazards["overdue_total"] == 1
    assert [h["description"] for h in hazards["overdue"]] == ["除尘系统未设置锁气卸灰装置"]
    assert hazards["listed_total"] == 1
    assert hazards["listed"][0]["description"] == "涉爆粉尘作业场所电气设备不防爆"
    assert hazards["listed"][0]["listed"] == "县级挂牌督办"

    enforcement = report.content["enforcement"]
    by_name = {t["name"]: t for t in enforcement["towns"]}
    assert by_name["赵寨子镇"]["penalties"] == 2
    assert by_name["赵寨子镇"]["amount"] == "5000.50"
    assert by_name["清平镇"]["penalties"] == 0
    assert enforcement["total"]["penalties"] == 2
    assert enforcement["zero_penalty"] == ["清平镇"]

    alarms = {t["name"]: t for t in report.content["alarms"]["towns"]}
    assert alarms["赵寨子镇"] == {
        "id": town_a.pk,
        "name": "赵寨子镇",
        "raised": 2,
        "level0": 1,
        "level1": 1,
        "level2": 0,
        "closed": 1,
        "open": 2,
    }
    assert alarms["清平镇"]["raised"] == 1
    assert alarms["清平镇"]["level2"] == 1
    assert alarms["清平镇"]["closed"] == 0
    assert alarms["清平镇"]["open"] == 1
    assert report.content["alarms"]["total"]["raised"] == 3
    assert report.content["trend"]["connect"] == [["2026-10-31", "50.0"], ["2026-11-30", "75.0"]]

    text = report.text
    assert text.startswith("截至2026年11月30日，高唐县监测预警系统应接尽接率75.0%（目标100%），")
    assert "较上月上升25.0个百分点" in text
    assert "监测预警系统应接尽接率未达标的有清平镇" in text
    assert "重大事故隐患1项，挂牌督办未销号隐患1项" in text
    assert "立案处罚2件，罚款5000.50元" in text
    assert "本月“零处罚”的有清平镇" in text
    assert "产生报警3次，关闭1次，期末仍未关闭3次" in text
    event = TargetEvent.objects.get(report=report)
    assert event.action == EventAction.REPORT_DRAFTED
    assert event.actor == users[Role.SUPERVISOR]


def test_a_measure_without_a_stored_figure_is_computed_and_said_so(users, world, county):
    Snapshot.objects.filter(measure="remote_capability", period_end=NOV).delete()
    report = _draft(users[Role.SUPERVISOR])
    line = _line(report, "remote_capability")
    # Computed now: neither town has decided a remote inspection, 0 of 2 towns.
    assert (line["numerator"], line["denominator"], line["value"]) == (0, 2, "0.0")
    assert line["stored"] is False
    assert report.content["live"] == ["具备非现场执法能力的镇街"]
    assert "具备非现场执法能力的镇街无期末冻结数据" in report.text


def test_an_annual_report_covers_the_year(users, world):
    report = _draft(users[Role.COUNTY_ADMIN], kind="annual", year=2025, month=None)
    assert report.title == "高唐县工贸行业安全生产治本攻坚2025年度工作报告"
    assert (report.period_start, report.period_end) == (date(2025, 1, 1), date(2025, 12, 31))
    assert report.content["alarms"]["total"]["raised"] == 0


# --- the Word and Excel files -------------------------------------------------------------------


def _tables(data: bytes):
    doc = Document(io.BytesIO(data))
    return doc, [[[c.text for c in row.cells] for row in table.rows] for table in doc.tables]


def test_the_word_file_reads_back_with_its_tables(users, world):
    report = _draft(users[Role.SUPERVISOR])
    doc, tables = _tables(documents.report_docx(report))
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0] == report.title
    assert paragraphs[1] == documents.DRAFT_MARK
    assert any(p.startswith("截至2026年11月30日") for p in paragraphs)
    measures_table, towns, overdue, listed, enforcement, alarms = tables
    assert measures_table[0] == documents.MEASURE_HEADERS
    connect = next(row for row in measures_table if row[0] == "监测预警系统应接尽接率")
    assert connect[1:] == ["任务14", "75.0%", "100%", "未达标", "50.0%", "+25.0个百分点"]
    assert towns[0] == ["指标", "赵寨子镇", "清平镇"]
    assert ["监测预警系统应接尽接率", "100.0%", "50.0%"] in towns
    assert overdue[1][:3] == ["高唐县精工铸造有限公司", "赵寨子镇", "除尘系统未设置锁气卸灰装置"]
    assert len(overdue) == 2 and len(listed) == 2
    assert listed[1][5] == "县级挂牌督办"
    assert enforcement[1][0] == "赵寨子镇" and enforcement[1][4:] == ["2", "5000.50"]
    assert enforcement[-1][0] == "合计"
    assert alarms[1] == ["赵寨子镇", "2", "1", "1", "0", "1", "2"]
    assert alarms[-1] == ["合计", "3", "1", "1", "1", "1", "3"]
    # The two charts (the towns' bars, the trend) are pictures in the file.
    assert len(doc.inline_shapes) == 2


def test_the_charts_are_pngs_with_or_without_a_chinese_font(users, world, monkeypatch):
    report = _draft(users[Role.SUPERVISOR])
    assert charts.town_bars(report.content).startswith(b"\x89PNG")
    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    assert charts.trend_lines(report.content).startswith(b"\x89PNG")
    assert charts.town_bars(report.content).startswith(b"\x89PNG")


def test_the_excel_file_holds_the_same_tables(users, world):
    report = _draft(users[Role.SUPERVISOR])
    book = load_workbook(io.BytesIO(documents.report_workbook(report).getvalue()))
    assert book.sheetnames[0] == "主要指标完成情况"
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[2] == tuple(documents.MEASURE_HEADERS)
    alarms = list(book.worksheets[-1].iter_rows(values_only=True))
    assert alarms[-1] == ("合计", 3, 1, 1, 1, 1, 3)


# --- edit and issue -----------------------------------------------------------------------------


def test_edit_then_issue_numbers_the_report_and_freezes_it(users, world):
    supervisor = users[Role.SUPERVISOR]
    report = _draft(supervisor)
    reports.edit(supervisor, report.pk, "高唐县十一月报告", "正文第一段。\n\n第二段。")
    issued = reports.issue(supervisor, report.pk)
    assert issued.state == ReportState.ISSUED
    assert issued.number == f"高唐应急月报〔{timezone.localdate().year}〕1号"
    assert issued.issued_by == supervisor and issued.issued_at is not None
    with pytest.raises(TargetsRefused) as refused:
        reports.edit(supervisor, report.pk, "改标题", "改正文")
    assert refused.value.status == 409 and "已印发" in str(refused.value)
    with pytest.raises(TargetsRefused):
        reports.issue(supervisor, report.pk)
    report.refresh_from_db()
    assert report.title == "高唐县十一月报告"
    assert [e.action for e in TargetEvent.objects.filter(report=report)] == [
        EventAction.REPORT_DRAFTED,
        EventAction.REPORT_EDITED,
        EventAction.REPORT_ISSUED,
    ]
    doc, _ = _tables(documents.report_docx(report))
    assert doc.paragraphs[1].text == issued.number
    # The next one of the year takes the next number; the annual report its own counter.
    second = reports.issue(supervisor, _draft(supervisor, month=10).pk)
    assert second.number.endswith("〕2号")
    annual = reports.issue(supervisor, _draft(supervisor, kind="annual", year=2025).pk)
    assert annual.number == f"高唐应急年报〔{timezone.localdate().year}〕1号"


def test_issuing_tells_the_county_and_the_towns_supervisors(users, world, county, town_b):
    supervisor = users[Role.SUPERVISOR]
    other = make_user("town_b_supervisor", Role.TOWN_SUPERVISOR, town_b)
    report = reports.issue(supervisor, _draft(supervisor).pk)
    drafted, issued = TargetEvent.objects.filter(report=report).order_by("pk")
    assert notifications.message(drafted) is None
    message = notifications.message(issued)
    told = {user.username for user in message.recipients}
    assert other.username in told
    assert users[Role.TOWN_SUPERVISOR].username in told
    assert supervisor.username not in told  # the actor
    assert all(u.role in (Role.SUPERVISOR, Role.TOWN_SUPERVISOR) for u in message.recipients)
    assert report.number in message.title


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "status", "words"),
    [
        ({"month": 12}, 409, "尚未结束"),
        ({"kind": "annual", "year": 2026, "month": None}, 409, "尚未结束"),
        ({"month": 13}, 422, "月份应为1至12"),
        ({"month": "十一"}, 422, "月份应为整数"),
        ({"year": 1999}, 422, "年度应在"),
        ({"kind": "weekly"}, 422, "报告类型"),
    ],
)
def test_bad_periods_are_refused_in_chinese(users, world, extra, status, words):
    with pytest.raises(TargetsRefused) as refused:
        _draft(users[Role.SUPERVISOR], **extra)
    assert refused.value.status == status
    assert words in str(refused.value)
    assert not Report.objects.exists()


def test_a_second_draft_of_the_same_period_is_refused(users, world):
    supervisor = users[Role.SUPERVISOR]
    report = _draft(supervisor)
    with pytest.raises(TargetsRefused) as refused:
        _draft(supervisor)
    assert refused.value.status == 409 and "已有草稿" in str(refused.value)
    reports.issue(supervisor, report.pk)
    with pytest.raises(TargetsRefused) as refused:
        _draft(supervisor)
    assert "已印发" in str(refused.value)
    assert Report.objects.count() == 1


def test_bad_edits_are_refused(users, world):
    supervisor = users[Role.SUPERVISOR]
    report = _draft(supervisor)
    for title, text, words in (
        ("", "正文", "标题不能为空"),
        ("标" * 121, "正文", "标题不能超过"),
        ("标题", "字" * 20_001, "正文不能超过"),
    ):
        with pytest.raises(TargetsRefused) as refused:
            reports.edit(supervisor, report.pk, title, text)
        assert refused.value.status == 422 and words in str(refused.value)
    report.refresh_from_db()
    assert report.title.startswith("高唐县工贸")


def test_who_may_draft_and_see(users, world, town_a, town_b, far_enterprise):
    town_supervisor = users[Role.TOWN_SUPERVISOR]
    with pytest.raises(TargetsRefused) as refused:
        _draft(town_supervisor)
    assert refused.value.status == 403
    with pytest.raises(TargetsRefused) as refused:
        _draft(users[Role.PRINCIPAL])
    assert refused.value.status == 403
    # A county supervisor may draft a town's report; another county's node is not found.
    town_report = _draft(users[Role.SUPERVISOR], node_id=town_a.pk)
    assert town_report.title.startswith("赵寨子镇")
    assert town_report.content["children"] == []
    far_county = far_enterprise.jurisdiction.parent
    with pytest.raises(TargetsRefused) as refused:
        _draft(users[Role.SUPERVISOR], node_id=far_county.pk)
    assert refused.value.status == 404
    county_report = _draft(users[Role.SUPERVISOR])
    # The town sees its own town's report, not the county's; the other town sees neither.
    seen = set(Report.objects.for_user(town_supervisor, "targets.view"))
    assert seen == {town_report}
    other = make_user("town_b_supervisor", Role.TOWN_SUPERVISOR, town_b)
    assert not Report.objects.for_user(other, "targets.view").exists()
    with pytest.raises(TargetsRefused) as refused:
        reports.edit(users[Role.SUPERVISOR], 987654, "标题", "正文")
    assert refused.value.status == 404
    far_supervisor = make_user("far_supervisor", Role.SUPERVISOR, far_county)
    with pytest.raises(TargetsRefused) as refused:
        reports.issue(far_supervisor, county_report.pk)
    assert refused.value.status == 404


# --- pages --------------------------------------------------------------------------------------


def test_the_pages_draft_edit_issue_and_download(client, users, world):
    supervisor = users[Role.SUPERVISOR]
    client = client_for(client, supervisor)
    assert client.get("/targets/reports/").status_code == 200
    assert client.get("/targets/reports/new/").status_code == 200
    response = client.post(
        "/targets/reports/new/", {"kind": "monthly", "year": 2026, "month": 11, "node": ""}
    )
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/targets/reports/{report.pk}/"
    page = client.get(f"/targets/reports/{report.pk}/").content.decode()
    assert "监测预警系统应接尽接率" in page and 'id="report-issue"' in page
    response = client.post(
        f"/targets/reports/{report.pk}/edit/", {"title": "十一月报告", "text": "修改后的正文"}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.title, report.text) == ("十一月报告", "修改后的正文")
    client.post(f"/targets/reports/{report.pk}/issue/")
    report.refresh_from_db()
    assert report.state == ReportState.ISSUED and report.number
    page = client.get(f"/targets/reports/{report.pk}/").content.decode()
    assert report.number in page and 'id="report-issue"' not in page
    # An issued report's edit is refused with the reason on the page, nothing changed.
    response = client.post(
        f"/targets/reports/{report.pk}/edit/", {"title": "再改", "text": "再改"}, follow=True
    )
    assert "报告已印发，不能修改" in response.content.decode()
    report.refresh_from_db()
    assert report.title == "十一月报告"
    word = client.get(f"/targets/reports/{report.pk}/word/")
    assert word["Content-Type"] == documents.DOCX
    doc = Document(io.BytesIO(word.content))
    assert doc.paragraphs[1].text == report.number
    excel = client.get(f"/targets/reports/{report.pk}/excel/")
    assert excel.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(excel.streaming_content)))
    assert "执法检查统计" in book.sheetnames


def test_the_draft_page_says_why_it_refuses(client, users, world):
    client = client_for(client, users[Role.SUPERVISOR])
    today = timezone.localdate()
    response = client.post(
        "/targets/reports/new/",
        {"kind": "monthly", "year": today.year, "month": today.month, "node": ""},
    )
    assert response.status_code == 200
    assert "尚未结束，不能起草报告" in response.content.decode()
    response = client.post("/targets/reports/new/", {"kind": "monthly", "year": 2026, "node": ""})
    assert "月度报告请填写月份" in response.content.decode()
    assert not Report.objects.exists()


def test_pages_are_scoped(client, users, world, far_enterprise):
    report = _draft(users[Role.SUPERVISOR])
    town_client = client_for(client, users[Role.TOWN_SUPERVISOR])
    assert town_client.get("/targets/reports/").status_code == 200
    assert town_client.get("/targets/reports/new/").status_code == 403
    # The county's report is above the town: not found for it.
    assert town_client.get(f"/targets/reports/{report.pk}/").status_code == 404
    client.logout()
    principal = client_for(client, users[Role.PRINCIPAL])
    assert principal.get("/targets/reports/").status_code == 403
    assert principal.get(f"/targets/reports/{report.pk}/").status_code == 404
    client.logout()
    far_county = far_enterprise.jurisdiction.parent
    far = client_for(client, make_user("far_supervisor", Role.SUPERVISOR, far_county))
    assert far.get(f"/targets/reports/{report.pk}/").status_code == 404
    assert far.post(f"/targets/reports/{report.pk}/issue/").status_code == 404
    assert far.get(f"/targets/reports/{report.pk}/word/").status_code == 404
    report.refresh_from_db()
    assert report.state == ReportState.DRAFT


# --- the API ------------------------------------------------------------------------------------

V1 = "/api/v1/targets/reports"


def test_the_api_drafts_edits_issues_and_downloads(api, users, world):

    client = api(Role.SUPERVISOR)
    response = post_json(client, V1, {"kind": "monthly", "year": 2026, "month": 11})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "draft"
    assert body["content"]["measures"][0]["key"] == "connect"
    pk = body["id"]
    again = post_json(client, V1, {"kind": "monthly", "year": 2026, "month": 11})
    assert again.status_code == 409 and "已有草稿" in again.json()["detail"]
    bad = post_json(client, V1, {"kind": "monthly", "year": 2026})
    assert bad.status_code == 422
    edited = post_json(client, f"{V1}/{pk}", {"title": "新标题", "text": "新正文"}, "patch")
    assert edited.status_code == 200 and edited.json()["title"] == "新标题"
    issued = post_json(client, f"{V1}/{pk}/issue", {})
    assert issued.status_code == 200 and issued.json()["number"].startswith("高唐应急月报〔")
    refused = post_json(client, f"{V1}/{pk}", {"title": "再改", "text": "再改"}, "patch")
    assert refused.status_code == 409 and refused.json()["detail"] == "报告已印发，不能修改"
    listed = client.get(V1).json()
    assert [r["id"] for r in listed["items"]] == [pk]
    word = client.get(f"{V1}/{pk}/word")
    assert word.status_code == 200
    assert Document(io.BytesIO(word.content)).paragraphs[0].text == "新标题"


def test_the_api_refuses_by_role_and_scope(api, users, world):

    report = _draft(users[Role.SUPERVISOR])
    town = api(Role.TOWN_SUPERVISOR)
    assert post_json(town, V1, {"kind": "monthly", "year": 2026, "month": 10}).status_code == 403
    assert town.get(f"{V1}/{report.pk}").status_code == 404
    assert api(Role.PRINCIPAL).get(V1).status_code == 403
    assert api(Role.GRID_MEMBER).get(f"{V1}/{report.pk}/word").status_code in (403, 404)
