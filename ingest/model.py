"""The one model of the annual report format (see shared/spec/FORMAT.md).

Row keys, column keys, labels and identities live here, as data. The parser, the
validator, the loader, the site's queries and the tests all read them from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

FormatVersion = Literal["2019", "2021"]

SCHEMA = "nianbao.report/2"


@dataclass(frozen=True)
class Row:
    """One row of a table: its key, its own label, and where it sits in the format."""

    key: str
    label: str  # the row's own label as printed, numbering included
    group: str = ""  # the merged group cell it sits under, e.g. "（三）不予公开"
    note: str = ""  # Chinese description for the site


# ---------------------------------------------------------------------------
# Table 三 — applications received and handled
# ---------------------------------------------------------------------------

APPLICANT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("natural_person", "自然人"),
    ("commercial", "商业企业"),
    ("research", "科研机构"),
    ("social_welfare", "社会公益组织"),
    ("legal_service", "法律服务机构"),
    ("other_org", "其他"),
    ("total", "总计"),
)
APPLICANT_KEYS: tuple[str, ...] = tuple(k for k, _ in APPLICANT_COLUMNS)
APPLICANT_PARTS: tuple[str, ...] = APPLICANT_KEYS[:-1]  # the six that sum to total

_RESULT = "三、本年度办理结果"
_DENIED = "（三）不予公开"
_UNAVAILABLE = "（四）无法提供"
_UNPROCESSED = "（五）不予处理"
_OTHER = "（六）其他处理"

APPLICATION_ROWS_HEAD: tuple[Row, ...] = (
    Row("new_received", "一、本年新收政府信息公开申请数量"),
    Row("carried_over", "二、上年结转政府信息公开申请数量"),
    Row("granted", "（一）予以公开", _RESULT),
    Row("partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", _RESULT),
    Row("denied_state_secret", "1.属于国家秘密", _DENIED),
    Row("denied_prohibited_by_law", "2.其他法律行政法规禁止公开", _DENIED),
    Row("denied_three_safety", "3.危及“三安全一稳定”", _DENIED),
    Row("denied_third_party", "4.保护第三方合法权益", _DENIED),
    Row("denied_internal_affairs", "5.属于三类内部事务信息", _DENIED),
    Row("denied_process_info", "6.属于四类过程性信息", _DENIED),
    Row("denied_enforcement_file", "7.属于行政执法案卷", _DENIED),
    Row("denied_admin_query", "8.属于行政查询事项", _DENIED),
    Row("unavailable_not_held", "1.本机关不掌握相关政府信息", _UNAVAILABLE),
    Row("unavailable_needs_creation", "2.没有现成信息需要另行制作", _UNAVAILABLE),
    Row("unavailable_unclear", "3.补正后申请内容仍不明确", _UNAVAILABLE),
    Row("unprocessed_petition", "1.信访举报投诉类申请", _UNPROCESSED),
    Row("unprocessed_duplicate", "2.重复申请", _UNPROCESSED),
    Row("unprocessed_publication", "3.要求提供公开出版物", _UNPROCESSED),
    Row("unprocessed_excessive", "4.无正当理由大量反复申请", _UNPROCESSED),
    Row("unprocessed_confirmation", "5.要求行政机关确认或重新出具已获取信息", _UNPROCESSED),
)
APPLICATION_ROWS_OTHER_SPLIT: tuple[Row, ...] = (
    Row(
        "other_no_correction",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        _OTHER,
    ),
    Row(
        "other_no_fee",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        _OTHER,
    ),
    Row("other_other", "3.其他", _OTHER),
)
APPLICATION_ROWS_OTHER_SINGLE: tuple[Row, ...] = (Row("other_processing", _OTHER, _RESULT),)
APPLICATION_ROWS_TAIL: tuple[Row, ...] = (
    Row("total_handled", "（七）总计", _RESULT),
    Row("carried_forward", "四、结转下年度继续办理"),
)

# The two row layouts of table 三: 25 rows with the three （六） sub-rows, 23 with one.
APPLICATION_ROWS_SPLIT: tuple[Row, ...] = (
    APPLICATION_ROWS_HEAD + APPLICATION_ROWS_OTHER_SPLIT + APPLICATION_ROWS_TAIL
)
APPLICATION_ROWS_SINGLE: tuple[Row, ...] = (
    APPLICATION_ROWS_HEAD + APPLICATION_ROWS_OTHER_SINGLE + APPLICATION_ROWS_TAIL
)
# Every row key in display order (both variants), for the loader and the site.
APPLICATION_ROWS_ALL: tuple[Row, ...] = (
    APPLICATION_ROWS_HEAD
    + APPLICATION_ROWS_OTHER_SPLIT
    + APPLICATION_ROWS_OTHER_SINGLE
    + APPLICATION_ROWS_TAIL
)
APPLICATION_ROW_BY_KEY: dict[str, Row] = {r.key: r for r in APPLICATION_ROWS_ALL}


def application_rows(applications: Mapping[str, object]) -> tuple[Row, ...]:
    """The row layout of table 三 a report prints — the one place this is decided: the
    23-row variant when it has the single （六）其他处理 row and none of the three, else
    the 25-row one (FORMAT.md)."""
    split = any(r.key in applications for r in APPLICATION_ROWS_OTHER_SPLIT)
    if "other_processing" in applications and not split:
        return APPLICATION_ROWS_SINGLE
    return APPLICATION_ROWS_SPLIT


# Header text of the printed tables, besides the row and column labels.
PROACTIVE_ITEM_HEAD = "信息内容"  # table 二's first column
APPLICANT_HEAD = "申请人情况"  # table 三, over the seven applicant columns
APPLICANT_ORG_HEAD = "法人或其他组织"  # table 三, over the five organisation columns
BALANCE_NOTE = (
    "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"  # table 三's corner
)

# The merged group cells of table 三, by key (the site's queries join on the key,
# never on the printed label).
APPLICATION_GROUPS: tuple[tuple[str, str], ...] = (
    ("result", _RESULT),
    ("denied", _DENIED),
    ("unavailable", _UNAVAILABLE),
    ("unprocessed", _UNPROCESSED),
    ("other", _OTHER),
)
GROUP_KEY_BY_LABEL: dict[str, str] = {label: key for key, label in APPLICATION_GROUPS}

# Outcome rows: every row from `granted` to the （六） rows; they sum to total_handled.
OUTCOME_KEYS: tuple[str, ...] = tuple(
    r.key
    for r in APPLICATION_ROWS_ALL
    if r.key not in ("new_received", "carried_over", "total_handled", "carried_forward")
)


def outcome_label(row: Row) -> str | None:
    """The outcome category a row counts under (予以公开, 部分公开, （三）不予公开, …): its own
    label under 三、本年度办理结果, else its group's; None for the rows that are not outcomes."""
    if row.key not in OUTCOME_KEYS:
        return None
    return row.label if row.group == _RESULT else row.group


DENIED_KEYS: tuple[str, ...] = tuple(r.key for r in APPLICATION_ROWS_HEAD if r.group == _DENIED)
UNAVAILABLE_KEYS: tuple[str, ...] = tuple(
    r.key for r in APPLICATION_ROWS_HEAD if r.group == _UNAVAILABLE
)
UNPROCESSED_KEYS: tuple[str, ...] = tuple(
    r.key for r in APPLICATION_ROWS_HEAD if r.group == _UNPROCESSED
)
OTHER_KEYS: tuple[str, ...] = tuple(
    r.key for r in APPLICATION_ROWS_OTHER_SPLIT + APPLICATION_ROWS_OTHER_SINGLE
)

# ---------------------------------------------------------------------------
# Table 四 — administrative reconsideration and litigation
# ---------------------------------------------------------------------------

REVIEW_GROUPS: tuple[tuple[str, str], ...] = (
    ("review", "行政复议"),
    ("litigation_direct", "行政诉讼·未经复议直接起诉"),
    ("litigation_after_review", "行政诉讼·复议后起诉"),
)
REVIEW_COLUMNS: tuple[tuple[str, str], ...] = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
)
REVIEW_KEYS: tuple[str, ...] = tuple(k for k, _ in REVIEW_COLUMNS)

# ---------------------------------------------------------------------------
# Table 二 — proactive disclosure
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProactiveItem:
    key: str
    labels: tuple[str, ...]  # label as printed, and accepted variants
    block: str  # 第二十条第（N）项
    columns: tuple[str, ...]  # column keys in printed order


@dataclass(frozen=True)
class ProactiveColumn:
    key: str
    label: str
    kind: Literal["int", "signed", "decimal"]
    unit: str


PROACTIVE_COLUMNS: tuple[ProactiveColumn, ...] = (
    ProactiveColumn("made", "本年制发件数", "int", "件"),
    ProactiveColumn("abolished", "本年废止件数", "int", "件"),
    ProactiveColumn("in_force", "现行有效件数", "int", "件"),
    ProactiveColumn("decisions", "本年处理决定数量", "int", "件"),
    ProactiveColumn("amount_10k_yuan", "本年收费金额（单位：万元）", "decimal", "万元"),
    ProactiveColumn("new_made", "本年新制作数量", "int", "件"),
    ProactiveColumn("new_published", "本年新公开数量", "int", "件"),
    ProactiveColumn("total_published", "对外公开总数量", "int", "件"),
    ProactiveColumn("previous_items", "上一年项目数量", "int", "项"),
    ProactiveColumn("change", "本年增/减", "signed", "项"),
    ProactiveColumn("projects", "采购项目数量", "int", "项"),
    ProactiveColumn("amount", "采购总金额", "decimal", "元或万元（见 amount_unit）"),
)
PROACTIVE_COLUMN_BY_KEY: dict[str, ProactiveColumn] = {c.key: c for c in PROACTIVE_COLUMNS}

_DOCS_2021 = ("made", "abolished", "in_force")
_DOCS_2019 = ("new_made", "new_published", "total_published")
_ITEMS_2019 = ("previous_items", "change", "decisions")

PROACTIVE_2021: tuple[ProactiveItem, ...] = (
    ProactiveItem("regulations", ("规章",), "第二十条第（一）项", _DOCS_2021),
    ProactiveItem(
        "normative_documents", ("行政规范性文件", "规范性文件"), "第二十条第（一）项", _DOCS_2021
    ),
    ProactiveItem("licensing", ("行政许可",), "第二十条第（五）项", ("decisions",)),
    ProactiveItem("punishment", ("行政处罚",), "第二十条第（六）项", ("decisions",)),
    ProactiveItem("coercion", ("行政强制",), "第二十条第（六）项", ("decisions",)),
    ProactiveItem("admin_fees", ("行政事业性收费",), "第二十条第（八）项", ("amount_10k_yuan",)),
)
PROACTIVE_2019: tuple[ProactiveItem, ...] = (
    ProactiveItem("regulations", ("规章",), "第二十条第（一）项", _DOCS_2019),
    ProactiveItem(
        "normative_documents", ("规范性文件", "行政规范性文件"), "第二十条第（一）项", _DOCS_2019
    ),
    ProactiveItem("licensing", ("行政许可",), "第二十条第（五）项", _ITEMS_2019),
    ProactiveItem("other_services", ("其他对外管理服务事项",), "第二十条第（五）项", _ITEMS_2019),
    ProactiveItem("punishment", ("行政处罚",), "第二十条第（六）项", _ITEMS_2019),
    ProactiveItem("coercion", ("行政强制",), "第二十条第（六）项", _ITEMS_2019),
    ProactiveItem(
        "admin_fees", ("行政事业性收费",), "第二十条第（八）项", ("previous_items", "change")
    ),
    ProactiveItem("procurement", ("政府集中采购",), "第二十条第（九）项", ("projects", "amount")),
)
PROACTIVE_ITEMS: dict[FormatVersion, tuple[ProactiveItem, ...]] = {
    "2021": PROACTIVE_2021,
    "2019": PROACTIVE_2019,
}
PROACTIVE_LABELS: dict[str, str] = {
    "regulations": "规章",
    "normative_documents": "行政规范性文件",
    "licensing": "行政许可",
    "other_services": "其他对外管理服务事项",
    "punishment": "行政处罚",
    "coercion": "行政强制",
    "admin_fees": "行政事业性收费",
    "procurement": "政府集中采购",
}

# Column headers that tell the two formats apart (never the year).
FORMAT_MARKERS: dict[FormatVersion, tuple[str, ...]] = {
    "2021": ("本年制发件数", "本年废止件数", "现行有效件数", "2021〕30号"),
    "2019": ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "2019〕60号"),
}

# ---------------------------------------------------------------------------
# The six sections
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    key: str
    number: str
    title: str
    keywords: tuple[str, ...]  # any of these in a heading line marks the section


SECTIONS: tuple[Section, ...] = (
    Section("overview", "一", "总体情况", ("总体情况",)),
    Section("proactive", "二", "主动公开政府信息情况", ("主动公开政府信息",)),
    Section(
        "applications",
        "三",
        "收到和处理政府信息公开申请情况",
        ("收到和处理", "政府信息公开申请情况"),
    ),
    Section(
        "review_litigation", "四", "政府信息公开行政复议、行政诉讼情况", ("行政复议", "行政诉讼")
    ),
    Section("problems", "五", "存在的主要问题及改进情况", ("存在的主要问题", "改进情况")),
    Section("other_matters", "六", "其他需要报告的事项", ("其他需要报告",)),
)
SECTION_BY_KEY: dict[str, Section] = {s.key: s for s in SECTIONS}

# ---------------------------------------------------------------------------
# Agency types, by the suffix of the agency's name (longest first wins)
# ---------------------------------------------------------------------------

AGENCY_TYPES: tuple[tuple[str, str], ...] = (
    ("人民政府办公室", "人民政府办公室"),
    ("人民政府办公厅", "人民政府办公厅"),
    ("街道办事处", "街道办事处"),
    ("镇人民政府", "乡镇人民政府"),
    ("乡人民政府", "乡镇人民政府"),
    ("人民政府", "人民政府"),
    ("发展和改革委员会", "发展和改革委员会"),
    ("发展和改革局", "发展和改革局"),  # county bodies renamed from 委员会 to 局
    ("卫生健康委员会", "卫生健康委员会"),
    ("委员会", "委员会"),
    ("商务局", "商务局"),
    ("统计局", "统计局"),
    ("财政局", "财政局"),
    ("教育局", "教育局"),
    ("公安局", "公安局"),
    ("民政局", "民政局"),
    ("司法局", "司法局"),
    ("税务局", "税务局"),
    ("审计局", "审计局"),
    ("人力资源和社会保障局", "人力资源和社会保障局"),
    ("自然资源和规划局", "自然资源和规划局"),
    ("自然资源局", "自然资源局"),
    ("生态环境局", "生态环境局"),
    ("住房和城乡建设局", "住房和城乡建设局"),
    ("交通运输局", "交通运输局"),
    ("水利局", "水利局"),
    ("农业农村局", "农业农村局"),
    ("文化和旅游局", "文化和旅游局"),
    ("卫生健康局", "卫生健康局"),
    ("应急管理局", "应急管理局"),
    ("市场监督管理局", "市场监督管理局"),
    ("医疗保障局", "医疗保障局"),
    ("行政审批服务局", "行政审批服务局"),
    ("城市管理局", "城市管理局"),
    ("退役军人事务局", "退役军人事务局"),
    ("林业局", "林业局"),
    ("体育局", "体育局"),
    ("科学技术局", "科学技术局"),
    ("工业和信息化局", "工业和信息化局"),
    ("片区管理局", "片区管理局"),  # an area administration of a development zone
    ("局", "其他局"),
    ("办公室", "办公室"),
    ("办公厅", "办公厅"),
    ("厅", "厅"),
    ("中心", "中心"),
    ("管理委员会", "管理委员会"),
)

# The short names agencies go by in titles and page headers, by suffix → the type of
# the full name (from common usage on government portals: 发改委 for 发展和改革委员会,
# 住建局 for 住房和城乡建设局 …). Matched like AGENCY_TYPES, longest suffix first over
# both tables; the types are AGENCY_TYPES' own values, so the vocabulary stays one.
AGENCY_TYPE_ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("政府办公室", "人民政府办公室"),
    ("政府办", "人民政府办公室"),
    ("政府办公厅", "人民政府办公厅"),
    ("街道办", "街道办事处"),
    ("镇政府", "乡镇人民政府"),
    ("乡政府", "乡镇人民政府"),
    ("政府", "人民政府"),
    ("发改委", "发展和改革委员会"),
    ("发展改革委", "发展和改革委员会"),
    ("发展改革委员会", "发展和改革委员会"),
    ("发改局", "发展和改革局"),
    ("发展改革局", "发展和改革局"),
    ("卫健委", "卫生健康委员会"),
    ("卫生健康委", "卫生健康委员会"),
    ("卫健局", "卫生健康局"),
    ("科委", "委员会"),  # 科学技术委员会
    ("经信委", "委员会"),  # 经济和信息化委员会
    ("教委", "委员会"),  # 教育委员会
    ("住建委", "委员会"),  # 住房和城乡建设委员会
    ("管委会", "管理委员会"),
    ("科技局", "科学技术局"),
    ("工信局", "工业和信息化局"),
    ("经信局", "工业和信息化局"),
    ("经济和信息化局", "工业和信息化局"),
    ("人社局", "人力资源和社会保障局"),
    ("人力社保局", "人力资源和社会保障局"),
    ("自然资源规划局", "自然资源和规划局"),
    ("自规局", "自然资源和规划局"),
    ("资规局", "自然资源和规划局"),
    ("环保局", "生态环境局"),
    ("环境保护局", "生态环境局"),
    ("住建局", "住房和城乡建设局"),
    ("住房城乡建设局", "住房和城乡建设局"),
    ("交通局", "交通运输局"),
    ("农业局", "农业农村局"),
    ("农业农村委", "委员会"),
    ("文旅局", "文化和旅游局"),
    ("文化旅游局", "文化和旅游局"),
    ("文广旅局", "文化和旅游局"),
    ("文化广电和旅游局", "文化和旅游局"),
    ("文化广电旅游局", "文化和旅游局"),
    ("卫生局", "卫生健康局"),
    ("应急局", "应急管理局"),
    ("市场监管局", "市场监督管理局"),
    ("市监局", "市场监督管理局"),
    ("医保局", "医疗保障局"),
    ("行政审批局", "行政审批服务局"),
    ("审批局", "行政审批服务局"),
    ("城管局", "城市管理局"),
    ("城市管理综合执法局", "城市管理局"),
    ("综合行政执法局", "城市管理局"),
    ("退役军人局", "退役军人事务局"),
    ("林草局", "林业局"),
    ("林业和草原局", "林业局"),
    ("教体局", "教育局"),
    ("教育和体育局", "教育局"),
    ("人防办", "办公室"),
    ("政务公开办", "办公室"),
)

# ---------------------------------------------------------------------------
# Identities (勾稽关系)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """A named relation the validator checks: sum(reported) == sum(computed).

    For a table identity, `table` names the table and `along` says how it repeats:
    ``"column"`` — once per column, the keys are row keys; ``"row"`` — once per row (or
    group), the keys are column keys. `reported` are the cells of the printed total,
    `computed` the cells whose sum should equal it; with `parts_optional`, parts the report
    does not print are left out (table 三 prints the （六） rows one way or the other).
    Identities with no `table` relate other facts (text, other years) and are written out
    in the validator or the loader.
    """

    name: str
    description: str  # Chinese, shown on the site
    severity: Literal["hard", "soft"] = "hard"
    table: str = ""
    along: Literal["column", "row", ""] = ""
    reported: tuple[str, ...] = ()
    computed: tuple[str, ...] = ()
    parts_optional: bool = False

    @property
    def coefficients(self) -> dict[str, int]:
        """Each key's coefficient in the linear form Σ reported − Σ computed = 0."""
        out: dict[str, int] = {}
        for key in self.reported:
            out[key] = out.get(key, 0) + 1
        for key in self.computed:
            out[key] = out.get(key, 0) - 1
        return out


IDENTITIES: tuple[Identity, ...] = (
    Identity(
        "balance",
        "本年新收 + 上年结转 = 办理结果总计 + 结转下年度（每列）",
        table="applications",
        along="column",
        reported=("new_received", "carried_over"),
        computed=("total_handled", "carried_forward"),
    ),
    Identity(
        "outcomes",
        "办理结果各项之和 = 办理结果总计（每列）",
        table="applications",
        along="column",
        reported=("total_handled",),
        computed=OUTCOME_KEYS,
        parts_optional=True,
    ),
    Identity(
        "row_sum",
        "各类申请人之和 = 总计（每行）",
        table="applications",
        along="row",
        reported=("total",),
        computed=APPLICANT_PARTS,
    ),
    Identity(
        "review_total",
        "维持 + 纠正 + 其他 + 尚未审结 = 总计（表四每组）",
        table="review_litigation",
        along="row",
        reported=("total",),
        computed=REVIEW_KEYS[:-1],
    ),
    Identity("non_negative", "每个数均为非负整数"),
    Identity("handled_not_above_received", "办理总计不超过本年新收 + 上年结转", "soft"),
    Identity("fee_mentioned", "因未缴费不再处理的申请多于 0 时，第六部分应说明收费", "soft"),
    Identity("narrative_received", "正文所述收到申请件数与表三一致", "soft"),
    Identity("narrative_review", "正文所述行政复议、行政诉讼件数与表四一致", "soft"),
    Identity("carry_continuity", "本年上年结转 = 上一年度结转下年度（跨年）", "soft"),
    Identity(
        "in_force_continuity", "现行有效件数 ≈ 上年现行有效 + 本年制发 − 本年废止（跨年）", "soft"
    ),
)
# The identities over the cells of one table, in the order the validator reports them.
TABLE_IDENTITIES: tuple[Identity, ...] = tuple(i for i in IDENTITIES if i.table)
# Those that repeat down each column of table 三 (what the digit solver can use).
COLUMN_IDENTITIES: tuple[Identity, ...] = tuple(i for i in IDENTITIES if i.along == "column")
IDENTITY_BY_NAME: dict[str, Identity] = {i.name: i for i in IDENTITIES}

# ---------------------------------------------------------------------------
# Layouts: how a report reaches us (reports.layout), one list for the parser's
# detector, the site's labels, the renderer and the synthetic corpus's mix
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    key: str
    label: str  # Chinese, for the site
    text: bool  # text copied out of a page or a PDF (else a document file)
    corpus_share: float  # share of the synthetic corpus's plain reports in this layout
    rendered: bool = True  # the corpus writes it (else the parser only reads it)


# The synthetic corpus's default mix is what portals publish (issue 14): about half PDF
# attachments, a third HTML pages, the rest Word files (.docx, legacy .doc) and text
# copies; the text share (7 %) is split over the text layouts.
LAYOUT_TABLE: tuple[Layout, ...] = (
    Layout("tab-cells", "每格一行（制表符缩进）", True, 0.016),
    Layout("pipe-rows", "竖线分隔行", True, 0.016),
    Layout("run-together", "单元格连写（无分隔符）", True, 0.0126),
    Layout("pdf-text", "PDF 提取文本", True, 0.0126),
    Layout("markdown-ocr", "OCR 识别的 Markdown 表格", True, 0.0126),
    Layout("html", "HTML 网页", False, 0.33),
    Layout("docx", "Word 文档", False, 0.07),
    Layout("pdf", "PDF 文件", False, 0.5),
    Layout("doc", "Word 97–2003 文档（.doc/.wps）", False, 0.03),
    # A web page whose every cell became a line (ingest.parse.cell_lines): only the
    # corpus's copy faults (field cases 22-27) write it, from a rendered layout.
    Layout("cell-lines", "每格一行（空行或竖线分隔）", True, 0.0, rendered=False),
)
# Every layout the parser names (reports.layout), with its label for the site.
LAYOUTS: tuple[tuple[str, str], ...] = tuple((x.key, x.label) for x in LAYOUT_TABLE)
# The layouts the renderer writes (the parse-only ones left out), text layouts among them.
RENDERED_LAYOUTS: tuple[str, ...] = tuple(x.key for x in LAYOUT_TABLE if x.rendered)
TEXT_LAYOUTS: tuple[str, ...] = tuple(x.key for x in LAYOUT_TABLE if x.text and x.rendered)
LAYOUT_SHARES: dict[str, float] = {x.key: x.corpus_share for x in LAYOUT_TABLE if x.rendered}


# ---------------------------------------------------------------------------
# A report's check status (reports.check_status), from its hard checks
# ---------------------------------------------------------------------------

STATUS_FAILED = "有错误"  # a hard check fails
STATUS_PASSED = "全部通过"  # every hard check holds
STATUS_UNREADABLE = "部分无法识别"  # none fails, but some cells could not be read (unreadable)
STATUS_PARTLY_CHECKED = "部分无法核对"  # none fails, some could not be checked (blank input)
STATUS_UNCHECKED = "无法核对"  # nothing could be checked (no table 三)
CHECK_STATUSES: tuple[str, ...] = (
    STATUS_PASSED,
    STATUS_FAILED,
    STATUS_UNREADABLE,
    STATUS_PARTLY_CHECKED,
    STATUS_UNCHECKED,
)
