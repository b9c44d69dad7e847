"""The one CSV reader, proved against Python's csv module on generated and mutated files.

The property: whenever the reader parses a file, Python's ``csv.reader`` (strict) reads
the same header and the same cells, every row as wide as the header; whenever
``csv.reader`` fails, or gives a blank or ragged row, the reader refuses with a located
problem. Every refusal carries a code.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cartel_directive import csvformat, reader
from cartel_directive.reader import read

#: characters that matter to CSV, plus a few that matter to UTF-8
ALPHABET = st.sampled_from([*'abc ,"\n\r', "é", "“", "\u202e", "\x00"])
CELL = st.text(ALPHABET, max_size=8)
TABLE = st.integers(1, 5).flatmap(
    lambda width: st.tuples(
        st.lists(st.text("abcxyz_", min_size=1, max_size=6), min_size=width, max_size=width, unique=True),
        st.lists(st.lists(CELL, min_size=width, max_size=width), max_size=6),
    )
)
#: single-byte edits that break or bend the structure
EDIT_BYTES = [b'"', b",", b"\n", b"\r", b"\x00", b"\xff", b"\xc3", b"\xef\xbb\xbf", b""]


def _csv_module(data: bytes) -> tuple[list[str], list[list[str]]] | None:
    """What csv.reader (strict) reads, or None where it fails or the shape is not a table."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if text.startswith("\ufeff"):
        return None
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error:
        return None
    if not rows or any(len(r) != len(rows[0]) for r in rows):
        return None
    return rows[0], rows[1:]


def _ours(data: bytes) -> tuple[list[str], list[list[str]]] | None:
    t = read(data, "t.csv")
    assert all(p.code for p in t.problems), t.problems
    if t.frame is None:
        assert t.problems, "a refusal without a problem"
        assert all(p.file == "t.csv" for p in t.problems)
        return None
    return t.header, [list(r) for r in t.frame.itertuples(index=False, name=None)]


def _agrees(data: bytes) -> None:
    ours = _ours(data)
    theirs = _csv_module(data)
    if ours is not None:
        # parsed: csv.reader reads the same (it reads CR and CRLF line endings too; the reader reports them)
        t = read(data, "t.csv")
        assert _csv_module(data.removeprefix(b"\xef\xbb\xbf")) == ours
        if theirs is not None and not t.problems:
            assert theirs == ours
    if theirs is None:
        assert ours is None or read(data, "t.csv").problems, "csv.reader refuses what the reader accepts silently"


@given(TABLE)
def test_canonical_files_read_as_the_csv_module_reads_them(table) -> None:
    header, rows = table
    data = csvformat.dumps(header, rows).encode("utf-8")
    t = read(data, "t.csv")
    if b"\x00" in data:
        assert [p.code for p in t.problems][:1] == ["csv-nul"]
        return
    assert t.problems == []
    assert _ours(data) == (header, rows) == _csv_module(data)


@given(TABLE, st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(EDIT_BYTES), st.booleans()), max_size=3))
def test_mutated_files(table, edits) -> None:
    header, rows = table
    data = bytearray(csvformat.dumps(header, rows).encode("utf-8"))
    for at, byte, replace in edits:
        i = at % (len(data) + 1)
        data[i : i + (1 if replace else 0)] = byte
    _agrees(bytes(data))


@pytest.mark.parametrize(
    ("data", "code", "row", "column"),
    [
        (b"", "csv-empty", None, None),
        (b"\xef\xbb\xbfa,b\n1,2\n", "csv-bom", 1, None),
        (b"a,b\r\n1,2\r\n", "csv-line-ending", 1, None),
        (b"a,b\n1,2\n\n3,4\n", "csv-blank-row", 3, None),
        (b"a,b\n1,2\n3\n", "csv-row-width", 3, None),
        (b"a,b\n1,2\n3,4", "csv-final-newline", 3, None),
        (b'a,b\n1,"2\n3,4\n', "csv-quote", 2, "b"),
        (b'a,b\n1,2"x"\n', "csv-quote", 2, "b"),
        (b"a,b\n1,2\n3,\x00\n", "csv-nul", 3, "b"),
        (b"a,b\n1,2\n3,caf\xe9\n", "csv-encoding", 3, "b"),
        (b'a,b\n"x\ny",2\n3,caf\xe9\n', "csv-encoding", 3, "b"),  # rows count records, not lines
    ],
)
def test_problems_are_located_and_coded(data: bytes, code: str, row: int | None, column: str | None) -> None:
    t = read(data, "t.csv")
    assert (t.problems[0].code, t.problems[0].row, t.problems[0].column) == (code, row, column)


def test_crlf_is_reported_then_read() -> None:
    t = read(b'a,b\r\n1,"x\r\ny"\r\n', "t.csv")
    assert [p.code for p in t.problems] == ["csv-line-ending"]
    assert t.frame is not None and t.frame["b"].tolist() == ["x\r\ny"]  # CR inside a quoted cell is kept


def test_a_million_columns_are_refused_before_splitting() -> None:
    t = read(b",".join([b"c"] * 1_000_000) + b"\n", "t.csv")
    assert [p.code for p in t.problems] == ["csv-too-many-columns"]


def test_header_only_and_repeated_names() -> None:
    t = read(b"a,b,a\n", "t.csv")
    assert t.header == ["a", "b", "a"] and list(t.frame.columns) == ["a", "b"] and len(t.frame) == 0


#: cells pandas would read as numbers, booleans or missing values if it guessed types
TYPED_LOOKING = st.sampled_from(
    [
        "007",
        "1.0",
        "1",
        "-0",
        "+3",
        " 5",
        "1e5",
        "True",
        "false",
        "NaN",
        "nan",
        "NA",
        "null",
        "",
        "inf",
        "0x1F",
        "99999999999999999999",
        "1_000",
        "3.14159265358979323846",
        "-",
        ".",
    ]
)


@given(TABLE)
def test_the_dtype_asked_of_pandas_changes_no_cell(table) -> None:
    """Arrow strings (pyarrow installed) and ``str`` (the light install) read the same text."""
    header, rows = table
    data = csvformat.dumps(header, rows).encode()
    arrow = read(data, "t.csv").frame
    text_dtype, reader._text_dtype = reader._text_dtype, lambda: str
    try:
        plain = read(data, "t.csv").frame
    finally:
        reader._text_dtype = text_dtype
    assert (arrow is None) == (plain is None)
    if arrow is not None and plain is not None:
        assert [list(r) for r in arrow.itertuples(index=False)] == [list(r) for r in plain.itertuples(index=False)]
        assert list(arrow.dtypes.astype(str)) == list(plain.dtypes.astype(str))


@given(st.lists(st.lists(TYPED_LOOKING, min_size=3, max_size=3), min_size=1, max_size=30))
def test_cells_that_look_typed_come_back_as_written(rows) -> None:
    """No column is read through a guess at its type: every cell is the text in the file."""
    data = csvformat.dumps(["a", "b", "c"], rows).encode()
    t = read(data, "t.csv")
    assert t.problems == []
    assert _ours(data) == (["a", "b", "c"], rows) == _csv_module(data)


@pytest.fixture
def small_blocks(monkeypatch):
    """Scan in blocks of 64 bytes, so generated files cross many block boundaries."""
    monkeypatch.setattr(reader, "_BLOCK", 64)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(TABLE, st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(EDIT_BYTES), st.booleans()), max_size=3))
def test_mutated_files_in_small_blocks(small_blocks, table, edits) -> None:
    test_mutated_files.hypothesis.inner_test(table, edits)


def test_a_file_of_many_blocks_reads_as_the_csv_module_reads_it() -> None:
    """A few MiB: quoted cells with commas, quotes and line breaks straddle the real block size."""
    rows = [
        [f"id-{i:06d}", f'say "{i}", then\nstop' if i % 7 == 0 else "x" * (i % 97), "é" * (i % 5)]
        for i in range(60_000)
    ]
    data = csvformat.dumps(["id", "text", "more"], rows).encode()
    assert len(data) > 3 * reader._BLOCK
    assert _ours(data) == (["id", "text", "more"], rows) == _csv_module(data)
    bad = data.replace(b"\nid-050002,x", b'\nid-050002,x"y"', 1)  # stray quotes far into the file
    t = read(bad, "t.csv")
    assert [(p.code, p.row, p.column) for p in t.problems] == [("csv-quote", 50_004, "text")]


@given(st.lists(st.integers(0, 2**64 - 1), max_size=50))
def test_popcount_by_halving_counts_bits(words) -> None:
    arr = np.array(words, dtype=np.uint64)
    assert reader._popcount_halving(arr).tolist() == [bin(w).count("1") for w in words]


def test_a_byte_order_mark_starting_a_record_is_text() -> None:
    """Only the file's first bytes can be a BOM; pandas would strip one starting the text it is given."""
    t = read(b"a\n\xef\xbb\xbfx\n", "t.csv")
    assert t.problems == [] and t.frame is not None and t.frame["a"].tolist() == ["\ufeffx"]


def test_a_header_wider_or_narrower_than_every_row_is_named_once_at_row_1() -> None:
    wider = reader.read(b"a,b,c\n1,2\n3,4\n", "x.csv").problems
    assert [(p.code, p.row) for p in wider] == [("csv-row-width", 1), ("csv-row-width", 2), ("csv-row-width", 3)]
    assert "every row has 2" in wider[0].message and "a column the rows lack" in wider[0].message
    narrower = reader.read(b"a,b\n1,2,3\n\n3,4,5\n", "x.csv").problems
    assert ("csv-row-width", 1) in [(p.code, p.row) for p in narrower]
    mixed = reader.read(b"a,b\n1,2,3\n3,4\n", "x.csv").problems  # one row wrong: no header-level cause
    assert [(p.code, p.row) for p in mixed] == [("csv-row-width", 2)]
    single = reader.read(b"a,b\n1,2,3\n", "x.csv").problems  # one row only: that row says it all
    assert [(p.code, p.row) for p in single] == [("csv-row-width", 2)]
