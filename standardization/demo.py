"""Demo ratings for `manage.py load_demo`. The registry's standardization values the demo
enterprises were loaded with become certified ratings (histories stored as already announced,
through core.events.record_many), so the field is what the ratings say; then, through the
services: one application under way (the demo principal's enterprise where no major hazard
vetoes it), one certificate expired by the daily task's function, the reviews that open major
hazards start on valid ratings, and a benchmark enterprise. A second run creates nothing."""

import random
from datetime import date, timedelta

from django.utils import timezone

from core import events
from enterprises.models import Enterprise
from standardization import services
from standardization.models import EventAction, Rating, RatingEvent
from standardization.services import StandardizationRefused, open_major_hazards
from standardization.states import State


def _certified(enterprise, grade, issued_on: date, recorder, rng) -> Rating:
    years = services.validity_years(grade)
    rating = Rating.objects.create(
        enterprise=enterprise,
        grade=grade,
        state=State.VALID,
        applied_by=recorder,
        applied_at=timezone.make_aware(
            timezone.datetime.combine(issued_on - timedelta(days=90), timezone.datetime.min.time())
        ),
        reviewers=["演示评审专家甲", "演示评审专家乙"],
        review_conclusion="现场评审符合要求（演示数据）",
        reviewed_on=issued_on - timedelta(days=45),
        announced_on=issued_on - timedelta(days=20),
        certificate_no=f"GT-BZH-{issued_on:%Y}-{enterprise.pk:05d}",
        issued_on=issued_on,
        valid_until=services._years_later(issued_on, years) - timedelta(days=1),
    )
    now = timezone.now()
    steps = [
        (EventAction.APPLIED, "", State.APPLIED),
        (EventAction.REVIEW_STARTED, State.APPLIED, State.REVIEWING),
        (EventAction.REVIEWED, State.REVIEWING, State.REVIEWED),
        (EventAction.ANNOUNCED, State.REVIEWED, State.ANNOUNCED),
        (EventAction.CERTIFIED, State.ANNOUNCED, State.VALID),
    ]
    events.record_many(
        RatingEvent,
        [
            RatingEvent(
                rating=rating,
                action=action,
                actor=recorder,
                from_state=old,
                to_state=new,
                note="演示数据",
                notified_at=now,
            )
            for action, old, new in steps
        ],
    )
    return rating


def load(enterprises, supervisor, principal, seed=20251201) -> dict:
    demo = [e for e in enterprises if e.is_demo]
    if Rating.objects.filter(enterprise__in=demo).exists():
        return {"ratings": 0, "pending": 0, "expired": 0, "reviews": 0, "benchmarks": 0}
    rng = random.Random(seed)
    today = timezone.localdate()
    created = 0
    for enterprise in demo:
        if enterprise.standardization == "none":
            continue
        issued_on = today - timedelta(days=rng.randint(30, 3 * 365 - 60))
        _certified(enterprise, enterprise.standardization, issued_on, supervisor, rng)
        created += 1
    # One certificate past its term: the daily task marks it expired.
    unrated = [e for e in demo if e.standardization == "none"]
    expired = 0
    if unrated:
        old = unrated.pop(0)
        _certified(old, "level3", today - timedelta(days=3 * 365 + 40), supervisor, rng)
        expired = services.expire_due(today)
    # One application under way: the demo principal's enterprise, if no major hazard vetoes it.
    pending = 0
    home = principal.enterprise
    try:
        if home.standardization == "none":
            services.apply(principal, home.pk, "level3", "已完成自评，申请三级（演示数据）")
            pending = 1
    except StandardizationRefused:
        pass
    if not pending:
        for enterprise in unrated:
            if not open_major_hazards(enterprise.pk).exists():
                Rating.objects.create(
                    enterprise=enterprise,
                    grade="small_micro" if enterprise.small_micro else "level3",
                    applied_by=supervisor,
                    application_note="演示数据：企业提交的定级申请",
                )
                pending = 1
                break
    # A valid rating with an open major hazard: the review (复核) the veto opens.
    reviews = 0
    for rating in Rating.objects.filter(enterprise__in=demo, state=State.VALID):
        hazard = open_major_hazards(rating.enterprise_id).exclude(state="reported").first()
        if hazard is not None and services.open_review_for_hazard(hazard.pk) is not None:
            reviews += 1
    # A benchmark enterprise (task 12): a valid 二级 or 一级 without an open major hazard.
    benchmarks = 0
    for rating in Rating.objects.filter(
        enterprise__in=demo, state=State.VALID, grade__in=["level1", "level2"]
    ).order_by("pk"):
        try:
            services.choose_benchmark(
                supervisor,
                rating.enterprise_id,
                today.year,
                "双重预防机制运行良好，标准化管理规范（演示数据）",
            )
        except StandardizationRefused:
            continue
        benchmarks = 1
        break
    for enterprise in Enterprise.objects.filter(pk__in=[e.pk for e in demo]):
        services.derive(enterprise.pk, today)
    return {
        "ratings": created,
        "pending": pending,
        "expired": expired,
        "reviews": reviews,
        "benchmarks": benchmarks,
    }
