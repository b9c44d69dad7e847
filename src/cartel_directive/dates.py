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
from typing import TYPE_CHECKING

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


def bounds_many(values: Sequence[str]) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
    """First and last possible day of each EDTF string, as int64 days since 1970-01-01
    (:data:`NAT` for an open end), and for each an error message (None when valid)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(values)
    if n == 0:  # e.g. a column whose every cell is empty: nothing to bound
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), []
    parts = pc.extract_regex(pa.array(list(values), pa.string()), PATTERN)
    matched = np.asarray(parts.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    parts = parts.fill_null({k: "" for k in (f.name for f in parts.type)})

    def field(name: str) -> np.ndarray:
        return np.asarray(pc.struct_field(parts, name).to_numpy(zero_copy_only=False), dtype=str)

    error = np.zeros(n, dtype=np.int8)  # 0 valid, 1 not EDTF, 2 a season, 3 year 0, 4 day past the month's end
    ends = []
    for i in (1, 2):
        y, m, d, x, o = (field(f"{k}{i}") for k in "ymdxo")
        year = np.where(y != "", y, "0")
        xyear = np.where(x != "", x, "0")
        lo_y = np.where(x != "", np.char.replace(xyear.astype(str), "X", "0"), year).astype(np.int64)
        hi_y = np.where(x != "", np.char.replace(xyear.astype(str), "X", "9"), year).astype(np.int64)
        month_given = (m != "") & (m != "XX")
        month = np.where(month_given, m, "1").astype(np.int64)
        day_given = (d != "") & (d != "XX")
        day = np.where(day_given, d, "1").astype(np.int64)
        given = (y != "") | (x != "")
        seasonal = month_given & _between(month, 21, 41)  # seasons (21-24 at level 1, 25-41 at level 2)
        bad = given & (((m == "XX") & day_given) | (month_given & ~_between(month, 1, 12) & ~seasonal))
        bad |= given & day_given & ~_between(day, 1, 31)
        season = given & ~bad & seasonal
        month = np.where(season, 1, month)
        first_month = np.where(month_given, month, 1)
        last_month = np.where(month_given, month, 12)
        lo_m = ((np.clip(lo_y, 1, 9999) - 1970) * 12 + first_month - 1).astype("datetime64[M]")
        hi_m = ((np.clip(hi_y, 1, 9999) - 1970) * 12 + last_month - 1).astype("datetime64[M]")
        month_days = ((hi_m + 1).astype("datetime64[D]") - hi_m.astype("datetime64[D]")).astype(np.int64)
        past_end = given & ~bad & ~season & day_given & (day > month_days)
        year0 = given & ~bad & ~season & (lo_y < 1)
        lo = np.where(
            day_given,
            lo_m.astype("datetime64[D]").astype(np.int64) + day - 1,
            lo_m.astype("datetime64[D]").astype(np.int64),
        )
        hi = np.where(
            day_given,
            hi_m.astype("datetime64[D]").astype(np.int64) + day - 1,
            (hi_m + 1).astype("datetime64[D]").astype(np.int64) - 1,
        )
        lo = np.where(given, lo, NAT)
        hi = np.where(given, hi, NAT)
        for code, mask in ((1, bad), (2, season), (3, year0), (4, past_end)):
            error = np.where((error == 0) & mask, code, error)
        ends.append((lo, hi, o != ""))
    (lo1, hi1, open1), (_, hi2, _) = ends
    slash = field("slash") != ""
    error = np.where(~matched | (open1 & ~slash), 1, error)
    lo = lo1
    hi = np.where(slash, hi2, hi1)
    messages: list[str | None] = [None] * n
    for k in np.flatnonzero(error).tolist():
        messages[k] = _message(values[k], int(error[k]))
    return lo, hi, messages


def _between(x: np.ndarray, lo: int, hi: int) -> np.ndarray:
    return (x >= lo) & (x <= hi)


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
