"""Chinese full-text search on SQLite FTS5 without a custom tokenizer.

SQLite's unicode61 tokenizer keeps a run of Chinese characters as one token, and the
trigram tokenizer finds nothing under three characters. So the index stores the
narrative with a space between Chinese characters (one token each), and a query
becomes a phrase of single characters: "复议" → '"复 议"', which matches exactly
where the two characters stand together, for words of any length.
"""

from __future__ import annotations

import re

_CJK = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])")
_SPACES = re.compile(r"\s+")
_TERM_CHARS = re.compile(r"[^\w\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def index_text(text: str) -> str:
    """Text as stored in the FTS index: Chinese characters one token each."""
    return _SPACES.sub(" ", _CJK.sub(r" \1 ", text)).strip()


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
