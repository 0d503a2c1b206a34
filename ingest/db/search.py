"""Chinese full-text search on SQLite FTS5 without a custom tokenizer.

SQLite's unicode61 tokenizer keeps a run of Chinese characters as one token, and the
trigram tokenizer finds nothing under three characters. So the index stores the
narrative with a space between Chinese characters (one token each), and a query
becomes a phrase of single characters: "复议" → '"复 议"', which matches exactly
where the two characters stand together, for words of any length.
"""

from __future__ import annotations

import difflib
import functools
import re

from .. import model

# The Chinese characters that become one token each (CJK Extension A, the unified
# ideographs, the compatibility ideographs).
CJK_RANGES: tuple[tuple[int, int], ...] = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
# str.translate table: each Chinese character → itself with a space either side.
_SPACED: dict[int, str] = {cp: f" {chr(cp)} " for lo, hi in CJK_RANGES for cp in range(lo, hi + 1)}
_TERM_CHARS = re.compile(r"[^\w\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def index_text(text: str) -> str:
    """Text as stored in the FTS index: Chinese characters one token each.

    Every Chinese character gets a space either side, then each run of whitespace
    becomes one space and the ends are trimmed (str.split splits on exactly the
    characters regex \\s matches). This runs once per section at ingest, so it is
    a table lookup rather than a regex substitution per character.
    """
    return " ".join(text.translate(_SPACED).split())


def fts_query(query: str, max_terms: int = 8) -> str | None:
    """A visitor's query → an FTS5 MATCH expression (AND of phrases), or None if empty.

    Every term is quoted, so FTS syntax in the input (NEAR, *, :, column filters)
    is never interpreted: the query can only ask for text.
    """
    terms = [t for t in (_TERM_CHARS.sub(" ", part).strip() for part in query.split()) if t]
    phrases = []
    for term in terms[:max_terms]:
        spaced = index_text(term)
        if spaced:
            phrases.append('"' + spaced.replace('"', "") + '"')
    return " AND ".join(phrases) or None


# --------------------------------------------------------------------------- narrative only

# Words the form prints in its tables' headers that are not row or column labels of the
# model (FORMAT.md: the headers of tables 二, 三 and 四 of both format versions).
FORM_HEADERS: tuple[str, ...] = (
    "申请人情况",
    "法人或其他组织",
    "信息内容",
    "本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和",
    "行政诉讼",
    "单位：万元",
    "单位：元",
)
# How a heading of the six parts may be worded besides model.SECTIONS' titles (the 2019
# form's wording of part 四). The headings also stand in preambles that list the parts.
HEADING_VARIANTS: tuple[str, ...] = ("因政府信息公开申请行政复议、提起行政诉讼的情况",)

_PIECES = re.compile(r"[|｜\t\n\r]+|\s{2,}")
# Enumerators (一、 （一） 1. 1、 ①), numbers, signs, quotes and the punctuation labels
# carry; applied after removing whitespace.
_NOISE = re.compile(
    r"[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、|\d+[.、．]|[①-⑳]"
    r"|[\d.,，:：%％+\-－—–·•*（）()\[\]【】/／、\"“”'‘’]"
)
_SPACE = re.compile(r"\s+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SENTENCE = re.compile(r"[。，；！？,;!?]")
NUMERALS = "一二三四五六七八九十"
LABEL_DAMAGE_CHARS = 8  # the longest leftover still read as a misread label
NEAR = 0.85  # similarity (difflib ratio) of a misread label to the label


def _clean(text: str) -> str:
    return _NOISE.sub("", _SPACE.sub("", text))


class _Vocabulary:
    """The form's table words, cleaned as pieces are, in the shapes the test needs."""

    def __init__(self) -> None:
        words: set[str] = set(FORM_HEADERS) | set(HEADING_VARIANTS)
        for row in model.APPLICATION_ROWS_ALL:
            words.update((row.label, row.group))
        words.update(label for _, label in model.APPLICANT_COLUMNS)
        for _, label in model.REVIEW_GROUPS:
            words.update(label.split("·"))
        words.update(label for _, label in model.REVIEW_COLUMNS)
        words.update(c.label for c in model.PROACTIVE_COLUMNS)
        for items in model.PROACTIVE_ITEMS.values():
            for item in items:
                words.update((*item.labels, item.block))
        words.update(s.title for s in model.SECTIONS)
        cleaned = sorted({_clean(w) for w in words} - {""}, key=len, reverse=True)
        self.exact = frozenset(cleaned)
        self.joined = "\x00".join(cleaned)  # `piece in joined`: a fragment of one word
        # Longest first, so a label goes before a shorter label inside it.
        self.any_word = re.compile("|".join(re.escape(w) for w in cleaned))
        self.chars = frozenset(self.joined.replace("\x00", "") + NUMERALS)
        # Labels with sentence punctuation, which OCR damage must not turn into prose.
        self.sentences = tuple(_clean(w) for w in words if _SENTENCE.search(w))
        # Labels long enough that one misread character leaves them recognisable.
        self.long_words = tuple(w for w in cleaned if len(w) >= 6)


_VOCABULARY: _Vocabulary | None = None


def _near(rest: str, words: tuple[str, ...]) -> bool:
    """Is ``rest`` one of ``words`` with a character or two misread, lost or added?"""
    for w in words:
        if abs(len(rest) - len(w)) > 3:
            continue
        matcher = difflib.SequenceMatcher(None, rest, w)
        if matcher.quick_ratio() >= NEAR and matcher.ratio() >= NEAR:
            return True
    return False


@functools.lru_cache(maxsize=1 << 16)  # labels and their variants repeat in every report
def _is_table_piece(piece: str) -> bool:
    """A piece of a line that is only the form's table words, numbers and enumerators,
    or a fragment of one such word (a label wrapped over two lines or cells), or one
    such word with a character or two misread; or has no Chinese at all."""
    global _VOCABULARY
    if _VOCABULARY is None:
        _VOCABULARY = _Vocabulary()
    vocab = _VOCABULARY
    rest = _clean(piece)
    if not rest or not _CJK.search(rest) or rest in vocab.exact or rest in vocab.joined:
        return True
    rest = vocab.any_word.sub("", rest)
    # A few characters left between labels: what a run-together row's label fragments
    # leave (e.g. 'X 结转下年度继' + '续办理'); prose has more than this per piece.
    if len(rest) <= 2:
        return True
    if not _SENTENCE.search(piece):
        # A short run of only the labels' characters: a label misread by OCR
        # ('本年处理决数量'); prose brings words of its own, or more of them.
        if len(rest) <= LABEL_DAMAGE_CHARS and set(rest) <= vocab.chars:
            return True
        return _near(_clean(piece), vocab.long_words)
    return len(rest) <= 40 and _near(_clean(piece), vocab.sentences)


def narrative_text(text: str) -> str:
    """The narrative of a section without the form's tables: what search indexes.

    A section's text holds the tables as the document prints them (cells separated by
    ``|`` or tabs, run together, or spread over lines). The text is cut into pieces at
    line ends, cell separators and wide gaps; a piece made only of the form's table words
    (row, column and header labels from the one model, the six parts' headings), numbers
    and enumerators, or a fragment or misreading of one such label, is dropped. Prose
    keeps every piece it has, so a sentence that mentions 行政复议 is still found, while
    the header 行政复议 of table 四 is not. Returns the kept pieces, one per line.
    """
    kept = [p.strip() for p in _PIECES.split(text)]
    # An all-ASCII piece (a number, a dash) has no Chinese: table, without a lookup.
    return "\n".join(p for p in kept if p and not p.isascii() and not _is_table_piece(p))
