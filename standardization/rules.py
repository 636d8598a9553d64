"""The rules of a rating, as data with their sources (docs/architecture.md: rules as data).

VALIDITY: the years a certificate of each grade is valid, loaded into ValidityRule by the
migration and editable in the admin. The three-year term is the usual one in 企业安全生产标准化
建设定级办法 (应急〔2021〕83号), whose text could not be checked here (no article is cited and
the rows are marked unconfirmed); that 办法 knows 一级、二级、三级 only, the 小微企业 term is
local practice (also unconfirmed). A bureau corrects a row in the admin once the text is read.

VETO: seed task 12, a major hazard vetoes a rating (一票否决).

GRADE_RANK: 一级 above 二级 above 三级; a downgrade goes to a lower level of these three. A
小微企业 rating is not on that ladder: it is kept or revoked."""

VALIDITY_SOURCE = "企业安全生产标准化建设定级办法（应急〔2021〕83号），条款未核实"
VALIDITY: tuple[tuple[str, int, str, bool], ...] = (
    # (grade, years, source, unconfirmed)
    ("level1", 3, VALIDITY_SOURCE, True),
    ("level2", 3, VALIDITY_SOURCE, True),
    ("level3", 3, VALIDITY_SOURCE, True),
    ("small_micro", 3, "小微企业安全生产标准化达标：地方做法，有效期未核实", True),
)
DEFAULT_YEARS = {grade: years for grade, years, _source, _unconfirmed in VALIDITY}

VETO_SOURCE = (
    "高唐县工贸安全生产治本攻坚三年行动实施方案（2024—2026年）任务12：重大事故隐患一票否决"
)

GRADE_RANK = {"level1": 1, "level2": 2, "level3": 3}

# A renewal may be applied for this many days before the certificate's term ends (or after).
RENEWAL_WINDOW_DAYS = 180
