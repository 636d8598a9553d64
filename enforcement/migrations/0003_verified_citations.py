# Legal citations checked against the official texts on 2026-11-29 (see the comment above
# enforcement.inspections.checklists.COMMON_ITEMS and enforcement/tests/test_legal_citations.py).
#
# - Three common checklist items reworded to follow their 安全生产法 (2021) articles: an item is
#   updated only while it still reads as shipped by 0002, so a wording changed in the admin stays.
# - The 执行完毕 state cited 《行政处罚法》第六十七条至第七十二条; the chapter on execution (第六章
#   行政处罚的执行) opens with 第六十六条, the party's duty to carry out the decision in time.
# - Penalty.legal_basis: its example cited 第九十九条第一款; that article is a single paragraph
#   of eight items, and a case cites the item.

from django.db import migrations, models

ITEMS = {
    "law-36": (
        "安全设备符合国家标准或者行业标准，经常性维护、保养并定期检测，有记录；"
        "不关闭、破坏直接关系生产安全的监控、报警、防护、救生设备、设施",
        "安全设备符合国家标准或者行业标准，经常性维护、保养并定期检测，有记录；"
        "不关闭、破坏直接关系生产安全的监控、报警、防护、救生设备、设施，"
        "不篡改、隐瞒、销毁其相关数据、信息",
    ),
    "law-45": (
        "为从业人员提供符合国家标准或者行业标准的劳动防护用品，并监督、教育其按规则佩戴、使用",
        "为从业人员提供符合国家标准或者行业标准的劳动防护用品，并监督、教育其按照使用规则佩戴、使用",
    ),
    "law-49": (
        "不将生产经营项目、场所、设备发包或者出租给不具备安全生产条件或者相应资质的单位或者个人；"
        "与承包、承租单位签订安全生产管理协议",
        "不将生产经营项目、场所、设备发包或者出租给不具备安全生产条件或者相应资质的单位或者个人；"
        "与承包、承租单位签订专门的安全生产管理协议，或者在承包合同、租赁合同中约定各自的"
        "安全生产管理职责，并统一协调、管理，定期进行安全检查",
    ),
}
STATE_SOURCE = {
    "executed": ("《行政处罚法》第六十七条至第七十二条", "《行政处罚法》第六十六条至第七十二条"),
}


def forwards(apps, schema_editor):
    ChecklistItem = apps.get_model("enforcement", "ChecklistItem")
    PenaltyState = apps.get_model("enforcement", "PenaltyState")
    for code, (before, after) in ITEMS.items():
        ChecklistItem.objects.filter(template__code="general", code=code, text=before).update(
            text=after
        )
    for code, (before, after) in STATE_SOURCE.items():
        PenaltyState.objects.filter(code=code, source=before).update(source=after)


def backwards(apps, schema_editor):
    ChecklistItem = apps.get_model("enforcement", "ChecklistItem")
    PenaltyState = apps.get_model("enforcement", "PenaltyState")
    for code, (before, after) in ITEMS.items():
        ChecklistItem.objects.filter(template__code="general", code=code, text=after).update(
            text=before
        )
    for code, (before, after) in STATE_SOURCE.items():
        PenaltyState.objects.filter(code=code, source=after).update(source=before)


class Migration(migrations.Migration):
    dependencies = [
        ("enforcement", "0002_inspections"),
    ]

    operations = [
        migrations.AlterField(
            model_name="penalty",
            name="legal_basis",
            field=models.TextField(
                help_text="例如：《中华人民共和国安全生产法》第九十九条第（三）项",
                verbose_name="处罚依据",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
