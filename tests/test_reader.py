"""The one CSV reader, proved against Python's csv module on generated and mutated files.

The property: whenever the reader parses a file, Python's ``csv.reader`` (strict) reads
the same header and the same cells, every row as wide as the header; whenever
``csv.reader`` fails, or gives a blank or ragged row, the reader refuses with a located
problem. Every refusal carries a code.
"""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cartel_directive import csvformat
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
