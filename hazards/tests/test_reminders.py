"""Deadline reminders and escalation (hazards.reminders), counted in working days with the real
holiday data that core/migrations/0002_holidays.py loads, and the DeadlineRule defaults of
hazards/migrations/0004_rules_data.py: a reminder 3 working days before the deadline, escalation
to the town 1 working day after it and to the county 5 working days after it.

The 2025 National Day holiday runs 1–8 October, with Sunday 28 September and Saturday 11 October
as make-up working days (the first test checks the calendar rows rather than trusting this).
Huey runs in immediate mode and the on-commit callbacks are executed, so each test sees the
notifications a worker would have sent through the outbox.
"""

import datetime
import re
import threading
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from accounts.roles import Role
from conftest import client_for, make_user
from core import workdays
from core.models import CalendarDay, CalendarYear, Jurisdiction, JurisdictionKind, Notification
from hazards import reminders, services
from hazards.models import DeadlineRule, Hazard, HazardEvent, Source, State
from hazards.tasks import deadline_reminders

D = datetime.date
DESCRIPTION = "打磨工位未设置除尘设施，粉尘积聚"


@pytest.fixture(autouse=True)
def _immediate(immediate_tasks):
    pass


@pytest.fixture(autouse=True)
def fresh_calendar():
    # core.workdays caches each year per process; another test may have edited the calendar.
    workdays.clear_cache()
    yield
    workdays.clear_cache()


@pytest.fixture
def everyone(users, outsider, town_a, county):
    """The fixture users plus those who must not hear of enterprise_a's deadlines, and a
    second supervisor of town A and of the county, who must."""
    other_county = Jurisdiction.objects.create(
        code="371523", name="茌平区", kind=JurisdictionKind.COUNTY
    )
    make_user("other_county_supervisor", Role.SUPERVISOR, other_county)
    make_user("town_a_supervisor_2", Role.TOWN_SUPERVISOR, town_a)
    make_user("supervisor_2", Role.SUPERVISOR, county)
    return users


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run the job for a day and deliver what it queues, as the worker would."""

    def run_on(day):
        with django_capture_on_commit_callbacks(execute=True):
            return reminders.run(day)

    return run_on


def make_hazard(enterprise, deadline, *, state=State.RECTIFYING, major=False, **extra):
    values = {
        "enterprise": enterprise,
        "source": Source.OTHER,
        "description": DESCRIPTION,
        "found_on": D(2025, 9, 1),
        "found_by": "李强",
        "is_major": major,
        "major_reason": "测试：认定为重大事故隐患" if major else "",
        "state": state,
        "owner": "李强",
        "measures": "加装集尘罩",
        "deadline": deadline,
    }
    values.update(extra)
    return Hazard.objects.create(**values)


def steps(hazard=None):
    """(action, deadline) of the job's events, in order."""
    events = HazardEvent.objects.filter(action__in=("remind", "escalate_town", "escalate_county"))
    if hazard is not None:
        events = events.filter(hazard=hazard)
    return [(e.action, e.payload["deadline"]) for e in events.order_by("at", "id")]


def recipients(**filters):
    return sorted(
        Notification.objects.filter(**filters).values_list("recipient__username", flat=True)
    )


def first_days(run, start, end):
    """Run the job every day from start to end; the day each step first happened."""
    seen = {}
    day = start
    while day <= end:
        counts = run(day)
        for action in ("remind", "escalate_town", "escalate_county"):
            if counts[action]:
                seen.setdefault(action, []).append(day)
        day += datetime.timedelta(days=1)
    return seen


# --- the calendar and the rules the tests rely on ----------------------------------------------


def test_the_holiday_data_and_the_rules_are_those_the_tests_assume(db):
    days = dict(
        CalendarDay.objects.filter(date__range=(D(2025, 9, 20), D(2025, 10, 20))).values_list(
            "date", "is_workday"
        )
    )
    holiday = {D(2025, 10, day): False for day in range(1, 9)}
    assert days == {**holiday, D(2025, 9, 28): True, D(2025, 10, 11): True}
    assert CalendarYear.objects.filter(year=2025).exists()
    assert not CalendarYear.objects.filter(year=2031).exists()
    assert not CalendarDay.objects.filter(date__year=2031).exists()
    rules = dict(DeadlineRule.objects.values_list("code", "working_days"))
    assert rules == {"remind_before": 3, "escalate_town": 1, "escalate_county": 5}


# --- reminders ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deadline", "not_yet", "reminded"),
    [
        # The last working day before the holiday. The make-up Sunday counts: on Friday 26
        # September the working days left are 28, 29 and 30 September (plain weekends would
        # have reminded on Thursday already: 26, 29, 30).
        (D(2025, 9, 30), D(2025, 9, 25), D(2025, 9, 26)),
        # The Friday right after the holiday: the eight holidays do not count, so the
        # reminder goes out on Monday 29 September (29, 30 September, 9, 10 October are
        # four; 30 September, 9, 10 October are three), not in the middle of the holiday.
        (D(2025, 10, 10), D(2025, 9, 28), D(2025, 9, 29)),
        # The Monday after the make-up Saturday: on the last holiday, 8 October, four
        # working days are left (9, 10, 11, 13 October); plain weekends would say three.
        (D(2025, 10, 13), D(2025, 10, 8), D(2025, 10, 9)),
    ],
)
def test_a_reminder_goes_out_remind_before_working_days_ahead_across_the_holiday(
    everyone, enterprise_a, run, deadline, not_yet, reminded
):
    hazard = make_hazard(enterprise_a, deadline)

    assert run(not_yet)["remind"] == 0
    assert steps() == []

    assert run(reminded)["remind"] == 1
    assert steps(hazard) == [("remind", deadline.isoformat())]
    event = HazardEvent.objects.get(hazard=hazard, action="remind")
    assert (event.from_state, event.to_state, event.actor) == (
        State.RECTIFYING,
        State.RECTIFYING,
        None,
    )
    assert event.payload == {"deadline": deadline.isoformat()}
    assert event.notified_at is not None
    assert event.action_label == "整改期限提醒"
    assert recipients() == ["principal_a", "safety_a"]
    notification = Notification.objects.get(recipient__username="principal_a")
    assert notification.title == f"【整改期限提醒】{enterprise_a.name}（一般隐患）"
    assert notification.link == f"/hazards/{hazard.pk}/"
    assert f"整改期限为{deadline.year}年{deadline.month}月{deadline.day}日" in notification.body
    assert "还有3个工作日" in notification.body


def test_a_reminder_on_the_deadline_itself_and_none_once_it_has_passed(everyone, enterprise_a, run):
    due_today = make_hazard(enterprise_a, D(2025, 10, 9))
    passed = make_hazard(enterprise_a, D(2025, 9, 30))

    counts = run(D(2025, 10, 9))

    assert counts["remind"] == 1
    assert steps(due_today) == [("remind", "2025-10-09")]
    assert ("remind", "2025-09-30") not in steps(passed)
    assert "整改期限为今天" in Notification.objects.filter(recipient__username="safety_a")[0].body


def test_the_reminder_follows_the_rule_an_administrator_edits(everyone, enterprise_a, run):
    make_hazard(enterprise_a, D(2025, 10, 10))
    DeadlineRule.objects.filter(code="remind_before").update(working_days=5)

    # Five working days before Friday 10 October: 28, 29, 30 September, 9, 10 October; the
    # 27th is a Saturday, so from Friday the 26th on five are left.
    assert run(D(2025, 9, 25))["remind"] == 0
    assert run(D(2025, 9, 26))["remind"] == 1


# --- escalation --------------------------------------------------------------------------------


def test_escalation_to_the_town_then_the_county_counts_working_days_across_the_holiday(
    everyone, enterprise_a, run
):
    """Deadline Tuesday 30 September, run every day for a month: the reminder on 26 September,
    the town on 9 October (the first working day after the holiday), the county on 14 October
    (9, 10, 11, 13, 14 October: the make-up Saturday counts). Each exactly once."""
    hazard = make_hazard(enterprise_a, D(2025, 9, 30), major=True)

    seen = first_days(run, D(2025, 9, 15), D(2025, 10, 31))

    assert seen == {
        "remind": [D(2025, 9, 26)],
        "escalate_town": [D(2025, 10, 9)],
        "escalate_county": [D(2025, 10, 14)],
    }
    assert steps(hazard) == [
        ("remind", "2025-09-30"),
        ("escalate_town", "2025-09-30"),
        ("escalate_county", "2025-09-30"),
    ]
    hazard.refresh_from_db()
    assert hazard.state == State.RECTIFYING  # the job changes no state

    titles = {
        username: sorted(
            Notification.objects.filter(recipient__username=username).values_list(
                "title", flat=True
            )
        )
        for username in Notification.objects.values_list("recipient__username", flat=True)
    }

    def title(label):
        return f"【{label}】{enterprise_a.name}（重大事故隐患）"

    assert titles == {
        "principal_a": [title("整改期限提醒")],
        "safety_a": [title("整改期限提醒")],
        "town_a_supervisor": [title("逾期升级至镇街")],
        "town_a_supervisor_2": [title("逾期升级至镇街")],
        "supervisor": [title("逾期升级至县局")],
        "supervisor_2": [title("逾期升级至县局")],
    }
    county_note = Notification.objects.filter(recipient__username="supervisor").get().body
    assert county_note == "整改期限为2025年9月30日，已逾期5个工作日。"
    labels = [e.action_label for e in HazardEvent.objects.filter(hazard=hazard)]
    assert labels == ["整改期限提醒", "逾期升级至镇街", "逾期升级至县局"]


def test_a_job_that_starts_late_takes_every_step_that_is_due_once(everyone, enterprise_a, run):
    hazard = make_hazard(enterprise_a, D(2025, 9, 30))

    counts = run(D(2025, 10, 20))

    # The reminder's moment has passed; both escalations are due.
    assert counts == {"checked": 1, "remind": 0, "escalate_town": 1, "escalate_county": 1}
    assert [a for a, _ in steps(hazard)] == ["escalate_town", "escalate_county"]


def test_running_twice_records_and_sends_nothing_twice(everyone, enterprise_a, enterprise_b, run):
    make_hazard(enterprise_a, D(2025, 9, 30))
    make_hazard(enterprise_a, D(2025, 10, 10))
    make_hazard(enterprise_b, D(2025, 9, 12))

    first = run(D(2025, 9, 29))
    events = HazardEvent.objects.count()
    sent = Notification.objects.count()
    second = run(D(2025, 9, 29))

    assert first == {"checked": 3, "remind": 2, "escalate_town": 1, "escalate_county": 1}
    assert second == {"checked": 3, "remind": 0, "escalate_town": 0, "escalate_county": 0}
    assert HazardEvent.objects.count() == events == 4
    assert Notification.objects.count() == sent
    assert HazardEvent.objects.filter(notified_at__isnull=True).count() == 0


def test_an_approved_extension_moves_the_deadline_and_allows_a_new_reminder(
    everyone, enterprise_a, run, monkeypatch
):
    hazard = make_hazard(enterprise_a, D(2025, 9, 30))
    run(D(2025, 9, 26))
    run(D(2025, 10, 9))
    assert steps(hazard) == [("remind", "2025-09-30"), ("escalate_town", "2025-09-30")]

    # The enterprise asks on 10 October and the town approves, through the services.
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: D(2025, 10, 10))
    extension = services.request_extension(
        everyone[Role.PRINCIPAL], hazard.pk, new_deadline=D(2025, 10, 24), reason="设备到货延迟"
    )
    services.decide_extension(everyone[Role.TOWN_SUPERVISOR], extension.pk, approved=True)
    monkeypatch.undo()
    hazard.refresh_from_db()
    assert hazard.deadline == D(2025, 10, 24)
    Notification.objects.all().delete()

    # The new deadline is not overdue: no county escalation for the old one either.
    assert run(D(2025, 10, 14)) == {
        "checked": 0,
        "remind": 0,
        "escalate_town": 0,
        "escalate_county": 0,
    }
    # 21, 22, 23, 24 October are four working days; 22, 23, 24 three.
    assert run(D(2025, 10, 20))["remind"] == 0
    assert run(D(2025, 10, 21))["remind"] == 1
    assert run(D(2025, 10, 27))["escalate_town"] == 1
    assert steps(hazard) == [
        ("remind", "2025-09-30"),
        ("escalate_town", "2025-09-30"),
        ("remind", "2025-10-24"),
        ("escalate_town", "2025-10-24"),
    ]
    assert recipients() == [
        "principal_a",
        "safety_a",
        "town_a_supervisor",
        "town_a_supervisor_2",
    ]


def test_closed_rejected_and_undated_hazards_are_ignored(everyone, enterprise_a, run):
    make_hazard(enterprise_a, D(2025, 9, 30), state=State.CLOSED)
    make_hazard(enterprise_a, D(2025, 9, 30), state=State.REJECTED)
    make_hazard(enterprise_a, None, state=State.CONFIRMED)

    for day in (D(2025, 9, 26), D(2025, 10, 9), D(2025, 10, 14)):
        assert run(day) == {"checked": 0, "remind": 0, "escalate_town": 0, "escalate_county": 0}
    assert HazardEvent.objects.count() == 0
    assert Notification.objects.count() == 0


def test_a_hazard_submitted_for_verification_is_not_reminded_but_escalates(
    everyone, enterprise_a, run
):
    """The enterprise has done its part; if the verification is late the town hears of it."""
    hazard = make_hazard(enterprise_a, D(2025, 9, 30), state=State.SUBMITTED)

    assert run(D(2025, 9, 26))["remind"] == 0
    assert run(D(2025, 10, 9))["escalate_town"] == 1
    event = HazardEvent.objects.get(hazard=hazard)
    assert (event.from_state, event.to_state) == (State.SUBMITTED, State.SUBMITTED)


def test_each_step_reaches_only_its_own_people(everyone, enterprise_a, enterprise_b, run):
    """A general hazard of town A: its managers, then town A's supervisors, then the county's
    supervisors; never town B's supervisor, the employee, the county administrator, another
    county's supervisor, enterprise B's people, or an inactive supervisor."""
    make_user("principal_b", Role.PRINCIPAL, enterprise=enterprise_b)
    inactive = make_user("town_a_supervisor_off", Role.TOWN_SUPERVISOR, enterprise_a.jurisdiction)
    inactive.is_active = False
    inactive.save()
    make_hazard(enterprise_a, D(2025, 9, 30))

    run(D(2025, 9, 26))
    assert recipients() == ["principal_a", "safety_a"]
    Notification.objects.all().delete()

    run(D(2025, 10, 9))
    assert recipients() == ["town_a_supervisor", "town_a_supervisor_2"]
    Notification.objects.all().delete()

    run(D(2025, 10, 14))
    assert recipients() == ["supervisor", "supervisor_2"]


def test_a_year_without_a_notice_counts_the_statutory_holidays(everyone, enterprise_a, run):
    """2031 is not loaded: 1-3 October are National Day by 全国年节及纪念日放假办法 (core.workdays),
    and every note of the job says that its count of working days is provisional."""
    hazard = make_hazard(enterprise_a, D(2031, 10, 3))  # a Friday, and a statutory holiday

    assert run(D(2031, 9, 24))["remind"] == 0  # 25, 26, 29, 30 September: four
    assert run(D(2031, 9, 25))["remind"] == 1
    assert run(D(2031, 10, 3))["escalate_town"] == 0
    assert run(D(2031, 10, 5))["escalate_town"] == 0  # Sunday
    assert run(D(2031, 10, 6))["escalate_town"] == 1
    assert run(D(2031, 10, 9))["escalate_county"] == 0  # 6, 7, 8, 9 October: four
    assert run(D(2031, 10, 10))["escalate_county"] == 1
    assert [a for a, _ in steps(hazard)] == ["remind", "escalate_town", "escalate_county"]
    assert not workdays.is_known_year(2031)
    notes = list(HazardEvent.objects.filter(hazard=hazard, action__in=reminders.RULES))
    assert len(notes) == 3
    for event in notes:
        assert "2031年节假日安排尚未公布" in event.note, event.note
    assert (
        "2031年节假日安排尚未公布"
        in Notification.objects.filter(recipient__username="principal_a")
        .values_list("body", flat=True)
        .first()
    )


def test_a_note_within_years_with_a_notice_is_not_provisional(everyone, enterprise_a, run):
    hazard = make_hazard(enterprise_a, D(2025, 10, 13))
    assert run(D(2025, 10, 9))["remind"] == 1
    event = HazardEvent.objects.get(hazard=hazard, action="remind")
    assert "尚未公布" not in event.note


def test_the_query_count_does_not_grow_with_the_hazards(
    users, enterprise_a, enterprise_a2, enterprise_b
):
    """Candidates and earlier steps are read in bulk: ten times the hazards, the same queries
    (the on-commit deliveries are per event by design and are not run here)."""

    def queries_for(copies):
        HazardEvent.objects.all().delete()
        Hazard.objects.all().delete()
        for i in range(copies):
            for enterprise in (enterprise_a, enterprise_a2, enterprise_b):
                make_hazard(enterprise, D(2025, 9, 30) + datetime.timedelta(days=i % 4))
                make_hazard(enterprise, D(2025, 10, 9) + datetime.timedelta(days=i % 3))
        reminders.run(D(2025, 10, 9))  # some steps already taken, as on a real day
        HazardEvent.objects.filter(action="escalate_county").delete()
        with CaptureQueriesContext(connection) as captured:
            counts = reminders.run(D(2025, 10, 14))
        return [q["sql"] for q in captured.captured_queries], counts

    few, few_counts = queries_for(2)
    many, many_counts = queries_for(20)

    assert few_counts["checked"] == 12
    assert many_counts["checked"] == 120
    assert many_counts["escalate_county"] > few_counts["escalate_county"] > 0

    def reads(queries):
        return [re.sub(r'"s\d+_x\d+"', "SP", q)[:60] for q in queries if "INSERT" not in q]

    def inserts(queries):
        return sum("INSERT" in q for q in queries)

    # Rules, calendar, candidates, earlier steps: the same reads whatever the number; the
    # inserts are batched: the events, and their data-exchange entries (exchange.outbox, one
    # read of the events and one insert per thousand entries).
    assert reads(many) == reads(few)
    assert len(reads(many)) <= 9
    assert inserts(few) == 2
    created = sum(many_counts[a] for a in ("remind", "escalate_town", "escalate_county"))
    assert inserts(many) <= 2 + 3 * created // 100  # an event and two entries per step


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_at_once_record_each_step_once(enterprise_a, monkeypatch):
    """The periodic task enqueued twice (two schedulers): the second run waits for the first
    one's lock on the candidates, then sees its events."""
    hazard = make_hazard(enterprise_a, D(2025, 9, 30))
    bulk_create = HazardEvent.objects.bulk_create
    first_inside = threading.Event()

    def slow_bulk_create(*args, **kwargs):
        if not first_inside.is_set():
            first_inside.set()
            time.sleep(1)  # the second run starts while the first holds its lock
        return bulk_create(*args, **kwargs)

    monkeypatch.setattr(HazardEvent.objects, "bulk_create", slow_bulk_create)
    results = []

    def job():
        try:
            results.append(reminders.run(D(2025, 10, 9)))
        finally:
            connection.close()

    threads = [threading.Thread(target=job) for _ in range(2)]
    threads[0].start()
    assert first_inside.wait(10)
    threads[1].start()
    for thread in threads:
        thread.join(30)

    assert sorted(r["escalate_town"] for r in results) == [0, 1]
    assert steps(hazard) == [("escalate_town", "2025-09-30")]


def test_the_steps_show_in_the_event_trail_of_the_page_and_the_api(
    client, everyone, enterprise_a, run
):
    hazard = make_hazard(enterprise_a, D(2025, 9, 30))
    run(D(2025, 10, 14))
    client_for(client, everyone[Role.TOWN_SUPERVISOR])

    html = client.get(f"/hazards/{hazard.pk}/").content.decode()
    assert "逾期升级至镇街" in html
    assert "逾期升级至县局" in html
    assert "整改期限为2025年9月30日，已逾期5个工作日。" in html

    response = client.get(f"/api/v1/hazards/{hazard.pk}")
    assert response.status_code == 200
    events = [
        (e["action"], e["action_label"], e["actor"], e["from_state"], e["to_state"])
        for e in response.json()["events"]
    ]
    assert events == [
        ("escalate_town", "逾期升级至镇街", None, "rectifying", "rectifying"),
        ("escalate_county", "逾期升级至县局", None, "rectifying", "rectifying"),
    ]


# --- the periodic task -------------------------------------------------------------------------


def test_the_daily_task_runs_at_eight_in_the_morning_beijing_time(settings):
    assert settings.HUEY["utc"] is True
    task = deadline_reminders.s()
    # The scheduler asks with naive UTC times: 00:00 UTC is 08:00 in Asia/Shanghai.
    assert task.validate_datetime(datetime.datetime(2025, 10, 9, 0, 0))
    assert not task.validate_datetime(datetime.datetime(2025, 10, 9, 8, 0))
    assert not task.validate_datetime(datetime.datetime(2025, 10, 9, 0, 5))
    due = HUEY.read_periodic(datetime.datetime(2025, 10, 9, 0, 0))
    assert task.name in {t.name for t in due}


def test_the_daily_task_runs_the_job_for_the_local_date(
    everyone, enterprise_a, django_capture_on_commit_callbacks
):
    hazard = make_hazard(enterprise_a, timezone.localdate())
    with django_capture_on_commit_callbacks(execute=True):
        counts = deadline_reminders.call_local()

    assert counts["remind"] == 1
    assert steps(hazard) == [("remind", timezone.localdate().isoformat())]
    assert recipients() == ["principal_a", "safety_a"]
