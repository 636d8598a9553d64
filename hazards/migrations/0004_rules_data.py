from django.db import migrations

TASK5 = "治本攻坚方案 任务5：主要负责人每季度至少带队检查1次，金属冶炼（机械铸造）、粉尘涉爆、涉氨制冷等重点行业领域企业每月至少1次"
MONTHLY_TAGS = ["metal_smelting", "foundry", "combustible_dust", "ammonia_refrigeration"]
# Reminder and escalation timing is the bureau's working practice, not a rule of the plan: the
# plan (task 5) asks that each major hazard has a deadline and is closed by it. These defaults
# are editable in the admin.
DEADLINE_RULES = [
    ("remind_before", "期限前提醒企业", 3, "本局工作规则（可调整）：整改期限前3个工作日提醒"),
    ("escalate_town", "逾期升级至镇街", 1, "本局工作规则（可调整）：逾期1个工作日升级至镇街监管员"),
    (
        "escalate_county",
        "逾期升级至县局",
        5,
        "本局工作规则（可调整）：逾期5个工作日升级至县局监管科室",
    ),
]


def load(apps, schema_editor):
    DutyRule = apps.get_model("hazards", "DutyRule")
    DeadlineRule = apps.get_model("hazards", "DeadlineRule")
    DutyRule.objects.update_or_create(sector_tag=None, defaults={"months": 3, "source": TASK5})
    for code in MONTHLY_TAGS:
        DutyRule.objects.update_or_create(
            sector_tag_id=code, defaults={"months": 1, "source": TASK5}
        )
    for code, label, days, source in DEADLINE_RULES:
        DeadlineRule.objects.update_or_create(
            code=code, defaults={"label": label, "working_days": days, "source": source}
        )


def unload(apps, schema_editor):
    apps.get_model("hazards", "DutyRule").objects.all().delete()
    apps.get_model("hazards", "DeadlineRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("hazards", "0003_duties"), ("enterprises", "0002_sector_tags")]
    operations = [migrations.RunPython(load, unload)]
