"""What PDF text layers and web pages put into text that no reader sees, folded once
where text enters (`read_document`), so every stored text — title, agency, sections,
search index, the agency merge key — holds ordinary characters.

- Kangxi radicals (U+2F00–U+2FDF; ⼈ for 人), CJK radicals with a compatibility mapping
  and CJK compatibility ideographs (U+F900–U+FAFF, U+2F800–U+2FA1F; 六 U+F9D1 for 六):
  their NFKC form. PDF fonts often map glyphs to these code points.
- Full-width digits ０–９: ASCII digits.
- Zero-width characters (U+200B ZWSP, U+200C ZWNJ, U+200D ZWJ, U+2060 word joiner,
  U+FEFF BOM / ZWNBSP): removed. A CMS editor leaves them after numbers; text joined
  from per-page files leaves a BOM inside lines. They are invisible, so the text as
  read has none.

Nothing else changes: full-width punctuation, letters and spaces stay as printed.

`glyph_garbage` tells a PDF text layer whose fonts have no Unicode map (private-use
code points, replacement characters, or Latin junk instead of Chinese) from a report.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["ZERO_WIDTH", "fold_text", "glyph_garbage"]

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_FOLDABLE = re.compile(
    "[\u2e80-\u2eff\u2f00-\u2fdf\uf900-\ufaff\uff10-\uff19\U0002f800-\U0002fa1f]+"
)


def _nfkc(match: re.Match[str]) -> str:
    return unicodedata.normalize("NFKC", match.group())


def fold_text(text: str) -> str:
    """``text`` with radicals, compatibility ideographs and full-width digits in their
    ordinary form and zero-width characters removed (see the module docstring)."""
    if not text.isascii():
        for ch in ZERO_WIDTH:  # str.replace per character: far cheaper than translate
            if ch in text:
                text = text.replace(ch, "")
        text = _FOLDABLE.sub(_nfkc, text)
    return text


# A text layer is garbage when this share of its visible characters is private-use,
# replacement or control characters …
_MAX_JUNK_SHARE = 0.1
# … or, with at least _MIN_VISIBLE visible characters, fewer than this share are Chinese
# (a report's text is mostly Chinese; its tables add digits, never most of it).
_MIN_CJK_SHARE = 0.05
_MIN_VISIBLE = 200
_JUNK = re.compile(
    "[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd\ufffd\x00-\x08\x0e-\x1f\x7f-\x9f]"
)
_CJK = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\U00020000-\U0002ebef]")
_SPACE = re.compile(r"\s+")


def glyph_garbage(text: str) -> str | None:
    """Why ``text`` (a PDF's text layer) is glyph garbage, or None when it reads.

    The reason names what was counted, e.g. "text layer is glyph garbage (fonts without
    a Unicode map): 412 of 530 visible characters are private-use or replacement
    characters; OCR it first".
    """
    visible = len(_SPACE.sub("", text))
    if visible == 0:
        return None  # no text layer at all: the PDF reader says so
    junk = len(_JUNK.findall(text))
    if junk > _MAX_JUNK_SHARE * visible:
        return (
            "text layer is glyph garbage (fonts without a Unicode map): "
            f"{junk} of {visible} visible characters are private-use or replacement "
            "characters; OCR it first"
        )
    cjk = len(_CJK.findall(text))
    if visible >= _MIN_VISIBLE and cjk < _MIN_CJK_SHARE * visible:
        return (
            "text layer is glyph garbage (fonts without a Unicode map): "
            f"{cjk} of {visible} visible characters are Chinese; OCR it first"
        )
    return None
