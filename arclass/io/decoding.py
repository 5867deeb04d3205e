"""Bytes to text: BOMs, strict UTF-8, and Windows-1256 when it is plausibly Arabic.

Bytes are never replaced or dropped: what cannot be decoded is a
:class:`DecodeError`, which readers turn into an error record.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["DecodeError", "decode_bytes", "check_encoding", "sniff", "decode", "newline_bytes"]


class DecodeError(ValueError):
    """Bytes that are not text in any encoding arclass accepts."""


def check_encoding(encoding: str | None) -> None:
    """Raise ``LookupError`` for an encoding Python does not know, or one that is not text."""
    if encoding is None:
        return
    info = codecs.lookup(encoding)
    if not getattr(info, "_is_text_encoding", True):
        raise LookupError(f"{encoding!r} is not a text encoding")


_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_NON_ASCII_LETTER = re.compile(r"(?![\x00-\x7f])[^\W\d_]")
_ARABIC_LETTER = re.compile(r"(?=[\u0600-\u06ff])[^\W\d_]")
# The bytes of UTF-8-encoded Arabic letters: a lead byte D8-DB and one
# continuation byte. Undecodable UTF-8 full of them is damaged UTF-8, which
# Windows-1256 would also "decode" (into nonsense), so it is refused.
_UTF8_ARABIC_PAIR = re.compile(rb"[\xd8-\xdb][\x80-\xbf]")
_NON_ASCII_BYTE = re.compile(rb"[\x80-\xff]")
_LETTER = re.compile(r"[^\W\d_]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def sniff(head: bytes, encoding: str | None) -> tuple[str | None, int]:
    """The codec to decode with (None: guess per piece) and the BOM's length."""
    if encoding is None:
        for bom, codec in _BOMS:
            if head.startswith(bom):
                return codec, len(bom)
        return None, 0
    codec = codecs.lookup(encoding).name
    if codec in ("utf-8", "utf-8-sig"):
        return "utf-8", len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    for family in ("utf-16", "utf-32"):
        if codec.startswith(family):
            for bom, bom_codec in _BOMS:
                if bom_codec.startswith(family) and head.startswith(bom):
                    if codec in (family, bom_codec):
                        return bom_codec, len(bom)
            return (f"{family}-le" if codec == family else codec), 0
    return codec, 0


def newline_bytes(codec: str | None) -> bytes:
    return b"\n" if codec is None else "\n".encode(codec)


def decode(data: bytes, codec: str | None) -> str:
    """Decode strictly with ``codec``, or guess (UTF-8, then Windows-1256)."""
    if codec is not None:
        try:
            return data.decode(codec)
        except UnicodeDecodeError as exc:
            raise DecodeError(f"cannot decode as {codec} ({_where_bad(exc)})") from None
    if b"\x00" in data:
        raise DecodeError("binary data (NUL bytes); for UTF-16 without a BOM give the encoding")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_problem = _where_bad(exc)
    text = data.decode("cp1256")  # every byte has a meaning in cp1256
    if _looks_like_cp1256_arabic(data, text):
        return text
    raise DecodeError(f"cannot decode as UTF-8 or Windows-1256 (UTF-8: {utf8_problem})")


def _where_bad(exc: UnicodeDecodeError) -> str:
    return f"{exc.reason} 0x{exc.object[exc.start]:02x} at byte {exc.start}"


def _looks_like_cp1256_arabic(data: bytes, text: str) -> bool:
    """Whether ``text`` (``data`` read as cp1256) is plausibly Arabic text."""
    if _CONTROL.search(text):
        return False
    arabic = len(_ARABIC_LETTER.findall(text))
    if arabic == 0 or arabic < 0.8 * len(_NON_ASCII_LETTER.findall(text)):
        return False
    if arabic < 0.3 * len(_LETTER.findall(text)):
        return False
    utf8_pairs = len(_UTF8_ARABIC_PAIR.findall(data))
    return 2 * utf8_pairs < 0.5 * len(_NON_ASCII_BYTE.findall(data))


def decode_bytes(data: bytes, encoding: str | None = None) -> str:
    """Decode one document's bytes strictly; raise :class:`DecodeError` if impossible.

    Without ``encoding``: a BOM (UTF-8, UTF-16, UTF-32) decides; otherwise
    UTF-8, then Windows-1256 when the result looks like Arabic. Bytes are
    never replaced or dropped; NUL bytes mean binary data. A BOM is removed.
    """
    codec, bom = sniff(data[:4], encoding)
    return decode(data[bom:], codec)
