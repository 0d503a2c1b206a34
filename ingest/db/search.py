"""Chinese full-text search on SQLite FTS5 without a custom tokenizer.

SQLite's unicode61 tokenizer keeps a run of Chinese characters as one token, and the
trigram tokenizer finds nothing under three characters. So the index stores the
narrative with a space between Chinese characters (one token each), and a query
becomes a phrase of single characters: "复议" → '"复 议"', which matches exactly
where the two characters stand together, for words of any length.
"""

from __future__ import annotations

import re

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
