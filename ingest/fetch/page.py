"""What a report's web page says about it: the attachments it links and when it was published.

Chinese government sites mostly run a handful of CMSs. The page of a 年度报告 either
holds the report as HTML, or links it as an attachment (PDF, DOC, DOCX, WPS, XLS), or
both. The publication date is in a `<meta name="PubDate">` tag (the 政府网站发展指引
metadata set), in another common meta tag, or in the page text as 发布时间/发布日期/公开日期.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath
from urllib.parse import parse_qsl, unquote, urldefrag, urljoin, urlsplit

from bs4 import BeautifulSoup

GB_ALIASES = frozenset({"gb2312", "gbk", "x-gbk", "cp936", "gb_2312-80", "euc-cn", "gb18030"})

# Attachment formats worth keeping, by suffix.
ATTACHMENT_SUFFIXES = frozenset({".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et"})

# Meta tags that carry a publication date, most specific first (names compared lowercased).
PUBLISHED_META = (
    "pubdate",
    "publishdate",
    "firstpublishedtime",
    "article:published_time",
    "dcterms.issued",
    "dc.date.issued",
    "dc.date",
)
# Page-text labels of the publication date (not 成文日期, the date the document was signed).
PUBLISHED_LABELS = (
    "发布时间",
    "发布日期",
    "公开日期",
    "公布日期",
    "发表时间",
    "发文时间",
    "信息公开日期",
)

_DATE = re.compile(
    r"(?P<y>(?:19|20)\d\d)\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})"
)
_LABELLED = re.compile(
    "(?:" + "|".join(PUBLISHED_LABELS) + r")\s*[:：]?\s*(?:\[|【)?\s*" + _DATE.pattern
)


@dataclass(frozen=True)
class PageFacts:
    """What a page says: its title, publication date (YYYY-MM-DD or None) and attachment URLs."""

    title: str | None
    published: str | None
    attachments: list[str]


def read_page(raw: bytes, url: str, declared_encoding: str | None = None) -> PageFacts:
    """Read a fetched HTML page (bytes as served; `url` is where it was fetched from).

    Encoding: the HTTP header's charset when given, else the page's own `<meta charset>`,
    else detection (Beautiful Soup's UnicodeDammit). Attachment URLs are absolute, without
    fragments, in page order, each once.
    """
    encoding = declared_encoding
    if encoding and encoding.lower() in GB_ALIASES:
        encoding = "gb18030"  # pages declaring gb2312 often hold GBK characters
    soup = BeautifulSoup(raw, "lxml", from_encoding=encoding)
    base = url
    base_tag = soup.find("base", href=True)
    if base_tag is not None:
        base = urljoin(url, str(base_tag["href"]))
    title_tag = soup.find("title")
    title = title_tag.get_text(" ", strip=True) if title_tag else None
    return PageFacts(title or None, _published(soup), _attachments(soup, base))


def normalize_date(text: str) -> str | None:
    """The first date in `text` as YYYY-MM-DD ('2024年1月5日', '2024/01/05', '2024-1-5 10:00'),
    or None when there is none or it is not a real calendar date."""
    m = _DATE.search(text)
    return _iso(m) if m else None


def _iso(m: re.Match[str]) -> str | None:
    try:
        return date(int(m["y"]), int(m["m"]), int(m["d"])).isoformat()
    except ValueError:
        return None


def _published(soup: BeautifulSoup) -> str | None:
    metas: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = tag.get("name") or tag.get("property") or tag.get("itemprop")
        content = tag.get("content")
        if key and content:
            metas.setdefault(str(key).strip().lower(), str(content))
    for key in PUBLISHED_META:
        if key in metas and (found := normalize_date(metas[key])):
            return found
    body = soup.body or soup
    text = body.get_text(" ", strip=True)
    for m in _LABELLED.finditer(text):
        if found := _iso(m):
            return found
    return None


def attachment_suffix(url: str, text: str = "") -> str | None:
    """The attachment suffix ('.pdf', '.doc' …) a link points to, judged from its path, its
    query values (CMS download scripts: `downfile.jsp?filename=x.pdf`) or its link text;
    None when it is not an attachment link."""
    parts = urlsplit(url)
    candidates = [unquote(parts.path)]
    candidates += [unquote(v) for _, v in parse_qsl(parts.query, keep_blank_values=True)]
    candidates.append(text.strip())
    for c in candidates:
        suffix = PurePosixPath(c.strip()).suffix.lower() if c.strip() else ""
        if suffix in ATTACHMENT_SUFFIXES:
            return suffix
    return None


def _attachments(soup: BeautifulSoup, base: str) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for tag in soup.find_all(["a", "iframe", "embed", "object"]):
        ref = tag.get("href") or tag.get("src") or tag.get("data")
        if not ref:
            continue
        ref = str(ref).strip()
        if ref.lower().startswith(("javascript:", "mailto:", "tel:", "#")):
            continue
        absolute = urldefrag(urljoin(base, ref)).url
        if urlsplit(absolute).scheme not in ("http", "https"):
            continue
        if attachment_suffix(absolute, tag.get_text(" ", strip=True)) and absolute not in seen:
            seen.add(absolute)
            out.append(absolute)
    return out
