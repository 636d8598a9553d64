"""The zero-out board (动态清零, hazards.board) and the 台账 export.

Seed task 6: the major hazards found in a year are rectified by 31 January of the next. Through
31 January the board clears last year's; from 1 February this year's. The counts are checked
against a fixed set of hazards created directly in the database, on fixed days, for each kind
of user: a town supervisor sees only its town's row, the county all towns.
"""

import datetime
import io
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts.roles import Role
from conftest import client_for
from core.tests.test_xlsx import CONTROLS, FORMULAS, text_cells_only
from enterprises.models import Enterprise
from hazards import board
from hazards.export import HEADERS
from hazards.models import Hazard, ListedLevel, Source, State

D = datetime.date
UTC = datetime.UTC
CST = datetime.timezone(datetime.timedelta(hours=8))
COUNTY = (Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER)
ENTERPRISE = (Role.PRINCIPAL, Role.SAFETY_OFFICER, Role.EMPLOYEE)
STAFF = (*COUNTY, Role.TOWN_SUPERVISOR, Role.GRID_MEMBER, Role.EXPERT)
COUNTS = ("open_majors", "overdue", "closed_this_year", "listed", "blocking", "carried_over")

# key: (enterprise fixture, major, state, found_on, deadline, listed level, closed_at)
HAZARDS = {
    # Found last year, overdue, listed by the county.
    "a_old_overdue": ("a", True, State.RECTIFYING, D(2025, 6, 1), D(2026, 1, 10), "county", None),
    # Found this year: open, but not part of last year's clearing.
    "a_new": ("a", True, State.PLANNED, D(2026, 1, 5), D(2026, 3, 1), "", None),
    # Submitted for verification, due on 20 January: open, not overdue that day.
    "a2_submitted": ("a2", True, State.SUBMITTED, D(2025, 11, 1), D(2026, 1, 20), "", None),
    "a_closed": (
        "a", True, State.CLOSED, D(2025, 8, 1), D(2025, 12, 31), "",
        datetime.datetime(2026, 1, 15, 10, 0, tzinfo=CST),
    ),
    # Closed at 01:00 on 1 January Beijing time (17:00 UTC on 31 December): this year.
    "a2_closed_new_year_night": (
        "a2", True, State.CLOSED, D(2025, 10, 1), D(2025, 12, 31), "",
        datetime.datetime(2025, 12, 31, 17, 0, tzinfo=UTC),
    ),
    # Closed at 23:00 on 31 December Beijing time (15:00 UTC): last year.
    "a_closed_last_year": (
        "a", True, State.CLOSED, D(2025, 7, 1), D(2025, 12, 20), "",
        datetime.datetime(2025, 12, 31, 15, 0, tzinfo=UTC),
    ),
    # A general hazard, overdue: not on the board at all.
    "a_general": ("a", False, State.RECTIFYING, D(2025, 5, 1), D(2025, 12, 1), "", None),
    "a_rejected": ("a", True, State.REJECTED, D(2025, 7, 1), None, "", None),
    # Found the year before last, still only reported: past its 31 January 2025, so overdue
    # and carried over into this clearing until it is closed.
    "a_reported_2024": ("a", True, State.REPORTED, D(2024, 5, 1), None, "", None),
    "b_confirmed": ("b", True, State.CONFIRMED, D(2025, 3, 1), None, "", None),
    "b_overdue": ("b", True, State.RECTIFYING, D(2025, 9, 1), D(2026, 1, 19), "city", None),
}  # fmt: skip
MAJOR_KEYS = {k for k, v in HAZARDS.items() if v[1]}
OPEN_MAJORS = {k for k, v in HAZARDS.items() if v[1] and v[2] not in (State.CLOSED, State.REJECTED)}


def description(key):
    return f"测试隐患 {key}"


@pytest.fixture
def hazards(town_a, town_b, enterprise_a, enterprise_a2, enterprise_b):
    town_a.sort_order, town_b.sort_order = 1, 2
    town_a.save()
    town_b.save()
    enterprises = {"a": enterprise_a, "a2": enterprise_a2, "b": enterprise_b}
    created = {}
    for key, (ent, major, state, found_on, deadline, listed, closed_at) in HAZARDS.items():
        created[key] = Hazard.objects.create(
            enterprise=enterprises[ent],
            source=Source.ENFORCEMENT,
            description=description(key),
            found_on=found_on,
            found_by="张检查",
            is_major=major,
            major_reason="测试：认定为重大事故隐患" if major else "",
            state=state,
            owner="李强" if deadline else "",
            measures="加装集尘罩" if deadline else "",
            deadline=deadline,
            listed_level=listed,
            listed_by={"county": "高唐县应急局", "city": "聊城市应急局"}.get(listed, ""),
            evidence="已整改" if state in (State.SUBMITTED, State.CLOSED) else "",
            closed_at=closed_at,
        )
    return created


@pytest.fixture
def on_day(monkeypatch):
    """Make timezone.localdate() (the pages' "today") answer a fixed day."""

    def set_day(day):
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    return set_day


def counts(row):
    return {name: getattr(row, name) for name in COUNTS}


def towns(result):
    return {row.name: counts(row) for row in result.towns}


# --- which year is being cleared ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "year", "deadline"),
    [
        (D(2025, 12, 31), 2025, D(2026, 1, 31)),
        (D(2026, 1, 1), 2025, D(2026, 1, 31)),
        (D(2026, 1, 31), 2025, D(2026, 1, 31)),  # the deadline itself: still last year's
        (D(2026, 2, 1), 2026, D(2027, 1, 31)),
        (D(2026, 12, 31), 2026, D(2027, 1, 31)),
        (D(2028, 2, 29), 2028, D(2029, 1, 31)),
    ],
)
def test_the_target_year_and_its_deadline_across_the_year_boundary(today, year, deadline):
    assert board.target_year(today) == year
    assert board.deadline_for(year) == deadline


@pytest.mark.parametrize(
    ("today", "year", "deadline", "days_left"),
    [
        (D(2025, 12, 31), 2025, D(2026, 1, 31), 31),
        (D(2026, 1, 31), 2025, D(2026, 1, 31), 0),
        (D(2026, 2, 1), 2026, D(2027, 1, 31), 364),
    ],
)
def test_the_board_states_the_year_the_deadline_and_the_days_left(
    users, today, year, deadline, days_left
):
    result = board.build(users[Role.SUPERVISOR], today)
    assert (result.today, result.year, result.deadline, result.days_left) == (
        today,
        year,
        deadline,
        days_left,
    )


# --- the counts --------------------------------------------------------------------------------

TOWN_A_0120 = {
    "open_majors": 4,
    "overdue": 2,
    "closed_this_year": 2,
    "listed": 1,
    "blocking": 3,
    "carried_over": 1,
}
TOWN_B_0120 = {
    "open_majors": 2,
    "overdue": 1,
    "closed_this_year": 0,
    "listed": 1,
    "blocking": 2,
    "carried_over": 0,
}


def test_the_county_sees_every_town_and_the_total(users, hazards):
    result = board.build(users[Role.SUPERVISOR], D(2026, 1, 20))

    assert [row.name for row in result.towns] == ["赵寨子镇", "清平镇"]
    assert towns(result) == {"赵寨子镇": TOWN_A_0120, "清平镇": TOWN_B_0120}
    assert counts(result.total) == {
        "open_majors": 6,
        "overdue": 3,
        "closed_this_year": 2,
        "listed": 2,
        "blocking": 5,
        "carried_over": 1,
    }
    assert result.total.name == "合计"
    assert {h.description for h in result.blockers} == {
        description(k)
        for k in ("a_old_overdue", "a2_submitted", "b_confirmed", "b_overdue", "a_reported_2024")
    }
    assert result.blockers[0].description == description("a_reported_2024")  # carried over


@pytest.mark.parametrize("role", COUNTY)
def test_every_county_role_sees_the_same_board(users, hazards, role):
    result = board.build(users[role], D(2026, 1, 20))
    assert towns(result) == {"赵寨子镇": TOWN_A_0120, "清平镇": TOWN_B_0120}


def test_a_town_supervisor_sees_only_its_town(users, outsider, hazards):
    own = board.build(users[Role.TOWN_SUPERVISOR], D(2026, 1, 20))
    assert towns(own) == {"赵寨子镇": TOWN_A_0120}
    assert counts(own.total) == TOWN_A_0120
    assert {h.enterprise.jurisdiction.name for h in own.blockers} == {"赵寨子镇"}

    other = board.build(outsider, D(2026, 1, 20))
    assert towns(other) == {"清平镇": TOWN_B_0120}
    assert counts(other.total) == TOWN_B_0120


@pytest.mark.parametrize("role", (Role.GRID_MEMBER, Role.EXPERT))
def test_a_grid_member_and_an_expert_count_only_their_enterprises(users, hazards, role):
    """Both see enterprise_a only (grid A1; the expert's assignment), not enterprise_a2."""
    result = board.build(users[role], D(2026, 1, 20))
    assert counts(result.total) == {
        "open_majors": 3,
        "overdue": 2,
        "closed_this_year": 1,
        "listed": 1,
        "blocking": 2,
        "carried_over": 1,
    }
    assert all(h.enterprise.name == "高唐县精工铸造有限公司" for h in result.blockers)


def test_on_the_deadline_last_years_majors_still_block(users, hazards):
    result = board.build(users[Role.SUPERVISOR], D(2026, 1, 31))

    assert (result.year, result.days_left) == (2025, 0)
    # Due on 10 and 20 January, both now overdue, and 2024's by the rule.
    assert towns(result)["赵寨子镇"]["overdue"] == 3
    assert towns(result)["清平镇"]["overdue"] == 1
    assert counts(result.total)["blocking"] == 5


def test_from_the_first_of_february_last_years_open_majors_are_overdue_and_stay(users, hazards):
    """Seed task 6 after New Year: the board moves on to 2026, and 2025's (and 2024's) open
    majors stay on it, overdue whatever their own deadline, until they are closed."""
    result = board.build(users[Role.SUPERVISOR], D(2026, 2, 1))

    assert (result.year, result.deadline) == (2026, D(2027, 1, 31))
    assert towns(result) == {
        "赵寨子镇": {
            "open_majors": 4,
            "overdue": 3,  # all but a_new, due on 1 March 2026
            "closed_this_year": 2,
            "listed": 1,
            "blocking": 4,
            "carried_over": 3,
        },
        "清平镇": {
            "open_majors": 2,
            "overdue": 2,  # b_confirmed has no deadline, and is 2025's
            "closed_this_year": 0,
            "listed": 1,
            "blocking": 2,
            "carried_over": 2,
        },
    }
    blockers = [h.description for h in result.blockers]
    assert set(blockers) == {description(k) for k in HAZARDS if k in OPEN_MAJORS}
    assert blockers[-1] == description("a_new")  # this year's come after the carried-over


def test_on_new_years_eve_the_closed_count_is_last_years_by_beijing_time(users, hazards):
    result = board.build(users[Role.SUPERVISOR], D(2025, 12, 31))

    assert (result.year, result.deadline, result.days_left) == (2025, D(2026, 1, 31), 31)
    # Closed at 23:00 on 31 December Beijing time counts for 2025, 01:00 on 1 January does not.
    assert towns(result)["赵寨子镇"]["closed_this_year"] == 1
    assert counts(result.total)["closed_this_year"] == 1


def test_an_empty_county_has_zero_rows(users):
    result = board.build(users[Role.SUPERVISOR], D(2026, 1, 20))
    assert towns(result) == {
        "赵寨子镇": dict.fromkeys(COUNTS, 0),
        "清平镇": dict.fromkeys(COUNTS, 0),
    }
    assert counts(result.total) == dict.fromkeys(COUNTS, 0)
    assert result.blockers == []


# --- the page ----------------------------------------------------------------------------------


def kpi(html, name):
    return int(re.search(rf'id="kpi-{name}">(\d+)<', html).group(1))


def town_rows(html):
    """The towns table's rows as text cells, without the header and the total row."""
    table = re.search(r'<table[^>]*id="towns".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    return [re.sub(r"<[^>]+>", " ", row).split() for row in rows]


@pytest.mark.parametrize("role", STAFF)
def test_the_page_renders_for_staff(client, users, hazards, role):
    response = client_for(client, users[role]).get("/hazards/zero-out/")
    assert response.status_code == 200
    assert "重大事故隐患动态清零" in response.content.decode()


@pytest.mark.parametrize("role", ENTERPRISE)
def test_the_page_is_forbidden_to_enterprise_users(client, users, hazards, role):
    response = client_for(client, users[role]).get("/hazards/zero-out/")
    assert response.status_code == 403


def test_the_page_asks_an_anonymous_visitor_to_log_in(client, hazards):
    response = client.get("/hazards/zero-out/")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_county_page_shows_the_counts(client, users, hazards, on_day):
    on_day(D(2026, 1, 20))
    html = client_for(client, users[Role.SUPERVISOR]).get("/hazards/zero-out/").content.decode()

    assert (kpi(html, "blocking"), kpi(html, "open"), kpi(html, "overdue")) == (5, 6, 3)
    assert (kpi(html, "listed"), kpi(html, "closed"), kpi(html, "carried")) == (2, 2, 1)
    assert "2026年1月31日" in html
    assert "剩余 11 天" in html
    # Town, target year and before open, carried over, open, overdue, listed, closed this year.
    assert town_rows(html) == [
        ["赵寨子镇", "3", "1", "4", "2", "1", "2"],
        ["清平镇", "2", "0", "2", "1", "1", "0"],
    ]
    for key in ("a_old_overdue", "a2_submitted", "b_confirmed", "b_overdue", "a_reported_2024"):
        assert description(key) in html
    assert description("a_new") not in html


def test_the_town_page_shows_only_its_town(client, users, hazards, on_day):
    on_day(D(2026, 1, 20))
    html = (
        client_for(client, users[Role.TOWN_SUPERVISOR]).get("/hazards/zero-out/").content.decode()
    )

    assert town_rows(html) == [["赵寨子镇", "3", "1", "4", "2", "1", "2"]]
    assert kpi(html, "blocking") == 3
    assert "清平镇" not in html
    assert description("b_overdue") not in html


# --- the export --------------------------------------------------------------------------------


def sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = load_workbook(io.BytesIO(response.getvalue()), read_only=True)
    assert book.sheetnames == ["隐患排查治理台账"]
    rows = list(book["隐患排查治理台账"].iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    return [dict(zip(HEADERS, row, strict=True)) for row in rows[1:]]


def keys(rows):
    found = {row["隐患描述"].removeprefix("测试隐患 ") for row in rows}
    assert [row["序号"] for row in rows] == list(range(1, len(rows) + 1))
    return found


@pytest.mark.parametrize(
    ("role", "enterprises"),
    [
        (Role.COUNTY_ADMIN, {"a", "a2", "b"}),
        (Role.SUPERVISOR, {"a", "a2", "b"}),
        (Role.TOWN_SUPERVISOR, {"a", "a2"}),
        (Role.GRID_MEMBER, {"a"}),
        (Role.EXPERT, {"a"}),
        (Role.PRINCIPAL, {"a"}),
        (Role.SAFETY_OFFICER, {"a"}),
    ],
)
def test_the_export_holds_exactly_the_hazards_in_scope(client, users, hazards, role, enterprises):
    response = client_for(client, users[role]).get("/hazards/export.xlsx")
    expected = {k for k, v in HAZARDS.items() if v[0] in enterprises}
    assert keys(sheet(response)) == expected


def test_the_export_of_the_other_town(client, outsider, hazards):
    response = client_for(client, outsider).get("/hazards/export.xlsx")
    assert keys(sheet(response)) == {"b_confirmed", "b_overdue"}


def test_an_employee_may_not_export(client, users, hazards):
    response = client_for(client, users[Role.EMPLOYEE]).get("/hazards/export.xlsx")
    assert response.status_code == 403


def test_the_export_honours_the_filters(client, users, hazards):
    client_for(client, users[Role.SUPERVISOR])

    assert keys(sheet(client.get("/hazards/export.xlsx?major=1"))) == MAJOR_KEYS
    assert keys(sheet(client.get("/hazards/export.xlsx?major=0"))) == {"a_general"}
    assert keys(sheet(client.get("/hazards/export.xlsx?major=1&state=closed"))) == {
        "a_closed",
        "a2_closed_new_year_night",
        "a_closed_last_year",
    }
    town_b = hazards["b_overdue"].enterprise.jurisdiction
    assert keys(sheet(client.get(f"/hazards/export.xlsx?major=1&town={town_b.pk}"))) == {
        "b_confirmed",
        "b_overdue",
    }


def test_the_board_link_exports_the_major_ledger_in_scope(client, users, hazards):
    client_for(client, users[Role.TOWN_SUPERVISOR])
    html = client.get("/hazards/zero-out/").content.decode()
    assert 'href="/hazards/export.xlsx?major=1"' in html

    rows = sheet(client.get("/hazards/export.xlsx?major=1"))
    assert keys(rows) == {k for k in MAJOR_KEYS if HAZARDS[k][0] in ("a", "a2")}


def test_an_exported_row(client, users, hazards, enterprise_b, on_day):
    on_day(D(2026, 1, 20))
    rows = sheet(client_for(client, users[Role.SUPERVISOR]).get("/hazards/export.xlsx?major=1"))
    by_key = {row["隐患描述"].removeprefix("测试隐患 "): row for row in rows}

    row = by_key["b_overdue"]
    assert row["企业名称"] == enterprise_b.name
    assert row["统一社会信用代码"] == enterprise_b.credit_code
    assert row["所属镇街"] == "清平镇"
    assert row["隐患等级"] == "重大"
    assert row["来源"] == "执法检查"
    assert row["判定依据"] == "测试：认定为重大事故隐患"
    assert row["状态"] == "整改中"
    assert row["整改期限"].date() == D(2026, 1, 19)
    assert row["是否逾期"] == "是"
    assert row["挂牌督办"] == ListedLevel.CITY.label
    assert row["督办单位"] == "聊城市应急局"
    assert by_key["a2_submitted"]["是否逾期"] == "否"  # due that very day
    # Closing times are written in Beijing time.
    assert by_key["a2_closed_new_year_night"]["销号时间"] == "2026-01-01 01:00"
    assert by_key["a_closed_last_year"]["销号时间"] == "2025-12-31 23:00"


def test_stored_control_characters_and_formula_text_export_as_plain_text(
    client, users, enterprise_a, enterprise_b
):
    """Rows stored before input was checked (written here straight through the ORM, which
    validates nothing): a control character no longer fails the county's whole export, and text
    that looks like a formula comes out as text."""
    Enterprise.objects.filter(pk=enterprise_a.pk).update(name=FORMULAS[0])
    Hazard.objects.create(
        enterprise=enterprise_a,
        source=Source.ENFORCEMENT,
        description=f"消防通道{CONTROLS}堆放杂物",
        place=FORMULAS[1],
        found_by=FORMULAS[3],
        owner=FORMULAS[2],
        measures=FORMULAS[4],
        contingency_plan=FORMULAS[5],
        evidence="整改\x0b完毕",
    )
    Hazard.objects.create(
        enterprise=enterprise_b, source=Source.OTHER, description="-", found_by="\x1f"
    )

    response = client_for(client, users[Role.COUNTY_ADMIN]).get("/hazards/export.xlsx")

    assert response.status_code == 200
    book = text_cells_only(response.getvalue())
    rows = list(book["隐患排查治理台账"].iter_rows(values_only=True))
    by_description = {row[4]: dict(zip(HEADERS, row, strict=True)) for row in rows[1:]}
    row = by_description["消防通道堆放杂物"]
    assert row["企业名称"] == FORMULAS[0]
    assert (row["部位/场所"], row["整改责任人"], row["发现人"]) == tuple(FORMULAS[1:4])
    assert row["整改措施"] == FORMULAS[4]
    assert row["应急预案/防范措施"] == FORMULAS[5]
    assert row["整改情况说明"] == "整改完毕"
    assert by_description["-"]["发现人"] is None


def test_the_page_says_when_it_lists_only_the_most_urgent_blockers(
    client, users, hazards, monkeypatch
):
    page = client_for(client, users[Role.SUPERVISOR]).get("/hazards/zero-out/").content.decode()
    assert 'id="blockers-more"' not in page
    listed = len(board.build(users[Role.SUPERVISOR]).blockers)
    assert listed > 1
    monkeypatch.setattr(board, "BLOCKER_LIMIT", 1)
    page = client.get("/hazards/zero-out/").content.decode()
    assert f"共 {listed} 条，此处列出最紧迫的 1 条" in page
