"""Word and web-page faults: edits of a rendered .docx's XML and of a rendered HTML page.

The DOCX edits follow ``shared/field-cases/make_cases.py`` (``docx_edit``): a table-三
cell's number inside a tracked insertion (the old number in a deletion), inside a smart
tag, the cell wrapped in a content control, and table 三 nested in a one-cell layout
table. The truth never changes: Word shows the inserted number, the tagged number, the
controlled cell in its place and the nested table as a table.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from typing import Any

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCX_EDITS = ("ins", "smarttag", "sdt", "nested")
_FIXED_TIME = (2025, 1, 10, 9, 0, 0)


def _q(tag: str) -> str:
    return f"{{{W}}}{tag}"


def _text(el: Any) -> str:
    return "".join(t.text or "" for t in el.iter(_q("t")))


def rezip(raw: bytes, replace: dict[str, bytes]) -> bytes:
    """The same zip with parts replaced and fixed timestamps (same seed, same bytes)."""
    zin = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = item.external_attr
            zout.writestr(info, replace.get(item.filename, zin.read(item.filename)))
    return out.getvalue()


def edit_docx(raw: bytes, how: str, label: str, col: int, old: str = "") -> bytes:
    """Edit the second table (table 三) of a rendered .docx: ``how`` is one of DOCX_EDITS;
    ``label`` is the row's own label, ``col`` the value column (0 = 自然人 … 6 = 总计),
    ``old`` the deleted number for ``ins``. Raises ValueError when the row has no number
    in that cell (nothing for the edit to wrap)."""
    from lxml import etree

    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(raw)).read("word/document.xml"))
    table = root.findall(f".//{_q('tbl')}")[1]
    if how == "nested":
        body = table.getparent()
        outer = etree.Element(_q("tbl"))
        pr = etree.SubElement(outer, _q("tblPr"))
        etree.SubElement(pr, _q("tblW"), {_q("w"): "0", _q("type"): "auto"})
        etree.SubElement(etree.SubElement(outer, _q("tblGrid")), _q("gridCol"), {_q("w"): "9000"})
        tc = etree.SubElement(etree.SubElement(outer, _q("tr")), _q("tc"))
        tcw = {_q("w"): "9000", _q("type"): "dxa"}
        etree.SubElement(etree.SubElement(tc, _q("tcPr")), _q("tcW"), tcw)
        body.replace(table, outer)
        tc.append(table)
        etree.SubElement(tc, _q("p"))
    else:
        tr = next(tr for tr in table.findall(_q("tr")) if label in _text(tr))
        tcs = tr.findall(_q("tc"))
        tc = tcs[len(tcs) - 7 + col]
        p = tc.find(_q("p"))
        r = p.find(_q("r")) if p is not None else None
        if r is None:
            raise ValueError(f"no number in the cell of {label!r}")
        _wrap(tr, tc, p, r, how, old)
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return rezip(raw, {"word/document.xml": xml})


def _wrap(tr: Any, tc: Any, p: Any, r: Any, how: str, old: str) -> None:
    from lxml import etree

    when = {_q("author"): "校对", _q("date"): "2025-01-10T09:00:00Z"}
    if how == "ins":
        p.remove(r)
        d = etree.SubElement(p, _q("del"), {_q("id"): "901", **when})
        etree.SubElement(etree.SubElement(d, _q("r")), _q("delText")).text = old
        etree.SubElement(p, _q("ins"), {_q("id"): "902", **when}).append(r)
    elif how == "smarttag":
        p.remove(r)
        tag = etree.SubElement(
            p,
            _q("smartTag"),
            {_q("uri"): "urn:schemas-microsoft-com:office:smarttags", _q("element"): "chmetcnv"},
        )
        pr = etree.SubElement(tag, _q("smartTagPr"))
        for name, val in (("TCSC", "0"), ("NumberType", "1"), ("SourceValue", _text(r))):
            etree.SubElement(pr, _q("attr"), {_q("name"): name, _q("val"): val})
        tag.append(r)
    elif how == "sdt":
        i = list(tr).index(tc)
        sdt = etree.Element(_q("sdt"))
        pr = etree.SubElement(sdt, _q("sdtPr"))
        etree.SubElement(pr, _q("alias"), {_q("val"): "数量"})
        etree.SubElement(pr, _q("id"), {_q("val"): "1001"})
        tr.remove(tc)
        etree.SubElement(sdt, _q("sdtContent")).append(tc)
        tr.insert(i, sdt)
    else:
        raise ValueError(f"unknown DOCX edit {how!r}")


def zero_width_cells(page: str, rng: random.Random) -> str:
    """U+200B (literal or ``&#8203;``) after some numbers in table cells, as a CMS editor
    leaves them; at least one cell gets one."""
    cells = list(re.finditer(r"(<td[^>]*>(?:<[^>]+>)*)(-?\d+(?:\.\d+)?)(?=<)", page))
    if not cells:
        return page
    chosen = {m.start() for m in rng.sample(cells, k=min(len(cells), rng.randint(1, 4)))}
    out, last = [], 0
    for m in cells:
        out.append(page[last : m.end()])
        if m.start() in chosen:
            out.append(rng.choice(("\u200b", "&#8203;")))
        last = m.end()
    out.append(page[last:])
    return "".join(out)


def gov_page(
    page: str, title: str, agency: str, published: str, url: str, rng: random.Random
) -> str:
    """A government site's saved article page: the title only in the standard meta tags
    (ArticleTitle, PubDate, Url, ContentSource) and in ``<title>`` (title_column_site), a
    breadcrumb and an info line above the article, a footer of numbers."""
    site_code = "".join(rng.choice("0123456789") for _ in range(10))
    meta = "".join(
        f'<meta name="{k}" content="{v}">'
        for k, v in (
            ("SiteName", "政府门户网站"),
            ("SiteIDCode", site_code),
            ("ColumnName", "政府信息公开年报"),
            ("ArticleTitle", title),
            ("PubDate", f"{published} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}"),
            ("ContentSource", agency),
            ("Author", "办公室"),
            ("Url", url),
        )
    )
    page = re.sub(
        r"<title>.*?</title>",
        meta + f"<title>{title}_政府信息公开年报_政府门户网站</title>",
        page,
        count=1,
    )
    page = re.sub(r'<h1 class="title">.*?</h1>', "", page, count=1, flags=re.S)
    crumb = (
        '<div class="crumb">首页 &gt; 政务公开 &gt; 政府信息公开年报 &gt; 正文</div>'
        f'<div class="info">发布时间：{published} 字号：大 中 小 浏览次数：{rng.randint(50, 9000)}</div>'
    )
    page = page.replace('<div class="article">', crumb + '<div class="article">', 1)
    footer = (
        f'<div class="footer">网站标识码：{site_code} 备案号：ICP备{rng.randint(10**7, 10**8)}号-2 '
        f"联系电话：0{rng.randint(100, 999)}-{rng.randint(10**7, 10**8 - 1)} 邮编：{rng.randint(10**5, 10**6 - 1)}</div>"
    )
    return page.replace("</body>", footer + "</body>", 1)
