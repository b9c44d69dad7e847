"""The validator's fast paths give exactly what the plain code they replace gives."""

from __future__ import annotations

import csv
import io
import itertools

import pytest

from cartel_directive.checks import crossfield, rawtable
from cartel_directive.dates import EDTFError, edtf_bounds
from cartel_directive.textfold import LATIN10_PROFILE, fold, fold_many, repair, repair_pieces

SINGLES = ["2025", "2024-02", "2025-12", "2024-02-29", "2025-02-29", "2025-13", "2025-00", "2025-21", "0000"]
SINGLES += ["2025-08-08", "2025-8-8", "202X", "2025-XX", "2025-08-XX", "-2025", "Y2025"]


def _plain(value: str):
    try:
        return edtf_bounds(value)
    except (EDTFError, ValueError) as exc:  # the library raises ValueError for some inputs
        return type(exc).__name__, str(exc)


def _fast(value: str):
    try:
        return crossfield.bounds(value)
    except (EDTFError, ValueError) as exc:  # the library raises ValueError for some inputs
        return type(exc).__name__, str(exc)


@pytest.mark.parametrize(
    "value",
    [s + q for s in SINGLES for q in ("", "~", "?", "%")]
    + [f"{a}/{b}" for a, b in itertools.product([*SINGLES[:6], "..", ""], repeat=2)]
    + ["..", "", " 2025", "2025 ", "2025-08-05/2025-08-01", "2025~/2025-08?"],
)
def test_edtf_fast_path_agrees(value: str) -> None:
    assert _fast(value) == _plain(value)


def test_fold_many_agrees() -> None:
    texts = ["a “b” — c…", "  x\n\ny ", "e\u0301", "\u0301x", "", " \x1c a\u2028b\xa0 ", "x\x00y", "«z»"]
    assert fold_many(texts) == [fold(t) for t in texts]
    assert fold_many(texts[:-2]) == [fold(t) for t in texts[:-2]]


def test_repair_runs_agree() -> None:
    damaged = "MĂ©xico âNoâ ĂĄ x Ă© â€ Ă"
    whole = "".join(p for p, _, _ in repair_pieces(damaged, LATIN10_PROFILE))
    assert repair(damaged, LATIN10_PROFILE) == whole


@pytest.mark.parametrize(
    "data",
    [
        b'a,b,c\n1,"x,y",3\n4,"p\nq",6\n',
        b'a,b,c\n1,"2""",3\n,,\n',
        b"a,b,c\n1,2\n4,5,6\n",
        b"a,b,c\n1,2,3\n\n",
        b"a,b,c\n1,2,3,4\n",
        b'a,b,c\n1,"x"y,3\n',
        b'a,b,c\n1,x"y,3\n',
        b'a,b,c\n1,"open,3\n',
        b"a,b,c\n1,2,3",
    ],
)
def test_fast_parse_agrees_with_csv_module(data: bytes) -> None:
    table, problems = rawtable.parse("t", "t.csv", data)
    try:
        rows = list(csv.reader(io.StringIO(data.decode(), newline=""), strict=True))
    except csv.Error:
        assert not table.parsed and problems
        return
    assert table.header == rows[0]
    width = len(rows[0])
    padded = [(r + [""] * width)[:width] for r in rows[1:]]
    assert table.frame.astype(object).values.tolist() == padded
    ragged = [i + 2 for i, r in enumerate(rows[1:]) if len(r) != width]
    assert [p.row for p in problems if "cells" in p.message or "blank" in p.message] == ragged
