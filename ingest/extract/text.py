"""Plain text → str: encodings (UTF-8, GB18030, guessed), binary and empty input refused."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from .errors import Problem as _Problem

__all__ = ["BINARY_REASON", "EMPTY_REASON", "decode", "reject_binary"]

BINARY_REASON = "binary data, not a text report"
EMPTY_REASON = "empty file"

# Control characters a text report may legitimately hold: tab, newlines, form feed
# (page breaks from pdftotext), vertical tab and DOS end-of-file.
ALLOWED_CONTROLS = frozenset("\t\n\r\x0b\x0c\x1a")
# Share of offending characters above which decoded text counts as binary junk.
MAX_BAD_SHARE = 0.01


def decode(raw: bytes) -> tuple[str, str]:
    """Decode, reject empty and binary input, normalise newlines."""
    if not raw.strip():
        raise _Problem(EMPTY_REASON)
    text, encoding, offset = _guess(raw)
    reject_binary(text, encoding, offset)
    # Bytes that were not valid UTF-8 were kept as surrogates to locate them; now mark them.
    text = re.sub("[\udc80-\udcff]", "\ufffd", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise _Problem(EMPTY_REASON)
    return text, encoding


def _guess(raw: bytes) -> tuple[str, str, int]:
    """Return text, the codec name, and the length of a stripped byte-order mark."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[3:].decode("utf-8", errors="surrogateescape"), "utf-8-sig", 3
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if raw.startswith(bom):
            return raw[2:].decode(codec, errors="replace"), codec, 2
    # A few broken bytes (a cut-off download, one bad character) must neither reject the
    # file nor let the other codec turn it into mojibake: accept a codec that decodes nearly
    # all of the non-ASCII text, strictly first.
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec), codec, 0
        except UnicodeDecodeError:
            lenient = raw.decode(codec, errors="surrogateescape")
        broken = sum(1 for ch in lenient if "\udc80" <= ch <= "\udcff")
        wide = sum(1 for ch in lenient if ch > "\x7f") - broken
        if wide >= 20 * broken:
            return lenient, codec, 0
    best = from_bytes(raw).best()
    if best is None:
        raise _Problem(BINARY_REASON, f"byte {_first_offending_byte(raw)}")
    return str(best), best.encoding, 0


def _first_offending_byte(raw: bytes) -> int:
    """The first byte that is neither valid UTF-8 nor an allowed ASCII character."""
    try:
        raw.decode("utf-8")
        first = len(raw)
    except UnicodeDecodeError as exc:
        first = exc.start
    controls = (i for i, byte in enumerate(raw[:first]) if _is_bad(chr(byte)))
    return next(controls, first if first < len(raw) else 0)


# Control characters (Unicode category Cc) other than ALLOWED_CONTROLS, the replacement
# character, and undecodable bytes kept as surrogates: one regex scan, not a per-char loop.
_BAD = re.compile("[\x00-\x08\x0e-\x19\x1b-\x1f\x7f-\x9f\ufffd\udc80-\udcff]")


def _is_bad(ch: str) -> bool:
    return _BAD.match(ch) is not None


def reject_binary(text: str, encoding: str, offset: int) -> None:
    """Raise if the text is mostly not text: any NUL, or too many control/replacement chars."""
    first = _BAD.search(text)
    if first is None:
        return
    if "\x00" not in text and len(_BAD.findall(text)) <= MAX_BAD_SHARE * len(text):
        return
    codec = "utf-8" if encoding == "utf-8-sig" else encoding  # the BOM is in `offset`
    try:
        position = offset + len(text[: first.start()].encode(codec, errors="surrogateescape"))
    except (LookupError, UnicodeEncodeError):
        position = offset + first.start()  # the codec cannot say; the character index is close
    raise _Problem(BINARY_REASON, f"byte {position}")
