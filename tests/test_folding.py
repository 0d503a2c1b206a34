"""folding.nfkc is NFKC: the same string as unicodedata.normalize, whatever the text."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.parse.folding import WIDE_FORMS, nfkc, squash

# Characters that meet in report text and around the replaced wide forms: CJK, digits,
# full-width forms, Kangxi radicals, combining marks (which compose with what precedes
# them), Hangul jamo (which compose with each other), newlines and spaces.
_ALPHABET = st.sampled_from(
    [w for w, _ in WIDE_FORMS]
    + list("行政许可（一）0123456789０１２ ,:;()\n\t\r　\u00a0aeAＡｅ…①⼈⼀")
    + ["\u0301", "\u0308", "\u0327", "\u3099", "\u1100", "\u1161", "\u11a8", "\uff9e", "\u00e9"]
)


@given(st.text(_ALPHABET, max_size=60))
@settings(max_examples=400, deadline=None)
def test_nfkc_is_unicode_nfkc(text: str) -> None:
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


@given(st.text(_ALPHABET, max_size=60))
@settings(max_examples=200, deadline=None)
def test_squash_is_nfkc_of_each_line_without_whitespace(text: str) -> None:
    lines = [unicodedata.normalize("NFKC", line) for line in text.split("\n")]
    expected = "".join("".join(lines).split())
    assert squash(text) == expected


def test_wide_forms_fold_to_one_ascii_character() -> None:
    """The forms replaced before normalizing are each their own NFKD: one ASCII character."""
    for wide, narrow in WIDE_FORMS:
        assert unicodedata.normalize("NFKD", wide) == narrow
        assert len(narrow) == 1 and narrow.isascii()
    assert nfkc("（一）本年新收，共　3件：") == "(一)本年新收,共 3件:"
