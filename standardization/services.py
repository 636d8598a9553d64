"""Every step of a rating goes through here. Each locks the rating, checks the transition table
(standardization/transitions.py: state and role), the veto (seed task 12: an application, a
renewal or an announcement is refused while the enterprise has an open major hazard, the
hazard named), validates the input, changes the rating, stores a RatingEvent through
core.events.record and, where the standing grade may change, derives
`Enterprise.standardization` again (derive). A refusal raises StandardizationRefused with the
reason in Chinese and the HTTP status (403 role, 404 not found, 409 state or veto, 422 data);
nothing changes."""

import hashlib
import secrets
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import documents, events
from core.errors import Refused
from core.gate import check
from core.inputs import DATE_WINDOW, text_problem
from enforcement.plans.draw import rng_for, sample_enterprises
from enterprises.choices import Standardization
from enterprises.models import Enterprise
from hazards.models import OPEN_STATES, Hazard
from standardization.models import (
    GRADE_CHOICES,
    Benchmark,
    DocumentStep,
    EventAction,
    Rating,
    RatingDocument,
    RatingEvent,
    SpotCheck,
    SpotCheckDraw,
    ValidityRule,
)
from standardization.rules import DEFAULT_YEARS, GRADE_RANK, RENEWAL_WINDOW_DAYS, VETO_SOURCE
from standardization.states import STANDING, CheckReason, Outcome, State
from standardization.transitions import TRANSITIONS

if TYPE_CHECKING:
    from accounts.models import User

GRADES = dict(GRADE_CHOICES)
LIMITS = {"note": 2000, "conclusion": 5000, "reviewer": 40, "certificate_no": 60, "citation": 2000}
MAX_REVIEWERS = 20
VETO_NAMED = 3  # hazards named in a veto's message


class StandardizationRefused(Refused):
    """A refused step (core.errors.Refused); `field` names the input at fault, if one is."""

    def __init__(self, message: str, status: int = 422, field: str | None = None):
        super().__init__(message, status)
        self.field = field


# --- input -------------------------------------------------------------------------------------


def _text(value: Any, name: str, label: str, required: bool = False, multiline=True) -> str:
    value = "" if value is None else value
    if not isinstance(value, str):
        raise StandardizationRefused(f"{label}应为文字", field=name)
    value = value.replace("\r\n", "\n").strip()
    if problem := text_problem(value, multiline=multiline):
        raise StandardizationRefused(f"{label}{problem}", field=name)
    if required and not value:
        raise StandardizationRefused(f"请填写{label}", field=name)
    limit = LIMITS.get(name, LIMITS["note"])
    if len(value) > limit:
        raise StandardizationRefused(f"{label}不能超过 {limit} 字", field=name)
    return value


def _date(value: Any, name: str, label: str) -> date:
    if not isinstance(value, date):
        raise StandardizationRefused(f"请填写{label}", field=name)
    if not DATE_WINDOW["earliest"] <= value <= timezone.localdate():
        raise StandardizationRefused(f"{label}不能晚于今天，也不能早于 1949 年", field=name)
    return value


def _grade(value: Any, name: str = "grade") -> str:
    if not isinstance(value, str) or value not in GRADES:
        raise StandardizationRefused(
            "请选择等级：" + "、".join(str(label) for label in GRADES.values()), field=name
        )
    return value


# --- the veto ----------------------------------------------------------------------------------


def open_major_hazards(enterprise_id: int):
    """The enterprise's major hazards not yet closed (reported, confirmed, under
    rectification or submitted: the zero-out board's "open"), oldest first."""
    return Hazard.objects.filter(
        enterprise_id=enterprise_id, is_major=True, state__in=OPEN_STATES
    ).order_by("found_on", "pk")


def _describe(hazard: Hazard) -> str:
    text = hazard.description.replace("\n", " ")
    text = text if len(text) <= 40 else text[:40] + "…"
    return (
        f"第{hazard.pk}号“{text}”（{hazard.found_on:%Y-%m-%d} 发现，{hazard.get_state_display()}）"
    )


def veto(enterprise_id: int, label: str) -> None:
    """Refuse `label` (409) while the enterprise has an open major hazard, naming it."""
    hazards = list(open_major_hazards(enterprise_id)[: VETO_NAMED + 1])
    if not hazards:
        return
    named = "；".join(_describe(h) for h in hazards[:VETO_NAMED])
    more = "等" if len(hazards) > VETO_NAMED else ""
    raise StandardizationRefused(
        f"不能{label}：企业存在未整改销号的重大事故隐患{named}{more}，"
        f"实行一票否决（{VETO_SOURCE}）。请先完成整改并验收销号。",
        409,
    )


# --- who may act -------------------------------------------------------------------------------


def _may(user: "User", action: str, rating: Rating | None) -> None:
    transition = TRANSITIONS[action]
    if transition.permission is None:
        raise StandardizationRefused("该步骤由系统自动执行", 403)
    check(user, transition.permission, transition.label, StandardizationRefused)
    if rating is not None and rating.state not in transition.sources:
        raise StandardizationRefused(
            f"定级当前为“{rating.get_state_display()}”，不能{transition.label}", 409
        )


def available_actions(user: "User", rating: Rating) -> set[str]:
    """The steps the user may take on this rating now (state and role; the veto is checked
    when the step is taken, so the refusal names the hazard)."""
    found = set()
    for action in TRANSITIONS:
        if action == "apply":
            continue
        try:
            _may(user, action, rating)
        except StandardizationRefused:
            continue
        if action == "renew" and not _renewable(rating):
            continue
        found.add(action)
    return found


def _renewable(rating: Rating) -> bool:
    if rating.valid_until is None or rating.renewals.exists():
        return False
    return timezone.localdate() >= rating.valid_until - timedelta(days=RENEWAL_WINDOW_DAYS)


def _locked(user: "User", rating: Any) -> Rating:
    found = (
        Rating.objects.for_user(user, "standardization.view")
        .select_for_update(of=("self",))
        .select_related("enterprise")
        .filter(pk=getattr(rating, "pk", rating))
        .first()
    )
    if found is None:
        raise StandardizationRefused("定级记录不存在", 404)
    return found


def _enterprise(user: "User", enterprise_id: Any) -> Enterprise:
    if isinstance(enterprise_id, bool) or not isinstance(enterprise_id, int):
        raise StandardizationRefused("企业应以编号表示", field="enterprise")
    if not 0 < enterprise_id < 2**63:
        raise StandardizationRefused("企业不存在", 404, field="enterprise")
    found = Enterprise.objects.for_user(user).filter(pk=enterprise_id).first()
    if found is None:
        raise StandardizationRefused("企业不存在", 404, field="enterprise")
    return found


def _event(rating: Rating, action: str, actor, old: str, note: str = "", **payload) -> RatingEvent:
    return events.record(
        RatingEvent,
        rating=rating,
        action=action,
        actor=actor,
        from_state=old,
        to_state=rating.state,
        note=note,
        payload=payload,
    )


# --- the derived registry field ----------------------------------------------------------------


def standing_grade(enterprise_id: int, today: date | None = None) -> str:
    """The grade of the rating that stands for the enterprise (the best, if two overlap while a
    renewal or an upgrade is announced), else 未达标."""
    grades = Rating.objects.standing(today).filter(enterprise_id=enterprise_id)
    found = sorted(grades.values_list("grade", flat=True), key=lambda g: GRADE_RANK.get(g, 4))
    return found[0] if found else Standardization.NONE


def derive(enterprise_id: int, today: date | None = None) -> str:
    """Set Enterprise.standardization from the rating that stands (the only writer of that
    field). Saved through the model, so grading regrades the enterprise (grading.signals) and
    the audit log keeps the change."""
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise_id)
    grade = standing_grade(enterprise_id, today)
    if enterprise.standardization != grade:
        enterprise.standardization = grade
        enterprise.save(update_fields=["standardization", "updated_at"])
    return grade


# --- application and renewal -------------------------------------------------------------------


def apply(user: "User", enterprise_id: Any, grade: Any, note: Any = "") -> Rating:
    """An enterprise's application for a grade. Refused while another application is under
    way, while a rating of the same grade stands (renew it instead) and (veto) while the
    enterprise has an open major hazard."""
    _may(user, "apply", None)
    enterprise = _enterprise(user, enterprise_id)
    grade = _grade(grade)
    note = _text(note, "note", "申请说明")
    with transaction.atomic():
        Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()
        if Rating.objects.pending().filter(enterprise=enterprise).exists():
            raise StandardizationRefused("该企业已有正在办理的定级申请", 409)
        if Rating.objects.standing().filter(enterprise=enterprise, grade=grade).exists():
            raise StandardizationRefused(
                f"该企业已取得{GRADES[grade]}且在有效期内，请在有效期届满前申请延期换证", 409
            )
        veto(enterprise.pk, "申请安全生产标准化定级")
        rating = Rating.objects.create(
            enterprise=enterprise, grade=grade, applied_by=user, application_note=note
        )
        _event(rating, EventAction.APPLIED, user, "", note, grade=grade)
    return rating


def renew(user: "User", rating: Any, note: Any = "") -> Rating:
    """Apply to renew a certificate within RENEWAL_WINDOW_DAYS of its end (or after it has
    expired): a new application of the same grade that, once certified, replaces it."""
    note = _text(note, "note", "申请说明")
    with transaction.atomic():
        old = _locked(user, rating)
        _may(user, "renew", old)
        if not _renewable(old):
            if old.renewals.exists():
                raise StandardizationRefused("该证书已申请过延期换证", 409)
            raise StandardizationRefused(
                f"有效期届满前 {RENEWAL_WINDOW_DAYS} 日内方可申请延期换证", 409
            )
        if Rating.objects.pending().filter(enterprise=old.enterprise).exists():
            raise StandardizationRefused("该企业已有正在办理的定级申请", 409)
        veto(old.enterprise_id, "申请延期换证")
        rating = Rating.objects.create(
            enterprise=old.enterprise,
            grade=old.grade,
            renews=old,
            applied_by=user,
            application_note=note,
        )
        _event(rating, EventAction.RENEWAL, user, "", note, renews=old.pk, grade=old.grade)
    return rating


# --- review, announcement, certificate ---------------------------------------------------------


def _reviewers(names: Any) -> list[str]:
    if isinstance(names, str) or not isinstance(names, list | tuple):
        raise StandardizationRefused("评审人员应为姓名列表", field="reviewers")
    cleaned = []
    for name in names:
        name = _text(name, "reviewer", "评审人员姓名", multiline=False)
        if name and name not in cleaned:
            cleaned.append(name)
    if not cleaned:
        raise StandardizationRefused("请填写评审人员姓名（至少一人）", field="reviewers")
    if len(cleaned) > MAX_REVIEWERS:
        raise StandardizationRefused(f"评审人员不能超过 {MAX_REVIEWERS} 人", field="reviewers")
    return cleaned


def start_review(user: "User", rating: Any, reviewers: Any, note: Any = "") -> Rating:
    """Organize the review (评审) by the named reviewers."""
    names = _reviewers(reviewers)
    note = _text(note, "note", "说明")
    with transaction.atomic():
        rating = _locked(user, rating)
        _may(user, "start_review", rating)
        old = rating.state
        rating.reviewers = names
        rating.state = State.REVIEWING
        rating.save(update_fields=["reviewers", "state", "updated_at"])
        _event(rating, EventAction.REVIEW_STARTED, user, old, note, reviewers=names)
    return rating


def record_review(
    user: "User", rating: Any, passed: Any, conclusion: Any, reviewed_on: Any
) -> Rating:
    """The reviewers' conclusion: passed (to be announced) or not (the application ends)."""
    if not isinstance(passed, bool):
        raise StandardizationRefused("请选择评审结果：通过或不通过", field="passed")
    conclusion = _text(conclusion, "conclusion", "评审结论", required=True)
    reviewed_on = _date(reviewed_on, "reviewed_on", "评审日期")
    with transaction.atomic():
        rating = _locked(user, rating)
        _may(user, "record_review", rating)
        if reviewed_on < timezone.localtime(rating.applied_at).date():
            raise StandardizationRefused("评审日期不能早于申请日期", field="reviewed_on")
        old = rating.state
        rating.review_conclusion = conclusion
        rating.reviewed_on = reviewed_on
        rating.state = State.REVIEWED if passed else State.REJECTED
        if not passed:
            rating.ended_on = reviewed_on
            rating.end_reason = conclusion
        rating.save()
        action = EventAction.REVIEWED if passed else EventAction.REJECTED
        _event(rating, action, user, old, conclusion)
    return rating


def announce(user: "User", rating: Any, announced_on: Any, note: Any = "") -> Rating:
    """Announce (公告) a reviewed rating; from now on it stands and the enterprise's registry
    field shows its grade. Vetoed by an open major hazard."""
    announced_on = _date(announced_on, "announced_on", "公告日期")
    note = _text(note, "note", "说明")
    with transaction.atomic():
        rating = _locked(user, rating)
        _may(user, "announce", rating)
        if rating.reviewed_on and announced_on < rating.reviewed_on:
            raise StandardizationRefused("公告日期不能早于评审日期", field="announced_on")
        veto(rating.enterprise_id, "公告")
        old = rating.state
        rating.announced_on = announced_on
        rating.state = State.ANNOUNCED
        rating.save(update_fields=["announced_on", "state", "updated_at"])
        _event(rating, EventAction.ANNOUNCED, user, old, note)
        derive(rating.enterprise_id)
    return rating


def validity_years(grade: str) -> int:
    rule = ValidityRule.objects.filter(grade=grade).first()
    return rule.years if rule is not None else DEFAULT_YEARS[grade]


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def certify(user: "User", rating: Any, certificate_no: Any, issued_on: Any) -> Rating:
    """Issue the certificate: its term is the grade's ValidityRule years from the issue date
    (the day before the same date that many years later). A renewal's certificate replaces
    the certificate it renews."""
    number = _text(certificate_no, "certificate_no", "证书编号", required=True, multiline=False)
    issued_on = _date(issued_on, "issued_on", "发证日期")
    with transaction.atomic():
        rating = _locked(user, rating)
        _may(user, "certify", rating)
        if rating.announced_on and issued_on < rating.announced_on:
            raise StandardizationRefused("发证日期不能早于公告日期", field="issued_on")
        old = rating.state
        years = validity_years(rating.grade)
        rating.certificate_no = number
        rating.issued_on = issued_on
        rating.valid_until = _years_later(issued_on, years) - timedelta(days=1)
        rating.state = State.VALID
        rating.save()
        _event(rating, EventAction.CERTIFIED, user, old, "", years=years)
        # The new certificate replaces the enterprise's others: the one it renews (valid or
        # expired) and any other that stands (an upgrade from 三级 to 二级).
        others = Rating.objects.select_for_update().filter(
            Q(state__in=STANDING) | Q(pk=rating.renews_id, state=State.EXPIRED),
            enterprise_id=rating.enterprise_id,
        )
        for previous in others.exclude(pk=rating.pk):
            before = previous.state
            kind = "延期换证" if previous.pk == rating.renews_id else "重新定级"
            previous.state = State.REPLACED
            previous.ended_on = issued_on
            previous.end_reason = f"{kind}，新证书 {number}（{rating.get_grade_display()}）"
            previous.save()
            _end_open_check(previous, previous.end_reason)
            _event(previous, EventAction.REPLACED, user, before, previous.end_reason)
        derive(rating.enterprise_id)
    return rating


# --- spot checks and reviews -------------------------------------------------------------------


def _open_check(rating: Rating, actor, reason: str, note: str, **links) -> SpotCheck:
    old = rating.state
    spot = SpotCheck.objects.create(rating=rating, reason=reason, started_by=actor, **links)
    rating.state = State.CHECKING
    rating.save(update_fields=["state", "updated_at"])
    hazard = links.get("hazard")
    _event(
        rating,
        EventAction.CHECK_STARTED,
        actor,
        old,
        note,
        check=spot.pk,
        reason=reason,
        hazard=hazard.pk if hazard is not None else None,
    )
    return spot


def start_check(user: "User", rating: Any, note: Any = "") -> SpotCheck:
    """Start a spot check (指定抽查) of a valid rating."""
    note = _text(note, "note", "说明")
    with transaction.atomic():
        rating = _locked(user, rating)
        _may(user, "start_check", rating)
        return _open_check(rating, user, CheckReason.MANUAL, note)


def conclude_check(
    user: "User", rating: Any, outcome: Any, conclusion: Any, new_grade: Any = None
) -> Rating:
    """The outcome of the open check: kept, downgraded (to a lower one of 一级、二级、三级) or
    revoked; the registry field follows."""
    if outcome not in (Outcome.KEPT, Outcome.DOWNGRADED, Outcome.REVOKED):
        raise StandardizationRefused("请选择结论：维持、降级或撤销", field="outcome")
    conclusion = _text(conclusion, "conclusion", "抽查情况", required=True)
    with transaction.atomic():
        rating = _locked(user, rating)
        _may(user, "conclude_check", rating)
        spot = SpotCheck.objects.select_for_update().filter(rating=rating, outcome="").first()
        old, old_grade = rating.state, rating.grade
        if outcome == Outcome.DOWNGRADED:
            new_grade = _grade(new_grade, "new_grade")
            if rating.grade not in GRADE_RANK:
                raise StandardizationRefused(
                    "小微企业达标不分级，只能维持或撤销", field="new_grade"
                )
            if GRADE_RANK.get(new_grade, 0) <= GRADE_RANK[rating.grade]:
                raise StandardizationRefused(
                    f"降级后的等级应低于{rating.get_grade_display()}", field="new_grade"
                )
            rating.grade = new_grade
            rating.state = State.VALID
            action = EventAction.DOWNGRADED
        elif outcome == Outcome.REVOKED:
            rating.state = State.REVOKED
            rating.ended_on = timezone.localdate()
            rating.end_reason = conclusion
            action = EventAction.REVOKED
        else:
            rating.state = State.VALID
            action = EventAction.KEPT
        rating.save()
        if spot is not None:
            spot.outcome = outcome
            spot.new_grade = rating.grade if outcome == Outcome.DOWNGRADED else ""
            spot.conclusion = conclusion
            spot.concluded_by = user
            spot.concluded_at = timezone.now()
            spot.save()
        _event(rating, action, user, old, conclusion, from_grade=old_grade, to_grade=rating.grade)
        derive(rating.enterprise_id)
    return rating


def _end_open_check(rating: Rating, reason: str) -> None:
    """A check still open when its rating expires or is replaced ends with it."""
    SpotCheck.objects.filter(rating=rating, outcome="").update(
        outcome=Outcome.ENDED, conclusion=reason, concluded_at=timezone.now()
    )


def open_review_for_hazard(hazard_id: int) -> SpotCheck | None:
    """A major hazard confirmed while the enterprise's rating is valid opens a review (复核)
    of that rating (seed task 12). Once per hazard; nothing if no rating is valid or a check
    of it is already open (that check covers it). Called by standardization.signals."""
    with transaction.atomic():
        hazard = Hazard.objects.filter(pk=hazard_id).first()
        if hazard is None or not hazard.is_major or hazard.state not in _CONFIRMED_OPEN:
            return None
        if SpotCheck.objects.filter(hazard=hazard).exists():
            return None
        rating = (
            Rating.objects.standing()
            .select_for_update(of=("self",))
            .filter(enterprise_id=hazard.enterprise_id, state=State.VALID)
            .first()
        )
        if rating is None:
            return None
        note = f"有效期内认定重大事故隐患：{_describe(hazard)}，启动复核（{VETO_SOURCE}）"
        return _open_check(rating, None, CheckReason.MAJOR_HAZARD, note, hazard=hazard)


# A major hazard counts as confirmed once past 待确认 and not yet closed or rejected.
_CONFIRMED_OPEN = tuple(s for s in OPEN_STATES if s != "reported")


# --- expiry ------------------------------------------------------------------------------------


def expire_due(today: date | None = None) -> int:
    """Mark every standing rating whose certificate term has ended as expired (the daily
    task), each with an event and its enterprise's registry field derived again."""
    today = today or timezone.localdate()
    count = 0
    due = Rating.objects.filter(state__in=STANDING, valid_until__lt=today).values_list(
        "pk", flat=True
    )
    for pk in list(due):
        with transaction.atomic():
            rating = (
                Rating.objects.select_for_update()
                .filter(pk=pk, state__in=STANDING, valid_until__lt=today)
                .first()
            )
            if rating is None:
                continue
            old = rating.state
            rating.state = State.EXPIRED
            rating.ended_on = rating.valid_until
            rating.end_reason = "有效期届满"
            rating.save()
            _end_open_check(rating, "定级有效期届满，抽查终止")
            _event(rating, EventAction.EXPIRED, None, old, f"有效期至 {rating.valid_until}")
            derive(rating.enterprise_id, today)
            count += 1
    return count


# --- documents ---------------------------------------------------------------------------------

DOCUMENT_KINDS = ("pdf", "jpg", "png", "docx", "xlsx")
STEPS = dict(DocumentStep.choices)


def check_document(upload: Any) -> str:
    """The document's cleaned name, or a refusal: at most 10 MB, PDF, JPG, PNG, DOCX or XLSX,
    its content what its extension says."""
    name = (getattr(upload, "name", "") or "").rsplit("/", 1)[-1].strip()
    if problem := text_problem(name, multiline=False):
        raise StandardizationRefused(f"文件名{problem}", field="file")
    if problem := documents.problem(upload, kinds=DOCUMENT_KINDS, max_megabytes=10):
        raise StandardizationRefused(problem, field="file")
    return name[-200:]


def add_document(user: "User", rating: Any, step: Any, upload: Any) -> RatingDocument:
    """A document of a step: the applicant's materials (the enterprise's managers, while the
    application is under way) or the bureau's (review, announcement, certificate, check)."""
    if step not in STEPS:
        raise StandardizationRefused("请选择材料所属环节", field="step")
    name = check_document(upload)
    with transaction.atomic():
        rating = _locked(user, rating)
        if step == "application":
            check(user, "standardization.apply", "上传申请材料", StandardizationRefused)
            if rating.state != State.APPLIED:
                raise StandardizationRefused("申请受理评审后不能再补充申请材料", 409)
        else:
            check(user, "standardization.manage", "上传评审与发证材料", StandardizationRefused)
        document = RatingDocument.objects.create(
            rating=rating, step=step, name=name, file=upload, uploaded_by=user
        )
        _event(
            rating,
            EventAction.DOCUMENT,
            user,
            rating.state,
            STEPS[step] + "：" + name,
            document=document.pk,
        )
    return document


# --- the random spot-check draw ----------------------------------------------------------------


def _draw_pool(user: "User") -> list[int]:
    return sorted(
        Rating.objects.for_user(user)
        .standing()
        .filter(state=State.VALID)
        .values_list("pk", flat=True)
    )


def draw_checks(user: "User", count: Any, seed: Any = "") -> SpotCheckDraw:
    """Draw `count` valid ratings of the user's jurisdiction at random (the 双随机 draw's
    algorithm, enforcement.plans.draw: a random.Random seeded from the recorded seed samples
    the sorted pool) and open a spot check of each. The seed, pool and result are stored, so
    verify_draw re-runs it."""
    check(user, "standardization.manage", "抽取标准化抽查企业", StandardizationRefused)
    if isinstance(count, bool) or not isinstance(count, int):
        raise StandardizationRefused("抽取数量应为整数", field="count")
    seed = _text(seed, "note", "随机种子", multiline=False) or secrets.token_hex(8)
    if len(seed) > 64:
        raise StandardizationRefused("随机种子不能超过 64 个字符", field="seed")
    if user.jurisdiction_id is None:
        raise StandardizationRefused("只有县局人员可以抽取", 403)
    with transaction.atomic():
        pool = _draw_pool(user)
        try:
            drawn = sample_enterprises(rng_for(seed), pool, count)
        except Refused as exc:
            message = str(exc).replace("企业", "有效定级")
            raise StandardizationRefused(message, field="count") from None
        draw = SpotCheckDraw.objects.create(
            seed=seed,
            pool=pool,
            count=count,
            drawn=drawn,
            drawn_by=user,
            jurisdiction_id=user.jurisdiction_id,
        )
        ratings = Rating.objects.select_for_update().filter(pk__in=drawn)
        for rating in sorted(ratings, key=lambda r: drawn.index(r.pk)):
            _open_check(rating, user, CheckReason.DRAW, f"随机抽取（种子 {seed}）", draw=draw)
    return draw


def verify_draw(draw: SpotCheckDraw) -> bool:
    """Whether the stored seed and pool give the stored result again."""
    return sample_enterprises(rng_for(draw.seed), draw.pool, draw.count) == draw.drawn


def draw_fingerprint(draw: SpotCheckDraw) -> str:
    text = f"{draw.seed}|{draw.pool}|{draw.count}|{draw.drawn}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --- benchmark enterprises ---------------------------------------------------------------------


def choose_benchmark(user: "User", enterprise_id: Any, year: Any, citation: Any) -> Benchmark:
    """Choose a benchmark enterprise (标杆企业) for a year: it must hold a standing rating,
    whose grade and the enterprise's industry the benchmark is listed under."""
    check(user, "standardization.manage", "确定标杆企业", StandardizationRefused)
    enterprise = _enterprise(user, enterprise_id)
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise StandardizationRefused("请填写年度（如 2025）", field="year")
    citation = _text(citation, "citation", "推荐理由", required=True)
    with transaction.atomic():
        grade = standing_grade(enterprise.pk)
        if grade == Standardization.NONE:
            raise StandardizationRefused("标杆企业应已取得有效的安全生产标准化等级", 409)
        veto(enterprise.pk, "确定为标杆企业")
        if Benchmark.objects.filter(
            enterprise=enterprise, year=year, withdrawn_at__isnull=True
        ).exists():
            raise StandardizationRefused(f"该企业已是 {year} 年度标杆企业", 409)
        return Benchmark.objects.create(
            enterprise=enterprise,
            industry=enterprise.industry,
            grade=grade,
            year=year,
            citation=citation,
            chosen_by=user,
        )


def withdraw_benchmark(user: "User", benchmark: Any) -> Benchmark:
    check(user, "standardization.manage", "撤销标杆企业", StandardizationRefused)
    with transaction.atomic():
        found = (
            Benchmark.objects.for_user(user)
            .select_for_update()
            .filter(pk=getattr(benchmark, "pk", benchmark))
            .first()
        )
        if found is None:
            raise StandardizationRefused("标杆企业不存在", 404)
        if found.withdrawn_at is None:
            found.withdrawn_at = timezone.now()
            found.save(update_fields=["withdrawn_at"])
    return found
