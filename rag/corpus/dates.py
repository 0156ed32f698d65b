"""Article dates: whatever a file says ("2023年5月12日", "2023-05-12T08:00+08:00", "2023/5/12")
becomes ISO ``YYYY-MM-DD`` (or ``YYYY-MM``, ``YYYY`` when that is all it says), so dates sort
and compare as strings; anything else becomes "" (no date)."""
from __future__ import annotations

import datetime as dt
import email.utils
import re

_NUM = r"[0-9０-９]"
_YMD = re.compile(rf"({_NUM}{{4}})\s*[年\-/.]\s*({_NUM}{{1,2}})\s*(?:[月\-/.]\s*({_NUM}{{1,2}})\s*[日号]?)?")
_COMPACT = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})([01][0-9])([0-3][0-9])(?![0-9])")  # 20230512
_YEAR = re.compile(rf"^\s*({_NUM}{{4}})\s*年?\s*$")
# A newspaper page's date line: "2023年5月12日 星期五", "内蒙古日报 2023年5月12日 星期五 第3版".
DATELINE = re.compile(rf"^(?:[\u4e00-\u9fff]{{2,10}}\s*)?{_NUM}{{4}}\s*[年\-/.]\s*{_NUM}{{1,2}}\s*[月\-/.]\s*{_NUM}{{1,2}}"
                      r"\s*[日号]?(?:\s*[(（]?(?:星期|周|礼拜)[一二三四五六日天][)）]?)?"
                      r"(?:\s*第?\s*[0-9一二三四五六七八九十]{1,3}\s*版)?\s*$")


def normalize_date(text: str) -> str:
    """ISO date of the first date in text, or "" when it holds none (or an impossible one)."""
    text = (text or "").translate(_FULL_WIDTH_DIGITS)
    if m := _YMD.search(text):
        year, month, day = m.group(1), int(m.group(2)), m.group(3)
        return _iso(int(year), month, int(day) if day else None)
    if m := _COMPACT.search(text):
        return _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _YEAR.match(text):
        return m.group(1)
    return _rfc2822(text)


def _rfc2822(text: str) -> str:
    """"Fri, 12 May 2023 08:00:00 +0800", as some HTML pages give it."""
    try:
        return email.utils.parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return ""


def _iso(year: int, month: int, day: int | None) -> str:
    try:
        dt.date(year, month, day or 1)
    except ValueError:
        return ""
    return f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day else "")


_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
