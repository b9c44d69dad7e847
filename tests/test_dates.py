"""EDTF strings and the first and last days they allow."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cartel_directive.dates import EDTFError, bounds_many, day, edtf_bounds
from strategies import DrawChooser, edtf

#: An EDTF string (levels 0-1) with its first and last day, computed by the generator itself.
edtf_cases = st.composite(lambda draw: edtf(DrawChooser(draw)))()


@given(edtf_cases)
def test_bounds_match_an_independent_computation(edtf_case) -> None:
    text, lo, hi = edtf_case
    assert edtf_bounds(text) == (dt.date.fromisoformat(lo), dt.date.fromisoformat(hi))


@pytest.mark.parametrize(
    ("text", "lo", "hi"),
    [
        ("2025-08-08", "2025-08-08", "2025-08-08"),
        ("2025-02", "2025-02-01", "2025-02-28"),
        ("2024-02", "2024-02-01", "2024-02-29"),
        ("2025", "2025-01-01", "2025-12-31"),
        ("2025-07-21/2025-07-31", "2025-07-21", "2025-07-31"),
        ("2025-07~", "2025-07-01", "2025-07-31"),
        ("2025?", "2025-01-01", "2025-12-31"),
        ("2025-08-XX", "2025-08-01", "2025-08-31"),
    ],
)
def test_curation_examples(text: str, lo: str, hi: str) -> None:
    assert edtf_bounds(text) == (dt.date.fromisoformat(lo), dt.date.fromisoformat(hi))


def test_open_interval_ends() -> None:
    assert edtf_bounds("2025-08-08/..") == (dt.date(2025, 8, 8), None)
    assert edtf_bounds("../2025-08-08") == (None, dt.date(2025, 8, 8))


@pytest.mark.parametrize("text", ["2025-13", "2025-02-30", "Friday", "2025-21", "8/8/2025", "", "2025-08-08T10:00Z/x"])
def test_invalid_edtf(text: str) -> None:
    with pytest.raises(EDTFError):
        edtf_bounds(text)


def _reference(text: str) -> tuple[dt.date | None, dt.date | None] | None:
    """Levels 0-1 bounds, written plainly one value at a time (None: not such a string)."""
    import calendar
    import re

    def side(s: str) -> tuple[dt.date, dt.date] | None:
        s = s[:-1] if s[-1:] in ("?", "~", "%") else s
        if re.fullmatch(r"[0-9]{3}X|[0-9]{2}XX", s):
            lo, hi = int(s.replace("X", "0")), int(s.replace("X", "9"))
            return (dt.date(lo, 1, 1), dt.date(hi, 12, 31)) if lo >= 1 else None
        m = re.fullmatch(r"([0-9]{4})(?:-([0-9]{2}|XX)(?:-([0-9]{2}|XX))?)?", s)
        if not m or int(m[1]) < 1:
            return None
        y = int(m[1])
        if m[2] in (None, "XX"):
            return None if m[3] not in (None, "XX") else (dt.date(y, 1, 1), dt.date(y, 12, 31))
        if not 1 <= int(m[2]) <= 12:
            return None
        last = calendar.monthrange(y, int(m[2]))[1]
        if m[3] in (None, "XX"):
            return dt.date(y, int(m[2]), 1), dt.date(y, int(m[2]), last)
        if not 1 <= int(m[3]) <= last:
            return None
        return dt.date(y, int(m[2]), int(m[3])), dt.date(y, int(m[2]), int(m[3]))

    first, slash, second = text.partition("/")
    if not slash:
        return side(first)
    a = (None, None) if first == ".." else side(first)
    b = (None, None) if second == ".." else side(second)
    return None if a is None or b is None else (a[0], b[1])


ATOMS = ["2025", "2024", "1900", "0000", "201X", "20XX", "-", "02", "08", "12", "13", "21", "29", "30", "31", "00"]
ATOMS += ["XX", "?", "~", "%", "/", "..", "-01", "-02", "X", "1"]


@given(st.lists(st.sampled_from(ATOMS), min_size=1, max_size=7).map("".join))
def test_bounds_of_any_string_agree_with_a_plain_reference(text: str) -> None:
    want = _reference(text)
    if want is None:
        with pytest.raises(EDTFError):
            edtf_bounds(text)
    else:
        assert edtf_bounds(text) == want


def test_bounds_many_is_the_one_value_form_for_each() -> None:
    values = ["2025-02", "2025-13", "", "../2025", "2024-02-XX", "2025-21", "0000", "2025-02-29"]
    lo, hi, messages = bounds_many(values)
    for k, v in enumerate(values):
        if messages[k] is None:
            assert edtf_bounds(v) == (day(int(lo[k])), day(int(hi[k])))
        else:
            with pytest.raises(EDTFError, match=re.escape(messages[k])):
                edtf_bounds(v)


def test_no_values_give_no_bounds() -> None:
    lo, hi, errors = bounds_many([])
    assert len(lo) == len(hi) == 0 and errors == []
