"""Inspection checklists (检查清单; seed task 22: 实施“清单化”监管执法), built from the criteria
library plus common items of the Work Safety Law.

`build()` makes or updates, idempotently:
- 通用检查清单: the common items below (every enterprise) and the criteria of 第三条 that apply to
  all enterprises;
- one checklist per industry with that industry's criteria (第四条–第十条);
- one per sector tag with its criteria (第三条（三）, 第十一条–第十三条);
- one for the criteria that apply where monitoring is connected (第十四条).

An enterprise's checklist (`items_for`) is the active items of the templates that apply to it
whose criterion, if any, applies to it too (MajorHazardCriterion.objects.for_enterprise): so
第十四条 appears only where the enterprise has monitoring.

The migration enforcement/0002 runs `build` with the historical models; `manage.py
build_checklists` runs it again after the criteria library changes.
"""

from typing import NamedTuple

# 《中华人民共和国安全生产法》(2021年修正) articles, paraphrased. Article numbers are those of the
# 2021 text (the 2014 text numbers them three lower from 第二十一条 on).
#
# Verified 2026-11-29, article by article, against the full text of the law as amended by the
# NPC Standing Committee on 2021-06-10 (in force 2021-09-01): the copy of the 国家法律法规数据库
# (flk.npc.gov.cn) text kept in github.com/LawRefBook/Laws, 社会法/安全生产法(2021-06-10).md;
# 第三十条, 第四十三条 and 第九十七条（七） also against a reprint (ynjnpx.com/show.asp?id=27105).
# Each item's article number is right and its words are the article's own or a faithful
# shortening. Corrected then: 第三十六条 gained "不篡改、隐瞒、销毁其相关数据、信息" (new in 2021),
# 第四十五条 reads "按照使用规则佩戴、使用", and 第四十九条 allows the duties to be set in the
# contract instead of a separate agreement ("签订专门的安全生产管理协议，或者在承包合同、租赁合同
# 中约定各自的安全生产管理职责") and names the owner's coordination and regular checks (migration
# enforcement/0003 updates stored items still worded as shipped).
# enforcement/tests/test_legal_citations.py pins each (article, key phrase of the law): changing
# an item's article or wording there means reading the article again.
LAW = "《中华人民共和国安全生产法》"


class CommonItem(NamedTuple):
    code: str
    text: str
    legal_basis: str


COMMON_ITEMS = [
    CommonItem(
        "law-21",
        "主要负责人履行安全生产职责：建立健全并落实全员安全生产责任制，组织制定并实施规章制度、"
        "操作规程和教育培训计划，保证安全投入，组织制定并实施应急救援预案",
        f"{LAW}第二十一条",
    ),
    CommonItem(
        "law-24",
        "按规定设置安全生产管理机构或者配备专职、兼职安全生产管理人员",
        f"{LAW}第二十四条",
    ),
    CommonItem(
        "law-28",
        "对从业人员进行安全生产教育和培训，未经培训合格不上岗作业；建立教育培训档案，如实记录",
        f"{LAW}第二十八条",
    ),
    CommonItem(
        "law-30",
        "特种作业人员按照国家有关规定经专门的安全作业培训，取得相应资格，持证上岗",
        f"{LAW}第三十条",
    ),
    CommonItem(
        "law-35",
        "在有较大危险因素的生产经营场所和有关设施、设备上设置明显的安全警示标志",
        f"{LAW}第三十五条",
    ),
    CommonItem(
        "law-36",
        "安全设备符合国家标准或者行业标准，经常性维护、保养并定期检测，有记录；"
        "不关闭、破坏直接关系生产安全的监控、报警、防护、救生设备、设施，"
        "不篡改、隐瞒、销毁其相关数据、信息",
        f"{LAW}第三十六条",
    ),
    CommonItem(
        "law-41",
        "建立安全风险分级管控制度和事故隐患排查治理制度（双重预防机制），"
        "及时发现并消除事故隐患，如实记录并向从业人员通报",
        f"{LAW}第四十一条",
    ),
    CommonItem(
        "law-42",
        "生产经营场所和员工宿舍设有符合紧急疏散要求、标志明显、保持畅通的出口和疏散通道",
        f"{LAW}第四十二条",
    ),
    CommonItem(
        "law-43",
        "进行动火、临时用电、吊装等危险作业，安排专门人员进行现场安全管理",
        f"{LAW}第四十三条",
    ),
    CommonItem(
        "law-45",
        "为从业人员提供符合国家标准或者行业标准的劳动防护用品，并监督、教育其按照使用规则佩戴、使用",
        f"{LAW}第四十五条",
    ),
    CommonItem(
        "law-49",
        "不将生产经营项目、场所、设备发包或者出租给不具备安全生产条件或者相应资质的单位或者个人；"
        "与承包、承租单位签订专门的安全生产管理协议，或者在承包合同、租赁合同中约定各自的"
        "安全生产管理职责，并统一协调、管理，定期进行安全检查",
        f"{LAW}第四十九条",
    ),
    CommonItem(
        "law-81",
        "制定生产安全事故应急救援预案，并定期组织演练",
        f"{LAW}第八十一条",
    ),
]
COMMON_SOURCE = f"{LAW}（2021年修正）；治本攻坚方案 任务22"
STANDARD_SOURCE = "工贸企业重大事故隐患判定标准（应急管理部令第10号）"

GENERAL_CODE = "general"
MONITORING_CODE = "monitoring"


def _models(apps=None):
    if apps is None:
        from django.apps import apps as registry

        apps = registry
    return (
        apps.get_model("enforcement", "ChecklistTemplate"),
        apps.get_model("enforcement", "ChecklistItem"),
        apps.get_model("hazards", "MajorHazardCriterion"),
        apps.get_model("enterprises", "SectorTag"),
    )


def _label(article: int, item: int) -> str:
    from hazards.criteria_data import numeral

    cited = f"第{numeral(article)}条"
    return cited if item == 0 else f"{cited}（{numeral(item)}）"


def build(apps=None) -> dict:
    """Make or update the templates and their items; returns {"templates": n, "items": n}.
    Items whose criterion has left the library (or is inactive) are switched off, not deleted:
    answers of past inspections keep pointing at them."""
    from enterprises.choices import Industry

    Template, Item, Criterion, SectorTag = _models(apps)
    industry_names = dict(Industry.choices)
    tag_names = dict(SectorTag.objects.values_list("code", "name"))
    criteria = list(Criterion.objects.filter(active=True).order_by("article", "item"))

    groups = {}  # template code -> (defaults, [(item code, text, basis, criterion id)])

    def group(code, **defaults):
        return groups.setdefault(code, (defaults, []))[1]

    general = group(
        GENERAL_CODE,
        name="通用检查清单（全部工贸企业）",
        industry="",
        sector_tag_id=None,
        source=COMMON_SOURCE,
        sort_order=0,
    )
    for common in COMMON_ITEMS:
        general.append((common.code, common.text, common.legal_basis, None))
    for criterion in criteria:
        code = f"c-{criterion.article}-{criterion.item}"
        # The standard words each item as the hazard itself; the checklist asks for its absence
        # (符合 = the situation is not found).
        text = f"无重大事故隐患情形 {_label(criterion.article, criterion.item)}：{criterion.text}"
        row = (code, text, criterion.source, criterion.pk)
        if criterion.scope == "all":
            general.append(row)
        elif criterion.scope == "industry":
            name = industry_names.get(criterion.industry, criterion.industry)
            group(
                f"industry-{criterion.industry}",
                name=f"{name}行业检查清单",
                industry=criterion.industry,
                sector_tag_id=None,
                source=STANDARD_SOURCE,
                sort_order=10,
            ).append(row)
        elif criterion.scope == "sector" and criterion.sector_tag_id:
            name = tag_names.get(criterion.sector_tag_id, criterion.sector_tag_id)
            group(
                f"sector-{criterion.sector_tag_id}",
                name=f"{name}检查清单",
                industry="",
                sector_tag_id=criterion.sector_tag_id,
                source=STANDARD_SOURCE,
                sort_order=20,
            ).append(row)
        elif criterion.scope == "monitoring":
            group(
                MONITORING_CODE,
                name="监测预警检查清单（已接入企业）",
                industry="",
                sector_tag_id=None,
                source=STANDARD_SOURCE,
                sort_order=30,
            ).append(row)

    item_count = 0
    for code, (defaults, rows) in groups.items():
        template, _ = Template.objects.update_or_create(code=code, defaults=defaults)
        keep = []
        for order, (item_code, text, basis, criterion_id) in enumerate(rows, start=1):
            Item.objects.update_or_create(
                template=template,
                code=item_code,
                defaults={
                    "text": text,
                    "legal_basis": basis[:300],
                    "criterion_id": criterion_id,
                    "order": order,
                    "active": True,
                },
            )
            keep.append(item_code)
            item_count += 1
        Item.objects.filter(template=template).exclude(code__in=keep).update(active=False)
    Template.objects.exclude(code__in=list(groups)).update(active=False)
    return {"templates": len(groups), "items": item_count}


def items_for(enterprise):
    """The checklist for an enterprise, in order: the active items of its templates whose
    criterion, if any, applies to it."""
    from django.db.models import Q

    from enforcement.models import ChecklistItem, ChecklistTemplate
    from hazards.models import MajorHazardCriterion

    templates = ChecklistTemplate.objects.for_enterprise(enterprise)
    criteria = MajorHazardCriterion.objects.for_enterprise(enterprise).values("pk")
    return (
        ChecklistItem.objects.filter(template__in=templates, active=True)
        .filter(Q(criterion__isnull=True) | Q(criterion__in=criteria))
        .select_related("template", "criterion")
        .order_by("template__sort_order", "template__code", "order", "id")
    )
