"""Bytes to text: UTF-8 (BOM or not), UTF-16/32 with BOM, GB18030/GBK, an HTML page's declared charset.

Bytes are decoded without newline translation, so offsets are stable. Binary or undecodable
files raise UnusableFileError (a CorpusError) naming the fix.
"""
from __future__ import annotations

import codecs
import re
from pathlib import Path

from rag.errors import CorpusError

_BOMS_UTF32 = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
_BOMS_UTF16 = (b"\xff\xfe", b"\xfe\xff")
_BOM_UTF8 = b"\xef\xbb\xbf"
_RESAVE = "re-save it as UTF-8 text, or remove it from the corpus"
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_CONTROL = re.compile(r"[\x01-\x08\x0e-\x19\x1b-\x1f\x7f]")


class UnusableFileError(CorpusError):
    """A corpus file that cannot be used; ``reason`` says why in a few words."""

    def __init__(self, path: Path, reason: str, fix: str = _RESAVE):
        self.reason = reason
        super().__init__(f"{path}: {reason}; {fix}")


def decode_file(path: Path, declares_charset: bool = False) -> str:
    """The file's characters, as written (before any HTML or JSON lines layout).

    ``declares_charset``: the format may name its codec in ``<meta charset>`` (HTML).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UnusableFileError(path, f"cannot read file ({e.strerror})", "check the path and permissions") from e
    if data.startswith(_BOM_UTF8):
        return _decode(path, data[len(_BOM_UTF8):], "utf-8")
    if data.startswith(_BOMS_UTF32):
        return _decode(path, data, "utf-32")
    if data.startswith(_BOMS_UTF16):
        return _decode(path, data, "utf-16")
    if b"\x00" in data:
        raise UnusableFileError(path, "contains NUL bytes, so it looks binary, not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        declared = _html_charset(data[:4096]) if declares_charset else None
        text = _decode(path, data, declared or "gb18030", fallback="gb18030")
    if len(_CONTROL.findall(text, 0, 4096)) > 8:
        raise UnusableFileError(path, "is full of control characters, so it looks binary, not text")
    return text


def _html_charset(head: bytes) -> str | None:
    """The multi-byte codec an HTML file declares in ``<meta charset>`` (Big5, Shift_JIS ...).

    GBK and GB2312 are read as GB18030 (a superset); single-byte Western
    declarations are ignored, as old Chinese pages often declare them wrongly.
    """
    m = _META_CHARSET.search(head)
    if not m:
        return None
    try:
        info = codecs.lookup(m.group(1).decode("ascii"))
    except (LookupError, UnicodeDecodeError):
        return None
    if info.name in ("gbk", "gb2312", "gb18030") or info.name.startswith(("latin", "iso8859", "cp125", "ascii")):
        return None
    return info.name


def _decode(path: Path, data: bytes, encoding: str, fallback: str = "") -> str:
    """Strictly decode ``data`` (else with ``fallback``); a failure becomes an UnusableFileError with the fix."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        if fallback and fallback != encoding:
            return _decode(path, data, fallback)
        raise UnusableFileError(
            path, f"not valid {encoding} (byte {e.start}) nor any other supported encoding "
            "(UTF-8, UTF-16 with BOM, GB18030/GBK)") from e
