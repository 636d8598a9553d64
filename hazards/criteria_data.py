"""工贸企业重大事故隐患判定标准（应急管理部令第10号，2023-05-15施行）, as default data.

One row per item: 第三条 (3, management), 第四条–第十条 (47, by industry), 第十一条–第十三条
(14, by key sector) and 第十四条 (item 0): 65 rows. The texts are concise paraphrases written from
the item summaries in shared/design/REGULATIONS.md, which says each was checked against full-text
copies of the 2023 standard; they are not the official wording. Do not mix in the 2017 standard
(安监总管四〔2017〕129号): it numbers and words items differently.

The migration hazards/0002_criteria loads these rows; after that they are data an administrator
can correct, so editing this table does not change an existing database.
"""

from typing import NamedTuple

STANDARD = "工贸企业重大事故隐患判定标准（应急管理部令第10号）"

_DIGITS = "零一二三四五六七八九"


def numeral(n: int) -> str:
    """Chinese numeral for 1–99, as articles and items are numbered (十一, 二十)."""
    if not 0 < n < 100:
        raise ValueError(f"no numeral for {n}")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    return ("十" if tens == 1 else _DIGITS[tens] + "十") + (_DIGITS[ones] if ones else "")


def source(article: int, item: int) -> str:
    """Citation of one item: source(11, 3) → "…第十一条第（三）项"; item 0 cites the article."""
    cited = f"{STANDARD}第{numeral(article)}条"
    return cited if item == 0 else f"{cited}第（{numeral(item)}）项"


class Criterion(NamedTuple):
    article: int
    item: int  # 0 for an article without items (第十四条)
    scope: str  # CriterionScope value: all, industry, sector, monitoring
    industry: str  # enterprises.choices.Industry value, or "" unless scope is industry
    sector_tag: str | None  # SectorTag code (enterprises/migrations/0002), or None
    confirmed: bool  # paraphrase checked against the official text
    text: str

    @property
    def label(self) -> str:
        article = f"第{numeral(self.article)}条"
        return article if self.item == 0 else f"{article}（{numeral(self.item)}）"


# fmt: off
_ROWS = [
    # 第三条 管理类：所有工贸企业；（三）仅金属冶炼企业
    (3, 1, "all", "", None, True,
     "未对承包单位、承租单位的安全生产工作统一协调、管理，或者未定期进行安全检查"),
    (3, 2, "all", "", None, True,
     "特种作业人员未按照规定经专门的安全作业培训并取得相应资格，上岗作业"),
    (3, 3, "sector", "", "metal_smelting", True,
     "金属冶炼企业主要负责人、安全生产管理人员未按照规定经考核合格"),

    # 第四条 冶金
    (4, 1, "industry", "metallurgy", None, True,
     "会议室、活动室、休息室、操作室、交接班室、更衣室（含澡堂）等6类人员聚集场所，"
     "以及钢铁水罐冷（热）修工位，设置在铁水、钢水、液渣吊运跨的地坪区域内"),
    (4, 2, "industry", "metallurgy", None, True,
     "生产期间，事故坑、炉下渣坑以及其他熔融金属泼溅区域（原文共列6类区域）内存在积水"),
    (4, 3, "industry", "metallurgy", None, True,
     "炼钢连铸流程未设置事故钢水罐、中间罐漏钢坑（槽）、中间罐溢流坑（槽）、事故回转溜槽，"
     "或者模铸流程未设置事故钢水罐（坑）"),
    (4, 4, "industry", "metallurgy", None, True,
     "转炉、电弧炉、AOD炉、LF炉、RH炉、VOD炉等炼钢炉的水冷元件未设置出水温度、"
     "进出水流量差监测报警装置，或者未与炉体倾动、氧枪提升、电极断电和升起联锁"),
    (4, 5, "industry", "metallurgy", None, True,
     "高炉炉顶压力设定值超过设计最高工作压力，或者炉顶压力监测装置未与炉顶放散阀联锁，"
     "或者炉顶放散阀的放散压力设定值超过设计压力"),
    (4, 6, "industry", "metallurgy", None, True,
     "煤气设施附近的6类人员聚集场所，以及可能发生煤气泄漏、积聚的场所和部位，"
     "未设置固定式一氧化碳浓度监测报警装置，或者监测数据未接入24小时有人值守场所"),
    (4, 7, "industry", "metallurgy", None, True,
     "加热炉、煤气柜、除尘器、加压机、烘烤器等设施，以及进入车间前的煤气管道，"
     "未设置隔断装置"),
    (4, 8, "industry", "metallurgy", None, True,
     "正压煤气输配管线水封式排水器的最高封堵煤气压力小于30kPa，或者同一煤气管道隔断装置"
     "两侧共用一个排水器，或者不同煤气管道排水器的排水口连通，或者不同介质的煤气管道共用排水器"),

    # 第五条 有色
    (5, 1, "industry", "nonferrous", None, True,
     "会议室、活动室、休息室、操作室、交接班室、更衣室（含澡堂）等6类人员聚集场所，"
     "设置在熔融金属吊运跨的地坪区域内"),
    (5, 2, "industry", "nonferrous", None, True,
     "生产期间，熔融金属可能泼溅的区域（原文共列6类区域）内存在非生产性积水"),
    (5, 3, "industry", "nonferrous", None, True,
     "熔融金属铸造环节未设置紧急排放和应急储存设施（倾动式熔炼炉、保温炉，"
     "以及带保温炉的固定式熔炼炉除外）"),
    (5, 4, "industry", "nonferrous", None, True,
     "采用水冷冷却的冶炼炉窑、铸造机、加热炉未设置应急水源（深井铸造结晶器除外）"),
    (5, 5, "industry", "nonferrous", None, True,
     "水冷元件采用闭路循环冷却的，未设置出水温度、进出水流量差监测报警装置；"
     "采用开路冷却的，未设置进水流量、压力监测报警装置，或者未监测出水温度"),
    (5, 6, "industry", "nonferrous", None, True,
     "深井铸造结晶器冷却水系统未设置进水压力、进水流量监测报警装置，或者报警装置未与"
     "快速切断阀、紧急排放阀、流槽断开装置联锁，或者未与倾动式浇铸炉联锁"),
    (5, 7, "industry", "nonferrous", None, True,
     "浇铸炉出口流槽、铸造平台入口未设置液位监测报警装置，"
     "或者固定式浇铸炉的出口未设置机械锁紧装置"),
    (5, 8, "industry", "nonferrous", None, True,
     "固定式浇铸炉的出口流槽未设置紧急排放阀，或者铸造平台入口未设置快速切断阀，"
     "或者液位监测报警装置未与上述阀门联锁"),
    (5, 9, "industry", "nonferrous", None, True,
     "倾动式浇铸炉的铸造平台入口未设置快速切断阀，或者液位监测报警装置未与炉体倾动、"
     "快速切断阀联锁"),
    (5, 10, "industry", "nonferrous", None, True,
     "深井铸造机卷扬机的钢丝绳未采用钢芯钢丝绳，或者未对钢丝绳进行检查、及时更换"),
    (5, 11, "industry", "nonferrous", None, True,
     "可能发生一氧化碳、砷化氢、氯气、硫化氢泄漏的场所和部位，未设置固定式气体浓度"
     "监测报警装置，或者监测数据未接入有人值守场所"),
    (5, 12, "industry", "nonferrous", None, True,
     "使用燃气并强制送风的燃烧装置，燃气总管未设置压力监测报警装置，"
     "或者报警装置未与紧急自动切断装置联锁"),
    (5, 13, "industry", "nonferrous", None, True,
     "正压煤气输配管线水封式排水器的最高封堵压力小于30kPa、隔断装置两侧共用排水器、"
     "不同管道排水口连通，或者不同介质煤气共用排水器（同第四条第（八）项）"),

    # 第六条 建材
    (6, 1, "industry", "building_materials", None, True,
     "煤磨袋式收尘器、煤粉仓未设置温度和固定式一氧化碳浓度监测报警装置，"
     "或者未设置气体灭火装置"),
    (6, 2, "industry", "building_materials", None, True,
     "筒型储库（筒仓）人工清库作业，未采取防止人员高处坠落和物料坍塌的安全措施"),
    (6, 3, "industry", "building_materials", None, True,
     "电石渣储库（仓）未设置可燃气体浓度监测报警装置，或者报警装置未与事故通风装置联锁"),
    (6, 4, "industry", "building_materials", None, True,
     "人员进入筒型储库、窑炉、磨机等设备设施内部作业前，未对其危险能量进行有效隔离"),
    (6, 5, "industry", "building_materials", None, True,
     "使用预混燃气的窑炉，燃气总管未设置压力监测报警装置，"
     "或者报警装置未与紧急自动切断装置联锁"),
    (6, 6, "industry", "building_materials", None, True,
     "制氢站、配气间等可能发生氢气等可燃气体泄漏、积聚的场所，"
     "未设置可燃气体浓度监测报警装置"),
    (6, 7, "industry", "building_materials", None, True,
     "电熔制品生产企业的电熔炉水冷设备失效，不能对电熔炉进行正常冷却"),
    (6, 8, "industry", "building_materials", None, True,
     "玻璃窑炉、玻璃锡槽的冷却保护系统未设置监测报警装置，冷却异常时不能及时报警"),

    # 第七条 机械
    (7, 1, "industry", "machinery", None, True,
     "会议室、休息室等5类人员聚集场所，设置在熔融金属吊运跨或者浇注跨的地坪区域内"),
    (7, 2, "industry", "machinery", None, True,
     "铸造用熔炼炉、精炼炉、保温炉未设置熔融金属紧急排放和应急储存设施"),
    (7, 3, "industry", "machinery", None, True,
     "生产期间，炉底、炉坑、事故坑、炉前、炉基、造型地坑、浇注作业坑、"
     "熔融金属转运通道等8类区域内存在积水"),
    (7, 4, "industry", "machinery", None, True,
     "熔炼炉、精炼炉、压铸机、氧枪的冷却水系统未设置出水温度、进出水流量差监测报警装置，"
     "或者未与加热控制系统、熔融金属转运控制系统联锁"),
    (7, 5, "industry", "machinery", None, True,
     "燃气燃烧装置未设置燃气总管压力监测报警装置，或者未与紧急自动切断装置联锁，"
     "或者未设置火焰监测和熄火保护系统"),
    (7, 6, "industry", "machinery", None, True,
     "使用易燃有机溶剂进行清洗作业，未采取防止可燃蒸气在周边密闭空间内积聚的措施"),
    (7, 7, "industry", "machinery", None, True,
     "使用非水性漆的调漆间、喷漆室未设置固定式可燃气体浓度监测报警装置，或者未设置通风设施"),

    # 第八条 轻工
    (8, 1, "industry", "light_industry", None, True,
     "食品制造企业的烘制、油炸设备未设置温度超限时自动切断热源的防过热自动切断装置"),
    (8, 2, "industry", "light_industry", None, True,
     "白酒勾兑、灌装场所和酒库未设置固定式乙醇蒸气浓度监测报警装置，"
     "或者监测报警装置未与通风设施联锁"),
    (8, 3, "industry", "light_industry", None, True,
     "制浆造纸企业使用液氯时，采用蒸汽或者明火直接加热液氯钢瓶的方式汽化液氯"),
    (8, 4, "industry", "light_industry", None, True,
     "日用玻璃、陶瓷制造企业使用预混燃气的窑炉，燃气总管未设置压力监测报警装置，"
     "或者报警装置未与紧急自动切断装置联锁（以发生炉煤气为燃料的窑炉除外）"),
    (8, 5, "industry", "light_industry", None, True,
     "日用玻璃制造企业玻璃窑炉的冷却保护系统未设置监测报警装置，冷却异常时不能及时报警"),
    (8, 6, "industry", "light_industry", None, True,
     "使用非水性漆的调漆间、喷漆室未设置固定式可燃气体浓度监测报警装置，"
     "或者未设置通风设施（同第七条第（七）项）"),
    (8, 7, "industry", "light_industry", None, True,
     "锂离子电池储存仓库未对故障电池采取有效的物理隔离措施，故障电池与其他电池混存"),

    # 第九条 纺织
    (9, 1, "industry", "textile", None, True,
     "烧毛、开幅、热定型工艺的汽化室、燃气储罐、储油罐、热媒炉，"
     "未与人员聚集场所进行有效分隔"),
    (9, 2, "industry", "textile", None, True,
     "保险粉、双氧水、次氯酸钠、亚氯酸钠、雕白粉（吊白块）与禁忌物料混合储存，"
     "或者保险粉储存未采取防潮措施、未保持干燥"),

    # 第十条 烟草
    (10, 1, "industry", "tobacco", None, True,
     "熏蒸作业未配备磷化氢气体浓度监测报警仪器或者防毒面具，"
     "或者熏蒸前未确认人员全部撤离作业场所"),
    (10, 2, "industry", "tobacco", None, True,
     "使用液态二氧化碳制造膨胀烟丝的生产线和场所，未设置固定式二氧化碳浓度监测报警装置，"
     "或者报警装置未与事故通风设施联锁"),

    # 第十一条 粉尘涉爆
    (11, 1, "sector", "", "combustible_dust", True,
     "粉尘爆炸危险场所设置在非框架结构的多层建（构）筑物内，"
     "或者粉尘爆炸危险场所内设有人员聚集场所"),
    (11, 2, "sector", "", "combustible_dust", True,
     "不同类别的可燃性粉尘、可燃性粉尘与可燃气体共用一套除尘系统，或者不同建（构）筑物、"
     "不同防火分区的除尘系统共用、互联互通"),
    (11, 3, "sector", "", "combustible_dust", True,
     "干式除尘系统未采取泄爆、惰化、抑爆等粉尘爆炸防控措施中的任何一种"),
    (11, 4, "sector", "", "combustible_dust", True,
     "铝镁等金属粉尘除尘系统采用正压方式吹送粉尘，未采取可靠的防范点燃源措施"),
    (11, 5, "sector", "", "combustible_dust", True,
     "除尘系统采用重力沉降室除尘，或者采用干式巷道式构筑物作为除尘风道"),
    (11, 6, "sector", "", "combustible_dust", True,
     "铝镁等金属粉尘、木质粉尘采用干式除尘系统的，除尘系统未设置锁气卸灰装置"),
    (11, 7, "sector", "", "combustible_dust", True,
     "除尘器、收尘仓等划分为20区的粉尘爆炸危险场所，电气设备不符合防爆要求"),
    (11, 8, "sector", "", "combustible_dust", True,
     "粉碎、研磨、造粒等工艺设备前未设置铁、石等杂物去除装置，"
     "或者木制品加工企业与砂光机连接的风管未设置火花探测消除装置"),
    (11, 9, "sector", "", "combustible_dust", True,
     "遇湿自燃金属粉尘收集、堆放、储存场所未采取防止氢气积聚的措施，"
     "或者干式收集、堆放、储存场所未采取防水、防潮措施"),
    (11, 10, "sector", "", "combustible_dust", True,
     "粉尘爆炸危险场所未按规定落实粉尘清理工作，造成作业现场积尘严重"),

    # 第十二条 涉氨制冷
    (12, 1, "sector", "", "ammonia_refrigeration", True,
     "涉氨制冷企业的包装、分割、产品整理场所，空调系统采用氨直接蒸发制冷的方式"),
    (12, 2, "sector", "", "ammonia_refrigeration", True,
     "快速冻结装置未设置在单独的作业间内，或者快速冻结装置作业间内作业人员数量超过9人"),

    # 第十三条 有限空间（存在硫化氢、一氧化碳等中毒风险）
    (13, 1, "sector", "", "confined_space", True,
     "未对存在硫化氢、一氧化碳等中毒风险的有限空间进行辨识、建立安全管理台账，"
     "并且未设置明显的安全警示标志"),
    (13, 2, "sector", "", "confined_space", True,
     "有限空间作业未落实作业审批，或者未执行“先通风、再检测、后作业”要求，"
     "或者作业现场未设置监护人员"),

    # 第十四条 监测报警、防护、联锁装置失效
    (14, 0, "monitoring", "", None, True,
     "本标准要求设置的监测报警、安全防护、联锁等设施、设备、装置失效或者不能正常使用的，"
     "同样判定为重大事故隐患"),
]
# fmt: on

CRITERIA = [Criterion(*row) for row in _ROWS]
