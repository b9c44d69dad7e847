"""Layer: CSV hygiene (encoding, line endings, header, cells, sort order), with real failing files."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cartel_directive import csvformat, reader
from cartel_directive.checks import hygiene
from cartel_directive.rules import Context, run
from cartel_directive.tableschema import TableSchema
from cartel_directive.validate import validate
from mutations import Workspace
from strategies import csv_text


def spots(root: Path, archive: Path, layer: str | None = "hygiene") -> set[tuple[str, int | None, str | None]]:
    report = validate(root, sources=archive)
    return {(p.file, p.row, p.column) for p in report.problems if layer is None or p.layer == layer}


def test_generated_package_is_clean(gen) -> None:
    assert spots(*gen) == set()


def test_bom_is_reported_on_row_1(gen) -> None:
    ws = Workspace(*gen)
    ws.write_bytes("actors", b"\xef\xbb\xbf" + (gen[0] / "data/actors.csv").read_bytes())
    assert ("data/actors.csv", 1, None) in spots(*gen)


def test_crlf_row_counts_records_not_lines(gen) -> None:
    """A cell with a line break must not shift the row named for a later problem."""
    ws = Workspace(*gen)
    header, rows = ws.read("actors")
    rows[0][header.index("description")] = "First line\nsecond line"
    text = csv_text(header, rows)
    text = text[:-1] + "\r\n"  # CRLF only after the last record: row len(rows)+1, physical line len(rows)+2
    ws.write_bytes("actors", text.encode())
    found = spots(*gen)
    assert ("data/actors.csv", len(rows) + 1, None) in found
    assert not any(row == len(rows) + 2 for _, row, _ in found)


def test_not_utf8_names_row_and_column(gen) -> None:
    ws = Workspace(*gen)
    header, rows = ws.read("actors")
    rows[1][header.index("description")] = "Caf\ue000 owner"
    ws.write_bytes("actors", csv_text(header, rows).encode().replace("\ue000".encode(), b"\xe9"))
    assert ("data/actors.csv", 3, "description") in spots(*gen)


def test_not_utf8_in_a_multiline_cell_counts_records(gen) -> None:
    ws = Workspace(*gen)
    header, rows = ws.read("actors")
    rows[0][header.index("description")] = "Line one\nline two"
    rows[1][header.index("description")] = "Bad \ue000 byte"
    ws.write_bytes("actors", csv_text(header, rows).encode().replace("\ue000".encode(), b"\x92"))
    assert ("data/actors.csv", 3, "description") in spots(*gen)


def test_whole_file_in_cp1252(gen) -> None:
    ws = Workspace(*gen)
    header, rows = ws.read("actors")
    rows[0][header.index("name")] = "José Núñez"
    ws.write_bytes("actors", csv_text(header, rows).encode("cp1252"))
    assert ("data/actors.csv", 2, "name") in spots(*gen)


def test_truncated_last_row_is_named(gen) -> None:
    path = gen[0] / "data/events.csv"
    text = path.read_text()
    n_rows = text.count("\n") - 1
    cut = text[: len(text) - 2]  # cuts inside the last cell: same number of cells, no final newline
    Workspace(*gen).write_bytes("events", cut.encode())
    assert ("data/events.csv", n_rows + 1, None) in spots(*gen)


def test_unclosed_quote_names_its_record() -> None:
    problems = reader.read(b'a,b\n1,"two\nlines"\n3,"open\n', "data/t.csv").problems
    assert [(p.code, p.row, p.column) for p in problems] == [("csv-quote", 3, "b")]


def test_empty_and_blank(gen) -> None:
    problems = reader.read(b"", "data/t.csv").problems
    assert [(p.code, p.file, p.row) for p in problems] == [("csv-empty", "data/t.csv", None)]
    problems = reader.read(b"a,b\n1,2\n\n3,4\n", "data/t.csv").problems
    assert [(p.code, p.row) for p in problems] == [("csv-blank-row", 3)]
    problems = reader.read(b"a,b\n1,2,3\n", "data/t.csv").problems
    assert [(p.code, p.row) for p in problems] == [("csv-row-width", 2)]


@pytest.mark.parametrize("change", ["reorder", "drop", "add", "duplicate"])
def test_header_must_follow_the_schema(gen, change: str) -> None:
    ws = Workspace(*gen)
    header, rows = ws.read("statements")
    if change == "reorder":
        for r in [header, *rows]:
            r[1], r[2] = r[2], r[1]
        want = {("data/statements.csv", 1, "speaker_id")}
    elif change == "drop":
        i = header.index("quote_kind")
        for r in [header, *rows]:
            del r[i]
        want = {("data/statements.csv", 1, "quote_kind")}
    elif change == "add":
        for r in [header, *rows]:
            r.append("note" if r is header else "x")
        want = {("data/statements.csv", 1, "note")}
    else:
        for r in [header, *rows]:
            r.append(r[0])
        want = {("data/statements.csv", 1, "statement_id")}
    ws.write("statements", header, rows)
    assert want <= spots(*gen)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("A generated actor. ", "cell-edge-whitespace"),
        ("\tA generated actor.", "cell-edge-whitespace"),
        ("A generated\x07 actor.", "cell-control-character"),
        ("A generated\x85 actor.", "cell-control-character"),
        ("=1+2", "cell-formula"),
        ("+1 for the plan", "cell-formula"),
        ("-not a list item", "cell-formula"),
        ("@someone said", "cell-formula"),
        ("The presidentâs office", "cell-mojibake"),
        ("Farfán-MĂ©ndez", "cell-mojibake"),
        ("Ã© in a name", "cell-mojibake"),
    ],
)
def test_bad_cells_are_named(gen, value: str, code: str) -> None:
    Workspace(*gen).set_cell("actors", 1, "description", value)
    report = validate(*gen)
    hits = [p for p in report.problems if (p.file, p.row, p.column) == ("data/actors.csv", 3, "description")]
    assert hits, "\n".join(report.lines())
    assert any(p.code == code for p in hits)


def test_unsorted_rows_name_the_first_row_out_of_order(gen) -> None:
    ws = Workspace(*gen)
    header, rows = ws.read("events")
    rows[0], rows[1] = rows[1], rows[0]
    ws.write("events", header, rows)
    assert ("data/events.csv", 3, "event_id") in spots(*gen)


#: characters each cell rule looks for, and their neighbours that it must let pass
HYGIENE_ALPHABET = st.sampled_from(
    [
        *'ab ,"\n\t=+-@',
        "\r",
        "\x07",
        "\x7f",
        "\x85",
        "\xa0",
        "é",
        "\u0301",
        "Ã",
        "â",
        "\u200b",
        "\u00ad",
        "\u202e",
        "\u2066",
        "\u2028",
        "\u3000",
        "\u2003",
        "“",
        "\U0001f600",
        "\ufffd",
        "\u1100",
        "\u1161",
        "\uac00",
    ]
)


def _expected(header: list[str], rows: list[list[str]], text_fields: set[str]) -> set[tuple[int, str | None, str]]:
    """The cell rules, cell by cell, in plain Python."""
    out: set[tuple[int, str | None, str]] = set()
    for name in header:
        out |= {(1, None, k) for k in map(hygiene._rule_of, map(ord, name)) if k}
    for r, row in enumerate(rows, start=2):
        for name, value in zip(header, row, strict=True):
            out |= {(r, name, k) for k in map(hygiene._rule_of, map(ord, value)) if k}
            if not unicodedata.is_normalized("NFC", value):
                out.add((r, name, "cell-not-nfc"))
            if value and (value[0] in hygiene._SPACE or value[-1] in hygiene._SPACE):
                out.add((r, name, "cell-edge-whitespace"))
            if value and name in text_fields and value[0] in "=+-@\t\r":
                out.add((r, name, "cell-formula"))
    return out


@given(
    st.lists(st.text(HYGIENE_ALPHABET, max_size=6), min_size=4, max_size=4),
    st.lists(st.lists(st.text(HYGIENE_ALPHABET, max_size=6), min_size=4, max_size=4), max_size=8),
)
def test_cell_rules_find_what_a_loop_over_every_character_finds(names, rows) -> None:
    header = [f"{n}{i}" for i, n in enumerate(names)]  # distinct names
    table = reader.read(csvformat.dumps(header, rows).encode(), "data/t.csv")
    assert table.frame is not None, table.problems
    fields = [{"name": n, "type": "string" if i % 2 else "integer"} for i, n in enumerate(header)]
    ctx = Context(package=None, schemas={"t": TableSchema("t", {"fields": fields})})
    ctx.strings["t"] = table
    found = {(p.row, p.column, p.code) for p in run(hygiene.cells, ctx)}
    assert found == _expected(header, rows, {n for i, n in enumerate(header) if i % 2})


@pytest.mark.parametrize("storage", ["arrow-chunks", "object"])
def test_cells_are_located_across_arrow_chunks(storage: str) -> None:
    """pandas keeps a large column as several Arrow chunks (some of them slices): rows count across them.
    A column of Python objects (pandas 2) is checked the same way."""
    pa = pytest.importorskip("pyarrow")
    import pandas as pd

    values = ["ok", " edge", "fine\u202e", "=1", "", "caf\u00e9", "x\x07"]
    whole = pa.array(["pad", *values], type=pa.large_string())
    chunks = pa.chunked_array([whole.slice(1, 2), whole.slice(3, 3), whole.slice(6)])  # offsets 1, 3, 6
    arrow = pd.Series(pd.arrays.ArrowStringArray(chunks))
    column = pd.Series(values, dtype=object) if storage == "object" else arrow
    table = reader.CsvTable(file="data/t.csv", header=["text"], frame=pd.DataFrame({"text": column}))
    ctx = Context(package=None, schemas={"t": TableSchema("t", {"fields": [{"name": "text", "type": "string"}]})})
    ctx.strings["t"] = table
    found = sorted((p.row, p.code) for p in run(hygiene.cells, ctx))
    assert found == [
        (3, "cell-edge-whitespace"),
        (4, "cell-bidi-control"),
        (5, "cell-formula"),
        (8, "cell-control-character"),
    ]
