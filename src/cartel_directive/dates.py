"""EDTF strings (levels 0 and 1) and the first and last days they allow, for whole columns.

The forms (Library of Congress EDTF, levels 0 and 1): a day ``2025-08-08``, a month
``2025-08``, a year ``2025``; unspecified digits ``201X``, ``20XX``, ``2025-XX``,
``2025-08-XX``, ``2025-XX-XX``; a qualifier ``?``, ``~`` or ``%`` at the end; an
interval of two of those, either end of which may be open (``..``). One regular
expression reads every form; the days are computed with numpy for all values at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

#: stands for "no day" (an open end, or no value) in the int64 day numbers
NAT = -(2**63)


class EDTFError(ValueError):
    pass


def _side(i: int) -> str:
    return (
        rf"(?:(?:(?P<y{i}>[0-9]{{4}})(?:-(?P<m{i}>[0-9]{{2}}|XX)(?:-(?P<d{i}>[0-9]{{2}}|XX))?)?"
        rf"|(?P<x{i}>[0-9]{{3}}X|[0-9]{{2}}XX))[?~%]?|(?P<o{i}>\.\.))"
    )


#: RE2 (Arrow) syntax: ``$`` is the end of the text
PATTERN = rf"^{_side(1)}(?:(?P<slash>/){_side(2)})?$"


def bounds_many(values: Sequence[str] | Any) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
    """First and last possible day of each EDTF string, as int64 days since 1970-01-01
    (:data:`NAT` for an open end), and for each an error message (None when valid).

    ``values`` is a sequence of strings, a pandas string array or an Arrow string array. One regular expression
    splits every value; Arrow casts its digits; numpy does the calendar (:func:`days_from_civil`).
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(values)
    if n == 0:  # e.g. a column whose every cell is empty: nothing to bound
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), []
    texts = values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(values, pa.large_string())
    parts = pc.extract_regex(texts, PATTERN)
    matched = parts.is_valid().to_numpy(zero_copy_only=False)
    parts = parts.fill_null({k: "" for k in (f.name for f in parts.type)})

    def field(name: str) -> Any:
        return pc.struct_field(parts, name)

    def present(arr: Any, *absent: str) -> np.ndarray:
        """Where the part is given (not empty, nor one of ``absent``)."""
        out = pc.not_equal(arr, "")
        for a in absent:
            out = pc.and_(out, pc.not_equal(arr, a))
        return out.to_numpy(zero_copy_only=False)

    def number(arr: Any, where: np.ndarray, default: int) -> np.ndarray:
        """The part's digits as int64 where ``where``, else ``default`` (Arrow's cast: digits only here)."""
        digits = pc.if_else(pa.array(where), arr, pa.scalar(str(default), arr.type))
        return digits.cast(pa.int64()).to_numpy()

    error = np.zeros(n, dtype=np.int8)  # 0 valid, 1 not EDTF, 2 a season, 3 year 0, 4 day past the month's end
    ends = []
    for i in (1, 2):
        y, m, d, x = (field(f"{k}{i}") for k in "ymdx")
        has_y, has_x = present(y), present(x)
        year = number(y, has_y, 0)
        lo_y = np.where(has_x, number(pc.replace_substring(x, "X", "0"), has_x, 0), year)
        hi_y = np.where(has_x, number(pc.replace_substring(x, "X", "9"), has_x, 0), year)
        month_given, day_given = present(m, "XX"), present(d, "XX")
        month_xx = present(m) & ~month_given
        month = number(m, month_given, 1)
        day_ = number(d, day_given, 1)
        given = has_y | has_x
        seasonal = month_given & _between(month, 21, 41)  # seasons (21-24 at level 1, 25-41 at level 2)
        bad = given & ((month_xx & day_given) | (month_given & ~_between(month, 1, 12) & ~seasonal))
        bad |= given & day_given & ~_between(day_, 1, 31)
        season = given & ~bad & seasonal
        ok = given & ~bad & ~season
        first_month = np.where(month_given & ok, month, 1)
        last_month = np.where(month_given & ok, month, 12)
        lo_year, hi_year = np.clip(lo_y, 1, 9999), np.clip(hi_y, 1, 9999)
        last_days = month_days(hi_year, last_month)
        past_end = ok & day_given & (day_ > last_days)
        year0 = ok & (lo_y < 1)
        lo = days_from_civil(lo_year, first_month, np.where(day_given & ok, day_, 1))
        hi = days_from_civil(hi_year, last_month, np.where(day_given & ok, np.minimum(day_, last_days), last_days))
        lo = np.where(given, lo, NAT)
        hi = np.where(given, hi, NAT)
        for code, mask in ((1, bad), (2, season), (3, year0), (4, past_end)):
            error = np.where((error == 0) & mask, code, error)
        ends.append((lo, hi, present(field(f"o{i}"))))
    (lo1, hi1, open1), (_, hi2, _) = ends
    slash = present(field("slash"))
    error = np.where(~matched | (open1 & ~slash), 1, error)
    lo = lo1
    hi = np.where(slash, hi2, hi1)
    messages: list[str | None] = [None] * n
    for k in np.flatnonzero(error).tolist():
        messages[k] = _message(str(texts[k].as_py()), int(error[k]))
    return lo, hi, messages


def _between(x: np.ndarray, lo: int, hi: int) -> np.ndarray:
    return (x >= lo) & (x <= hi)


def month_days(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    """Days in each (year, month) of the proleptic Gregorian calendar (0 for a month outside 1..12)."""
    import numpy as np

    days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 0], dtype=np.int64)[np.clip(month, 0, 13)]
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    return days + ((month == 2) & leap)


def days_from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of each valid date (Howard Hinnant's ``days_from_civil``, vectorised)."""
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + 9 - 12 * (month > 2)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _message(value: str, error: int) -> str:
    if error == 2:
        return f"{value!r} is a season; use a month, a day or an interval"
    if error == 3:
        return "has a bound that is not a calendar day: year 0 is out of range"
    if error == 4:
        return "has a bound that is not a calendar day: day is out of range for month"
    return f"{value!r} is not a valid EDTF date (levels 0-1)"


def day(number: int) -> dt.date | None:
    """The date of an int64 day number (None for :data:`NAT`)."""
    return None if number == NAT else dt.date(1970, 1, 1) + dt.timedelta(days=number)


def edtf_bounds(value: str) -> tuple[dt.date | None, dt.date | None]:
    """First and last possible day of an EDTF string; ``None`` for an open end.

    >>> edtf_bounds("2025-02")
    (datetime.date(2025, 2, 1), datetime.date(2025, 2, 28))
    >>> edtf_bounds("2025-07-21/2025-07-31~")
    (datetime.date(2025, 7, 21), datetime.date(2025, 7, 31))
    """
    lo, hi, messages = bounds_many([value])
    if messages[0] is not None:
        raise EDTFError(messages[0])
    return day(int(lo[0])), day(int(hi[0]))
