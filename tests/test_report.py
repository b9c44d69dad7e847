"""What the report says when one problem would otherwise set off others: a file that cannot be
read, a cell that is not of its type. Each is reported once, first, and nothing false follows."""

from __future__ import annotations

import csv
from pathlib import Path

from cartel_directive.validate import validate


def _set(pkg: Path, table: str, row: int, column: str, value: str) -> None:
    """Set one cell (``row``: spreadsheet row, header = 1) of a copy's table."""
    path = pkg / "data" / f"{table}.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[row - 1][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def test_a_file_that_cannot_be_read_is_named_first_and_sets_off_no_false_problems(pkg_copy: Path, archive: Path):
    path = pkg_copy / "data" / "statements.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[2] = lines[2].replace(",", ',"', 1)  # a quote that never closes, in row 3
    path.write_text("\n".join(lines), encoding="utf-8")
    report = validate(pkg_copy, sources=archive)
    codes = report.codes()
    assert codes.get("csv-quote") == 1
    assert "related-id-unknown" not in codes  # discrepancies name statements, which could not be read
    assert report.unread == ["statements"] and report.to_json()["summary"]["unread"] == ["statements"]
    lines_out = report.lines()
    problems = [ln for ln in lines_out if ln.startswith("data/")]
    assert "[csv-quote]" in next(ln for ln in problems if "file-" not in ln)  # the cause comes before the rest
    assert any(ln.startswith("  NOT READ: statements") for ln in lines_out)


def test_a_cell_not_of_its_type_is_reported_once(pkg_copy: Path, archive: Path):
    _set(pkg_copy, "statements", 3, "date_start", "2025-13-45")
    report = validate(pkg_copy, sources=archive)
    at_cell = [p.code for p in report.problems if p.row == 3 and p.column == "date_start"]
    assert at_cell == ["type-error"]  # not also "(empty) disagrees with date" from the cross-field rule
    _set(pkg_copy, "statements", 3, "date_start", "2025-08-09")  # of its type, but disagreeing: still found
    assert "date-disagrees-with-edtf" in validate(pkg_copy, sources=archive).codes()
