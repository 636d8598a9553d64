"""The legal citations of the enforcement module, pinned as verified on 2026-11-29 against the
official texts (sources in the comment above enforcement.inspections.checklists.COMMON_ITEMS and
enforcement.inspections.documents.APPEAL).

For each common checklist item: its article and a sentence of the article as the law words it,
with the phrases the item must keep. A changed article number, a changed wording or a new item
fails here: read the article again, then change the item and this table together."""

import importlib

import pytest
from django.apps import apps

from accounts.roles import Role
from enforcement import constants, demo
from enforcement.inspections import checklists, documents
from enforcement.models import ChecklistItem, Penalty, PenaltyState
from enforcement.penalties import services as penalty_services

LAW = "《中华人民共和国安全生产法》"

# code: (article, the article's own words (2021 text, excerpt), phrases the item keeps)
VERIFIED = {
    "law-21": (
        "第二十一条",
        "（一）建立健全并落实本单位全员安全生产责任制……（二）组织制定并实施本单位安全生产"
        "规章制度和操作规程；……（六）组织制定并实施本单位的生产安全事故应急救援预案",
        ["全员安全生产责任制", "规章制度", "操作规程", "应急救援预案"],
    ),
    "law-24": (
        "第二十四条",
        "应当设置安全生产管理机构或者配备专职安全生产管理人员……从业人员在一百人以下的，"
        "应当配备专职或者兼职的安全生产管理人员",
        ["设置安全生产管理机构", "安全生产管理人员", "兼职"],
    ),
    "law-28": (
        "第二十八条",
        "生产经营单位应当对从业人员进行安全生产教育和培训……未经安全生产教育和培训合格的"
        "从业人员，不得上岗作业。……如实记录安全生产教育和培训的时间、内容、参加人员以及"
        "考核结果等情况",
        ["对从业人员进行安全生产教育和培训", "上岗作业", "如实记录"],
    ),
    "law-30": (
        "第三十条",
        "生产经营单位的特种作业人员必须按照国家有关规定经专门的安全作业培训，取得相应资格，"
        "方可上岗作业",
        ["特种作业人员", "经专门的安全作业培训，取得相应资格"],
    ),
    "law-35": (
        "第三十五条",
        "生产经营单位应当在有较大危险因素的生产经营场所和有关设施、设备上，设置明显的安全警示标志",
        ["有较大危险因素的生产经营场所和有关设施、设备", "明显的安全警示标志"],
    ),
    "law-36": (
        "第三十六条",
        "应当符合国家标准或者行业标准。生产经营单位必须对安全设备进行经常性维护、保养，并定期"
        "检测……生产经营单位不得关闭、破坏直接关系生产安全的监控、报警、防护、救生设备、设施，"
        "或者篡改、隐瞒、销毁其相关数据、信息",
        [
            "国家标准或者行业标准",
            "经常性维护、保养",
            "监控、报警、防护、救生设备、设施",
            "篡改、隐瞒、销毁其相关数据、信息",
        ],
    ),
    "law-41": (
        "第四十一条",
        "生产经营单位应当建立安全风险分级管控制度……建立健全并落实生产安全事故隐患排查治理"
        "制度，采取技术、管理措施，及时发现并消除事故隐患。事故隐患排查治理情况应当如实记录，"
        "并通过职工大会或者职工代表大会、信息公示栏等方式向从业人员通报",
        [
            "安全风险分级管控制度",
            "事故隐患排查治理制度",
            "及时发现并消除事故隐患",
            "如实记录",
            "向从业人员通报",
        ],
    ),
    "law-42": (
        "第四十二条",
        "生产经营场所和员工宿舍应当设有符合紧急疏散要求、标志明显、保持畅通的出口、疏散通道",
        ["生产经营场所和员工宿舍", "符合紧急疏散要求、标志明显、保持畅通的出口", "疏散通道"],
    ),
    "law-43": (
        "第四十三条",
        "生产经营单位进行爆破、吊装、动火、临时用电以及……其他危险作业，应当安排专门人员进行"
        "现场安全管理",
        ["动火", "临时用电", "吊装", "危险作业", "安排专门人员进行现场安全管理"],
    ),
    "law-45": (
        "第四十五条",
        "生产经营单位必须为从业人员提供符合国家标准或者行业标准的劳动防护用品，并监督、教育"
        "从业人员按照使用规则佩戴、使用",
        ["符合国家标准或者行业标准的劳动防护用品", "监督、教育", "按照使用规则佩戴、使用"],
    ),
    "law-49": (
        "第四十九条",
        "生产经营单位不得将生产经营项目、场所、设备发包或者出租给不具备安全生产条件或者相应"
        "资质的单位或者个人。……应当与承包单位、承租单位签订专门的安全生产管理协议，或者在"
        "承包合同、租赁合同中约定各自的安全生产管理职责；生产经营单位对承包单位、承租单位的"
        "安全生产工作统一协调、管理，定期进行安全检查",
        [
            "生产经营项目、场所、设备发包或者出租给不具备安全生产条件或者相应资质的单位或者个人",
            "签订专门的安全生产管理协议",
            "约定各自的安全生产管理职责",
            "统一协调、管理",
            "定期进行安全检查",
        ],
    ),
    "law-81": (
        "第八十一条",
        "生产经营单位应当制定本单位生产安全事故应急救援预案……并定期组织演练",
        ["生产安全事故应急救援预案", "定期组织演练"],
    ),
}

# 《行政处罚法》（2021年修订） articles of the penalty case states (checked the same day).
STATE_SOURCES = {
    "filed": "《行政处罚法》第五十四条",  # 符合立案标准的，行政机关应当及时立案
    "notified": "《行政处罚法》第四十四条、第六十二条",  # 告知；未告知不得作出决定
    "decided": "《行政处罚法》第五十七条",  # 调查终结……分别作出如下决定
    "executed": "《行政处罚法》第六十六条至第七十二条",  # 第六章 行政处罚的执行
    "closed": "《安全生产违法行为行政处罚办法》",
}


def test_every_common_item_was_verified():
    assert [c.code for c in checklists.COMMON_ITEMS] == list(VERIFIED)


@pytest.mark.parametrize("code", list(VERIFIED))
def test_common_item_cites_its_article_in_its_words(code):
    article, official, phrases = VERIFIED[code]
    item = next(c for c in checklists.COMMON_ITEMS if c.code == code)
    assert item.legal_basis == f"{LAW}{article}"
    for phrase in phrases:
        assert phrase in official, f"{phrase} is not the law's wording"
        assert phrase in item.text, f"{code} lost {phrase}"


def test_the_stored_checklist_reads_as_verified(db):
    """What the migrations left in the database (0002 built it, 0003 corrected it) is the
    verified wording."""
    stored = {
        row.code: row
        for row in ChecklistItem.objects.filter(template__code=checklists.GENERAL_CODE)
        if row.code.startswith("law-")
    }
    assert set(stored) == set(VERIFIED)
    for item in checklists.COMMON_ITEMS:
        assert stored[item.code].text == item.text
        assert stored[item.code].legal_basis == item.legal_basis
        assert stored[item.code].active


def test_migration_rewords_shipped_items_only(db):
    migration = importlib.import_module("enforcement.migrations.0003_verified_citations")
    general = ChecklistItem.objects.filter(template__code=checklists.GENERAL_CODE)
    shipped, _ = migration.ITEMS["law-49"]
    general.filter(code="law-49").update(text=shipped)
    general.filter(code="law-45").update(text="由管理员改写的条目")
    PenaltyState.objects.filter(code="executed").update(
        source="《行政处罚法》第六十七条至第七十二条"
    )
    migration.forwards(apps, None)
    assert general.get(code="law-49").text == migration.ITEMS["law-49"][1]
    assert general.get(code="law-45").text == "由管理员改写的条目"
    assert PenaltyState.objects.get(code="executed").source == STATE_SOURCES["executed"]


def test_penalty_states_cite_the_procedure(db):
    assert dict(PenaltyState.objects.values_list("code", "source")) == STATE_SOURCES


def test_penalty_citations():
    # 第九十七条 (2021): （一）未按照规定设置安全生产管理机构或者配备安全生产管理人员、注册安全
    # 工程师的；（七）特种作业人员未按照规定经专门的安全作业培训并取得相应资格，上岗作业的。
    # 第一百零二条: 生产经营单位未采取措施消除事故隐患的，责令立即消除或者限期消除，处五万元
    # 以下的罚款。
    violation, basis, amount = demo.PENALTY_OPEN
    assert basis == f"{LAW}第九十七条第（一）项、第一百零二条"
    assert "未按照规定配备安全生产管理人员" in violation
    assert "未采取措施消除" in violation
    assert amount <= 100000  # 第九十七条: 处十万元以下的罚款
    # the inspection it comes from found wanting the second common item (第二十四条)
    assert checklists.COMMON_ITEMS[1].legal_basis == f"{LAW}第二十四条"
    violation, basis, amount = demo.PENALTY_CLOSED
    assert basis == f"{LAW}第九十七条第（七）项"
    assert "特种作业人员未按照规定经专门的安全作业培训并取得相应资格" in violation
    assert amount <= 100000
    help_text = Penalty._meta.get_field("legal_basis").help_text
    assert help_text == f"例如：{LAW}第九十九条第（三）项"


def test_the_demo_corrects_its_earlier_case(db, users, enterprise_a):
    from datetime import date

    enforcer = users[Role.ENFORCEMENT_OFFICER]
    old = penalty_services.file_penalty(
        enforcer, enterprise_a.pk, demo.PENALTY_OPEN_BEFORE, "旧依据", filed_on=date(2026, 3, 1)
    )
    demo._penalties(enforcer, None, demo.Calendar(date(2026, 11, 29)))
    old.refresh_from_db()
    assert (old.violation, old.legal_basis) == demo.PENALTY_OPEN[:2]


def test_rectification_order_states_the_remedies():
    # 《行政复议法》（2023年修订）第二十条: 自知道或者应当知道该行政行为之日起六十日内提出行政复议
    # 申请; 《行政诉讼法》第四十六条: 应当自知道或者应当知道作出行政行为之日起六个月内提出。
    assert "60日内申请行政复议" in documents.APPEAL
    assert "6个月内依法向人民法院提起行政诉讼" in documents.APPEAL
    assert "不停止执行" in documents.APPEAL


def test_inspectors_per_inspection_cites_the_penalty_law():
    # 《行政处罚法》（2021年修订）第四十二条: 执法人员不得少于两人，法律另有规定的除外。
    assert constants.MIN_INSPECTORS_SOURCE == "《行政处罚法》第四十二条：执法人员不得少于两人"
    minimum = constants.MIN_INSPECTORS_BY_KIND
    assert minimum["on_site"] == minimum["unannounced"] == 2
