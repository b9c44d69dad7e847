"""Read a package CSV strictly, keeping every problem with its row and column."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from ..problems import Problem

if TYPE_CHECKING:
    import pandas as pd

LAYER = "hygiene"


@dataclass
class RawTable:
    """A CSV file as strings: header, rows, and whether it could be parsed at all."""

    name: str
    file: str
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    parsed: bool = False

    @cached_property
    def frame(self) -> pd.DataFrame:
        """All cells as strings, one column per header name present in every row."""
        import pandas as pd

        width = len(self.header)
        good = [r if len(r) == width else (r + [""] * width)[:width] for r in self.rows]
        columns = list(zip(*good, strict=False)) if good else [()] * width
        data = {name: pd.array(col, dtype="str") for name, col in zip(self.header, columns, strict=False)}
        return pd.DataFrame(data, index=pd.RangeIndex(len(good)))


def parse(name: str, file: str, data: bytes) -> tuple[RawTable, list[Problem]]:
    """Decode and parse one CSV file; report encoding, BOM, line-ending and shape problems."""
    table = RawTable(name=name, file=file)
    problems: list[Problem] = []

    def add(row: int | None, column: str | None, message: str) -> None:
        problems.append(Problem(file, row, column, message, LAYER))

    if not data:
        add(None, None, "the file is empty: it needs at least a header row")
        return table, problems
    if data.startswith(b"\xef\xbb\xbf"):
        add(1, None, "starts with a byte-order mark (BOM); save as UTF-8 without BOM")
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        add(line, None, f"is not UTF-8: byte {data[exc.start]:#04x} at byte offset {exc.start} cannot be decoded")
        return table, problems
    if "\r" in text:
        line = text.count("\n", 0, text.index("\r")) + 1
        add(line, None, "has a carriage return (CRLF or CR line ending); use LF line endings only")
    if not text.endswith("\n"):
        add(None, None, "does not end with a newline: the last row may be truncated")

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    try:
        for rec in reader:
            rows.append(rec)
    except csv.Error as exc:
        add(reader.line_num, None, f"is not valid CSV here ({exc}); a quote may be unclosed or the file truncated")
        return table, problems
    if not rows:
        add(None, None, "the file is empty: it needs at least a header row")
        return table, problems
    table.header, table.rows, table.parsed = rows[0], rows[1:], True
    width = len(table.header)
    for i, rec in enumerate(table.rows):
        if len(rec) != width:
            if not rec or rec == [""]:
                add(i + 2, None, "is a blank row; remove it")
            else:
                add(i + 2, None, f"has {len(rec)} cells but the header has {width}")
    return table, problems
