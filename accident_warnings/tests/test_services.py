"""The warning's life: drafted with the matched enterprises proposed, adjusted, issued (each
recipient told), acknowledged (the issuer told when the last one does), reminded; the campaign
prompt; the 提醒函 numbered and read back; supervision records that grading reads."""

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from docx import Document

from accident_warnings import services
from accident_warnings.models import (
    AccidentWarning,
    EventAction,
    SupervisionRecord,
    WarningEvent,
    WarningLetter,
    WarningRecipient,
)
from accident_warnings.services import WarningRefused
from accidents.models import AccidentCase
from accounts.roles import Role
from conftest import make_enterprise, make_user
from core.models import Notification
from grading import engine
from grading.models import EnterpriseGrade

from .helpers import accident

pytestmark = pytest.mark.django_db(transaction=False)


def _snapshot():
    return (
        list(AccidentWarning.objects.values()),
        list(WarningRecipient.objects.values()),
        list(WarningEvent.objects.values("pk")),
        list(WarningLetter.objects.values()),
        list(SupervisionRecord.objects.values()),
    )


@pytest.fixture
def case(users):
    return accident(users[Role.SUPERVISOR], tags=["foundry"])


@pytest.fixture
def warning(users, case):
    return services.draft(
        users[Role.SUPERVISOR], accident_id=case.pk, title="警示", text="请吸取教训"
    )


def test_a_draft_proposes_the_matched_enterprises_with_their_reasons(warning, enterprise_a):
    rows = list(warning.recipients.values_list("enterprise_id", "proposed", "reasons"))
    assert rows == [
        (
            enterprise_a.pk,
            True,
            [
                {"field": "industry", "label": "行业相同", "names": ["机械"]},
                {"field": "sector_tag", "label": "重点行业领域相同", "names": ["机械铸造"]},
            ],
        )
    ]
    assert warning.state == "draft"


def test_the_bureau_adjusts_the_list_before_issuing(users, warning, enterprise_a, enterprise_b):
    supervisor = users[Role.SUPERVISOR]
    services.add_recipient(supervisor, warning.pk, enterprise_b.pk)
    services.remove_recipient(supervisor, warning.pk, enterprise_a.pk)
    assert list(warning.recipients.values_list("enterprise_id", "proposed", "reasons")) == [
        (enterprise_b.pk, False, [])
    ]
    removed = WarningEvent.objects.get(action=EventAction.RECIPIENT_REMOVED)
    assert removed.enterprise == enterprise_a and removed.payload["proposed"] is True
    with pytest.raises(WarningRefused, match="已在接收企业名单中"):
        services.add_recipient(supervisor, warning.pk, enterprise_b.pk)


def test_an_issued_list_is_not_adjusted_and_nothing_changes(users, warning, enterprise_b):
    supervisor = users[Role.SUPERVISOR]
    services.issue(supervisor, warning.pk)
    before = _snapshot()
    with pytest.raises(WarningRefused, match="已下发") as refused:
        services.add_recipient(supervisor, warning.pk, enterprise_b.pk)
    assert refused.value.status == 409
    assert _snapshot() == before


def test_adding_an_enterprise_outside_the_scope_is_refused(users, county, far_enterprise):
    town_user = users[Role.SUPERVISOR]
    case = accident(town_user)
    warning = services.draft(town_user, accident_id=case.pk, title="警示", text="内容")
    with pytest.raises(WarningRefused) as refused:
        services.add_recipient(town_user, warning.pk, far_enterprise.pk)
    assert refused.value.status == 404
    with pytest.raises(WarningRefused):
        services.add_recipient(town_user, warning.pk, 2**70)


def test_only_the_bureau_drafts(users, case):
    for role in set(Role) - {Role.COUNTY_ADMIN, Role.SUPERVISOR}:
        with pytest.raises(WarningRefused) as refused:
            services.draft(users[role], accident_id=case.pk, title="警示", text="内容")
        assert refused.value.status == 403
    assert not AccidentWarning.objects.exists()


def test_bad_text_is_refused(users, case):
    with pytest.raises(WarningRefused, match="警示内容"):
        services.draft(users[Role.SUPERVISOR], accident_id=case.pk, title="警示", text="a\x00b")
    with pytest.raises(WarningRefused, match="请填写警示标题"):
        services.draft(users[Role.SUPERVISOR], accident_id=case.pk, title=" ", text="内容")
    assert not AccidentWarning.objects.exists()


def test_the_attachment_is_checked_by_its_content(users, case):
    fake = SimpleUploadedFile("video.mp4", b"not a video at all")
    with pytest.raises(WarningRefused, match="MP4"):
        services.draft(
            users[Role.SUPERVISOR], accident_id=case.pk, title="警示", text="内容", attachment=fake
        )
    exe = SimpleUploadedFile("run.exe", b"MZ...")
    with pytest.raises(WarningRefused, match="文件格式不支持"):
        services.draft(
            users[Role.SUPERVISOR], accident_id=case.pk, title="警示", text="内容", attachment=exe
        )
    assert not AccidentWarning.objects.exists()
    video = SimpleUploadedFile("video.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)
    warning = services.draft(
        users[Role.SUPERVISOR], accident_id=case.pk, title="警示", text="内容", attachment=video
    )
    assert warning.attachment.name.endswith(".mp4")


def test_issuing_tells_each_recipients_managers(
    users, warning, enterprise_a, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.issue(users[Role.SUPERVISOR], warning.pk)
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"principal_a", "safety_a"}


def test_acknowledgement_by_recipients_only(users, warning, enterprise_a, enterprise_a2):
    supervisor = users[Role.SUPERVISOR]
    services.issue(supervisor, warning.pk)
    outsider = make_user("principal_a2", Role.PRINCIPAL, enterprise=enterprise_a2)
    before = _snapshot()
    with pytest.raises(WarningRefused) as refused:
        services.acknowledge(outsider, warning.pk, "read")
    assert refused.value.status == 404
    for role in set(Role) - {Role.PRINCIPAL, Role.SAFETY_OFFICER}:
        with pytest.raises(WarningRefused) as refused:
            services.acknowledge(users[role], warning.pk, "read")
        assert refused.value.status == 403
    assert _snapshot() == before


def test_studied_needs_a_note_and_read_is_once(
    users, warning, immediate_tasks, django_capture_on_commit_callbacks
):
    services.issue(users[Role.SUPERVISOR], warning.pk)
    principal = users[Role.PRINCIPAL]
    with pytest.raises(WarningRefused, match="请填写学习情况说明"):
        services.acknowledge(principal, warning.pk, "studied", "")
    with django_capture_on_commit_callbacks(execute=True):
        services.acknowledge(principal, warning.pk, "read")
    with pytest.raises(WarningRefused, match="本企业已已阅"):
        services.acknowledge(users[Role.SAFETY_OFFICER], warning.pk, "read")
    with django_capture_on_commit_callbacks(execute=True):
        row = services.acknowledge(
            users[Role.SAFETY_OFFICER], warning.pk, "studied", "5月8日组织全员学习，32人参加"
        )
    assert row.state == "studied" and row.note.startswith("5月8日")
    warning.refresh_from_db()
    assert warning.all_acknowledged_at is not None
    # The issuer hears that every recipient acknowledged, once (the later 已组织学习 is no news).
    assert (
        Notification.objects.filter(
            recipient=users[Role.SUPERVISOR], title__contains="全部阅知"
        ).count()
        == 1
    )


def test_a_draft_is_not_acknowledged(users, warning):
    with pytest.raises(WarningRefused) as refused:
        services.acknowledge(users[Role.PRINCIPAL], warning.pk, "read")
    assert refused.value.status == 404


def test_reminders_after_the_days_and_again_later(
    users, warning, immediate_tasks, django_capture_on_commit_callbacks
):
    services.issue(users[Role.SUPERVISOR], warning.pk)
    issued = AccidentWarning.objects.get(pk=warning.pk).issued_at
    assert services.remind(issued + timedelta(days=2)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.remind(issued + timedelta(days=3, minutes=1)) == 1
    assert services.remind(issued + timedelta(days=4)) == 0  # reminded a day ago
    assert services.remind(issued + timedelta(days=6, minutes=2)) == 1
    assert WarningRecipient.objects.get().reminders == 2
    reminded = Notification.objects.filter(title__contains="未阅提醒")
    assert set(reminded.values_list("recipient__username", flat=True)) == {
        "principal_a",
        "safety_a",
    }
    services.acknowledge(users[Role.PRINCIPAL], warning.pk, "read")
    assert services.remind(issued + timedelta(days=20)) == 0


def test_town_rates(users, case, town_a, town_b, enterprise_a):
    supervisor = users[Role.SUPERVISOR]
    second = make_enterprise(town_a, serial=31, name="赵寨子机械厂", industry="machinery")
    third = make_enterprise(town_b, serial=32, name="清平机械厂", industry="machinery")
    warning = services.draft(supervisor, accident_id=case.pk, title="警示", text="内容")
    services.issue(supervisor, warning.pk)
    services.acknowledge(users[Role.PRINCIPAL], warning.pk, "read")
    second_user = make_user("p31", Role.PRINCIPAL, enterprise=second)
    services.acknowledge(second_user, warning.pk, "studied", "已学习")
    rows = {
        r.town.name: (r.total, r.read, r.studied, r.pending, r.rate)
        for r in services.town_rates(supervisor)
    }
    assert rows == {"赵寨子镇": (2, 1, 1, 0, 100.0), "清平镇": (1, 0, 0, 1, 0.0)}
    # The town sees its own only.
    town_rows = services.town_rates(users[Role.TOWN_SUPERVISOR])
    assert [r.town.name for r in town_rows] == ["赵寨子镇"]
    assert third.pk


def test_a_larger_accident_prompts_a_campaign(users):
    larger = accident(users[Role.SUPERVISOR], deaths=3)
    assert larger.level == "larger"
    warning = services.draft(
        users[Role.SUPERVISOR], accident_id=larger.pk, title="警示", text="内容"
    )
    prompt = services.campaign_prompt(warning)
    assert prompt is not None and "较大事故" in prompt and "专项整治" in prompt


def test_a_recurring_category_prompts_a_campaign(users):
    supervisor = users[Role.SUPERVISOR]
    now = timezone.now()
    first = accident(supervisor, category="lifting", occurred_at=now - timedelta(days=300))
    accident(supervisor, category="lifting", occurred_at=now - timedelta(days=500))  # too old
    second = accident(supervisor, category="lifting", occurred_at=now - timedelta(days=100))
    warning = services.draft(supervisor, accident_id=second.pk, title="警示", text="内容")
    assert services.campaign_prompt(warning) is None  # 2 in 12 months
    third = accident(supervisor, category="lifting", occurred_at=now - timedelta(days=1))
    warning = services.draft(supervisor, accident_id=third.pk, title="警示", text="内容")
    prompt = services.campaign_prompt(warning)
    assert prompt is not None and "起重伤害事故已发生 3 起" in prompt
    # A voided record does not count.
    AccidentCase.objects.filter(pk=first.pk).update(voided_at=now)
    assert services.campaign_prompt(warning) is None


def test_the_letter_is_numbered_and_reads_back(users, warning, enterprise_a):
    supervisor = users[Role.SUPERVISOR]
    year = timezone.localdate().year
    letter = services.issue_letter(
        supervisor,
        enterprise_id=enterprise_a.pk,
        warning_id=warning.pk,
        content="一、开展排查\n二、组织学习",
    )
    again = services.issue_letter(supervisor, enterprise_id=enterprise_a.pk, content="开展排查")
    assert letter.number == f"高唐应急提醒〔{year}〕1号"
    assert again.number == f"高唐应急提醒〔{year}〕2号"
    from accident_warnings import documents

    text = "\n".join(p.text for p in Document(io.BytesIO(documents.letter(letter))).paragraphs)
    assert letter.number in text
    assert enterprise_a.name in text and "二、组织学习" in text and "安全生产提醒函" in text


def test_a_letter_outside_the_scope_is_refused(users, enterprise_b):
    before = _snapshot()
    with pytest.raises(WarningRefused) as refused:
        services.issue_letter(
            users[Role.TOWN_SUPERVISOR], enterprise_id=enterprise_b.pk, content="开展排查"
        )
    assert refused.value.status == 404
    assert _snapshot() == before


def test_grading_reads_the_supervision_records(users, enterprise_a):
    supervisor = users[Role.SUPERVISOR]
    today = timezone.localdate()
    for held_on in (today - timedelta(days=10), today - timedelta(days=100)):
        services.record_supervision(
            supervisor,
            enterprise_id=enterprise_a.pk,
            kind="interview",
            held_on=held_on,
            people="县局监管科、企业主要负责人",
            content="约谈事故教训",
        )
    services.record_supervision(
        supervisor,
        enterprise_id=enterprise_a.pk,
        kind="assistance",
        held_on=today,
        people="专家",
        content="帮扶指导",
    )
    engine.run()
    rows = {
        row[0]: row
        for row in EnterpriseGrade.objects.get(enterprise=enterprise_a).explanation["factors"]
    }
    assert rows["interviews_12m"][1:] == [2, 10, 10]
    assert "key_attention_12m" not in rows or rows["key_attention_12m"][1] == 0


def test_supervision_refuses_bad_input(users, enterprise_a):
    supervisor = users[Role.SUPERVISOR]
    base = {
        "enterprise_id": enterprise_a.pk,
        "kind": "interview",
        "held_on": timezone.localdate(),
        "people": "甲",
        "content": "内容",
    }
    for change, message in [
        ({"kind": "bogus"}, "请选择类型"),
        ({"held_on": date(1, 1, 1)}, "日期"),
        ({"held_on": timezone.localdate() + timedelta(days=1)}, "不能晚于今天"),
        ({"content": "x\x00"}, "内容"),
    ]:
        with pytest.raises(WarningRefused, match=message):
            services.record_supervision(supervisor, **{**base, **change})
    with pytest.raises(WarningRefused) as refused:
        services.record_supervision(users[Role.PRINCIPAL], **base)
    assert refused.value.status == 403
    assert not SupervisionRecord.objects.exists()


def test_a_prompted_warning_starts_a_campaign_on_its_recipients(users, client, enterprise_a):
    from campaigns.models import Campaign
    from conftest import client_for

    supervisor = users[Role.SUPERVISOR]
    larger = accident(supervisor, deaths=3, category="machinery", tags=["foundry"])
    warning = services.draft(supervisor, accident_id=larger.pk, title="警示", text="内容")
    recipients = sorted(warning.recipients.values_list("enterprise_id", flat=True))
    assert enterprise_a.pk in recipients
    response = client_for(client, supervisor).post(
        f"/accident-warnings/{warning.pk}/campaign/", follow=False
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/campaigns/{campaign.pk}/"
    assert (campaign.state, campaign.source_accident_id, campaign.template_code) == (
        "draft",
        larger.pk,
        "machinery",
    )
    assert sorted(campaign.targeting["enterprise_ids"]) == recipients
    assert campaign.items.count() > 0 and "较大事故" in campaign.source_note
    assert campaign.name == f"{larger.title}警示专项整治"
    # The warning's page names the campaign it started.
    page = client_for(client, supervisor).get(f"/accident-warnings/{warning.pk}/")
    assert campaign.name in page.content.decode()


def test_a_warning_without_a_prompt_starts_no_campaign(users, warning):
    from campaigns.models import Campaign

    assert services.campaign_prompt(warning) is None
    with pytest.raises(WarningRefused, match="未达到提示开展专项整治的条件") as refused:
        services.start_campaign(users[Role.SUPERVISOR], warning.pk)
    assert refused.value.status == 409 and not Campaign.objects.exists()


def test_only_a_campaign_organiser_starts_one_from_a_warning(users):
    from campaigns.models import Campaign

    larger = accident(users[Role.SUPERVISOR], deaths=3, tags=["foundry"])
    warning = services.draft(users[Role.SUPERVISOR], accident_id=larger.pk, title="警", text="x")
    services.issue(users[Role.SUPERVISOR], warning.pk)
    with pytest.raises(WarningRefused) as refused:
        services.start_campaign(users[Role.EXPERT], warning.pk)
    assert refused.value.status == 403 and not Campaign.objects.exists()
