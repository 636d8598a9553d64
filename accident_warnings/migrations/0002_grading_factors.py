"""The grading factors that read the supervision records (约谈, 重点关注; measure
supervision_12m, accident_warnings/grading_measures.py). The points are drafted by this
platform and say so; inserted only when missing, never overwriting an administrator's edits."""

from django.db import migrations

PLAN = "高唐县工贸行业安全生产治本攻坚三年行动实施方案（2024—2026年）"
DRAFT = "本平台设定（草拟，待县局确认）"

# (code, label, argument, points_per_unit, cap, sort_order, note)
FACTORS = [
    (
        "interviews_12m", "近12个月被约谈", "interview", 5, 10, 1210,
        "县局或镇街对企业的约谈记录（事故警示、监管措施），每次计分。",
    ),
    (
        "key_attention_12m", "近12个月列为重点关注", "key_attention", 5, 5, 1220,
        "县局或镇街将企业列为重点关注的记录。",
    ),
]  # fmt: skip


def load(apps, schema_editor):
    factor_model = apps.get_model("grading", "GradingFactor")
    for code, label, argument, per_unit, cap, order, note in FACTORS:
        factor_model.objects.get_or_create(
            code=code,
            defaults={
                "label": label,
                "group": "dynamic",
                "measure": "supervision_12m",
                "argument": argument,
                "points_per_unit": per_unit,
                "bands": [],
                "cap": cap,
                "weight": 1,
                "min_level": "",
                "source": f"{PLAN} 任务21（约谈、重点关注）；分值{DRAFT}",
                "note": note,
                "sort_order": order,
            },
        )


def unload(apps, schema_editor):
    codes = [row[0] for row in FACTORS]
    apps.get_model("grading", "GradingFactor").objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accident_warnings", "0001_initial"),
        ("grading", "0008_risk_register_factors"),
    ]
    operations = [migrations.RunPython(load, unload)]
