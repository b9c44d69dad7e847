"""EDTF strings (levels 0 and 1) and the first and last days they allow."""

from __future__ import annotations

import datetime as dt
import math


class EDTFError(ValueError):
    pass


def _day(struct: object) -> dt.date | None:
    if isinstance(struct, float) and math.isinf(struct):
        return None
    try:
        y, m, d = struct[:3]  # type: ignore[index]
        return dt.date(y, m, d)
    except (TypeError, ValueError) as exc:
        raise EDTFError(f"has a bound that is not a calendar day: {exc}") from exc


def edtf_bounds(value: str) -> tuple[dt.date | None, dt.date | None]:
    """First and last possible day of an EDTF string; ``None`` for an open end.

    >>> edtf_bounds("2025-02")
    (datetime.date(2025, 2, 1), datetime.date(2025, 2, 28))
    >>> edtf_bounds("2025-07-21/2025-07-31~")
    (datetime.date(2025, 7, 21), datetime.date(2025, 7, 31))
    """
    import edtf  # imported here: only validation and the build need it

    try:
        parsed = edtf.parse_edtf(value)
    except Exception as exc:  # the library raises several types for bad input
        raise EDTFError(f"{value!r} is not a valid EDTF date (levels 0-1)") from exc
    if type(parsed).__name__ == "Season":
        raise EDTFError(f"{value!r} is a season; use a month, a day or an interval")
    try:
        return _day(parsed.lower_strict()), _day(parsed.upper_strict())
    except (TypeError, AttributeError) as exc:
        raise EDTFError(f"{value!r} has no computable bounds") from exc
