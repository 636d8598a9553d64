"""Checklist inspections (清单化执法检查), their documents and re-checks: every change goes
through here. A refusal raises `Refused` with the reason in Chinese and an HTTP status (403
role, 404 not found or out of scope, 409 state, 422 data); nothing changes.

draft (检查中) → completed (已完成). Completing needs every checklist item answered; each item
found wanting becomes a hazard in the ledger (hazards.services.report, source 执法检查), major
where the item is a criterion of the standard; the 现场检查记录 is issued, and the 责令限期整改
指令书 where items were found wanting; a linked random-draw assignment gets its outcome. A
re-check (整改复查) later records the hazards' states and issues the 整改复查意见书.
"""

import os
from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from accounts.roles import can
from core import events
from core.errors import Refused
from core.gate import check
from core.models import Jurisdiction
from enforcement.constants import EVIDENCE_DAYS, MIN_INSPECTORS_BY_KIND
from enforcement.inspections import checklists, numbering
from enforcement.models import (
    AssignmentInspector,
    Conflict,
    DocumentKind,
    DrawAssignment,
    Inspection,
    InspectionAnswer,
    InspectionDocument,
    InspectionEvent,
    InspectionKind,
    InspectionPhoto,
    InspectionState,
    Outcome,
    PlanItem,
    Recheck,
    Result,
)
from enterprises.models import Enterprise
from hazards import services as hazard_services
from hazards.forms import photo_limit_label
from hazards.models import Source, State

MAX_PHOTOS_PER_ANSWER = 18


def _text(value, label, max_length, required=False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Refused(f"请填写{label}")
    if len(value) > max_length:
        raise Refused(f"{label}不能超过 {max_length} 字")
    # PostgreSQL cannot store a NUL character: a refusal, not a 500.
    if "\x00" in value:
        raise Refused(f"{label}含有无效字符")
    return value


def _ids(values, label) -> set[int]:
    """Ids from a form or a body, checked: positive and within a 64-bit integer (a larger one
    would be a database error, not a refusal)."""
    try:
        ids = {int(v) for v in values or []}
    except (TypeError, ValueError):
        raise Refused(f"{label}编号有误") from None
    if any(not 0 < i < 2**63 for i in ids):
        raise Refused(f"{label}编号有误")
    return ids


def _locked(user, inspection_id) -> Inspection:
    inspection = (
        Inspection.objects.for_user(user)
        .select_for_update(of=("self",))
        .select_related("enterprise", "jurisdiction")
        .filter(pk=inspection_id)
        .first()
    )
    if inspection is None:
        raise Refused("执法检查不存在", 404)
    return inspection


def _inspectors(user, area: Jurisdiction, enterprise, ids, kind) -> list:
    """The inspectors named, checked: in the inspector pool, not recused from the enterprise,
    at least as many as the kind of inspection needs."""
    from enforcement.plans.services import inspector_pool

    ids = sorted(_ids(ids, "执法人员"))
    found = list(inspector_pool(area).filter(pk__in=ids))
    if len(found) != len(ids):
        raise Refused("所选执法人员不在执法人员名录库中（须为持有执法证的执法人员）")
    needed = MIN_INSPECTORS_BY_KIND[kind]
    if len(found) < needed:
        label = InspectionKind(kind).label
        raise Refused(f"{label}的执法人员不得少于 {needed} 名（《行政处罚法》第四十二条）")
    recused = (
        Conflict.objects.active()
        .filter(enterprise=enterprise, inspector__in=found)
        .select_related("inspector")
    )
    names = [c.inspector.display_name for c in recused]
    if names:
        raise Refused("、".join(names) + "已申报回避该企业，不能参加检查")
    return found


def inspection_actions(user, inspection) -> list[str]:
    """What this user may do to this inspection now: while a draft, answer its items
    ("answer"), cite monitoring evidence ("evidence") and complete it ("complete"), with
    inspection.manage; once completed with a rectification deadline, re-check it ("recheck",
    inspection.manage); once completed, file a penalty case from it ("penalty",
    penalty.manage). Pages show these as buttons; the services still check each one."""
    actions = []
    manage = can(user, "inspection.manage")
    if inspection.is_draft:
        if manage:
            actions += ["answer", "evidence", "complete"]
        return actions
    if manage and inspection.rectify_deadline:
        actions.append("recheck")
    if can(user, "penalty.manage"):
        actions.append("penalty")
    return actions


# --- create -------------------------------------------------------------------------------------


def create_inspection(
    user,
    enterprise_id,
    kind: str,
    inspected_on: date | None = None,
    inspector_ids=None,
    assignment_id=None,
    plan_item_id=None,
    place: str = "",
    warning_id=None,
    client_id=None,
) -> Inspection:
    """Open an inspection (检查中) of an enterprise in the user's scope. With a random-draw
    assignment, its drawn inspectors are the default. With a power warning judged 属实 (转执法),
    the warning is cited as the inspection's evidence from the start. `client_id`: the id a
    phone gave the inspection offline (fieldwork.services makes the create idempotent on it)."""
    check(user, "inspection.manage", "开展执法检查")
    if not user.jurisdiction_id:
        raise Refused("只有监管部门人员可以开展执法检查", 403)
    area = user.jurisdiction
    if kind not in InspectionKind.values:
        raise Refused("检查方式无效")
    inspected_on = inspected_on or timezone.localdate()
    if not 2000 <= inspected_on.year <= 2100:
        raise Refused("检查日期无效")
    place = _text(place, "检查场所", 200)
    enterprise = Enterprise.objects.for_user(user).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise Refused("企业不存在", 404)
    assignment = plan_item = None
    if assignment_id:
        assignment = (
            DrawAssignment.objects.for_user(user)
            .select_related("draw")
            .filter(pk=assignment_id)
            .first()
        )
        if assignment is None:
            raise Refused("抽查任务不存在", 404)
        if assignment.enterprise_id != enterprise.pk:
            raise Refused("抽查任务的企业与被检查企业不一致")
        if assignment.outcome:
            raise Refused("该抽查任务已登记检查结果", 409)
        if not inspector_ids:
            inspector_ids = list(
                AssignmentInspector.objects.filter(assignment=assignment).values_list(
                    "inspector_id", flat=True
                )
            )
    if plan_item_id:
        plan_item = (
            PlanItem.objects.for_user(user).select_related("plan").filter(pk=plan_item_id).first()
        )
        if plan_item is None:
            raise Refused("重点检查计划条目不存在", 404)
        if plan_item.enterprise_id != enterprise.pk:
            raise Refused("重点检查计划条目的企业与被检查企业不一致")
        if plan_item.plan.year != inspected_on.year:
            raise Refused(f"检查日期不在{plan_item.plan.year}年度计划内")
    warning = None
    if warning_id:
        from monitoring.models import PowerWarning, WarningState

        warning = (
            PowerWarning.objects.for_user(user)
            .filter(pk=warning_id, enterprise=enterprise, state=WarningState.CONFIRMED)
            .first()
        )
        if warning is None:
            raise Refused("所选电力预警不属于被检查企业，或尚未研判为属实")
    inspectors = _inspectors(user, area, enterprise, inspector_ids, kind)
    with transaction.atomic():
        if assignment is not None:
            taken = Inspection.objects.filter(assignment=assignment).exists()
            if taken:
                raise Refused("该抽查任务已有检查记录", 409)
        inspection = Inspection.objects.create(
            enterprise=enterprise,
            jurisdiction=area,
            kind=kind,
            inspected_on=inspected_on,
            assignment=assignment,
            plan_item=plan_item,
            place=place,
            created_by=user,
            client_id=client_id,
        )
        inspection.inspectors.set(inspectors)
        events.record(
            InspectionEvent,
            inspection=inspection,
            action="create",
            actor=user,
            to_state=InspectionState.DRAFT,
            payload={"inspectors": [i.pk for i in inspectors]},
        )
        if warning is not None:
            inspection.evidence_warnings.set([warning])
            events.record(
                InspectionEvent,
                inspection=inspection,
                action="evidence",
                actor=user,
                note="电力预警转执法",
                payload={"alarms": [], "warnings": [warning.pk]},
            )
    return inspection


# --- evidence (remote inspections) --------------------------------------------------------------


def evidence_choices(user, enterprise):
    """Alarms and power warnings of the enterprise in the last EVIDENCE_DAYS days that the user
    may see, newest first."""
    from monitoring.models import Alarm, PowerWarning

    since = timezone.now() - timedelta(days=EVIDENCE_DAYS)
    alarms = (
        Alarm.objects.for_user(user)
        .filter(enterprise=enterprise, raised_at__gte=since)
        .select_related("point")
        .order_by("-raised_at")[:100]
    )
    warnings = (
        PowerWarning.objects.for_user(user)
        .filter(enterprise=enterprise, detected_at__gte=since)
        .order_by("-detected_at")[:100]
    )
    return list(alarms), list(warnings)


def set_evidence(user, inspection_id, alarm_ids=(), warning_ids=()) -> Inspection:
    """Cite the enterprise's alarms and power warnings as the evidence of the inspection
    (非现场执法: 依据监测预警数据)."""
    from monitoring.models import Alarm, PowerWarning

    check(user, "inspection.manage", "修改执法检查")
    alarm_ids = _ids(alarm_ids, "报警")
    warning_ids = _ids(warning_ids, "预警")
    with transaction.atomic():
        inspection = _locked(user, inspection_id)
        if not inspection.is_draft:
            raise Refused("检查已完成，不能修改", 409)
        alarms = list(
            Alarm.objects.for_user(user).filter(enterprise=inspection.enterprise, pk__in=alarm_ids)
        )
        warnings = list(
            PowerWarning.objects.for_user(user).filter(
                enterprise=inspection.enterprise, pk__in=warning_ids
            )
        )
        if len(alarms) != len(alarm_ids) or len(warnings) != len(warning_ids):
            raise Refused("所选证据不属于被检查企业")
        inspection.evidence_alarms.set(alarms)
        inspection.evidence_warnings.set(warnings)
        events.record(
            InspectionEvent,
            inspection=inspection,
            action="evidence",
            actor=user,
            payload={"alarms": sorted(alarm_ids), "warnings": sorted(warning_ids)},
        )
    return inspection


# --- answers ------------------------------------------------------------------------------------


def checklist_rows(inspection) -> list[dict]:
    """The inspection's checklist with each item's answer and photos, in order: the items that
    apply to the enterprise (while in draft), or the items answered (once completed)."""
    stored = inspection.answers.select_related("hazard", "item", "item__template")
    answers = {a.item_id: a for a in stored.prefetch_related("photos")}
    if inspection.is_draft:
        items = list(checklists.items_for(inspection.enterprise))
    else:
        items = [a.item for a in sorted(answers.values(), key=_answer_order)]
    return [
        {"index": n, "item": item, "answer": answers.get(item.pk)}
        for n, item in enumerate(items, start=1)
    ]


def checklist_sections(rows) -> list[dict]:
    """The checklist rows grouped by their checklist (通用检查清单, an industry's, a sector's…):
    the sections of the page, each with how many of its items are still unanswered."""
    sections: list[dict] = []
    for row in rows:
        template = row["item"].template
        if not sections or sections[-1]["template"].pk != template.pk:
            sections.append({"template": template, "rows": [], "total": 0, "unanswered": 0})
        sections[-1]["rows"].append(row)
        sections[-1]["total"] += 1
        sections[-1]["unanswered"] += row["answer"] is None
    return sections


def section_summary(inspection, template) -> dict:
    """One section's heading data as in checklist_sections, without its rows: how many items
    it has for the enterprise and how many are still unanswered (a draft's)."""
    items = checklists.items_for(inspection.enterprise).filter(template=template)
    total = items.count()
    answered = inspection.answers.filter(item__in=items.values("pk")).count()
    return {"template": template, "total": total, "unanswered": total - answered}


def progress(inspection) -> dict:
    """How far the checklist is answered: {"answered", "total", "wanting"} (不符合). While a
    draft, of the items that apply to the enterprise now; once completed, of the answers."""
    answers = inspection.answers.all()
    if inspection.is_draft:
        items = checklists.items_for(inspection.enterprise)
        total = items.count()
        answers = answers.filter(item__in=items.values("pk"))
    counts = answers.aggregate(
        answered=Count("pk"), wanting=Count("pk", filter=Q(result=Result.NOT_COMPLIANT))
    )
    if not inspection.is_draft:
        total = counts["answered"]
    return {"answered": counts["answered"], "total": total, "wanting": counts["wanting"]}


def _answer_order(answer):
    item = answer.item
    return (item.template.sort_order, item.template.code, item.order, item.pk)


def checked_photos(photos) -> list:
    """The photos uploaded for an answer, checked for the page and the API alike: each one an
    image (Pillow reads the content; the name and the declared type prove nothing) of at most
    HAZARD_PHOTO_MAX_BYTES, and no more than MAX_PHOTOS_PER_ANSWER at once."""
    photos = [p for p in (photos or []) if p]
    if len(photos) > MAX_PHOTOS_PER_ANSWER:
        raise Refused(f"每个条目最多 {MAX_PHOTOS_PER_ANSWER} 张照片")
    for upload in photos:
        name = os.path.basename(getattr(upload, "name", "") or "") or "照片"
        if upload.size > settings.HAZARD_PHOTO_MAX_BYTES:
            raise Refused(f"照片“{name}”超过 {photo_limit_label()}", 413)
        try:
            forms.ImageField().clean(upload)
        except forms.ValidationError:
            raise Refused(f"“{name}”不是有效的图片，请上传 JPEG、PNG 等格式的照片") from None
        upload.seek(0)
    return photos


def answer(user, inspection_id, item_id, result: str | None, note: str = "", photos=()):
    """Answer (or answer again) one item of a draft inspection, with photos. With `result`
    None the item's answer stays as it is and the photos are added to it."""
    check(user, "inspection.manage", "填写检查结果")
    if result is not None:
        if result not in Result.values:
            raise Refused("检查结果无效，应为符合、不符合或不适用")
        note = _text(note, "情况说明", 500)
        if result == Result.NOT_COMPLIANT and not note:
            raise Refused("不符合的条目请写明具体问题")
    photos = checked_photos(photos)
    if result is None and not photos:
        raise Refused("请选择检查结果或上传照片")
    with transaction.atomic():
        inspection = _locked(user, inspection_id)
        if not inspection.is_draft:
            raise Refused("检查已完成，不能修改检查结果", 409)
        item = checklists.items_for(inspection.enterprise).filter(pk=item_id).first()
        if item is None:
            raise Refused("该条目不在本企业的检查清单中")
        if result is None:
            row = InspectionAnswer.objects.filter(inspection=inspection, item=item).first()
            if row is None:
                raise Refused("该条目尚未作答，请先填写检查结果")
        else:
            row, _ = InspectionAnswer.objects.update_or_create(
                inspection=inspection,
                item=item,
                defaults={"result": result, "note": note, "answered_by": user},
            )
        if row.photos.count() + len(photos) > MAX_PHOTOS_PER_ANSWER:
            raise Refused(f"每个条目最多 {MAX_PHOTOS_PER_ANSWER} 张照片")
        for image in photos:
            InspectionPhoto.objects.create(answer=row, image=image, uploaded_by=user)
    return row


def answer_section(user, inspection_id, section_id, result: str = Result.NOT_APPLICABLE) -> int:
    """Answer every still unanswered item of one section (one checklist, e.g. 通用检查清单) of a
    draft inspection at once, in one transaction: "本节不适用" on the page. Items already
    answered keep their answers. 不符合 needs a note per item, so it is refused here. Returns
    how many items were answered."""
    check(user, "inspection.manage", "填写检查结果")
    if result not in Result.values:
        raise Refused("检查结果无效，应为符合、不符合或不适用")
    if result == Result.NOT_COMPLIANT:
        raise Refused("不符合的条目须逐项写明具体问题，不能整节填写")
    (section_id,) = _ids([section_id], "检查清单")
    with transaction.atomic():
        inspection = _locked(user, inspection_id)
        if not inspection.is_draft:
            raise Refused("检查已完成，不能修改检查结果", 409)
        items = list(checklists.items_for(inspection.enterprise).filter(template_id=section_id))
        if not items:
            raise Refused("该部分不在本企业的检查清单中")
        done = set(
            InspectionAnswer.objects.filter(inspection=inspection, item__in=items).values_list(
                "item_id", flat=True
            )
        )
        todo = [item for item in items if item.pk not in done]
        if not todo:
            raise Refused("本节条目均已作答", 409)
        InspectionAnswer.objects.bulk_create(
            InspectionAnswer(inspection=inspection, item=item, result=result, answered_by=user)
            for item in todo
        )
        events.record(
            InspectionEvent,
            inspection=inspection,
            action="section",
            actor=user,
            note=f"{items[0].template.name}：{len(todo)} 项{Result(result).label}",
            payload={"template": section_id, "result": result, "items": [i.pk for i in todo]},
        )
    return len(todo)


# --- completion ---------------------------------------------------------------------------------


def _hazard_description(row) -> str:
    text = row.item.text
    return f"{row.note}（执法检查发现。检查项：{text[:120]}；依据：{row.item.legal_basis}）"


def complete(user, inspection_id, findings: str = "", rectify_deadline: date | None = None):
    """Finish a draft inspection: every item answered; items not compliant become hazards;
    the documents are issued; a linked draw assignment gets its outcome."""
    check(user, "inspection.manage", "完成执法检查")
    findings = _text(findings, "检查情况", 5000)
    today = timezone.localdate()
    with transaction.atomic():
        inspection = _locked(user, inspection_id)
        if not inspection.is_draft:
            raise Refused("检查已完成", 409)
        if inspection.inspected_on > today:
            raise Refused("检查日期晚于今天，不能完成检查")
        rows = checklist_rows(inspection)
        missing = [str(row["index"]) for row in rows if row["answer"] is None]
        if missing:
            shown = "、".join(missing[:10]) + ("等" if len(missing) > 10 else "")
            raise Refused(f"还有 {len(missing)} 个条目尚未作答：第 {shown} 项")
        if not rows:
            raise Refused("该企业的检查清单为空，无法完成检查")
        inspectors = list(inspection.inspectors.all())
        needed = MIN_INSPECTORS_BY_KIND[inspection.kind]
        if len(inspectors) < needed:
            raise Refused(f"{inspection.get_kind_display()}的执法人员不得少于 {needed} 名")
        wanting = [row["answer"] for row in rows if row["answer"].result == Result.NOT_COMPLIANT]
        if wanting:
            if rectify_deadline is None:
                raise Refused("存在不符合的条目，请填写整改期限")
            if rectify_deadline <= inspection.inspected_on:
                raise Refused("整改期限应晚于检查日期")
        else:
            rectify_deadline = None
        found_by = "、".join(i.display_name for i in inspectors)[:40]
        for row in wanting:
            try:
                hazard = hazard_services.report(
                    user,
                    inspection.enterprise_id,
                    source=Source.ENFORCEMENT,
                    description=_hazard_description(row),
                    place=inspection.place,
                    found_on=inspection.inspected_on,
                    found_by=found_by,
                    criterion_id=row.item.criterion_id,
                    photos=[photo.image.name for photo in row.photos.all()],
                    ordered_by=rectify_deadline,
                    order_link=reverse("enforcement:inspection", args=[inspection.pk]),
                )
            except hazard_services.TransitionRefused as exc:
                raise Refused(f"登记隐患失败：{exc}", exc.status) from None
            except Enterprise.DoesNotExist:
                raise Refused("企业不存在", 404) from None
            row.hazard = hazard
            row.save(update_fields=["hazard"])
        inspection.state = InspectionState.COMPLETED
        inspection.findings = findings
        inspection.rectify_deadline = rectify_deadline
        inspection.completed_by = user
        inspection.completed_at = timezone.now()
        inspection.save()
        if inspection.assignment_id:
            DrawAssignment.objects.filter(pk=inspection.assignment_id, outcome="").update(
                outcome=Outcome.RECTIFY if wanting else Outcome.COMPLIANT,
                outcome_note=f"清单检查：不符合 {len(wanting)} 项"[:300],
                completed_on=inspection.inspected_on,
                recorded_by=user,
            )
        _issue(inspection, DocumentKind.RECORD, user)
        if wanting:
            _issue(inspection, DocumentKind.RECTIFY_ORDER, user)
        events.record(
            InspectionEvent,
            inspection=inspection,
            action="complete",
            actor=user,
            from_state=InspectionState.DRAFT,
            to_state=InspectionState.COMPLETED,
            payload={
                "not_compliant": len(wanting),
                "major": sum(1 for r in wanting if r.hazard.is_major),
            },
        )
    return inspection


# --- re-check -----------------------------------------------------------------------------------


def awaiting_recheck(inspections):
    """Those of `inspections` with a hazard they ordered rectified that the enterprise has
    submitted: the re-check (整改复查) is due."""
    return inspections.filter(
        pk__in=InspectionAnswer.objects.filter(
            result=Result.NOT_COMPLIANT, hazard__state=State.SUBMITTED
        ).values("inspection_id")
    )


def submitted_hazards(inspection) -> list:
    """The hazards this inspection ordered rectified that the enterprise has submitted for
    verification: the re-check's to pass or return (in the checklist's order)."""
    rows = inspection.answers.filter(
        result=Result.NOT_COMPLIANT, hazard__state=State.SUBMITTED
    ).select_related("hazard", "item")
    return [row.hazard for row in sorted(rows, key=_answer_order)]


def recheck(
    user,
    inspection_id,
    rechecked_on: date,
    opinion: str,
    inspector_ids=None,
    verdicts: dict[int, tuple[bool, str]] | None = None,
):
    """Re-check the rectification ordered (整改复查) and issue the 整改复查意见书: the
    verification of the hazards the inspection found. Each hazard the enterprise submitted gets
    a verdict (`verdicts`: hazard id -> (passed, note)): passed closes it (验收销号), not passed
    returns it to rectification with the note as the reason. The hazards' states after the
    verdicts are kept with the re-check."""
    check(user, "inspection.manage", "整改复查")
    opinion = _text(opinion, "复查意见", 2000, required=True)
    verdicts = dict(verdicts or {})
    today = timezone.localdate()
    with transaction.atomic():
        inspection = _locked(user, inspection_id)
        if inspection.is_draft:
            raise Refused("检查尚未完成，不能复查", 409)
        wanting = list(
            inspection.answers.filter(result=Result.NOT_COMPLIANT).select_related("hazard", "item")
        )
        if not wanting:
            raise Refused("该检查未责令整改，无需复查", 409)
        if rechecked_on > today or rechecked_on < inspection.inspected_on:
            raise Refused("复查日期应在检查日期与今天之间")
        if inspector_ids:
            inspectors = _inspectors(
                user, inspection.jurisdiction, inspection.enterprise, inspector_ids, "on_site"
            )
        else:
            inspectors = list(inspection.inspectors.all())
        rows = sorted(wanting, key=_answer_order)
        submitted = {
            row.hazard.pk: index
            for index, row in enumerate(rows, 1)
            if row.hazard and row.hazard.state == State.SUBMITTED
        }
        if set(verdicts) - set(submitted):
            raise Refused("只能对已提交验收的隐患作出复查结论", 409)
        missing = [str(index) for pk, index in submitted.items() if pk not in verdicts]
        if missing:
            raise Refused(
                f"第 {'、'.join(missing)} 项隐患已提交验收，请作出复查结论（合格或不合格）"
            )
        found = {}
        for pk, (passed, note) in verdicts.items():
            note = _text(note, "不合格的理由", 500, required=not passed)
            try:
                if passed:
                    verdict = f"整改复查合格：{note}" if note else "整改复查合格"
                    hazard_services.close(user, pk, verdict, by_recheck=True)
                else:
                    hazard_services.send_back(user, pk, f"整改复查不合格：{note}", by_recheck=True)
            except hazard_services.TransitionRefused as exc:
                raise Refused(f"第 {submitted[pk]} 项：{exc}", exc.status) from None
            found[pk] = "合格" if passed else "不合格"
        states = []
        for row in rows:
            hazard = row.hazard
            if hazard is not None:
                hazard.refresh_from_db(fields=["state", "is_major"])
            states.append(
                {
                    "item": row.item.text,
                    "note": row.note,
                    "hazard_id": hazard.pk if hazard else None,
                    "major": bool(hazard and hazard.is_major),
                    "state": hazard.get_state_display() if hazard else "未登记",
                    "closed": bool(hazard and hazard.state == State.CLOSED),
                    "verdict": found.get(hazard.pk, "") if hazard else "",
                }
            )
        done = Recheck.objects.create(
            inspection=inspection,
            rechecked_on=rechecked_on,
            opinion=opinion,
            hazard_states=states,
            created_by=user,
        )
        done.inspectors.set(inspectors)
        _issue(inspection, DocumentKind.RECHECK, user, recheck=done)
        events.record(
            InspectionEvent,
            inspection=inspection,
            action="recheck",
            actor=user,
            payload={"recheck": done.pk, "passed": list(found.values()).count("合格")},
        )
    return done


# --- documents ----------------------------------------------------------------------------------

BODY_SUFFIX = {
    "county": "应急管理局",
    "zone": "管理委员会",
    "town": "人民政府",
    "street": "街道办事处",
}


def issuing_body(area: Jurisdiction) -> str:
    name = area.name
    if area.kind == "street":
        name = name.removesuffix("街道")
    return name + BODY_SUFFIX.get(area.kind, "")


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _document_data(inspection, kind, recheck=None) -> dict:
    enterprise = inspection.enterprise
    inspectors = list(inspection.inspectors.order_by("id"))
    data = {
        "issuer": issuing_body(inspection.jurisdiction),
        "enterprise": enterprise.name,
        "credit_code": enterprise.credit_code,
        "address": enterprise.address,
        "principal": enterprise.principal_name,
        "principal_phone": enterprise.principal_phone,
        "town": enterprise.jurisdiction.name,
        "kind": inspection.get_kind_display(),
        "inspected_on": inspection.inspected_on.isoformat(),
        "place": inspection.place or enterprise.address,
        "inspectors": [{"name": i.display_name, "badge": i.badge_number or ""} for i in inspectors],
        "findings": inspection.findings,
        "deadline": inspection.rectify_deadline.isoformat() if inspection.rectify_deadline else "",
    }
    rows = checklist_rows(inspection)
    if kind == DocumentKind.RECORD:
        data["items"] = [
            {
                "index": row["index"],
                "text": row["item"].text,
                "basis": row["item"].legal_basis,
                "result": row["answer"].get_result_display(),
                "note": row["answer"].note,
            }
            for row in rows
        ]
        data["evidence"] = [
            f"报警：{a.point} {a.get_condition_display()}（{_when(a.raised_at)}）"
            for a in inspection.evidence_alarms.select_related("point")
        ] + [
            f"电力预警：{w.get_kind_display()}（{_when(w.detected_at)}）"
            for w in inspection.evidence_warnings.all()
        ]
    if kind == DocumentKind.RECTIFY_ORDER:
        data["items"] = [
            {
                "index": n,
                "text": row["answer"].note,
                "item": row["item"].text,
                "basis": row["item"].legal_basis,
                "major": bool(row["answer"].hazard and row["answer"].hazard.is_major),
            }
            for n, row in enumerate(
                (r for r in rows if r["answer"].result == Result.NOT_COMPLIANT), start=1
            )
        ]
    if kind == DocumentKind.RECHECK:
        data["rechecked_on"] = recheck.rechecked_on.isoformat()
        data["opinion"] = recheck.opinion
        data["hazards"] = recheck.hazard_states
        data["inspectors"] = [
            {"name": i.display_name, "badge": i.badge_number or ""}
            for i in recheck.inspectors.order_by("id")
        ]
        order = inspection.documents.filter(kind=DocumentKind.RECTIFY_ORDER).first()
        data["order_number"] = order.number if order else ""
    return data


def _issue(inspection, kind, user, recheck=None) -> InspectionDocument:
    """Number a document and store the data it is filled with; the Word file is rendered from
    these (enforcement.inspections.documents.render)."""
    day = recheck.rechecked_on if recheck else inspection.inspected_on
    serial, number = numbering.allocate(inspection.jurisdiction, kind, day.year)
    return InspectionDocument.objects.create(
        inspection=inspection,
        recheck=recheck,
        kind=kind,
        year=day.year,
        serial=serial,
        number=number,
        data=_document_data(inspection, kind, recheck),
        issued_by=user,
    )
