"""EDTF strings and the first and last days they allow."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cartel_directive.dates import EDTFError, edtf_bounds
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
