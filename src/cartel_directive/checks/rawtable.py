"""Read a package CSV strictly, keeping every problem with its row and column."""

from __future__ import annotations

import bisect
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from ..problems import Problem

if TYPE_CHECKING:
    import pandas as pd

LAYER = "hygiene"
_SURROGATE = re.compile("[\udc80-\udcff]")


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


def _records(text: str) -> tuple[list[list[str]], list[int], csv.Error | None]:
    """Parse CSV records, with the character offset where each record ends.

    Rows are counted as records, not physical lines, so a cell holding a line break
    does not shift the row numbers of the records after it.
    """
    pos = 0

    def lines() -> Iterator[str]:
        nonlocal pos
        for line in io.StringIO(text, newline=""):
            pos += len(line)
            yield line

    rows: list[list[str]] = []
    ends: list[int] = []
    reader = csv.reader(lines(), strict=True)
    try:
        for rec in reader:
            rows.append(rec)
            ends.append(pos)
    except csv.Error as exc:
        return rows, ends, exc
    return rows, ends, None


def _row_at(ends: list[int], offset: int) -> int:
    """Spreadsheet row (header = 1) of the record holding character ``offset``."""
    return bisect.bisect_right(ends, offset) + 1


def _undecodable(file: str, data: bytes, exc: UnicodeDecodeError) -> list[Problem]:
    """Locate the bytes that are not UTF-8 by row and column (one problem per cell)."""
    text = data.decode("utf-8", errors="surrogateescape")
    rows, ends, _ = _records(text)
    header = rows[0] if rows else []
    problems: list[Problem] = []
    seen: set[tuple[int, int]] = set()
    for m in _SURROGATE.finditer(text):
        row = _row_at(ends, m.start())
        cells = rows[row - 1] if row - 1 < len(rows) else []
        j = next((k for k, cell in enumerate(cells) if _SURROGATE.search(cell)), None)
        if (row, j if j is not None else -1) in seen:
            continue
        seen.add((row, j if j is not None else -1))
        column = header[j] if row > 1 and j is not None and j < len(header) else None
        byte = ord(m.group(0)) - 0xDC00
        problems.append(
            Problem(
                file,
                row,
                column,
                f"is not UTF-8: byte {byte:#04x} cannot be decoded (save the file as UTF-8)",
                LAYER,
            )
        )
        if len(problems) >= 20:
            break
    if not problems:  # pragma: no cover - surrogateescape always marks the bad bytes
        line = data.count(b"\n", 0, exc.start) + 1
        problems.append(Problem(file, line, None, f"is not UTF-8 at byte offset {exc.start}", LAYER))
    return problems


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
        problems += _undecodable(file, data, exc)
        return table, problems
    rows, ends, error = _records(text)
    if "\r" in text:
        add(
            _row_at(ends, text.index("\r")),
            None,
            "has a carriage return (CRLF or CR line ending); use LF line endings only",
        )
    if error is not None:
        add(
            len(rows) + 1,
            None,
            f"is not valid CSV here ({error}); a quote may be unclosed or the file truncated",
        )
        return table, problems
    if not text.endswith("\n") and rows:
        add(len(rows), None, "does not end with a newline: this last row may be truncated")
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
