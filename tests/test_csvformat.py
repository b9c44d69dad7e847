"""The canonical CSV writer: byte-stable, and a write/read round trip loses nothing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cartel_directive import csvformat
from cartel_directive.reader import read


def _loads(text: str) -> tuple[list[str], list[list[str]]]:
    t = read(text.encode("utf-8"), "t.csv")
    assert t.frame is not None, t.problems
    return t.header, [list(r) for r in t.frame.itertuples(index=False, name=None)]


#: any text but NUL, which the reader refuses (tests/test_reader.py)
CHARS = st.characters(exclude_characters="\x00", codec="utf-8")
CELL = st.text(CHARS, max_size=20)
TABLE = st.integers(1, 6).flatmap(
    lambda width: st.tuples(
        st.lists(st.text(CHARS, min_size=1, max_size=10), min_size=width, max_size=width, unique=True),
        st.lists(st.lists(CELL, min_size=width, max_size=width), max_size=8),
    )
)


@given(TABLE)
def test_round_trip_is_lossless(table) -> None:
    header, rows = table
    assert _loads(csvformat.dumps(header, rows)) == (header, rows)


@given(TABLE)
def test_writing_unchanged_data_gives_identical_bytes(table) -> None:
    header, rows = table
    text = csvformat.dumps(header, rows)
    assert csvformat.dumps(*_loads(text)) == text


@given(TABLE)
def test_file_round_trip(tmp_path_factory, table) -> None:
    header, rows = table
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    path.write_bytes(csvformat.dumps(header, rows).encode("utf-8"))
    assert _loads(path.read_bytes().decode("utf-8")) == (header, rows)
    assert csvformat.dumps(*_loads(path.read_bytes().decode("utf-8"))).encode("utf-8") == path.read_bytes()


def test_dialect() -> None:
    assert csvformat.dumps(["a", "b"], [["x, y", 'say "hi"'], ["", "é"]]) == 'a,b\n"x, y","say ""hi"""\n,é\n'


@given(TABLE.filter(lambda t: not any("\r" in c for r in [t[0], *t[1]] for c in r)))
def test_same_bytes_as_the_csv_module_for_ordinary_cells(table) -> None:
    """Files written before stay byte-identical: only cells holding a CR are quoted differently."""
    import csv
    import io

    header, rows = table
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    assert csvformat.dumps(header, rows) == buf.getvalue()


def test_carriage_return_in_a_cell_survives() -> None:
    """Regression: a lone CR in a cell was written unquoted and read back as a row break."""
    for cell in ["x\ry", "\r", "a\r\nb"]:
        text = csvformat.dumps(["a", "b"], [[cell, "z"]])
        assert _loads(text) == (["a", "b"], [[cell, "z"]])
