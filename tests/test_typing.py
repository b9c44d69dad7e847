"""The one typing step against a plain-Python reading of the Table Schema types, cell by cell.

Columns are generated in both of pandas' string storages (Arrow-backed, as the reader
gives them with pyarrow installed, in several chunks with offsets; and Python-backed,
as in the light install), so every primitive of ``typing_._Cells`` is held to the same
oracle.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cartel_directive.tableschema import Field, TableSchema
from cartel_directive.typing_ import convert_table

TRUE, FALSE = ("true", "True", "TRUE", "1"), ("false", "False", "FALSE", "0")

#: cells near every edge of the forms: signs, leading zeros, 18/19/20 digits, exponents,
#: impossible and out-of-range dates, non-ASCII digits, spaces, words pandas or Arrow would accept
EDGES = [
    "",
    "0",
    "-0",
    "+0",
    "007",
    "+5",
    "-5",
    "+-5",
    "--5",
    "+",
    "-",
    " 5",
    "5 ",
    "0x1F",
    "1_000",
    "١٢",
    "12.5",
    "1.",
    ".5",
    ".",
    "1e5",
    "1E+05",
    "-1e-5",
    "1e400",
    "-1e400",
    "1e-400",
    "e5",
    "inf",
    "nan",
    "NaN",
    "Infinity",
    "999999999999999999",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "-9223372036854775809",
    "99999999999999999999",
    "+000000000000000000000001",
    "2025-08-08",
    "2025-02-29",
    "2024-02-29",
    "1900-02-29",
    "2000-02-29",
    "2025-02-30",
    "2025-13-01",
    "2025-00-10",
    "2025-01-00",
    "2025-04-31",
    "1677-12-31",
    "1678-01-01",
    "2261-12-31",
    "2262-01-01",
    "0001-01-01",
    "9999-12-31",
    "2025-8-8",
    "2025/08/08",
    "+2025-08-08",
    "2025-08-08T00:00",
    "２０２５-08-08",
    *TRUE,
    *FALSE,
    "yes",
    "t",
]

cells = st.lists(
    st.one_of(
        st.sampled_from(EDGES),
        st.integers(-(2**70), 2**70).map(str),
        st.floats(allow_nan=False, allow_infinity=False).map(repr),
        st.dates(dt.date(1600, 1, 1), dt.date(2400, 12, 31)).map(str),
        st.text(alphabet="0123456789+-.eE: x", max_size=12),
    ),
    max_size=40,
)


def oracle(kind: str, cell: str) -> tuple[object, str | None]:
    """(value, code) of one cell read as the Table Schema type by plain Python."""
    if cell == "":
        return None, None
    if kind == "boolean":
        return (True, None) if cell in TRUE else (False, None) if cell in FALSE else (None, "type-error")
    if kind == "string":
        return cell, None
    form = {
        "integer": r"[+-]?[0-9]+",
        "number": r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?",
        "date": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
    }[kind]
    if not re.fullmatch(form, cell, flags=re.ASCII):
        return None, "type-error"
    if kind == "integer":
        value = int(cell)
        return (value, None) if -(2**63) <= value < 2**63 else (None, "type-range")
    if kind == "number":
        number = float(cell)
        return (number, None) if math.isfinite(number) else (None, "type-range")
    if not 1678 <= int(cell[:4]) <= 2261:
        return None, "type-range"
    try:
        return pd.Timestamp(dt.date.fromisoformat(cell)), None
    except ValueError:
        return None, "type-error"


def column(values: list[str], storage: str, cuts: list[int]) -> pd.Series:
    """The reader's kind of column: "str" dtype; Arrow-backed in chunks (one sliced) or Python-backed."""
    if storage == "python":
        return pd.Series(values, dtype=pd.StringDtype("python", na_value=np.nan))
    bounds = sorted({0, len(values), *[c % (len(values) + 1) for c in cuts]})
    chunks = [pa.array(["pad", *values[a:b]], pa.large_string()).slice(1) for a, b in itertools.pairwise(bounds)]
    arr = pa.chunked_array(chunks, type=pa.large_string())
    series = pd.Series(pd.arrays.ArrowStringArray(arr, dtype=pd.StringDtype("pyarrow", na_value=np.nan)))
    assert series.dtype == "str"
    return series


def table(kind: str, enum: list[str] | None = None) -> TableSchema:
    constraints = {"enum": enum} if enum is not None else {}
    return TableSchema("t", {"fields": [{"name": "c", "type": kind, "constraints": constraints}]})


@pytest.mark.parametrize("storage", ["pyarrow", "python"])
@pytest.mark.parametrize("kind", ["integer", "number", "date", "boolean", "string"])
def test_every_edge_is_typed_as_plain_python_reads_it(kind: str, storage: str) -> None:
    check_column(kind, storage, EDGES, [5, 17, 40])


@pytest.mark.parametrize("storage", ["pyarrow", "python"])
@pytest.mark.parametrize("kind", ["integer", "number", "date", "boolean", "string"])
@given(values=cells, cuts=st.lists(st.integers(0, 50), max_size=3))
def test_every_cell_is_typed_as_plain_python_reads_it(kind: str, storage: str, values: list[str], cuts) -> None:
    check_column(kind, storage, values, cuts)


def check_column(kind: str, storage: str, values: list[str], cuts: list[int]) -> None:
    typed, problems = convert_table(pd.DataFrame({"c": column(values, storage, cuts)}), table(kind), "t.csv")
    col = typed["c"]
    want_dtype = Field("c", kind, "c", "").to_pandas_dtype()
    assert col.dtype == pd.api.types.pandas_dtype(want_dtype)
    if kind == "string":
        assert col.dtype.storage == pd.StringDtype().storage  # pandas' default for "string"
    expected = [oracle(kind, v) for v in values]
    got = {(p.row, p.code) for p in problems}
    assert got == {(i + 2, code) for i, (_, code) in enumerate(expected) if code}
    assert all(p.column == "c" and p.layer == "pandera" for p in problems)
    for i, (value, _) in enumerate(expected):
        if value is None:
            assert pd.isna(col.iat[i]), (values[i], col.iat[i])
        else:
            assert col.iat[i] == value and type(value)(col.iat[i]) == value, (values[i], col.iat[i])


@pytest.mark.parametrize("storage", ["pyarrow", "python"])
@given(values=st.lists(st.sampled_from(["b", "a", "c", "", "A", "b "]), max_size=30))
def test_categoricals_come_from_codes_in_the_declared_order(storage: str, values: list[str]) -> None:
    typed, problems = convert_table(
        pd.DataFrame({"c": column(values, storage, [3])}), table("string", ["b", "a"]), "t.csv", categorical=True
    )
    col = typed["c"]
    assert list(col.cat.categories) == ["b", "a"] and not col.cat.ordered
    assert {p.row for p in problems} == {i + 2 for i, v in enumerate(values) if v not in ("", "a", "b")}
    assert all(p.code == "constraint-enum" for p in problems)
    assert [None if pd.isna(v) else v for v in col] == [v if v in ("a", "b") else None for v in values]


def test_typed_categories_and_out_of_range_cells() -> None:
    schema = table("integer", ["3", "10", "2"])
    frame = pd.DataFrame({"c": pd.Series(["10", "", "4", "x", "2", "99999999999999999999"], dtype="str")})
    typed, problems = convert_table(frame, schema, "t.csv", categorical=True)
    assert list(typed["c"].cat.categories) == [3, 10, 2]
    assert [None if pd.isna(v) else v for v in typed["c"]] == [10, None, None, None, 2, None]
    assert [(p.row, p.code) for p in problems] == [(5, "type-error"), (7, "type-range"), (4, "constraint-enum")]


def test_a_text_column_shares_the_readers_buffers() -> None:
    """Empty cells become missing through a validity bitmap: the strings are not copied."""
    raw = column(["ab", "", "cd"] * 1000, "pyarrow", [1000])
    typed, _ = convert_table(pd.DataFrame({"c": raw}), table("string"), "t.csv")
    before = [c.buffers()[2].address for c in pa.array(raw.array).chunks]
    after = [c.buffers()[2].address for c in pa.array(typed["c"].array).chunks]
    assert before == after
    assert typed["c"].isna().sum() == 1000 and typed["c"].iat[0] == "ab"
