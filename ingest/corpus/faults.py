"""Noise modes of the synthetic corpus: one per kind of fault in ``shared/field-cases``.

Each :class:`Kind` turns a synthetic report (its truth) into one damaged document the
way real copies are damaged (``field-cases/README.md``), and changes the truth to what a
correct parser must output from that document: blanks where the copy leaves cells
empty, ``unreadable`` cells where the document is genuinely ambiguous (computed by
enumerating every reading, :mod:`ingest.corpus.glued`), the page's ``published`` date
and ``source.url``, or a refusal for a blank template. ``truth["synthetic"]["kind"]``
names the kind, so ``bench/accuracy.py`` reports accuracy per kind; extra paths to
compare go in ``synthetic.compare`` (with accepted alternatives in ``synthetic.accept``).

The documents are assembled here from the renderer's grids (:func:`render.build_tables`)
with clean labels, so each document carries one kind of fault, as the field cases do.
The table-level faults live in :mod:`ingest.corpus.fault_kinds`.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ingest import model
from ingest.corpus import fault_tables as ft
from ingest.corpus.render import Grid, Style, build_tables, section_heading

Report = dict[str, Any]
UNIT_COLUMNS = ("amount_unit",)


class Ineligible(Exception):
    """This report cannot carry this fault honestly (e.g. too many readings to enumerate)."""


@dataclass(frozen=True)
class Written:
    """One document: its file suffix and bytes."""

    suffix: str
    data: bytes


@dataclass(frozen=True)
class Kind:
    """A noise mode: ``write`` turns the truth (mutated in place) into a document."""

    name: str
    write: Callable[[Report, random.Random], Written]
    eligible: Callable[[Report], bool] = lambda r: True
    weight: float = 1.0


# ---------------------------------------------------------------------------
# Truth helpers
# ---------------------------------------------------------------------------


def table_cells(report: Report) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(table, row, column, row dict) for every cell of the three tables (units left out)."""
    for table in ("proactive", "applications", "review_litigation"):
        for row, cells in (report.get(table) or {}).items():
            for col in list(cells):
                if col not in UNIT_COLUMNS:
                    yield table, row, col, cells


def zero_blanks(report: Report) -> None:
    """Every blank cell printed as 0 instead (layouts that cannot show a blank)."""
    for _, _, col, cells in table_cells(report):
        if cells[col] is None:
            cells[col] = 0


def blank_zeros(report: Report, rng: random.Random, share: float, spare_wide: bool = False) -> None:
    """Leave ``share`` of the zero cells blank, as offices that type only their numbers
    do. ``spare_wide``: keep table 二 cells spanning columns (a one-value row)."""
    for table, _row, col, cells in table_cells(report):
        if spare_wide and table == "proactive" and list(cells)[-1] == col and len(cells) < 3:
            continue
        if cells[col] == 0 and rng.random() < share:
            cells[col] = None


def mark_unreadable(report: Report, paths: set[str]) -> None:
    """Null the cells at ``paths`` and list them in the truth's ``unreadable``; the values
    they stand for are kept in ``synthetic.hidden`` (a number equal to them is a guess,
    not a wrong number)."""
    hidden = report["synthetic"].setdefault("hidden", {})
    for path in sorted(paths):
        table, row, col = path.split(".")
        hidden[path] = report[table][row][col]
        report[table][row][col] = None
    report["unreadable"] = sorted(set(report.get("unreadable") or []) | paths)


def compare(report: Report, path: str, value: Any, accept: Any = None) -> None:
    """Ask the bench to compare ``path`` too (``accept``: a list of right values, or
    ``{"not": [...]}``)."""
    syn = report["synthetic"]
    syn.setdefault("compare", {})[path] = value
    if accept is not None:
        syn.setdefault("accept", {})[path] = accept


def published_and_url(report: Report, rng: random.Random) -> tuple[str, str]:
    """A publication date early in the next year and a portal address; set in the truth."""
    year = int(report["year"]) + 1
    month, day = rng.randint(1, 3), rng.randint(1, 28)
    date = f"{year}-{month:02d}-{day:02d}"
    code = "".join(rng.choice("0123456789abcdef") for _ in range(16))
    host = rng.choice(("www", "zwgk", "xxgk"))
    url = f"http://{host}.example.gov.cn/zwgk/ndbg/{year}{month:02d}/t{year}{month:02d}{day:02d}_{code}.shtml"
    report["published"] = date
    report.setdefault("source", {})["url"] = url
    return date, url


# ---------------------------------------------------------------------------
# The document: title, preamble, six sections
# ---------------------------------------------------------------------------


@dataclass
class Doc:
    """A report as blocks of lines; ``tables`` maps a section key to its table's lines."""

    title: list[str]
    intro: list[str]
    overview: list[str]
    problems: list[str]
    other: list[str]
    head: list[str] = field(default_factory=list)
    tables: dict[str, list[str]] = field(default_factory=dict)


def received(report: Report) -> Any:
    """本年新收 总计, or None."""
    return ((report.get("applications") or {}).get("new_received") or {}).get("total")


def basis(report: Report) -> str:
    """The preamble sentence naming the format's notice."""
    marker = model.FORMAT_MARKERS[report["format"]][-1]
    return (
        "根据《中华人民共和国政府信息公开条例》和《国务院办公厅政府信息与政务公开办公室关于印发"
        f"〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（国办公开办函〔{marker}）要求，编制本报告。"
    )


def period(year: Any) -> str:
    """The 统计期限 sentence."""
    return f"本报告所列数据的统计期限为{year}年1月1日至{year}年12月31日。"


def overview(report: Report, me: str | None = None, first: str | None = None) -> list[str]:
    """Section 一: ``me`` names the agency in the first sentence (default: its name);
    ``first`` replaces that sentence."""
    n = received(report)
    apply = (
        f"全年共收到政府信息公开申请{n}件，均在法定期限内答复。"
        if n is not None
        else "依法依规办理政府信息公开申请。"
    )
    return [
        first
        or f"{report['year']}年，{me or report['agency']}认真贯彻落实《中华人民共和国政府信息公开条例》，"
        "坚持以公开为常态、不公开为例外，扎实推进政务公开工作。",
        "（一）主动公开。通过门户网站及时公开机构职能、政策文件、工作动态等信息。",
        f"（二）依申请公开。畅通申请渠道，规范办理流程。{apply}",
        "（三）政府信息管理。严格落实信息发布审核制度，坚持先审后发。",
        "（四）平台建设。加强门户网站和政务新媒体管理，及时更新栏目内容。",
        "（五）监督保障。将政务公开工作纳入年度考核，主动接受社会监督。",
    ]


PROBLEMS = [
    "一是公开内容的深度和广度有待拓展；二是政策解读形式不够丰富。下一步将完善公开目录，加强业务培训。"
]


def other_matters(report: Report) -> list[str]:
    """Section 六: the fee statement."""
    no_fee = ((report.get("applications") or {}).get("other_no_fee") or {}).get("total")
    if no_fee:
        return [f"本年度发出收费通知{no_fee}件，申请人逾期未缴纳，未实际收取信息处理费。"]
    return ["本年度未收取信息处理费。"]


def base_doc(report: Report, me: str | None = None) -> Doc:
    """The clean document of ``report`` without its tables."""
    return Doc(
        title=[f"{report['agency']}{report['year']}年政府信息公开工作年度报告"],
        intro=[basis(report) + period(report["year"])],
        overview=overview(report, me),
        problems=list(PROBLEMS),
        other=other_matters(report),
    )


def grids(report: Report) -> dict[str, Grid]:
    """The report's tables as the renderer's grids, clean labels, blanks empty."""
    return build_tables(report, Style(blank_mark=""), None)


def tables_with(report: Report, writer: Callable[[Grid], list[str]]) -> dict[str, list[str]]:
    """Every table of ``report`` written by ``writer``."""
    return {key: writer(g) for key, g in grids(report).items()}


def assemble(doc: Doc, *, gap: bool = False, cms: bool = False) -> str:
    """The whole report as text. ``gap``: an empty line between blocks; ``cms``: every
    paragraph followed by an empty line (a CMS page's text)."""
    out: list[str] = [*doc.head, *doc.title]

    def para(lines: list[str]) -> None:
        for s in lines:
            out.extend([s, ""] if cms else [s])

    if cms:
        out = [x for s in out for x in (s, "")]
    elif gap and out:
        out.append("")
    para(doc.intro)
    narrative = {"overview": doc.overview, "problems": doc.problems, "other_matters": doc.other}
    for s in model.SECTIONS:
        if gap and not cms and out:
            out.append("")
        para([section_heading(s)])
        if s.key in narrative:
            para(narrative[s.key])
        else:
            out.extend(doc.tables.get(s.key, []))
    return "\n".join(out).rstrip("\n") + "\n"


def text(doc: Doc, suffix: str = ".txt", **kw: bool) -> Written:
    """The document as a UTF-8 text file."""
    return Written(suffix, assemble(doc, **kw).encode("utf-8"))


def tab_doc(report: Report, doc: Doc | None = None) -> Written:
    """The document with Word tables copied as one tab-indented cell per line."""
    doc = doc or base_doc(report)
    doc.tables = tables_with(report, ft.tab_rows)
    return text(doc, gap=True)


# ---------------------------------------------------------------------------
# Kinds about metadata and narrative (field cases 02-04, 13, 15-19, 21, 24-26)
# ---------------------------------------------------------------------------


def scraper_header(report: Report, rng: random.Random) -> Written:
    """02: a crawler's 标题/发布时间/发布机构/栏目/来源 lines above the title."""
    date, url = published_and_url(report, rng)
    doc = base_doc(report)
    doc.head = [
        f"标题: {doc.title[0]}",
        f"发布时间: {date} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}",
        f"发布机构: {report['agency']}",
        "栏目: 年度报告",
        f"来源：{url}",
    ]
    compare(report, "title", doc.title[0])
    return tab_doc(report, doc)


def cms_meta(report: Report, rng: random.Random) -> Written:
    """03: a CMS 名称/索引号/发布机构 box flattened to pipe rows above the title."""
    date, _ = published_and_url(report, rng)
    report["source"]["url"] = None  # the box gives no address
    doc = base_doc(report)
    index = f"{rng.randint(10**7, 10**8)}/{int(report['year']) + 1}-{rng.randint(1, 99999):05d}"
    label = rng.choice(("公开日期", "发布日期"))
    doc.head = [
        f"| 名称 | {doc.title[0]} |",
        f"| 索引号 | {index} | 分类 | 政务公开 年度报告 |",
        f"| 发布机构 | {report['agency']} | {label} | {date} |",
    ]
    doc.tables = tables_with(report, lambda g: ft.pipe_rows(g, border=True))
    compare(report, "title", doc.title[0])
    return text(doc)


def _no_agency(report: Report) -> None:
    report["agency"] = None
    report["title"] = None
    report["region"] = None


def narrative_wo_ju(report: Report, rng: random.Random) -> Written:
    """04a/04b: no title; the narrative opens with '度我局…' or '通过我局…'."""
    year, n = report["year"], received(report)
    if rng.random() < 0.5:
        report["synthetic"]["variant"] = "du-wo-ju"
        first = f"{year}年度我局共收到政府信息公开申请{n or 0}件，均已办结；主动公开工作按年度计划推进。"
    else:
        report["synthetic"]["variant"] = "tongguo-wo-ju"
        first = f"{year}年，通过我局官方微信公众号发布政策解读和办事提示共{rng.randint(5, 90)}篇。"
    doc = base_doc(report)
    doc.title = []
    doc.overview = overview(report, first=first)
    _no_agency(report)
    return tab_doc(report, doc)


_KANGXI: dict[str, str] = {}


def kangxi(text_: str) -> str:
    """Ordinary characters replaced by the Kangxi radicals that NFKC folds into them."""
    import unicodedata

    if not _KANGXI:
        for cp in range(0x2F00, 0x2FD6):
            _KANGXI.setdefault(unicodedata.normalize("NFKC", chr(cp)), chr(cp))
    return "".join(_KANGXI.get(c, c) for c in text_)


_FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def kangxi_text(report: Report, rng: random.Random) -> Written:
    """13: a PDF text layer with Kangxi radicals, 六 as U+F9D1 in its heading, full-width
    digits in the 统计期限 sentence. Rows of numbers per line (blanks printed as 0)."""
    zero_blanks(report)
    doc = base_doc(report)
    doc.intro = [basis(report), period(report["year"]).translate(_FULL)]
    doc.tables = tables_with(report, ft.spaced_rows)
    body = kangxi(assemble(doc))
    body = body.replace("\n六、", "\n\uf9d1、")
    compare(report, "title", f"{report['agency']}{report['year']}年政府信息公开工作年度报告")
    return Written(".txt", body.encode("utf-8"))


def bom_text(report: Report, rng: random.Random) -> Written:
    """12b: U+FEFF inside text lines: after a number, before a row label, before 四、."""
    zero_blanks(report)
    doc = base_doc(report)
    doc.tables = tables_with(report, ft.spaced_rows)
    lines = doc.tables["applications"]
    rows = [i for i, s in enumerate(lines) if s and s[-1].isdigit()]
    i = rng.choice(rows)
    label, _, numbers = lines[i].partition(" ")
    first, _, rest = numbers.partition(" ")
    lines[i] = f"{label} {first}\ufeff {rest}"
    j = rng.choice([r for r in rows if r != i])
    lines[j] = "\ufeff" + lines[j]
    body = assemble(doc).replace("\n四、", "\n\ufeff四、", 1)
    return Written(".txt", body.encode("utf-8"))


FEE_WORDINGS = (
    "本年度未发生收费情况。",
    "本年度本机关未发生收取信息处理费事项。",
    "本年度未发生信息处理费收费事项。",
)


def fee_wording(report: Report, rng: random.Random) -> Written:
    """15a/15b: section 六 says no fee was charged in a wording such as '未发生收费情况'."""
    doc = base_doc(report)
    doc.other = [rng.choice(FEE_WORDINGS)]
    compare(report, "fee.charged", False)
    return tab_doc(report, doc)


# (suffix of the drawn agency, its new name's suffix, accepted agency types)
RENAMES: tuple[tuple[str, str, Any], ...] = (
    ("发展和改革委员会", "发展和改革局", ["发展和改革局", "发展和改革委员会"]),
    ("发展和改革委员会", "发改委", ["发展和改革委员会", "委员会"]),
    ("住房和城乡建设局", "住建局", ["住房和城乡建设局"]),
    ("市场监督管理局", "市场监管局", ["市场监督管理局"]),
    ("人民政府", "经济开发区管理委员会", ["管理委员会"]),
    ("镇人民政府", "片区管理局", {"not": [None, "其他局"]}),
)


def renameable(report: Report) -> bool:
    """Whether the agency's name ends in a suffix RENAMES can change."""
    return any(str(report["agency"]).endswith(a) for a, _, _ in RENAMES) and "办公" not in str(
        report["agency"]
    )


def agency_type(report: Report, rng: random.Random) -> Written:
    """16a-e: an agency named 发展和改革局, by abbreviation (发改委, 住建局, 市场监管局), a
    片区管理局 or a 管理委员会; the rename is one-to-one, so agency-years stay unique."""
    agency = str(report["agency"])
    options = [r for r in RENAMES if agency.endswith(r[0])]
    old, new, accept = rng.choice(options)
    report["agency"] = agency[: -len(old)] + new
    report["title"] = f"{report['agency']}{report['year']}年政府信息公开工作年度报告"
    report["synthetic"]["variant"] = new
    compare(report, "agency_type", accept[0] if isinstance(accept, list) else None, accept)
    return tab_doc(report, base_doc(report, me="本机关"))


def title_variant(guanyu: bool) -> Callable[[Report, random.Random], Written]:
    """17a/17b: the report name without the agency and the agency on the next line, or
    run on after it; 26 (``guanyu``): the agency alone above '关于{year}年度…年度报告', no
    统计期限 sentence."""

    def write(report: Report, rng: random.Random) -> Written:
        agency, year = report["agency"], report["year"]
        doc = base_doc(report, me="本机关")
        if guanyu:
            doc.title = [agency, f"关于{year}年度政府信息公开工作年度报告"]
            doc.intro = []
        elif rng.random() < 0.5:
            report["synthetic"]["variant"] = "name-next-line"
            doc.title = [f"{year}年度政府信息公开工作年度报告", agency]
        else:
            report["synthetic"]["variant"] = "name-after-report"
            doc.title = [f"{year}年政府信息公开工作年度报告{agency}"]
        return tab_doc(report, doc)

    return write


def blank_template(report: Report, rng: random.Random) -> Written:
    """18: the blank form circulated before filling in; the truth is a refusal."""
    blank: Report = copy.deepcopy(report)
    for _, _, col, cells in table_cells(blank):
        cells[col] = None
    doc = Doc(
        title=["（机关名称）", "＿＿＿＿年政府信息公开工作年度报告"],
        intro=["（本报告所列数据的统计期限为＿＿＿＿年1月1日至＿＿＿＿年12月31日。）"],
        overview=[
            "（在此概述本机关主动公开、依申请公开、政府信息管理、平台建设和监督保障等方面的情况。）"
        ],
        problems=["（在此写明存在的主要问题和改进措施。）"],
        other=["（在此写明信息处理费的收取情况及其他需要报告的事项。）"],
    )
    doc.tables = tables_with(blank, ft.tab_rows)
    for key in ("title", "agency", "year", "format", "region", "proactive", "applications"):
        report[key] = None
    report["review_litigation"] = None
    report["synthetic"]["refuse"] = True
    return text(doc, gap=True)


def narrative_with_carried(report: Report, rng: random.Random) -> Written:
    """19: '全年共受理…N件（含上年结转M件）' where N is 本年新收 + 上年结转."""
    n = received(report)
    co = report["applications"]["carried_over"]["total"]
    doc = base_doc(report)
    doc.overview[2] = (
        f"（二）依申请公开。全年共受理政府信息公开申请{n + co}件（含上年结转{co}件），均在法定期限内作出答复。"
    )
    compare(report, "checks.narrative_received.ok", True, {"not": [False]})
    return tab_doc(report, doc)


def carried_eligible(report: Report) -> bool:
    """A report with 本年新收 and a non-zero 上年结转 total."""
    apps = report.get("applications") or {}
    co = (apps.get("carried_over") or {}).get("total")
    return received(report) is not None and bool(co)


def preamble_agency(report: Report, rng: random.Random) -> Written:
    """24a/24b: no title; the agency named only in the preamble."""
    agency, year = report["agency"], report["year"]
    doc = base_doc(report, me="本机关")
    doc.title = []
    if rng.random() < 0.5:
        office = "党政办公室" if str(agency).endswith(("人民政府", "办事处")) else "办公室"
        doc.intro = [
            f"本报告由{agency}{office}编制，报告中所列数据的统计期限为{year}年1月1日至{year}年12月31日。"
        ]
        report["synthetic"]["variant"] = "office"
    else:
        doc.intro = [
            f"根据《中华人民共和国政府信息公开条例》和上级政务公开工作部门关于年度报告的要求，{agency}编制本报告。"
            + period(year)
        ]
        report["synthetic"]["variant"] = "genju"
    report["title"] = None
    return tab_doc(report, doc)


def year_in_overview(report: Report, rng: random.Random) -> Written:
    """25: a title without a year, no preamble; the year only in '{year}年度，本机关…'."""
    doc = base_doc(report)
    doc.title = [f"{report['agency']}政府信息公开工作年度报告"]
    doc.intro = []
    doc.overview = overview(
        report,
        first=f"{report['year']}年度，本机关围绕群众关心的事项做好公开，按照政务公开工作要点逐项落实。",
    )
    report["title"] = doc.title[0]
    return tab_doc(report, doc)


def gov_page_meta(report: Report, rng: random.Random) -> Written:
    """21: a portal's saved page: title only in meta tags and <title>, breadcrumb, footer."""
    from ingest.corpus.fault_docx import gov_page
    from ingest.corpus.render import render_html

    date, url = published_and_url(report, rng)
    title = f"{report['agency']}{report['year']}年政府信息公开工作年度报告"
    page = gov_page(render_html(report), title, str(report["agency"]), date, url, rng)
    compare(report, "title", title)
    return Written(".html", page.encode("utf-8"))


def zero_width(report: Report, rng: random.Random) -> Written:
    """12a: U+200B after numbers in HTML table cells."""
    from ingest.corpus.fault_docx import zero_width_cells
    from ingest.corpus.render import render_html

    return Written(".html", zero_width_cells(render_html(report), rng).encode("utf-8"))


def _fmt(fmt: str) -> Callable[[Report], bool]:
    return lambda r: r.get("format") == fmt


def department(report: Report) -> bool:
    """A department's report (its staff say 我局)."""
    return report["synthetic"].get("agency_kind") == "department"


W2019 = 3.0  # 2019-format kinds: only about a fifth of the reports can carry them


def all_kinds() -> dict[str, Kind]:
    """Every noise mode by name (field-case number first)."""
    from ingest.corpus import fault_kinds as fk

    kinds = [
        Kind("01a-one-line-2021", fk.one_line, _fmt("2021")),
        Kind("01b-one-line-2019", fk.one_line, _fmt("2019"), weight=W2019),
        Kind("02-scraper-header", scraper_header),
        Kind("03-cms-meta-table", cms_meta),
        Kind("04-narrative-wo-ju", narrative_wo_ju, department),
        Kind("05-spaced-glued-digits", fk.spaced_glued),
        Kind("06a-pipe-empty-unbordered", fk.pipe_empty(False)),
        Kind("06b-pipe-empty-bordered", fk.pipe_empty(True)),
        Kind("07a-procurement-cell-units", fk.procurement_units, _fmt("2019"), weight=W2019),
        Kind("07b-procurement-glued-unit", fk.procurement_glued, _fmt("2019"), weight=W2019),
        Kind("08-ocr-mini-tables", fk.mini_tables),
        Kind("09a-stacked-labels", fk.stacked_labels),
        Kind("09b-unplaceable-row", fk.unplaceable_row),
        Kind("10-table2-short-row", fk.short_table2_row),
        Kind("11-blank-table3", fk.blank_table3),
        Kind("12a-zero-width-space", zero_width),
        Kind("12b-bom-in-text", bom_text),
        Kind("13-kangxi-radicals", kangxi_text),
        Kind("14a-docx-tracked-insertion", fk.docx_fault("ins"), weight=0.25),
        Kind("14b-docx-smarttag", fk.docx_fault("smarttag"), weight=0.25),
        Kind("14c-docx-sdt-cell", fk.docx_fault("sdt"), weight=0.25),
        Kind("14d-docx-nested-table", fk.docx_fault("nested"), weight=0.25),
        Kind("15-fee-wording", fee_wording),
        Kind("16-agency-type", agency_type, renameable, weight=2.0),
        Kind("17-title-name-apart", title_variant(guanyu=False)),
        Kind("18-blank-template", blank_template, weight=0.5),
        Kind("19-narrative-received-carried", narrative_with_carried, carried_eligible, weight=4.0),
        Kind("20-signed-glued-2019", fk.signed_glued, _fmt("2019"), weight=W2019),
        Kind("21-gov-page-meta-tags", gov_page_meta),
        Kind("22a-cell-lines-2021", fk.cell_lines, _fmt("2021")),
        Kind("22b-cell-lines-2019", fk.cell_lines, _fmt("2019"), weight=W2019),
        Kind("23-cell-lines-pipe-ended", fk.pipe_ended),
        Kind("24-preamble-agency", preamble_agency),
        Kind("25-year-only-in-overview", year_in_overview),
        Kind("26-title-guanyu-agency-above", title_variant(guanyu=True)),
        Kind("27-cell-lines-first-row-only", fk.first_row_only, _fmt("2021")),
    ]
    return {k.name: k for k in kinds}


def apply(kind: Kind, report: Mapping[str, Any], rng: random.Random) -> tuple[Written, Report]:
    """The document ``kind`` makes of ``report`` and the truth for it (a deep copy).
    Raises Ineligible when the report cannot carry the fault honestly."""
    truth: Report = copy.deepcopy(dict(report))
    truth.setdefault("unreadable", [])
    truth["synthetic"]["kind"] = kind.name
    written = kind.write(truth, rng)
    return written, truth
