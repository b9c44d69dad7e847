"""The one CSV reader: bytes -> header, string columns and located problems.

Every part of the package that reads a CSV file (the loader, the validator, ``build``
and the scripts) reads it here. Two steps, one path:

1. a vectorised byte scan (numpy) of the structure: quotes, record ends, cells per
   record, blank records, carriage returns, NUL bytes, a byte-order mark and bytes that
   are not UTF-8, each located by record row (the header is row 1, as in a spreadsheet
   and Frictionless) and, where there is one, column;
2. when that structure is valid, pandas' C parser splits the cells (``dtype=str``, no
   missing-value guessing), which on such input splits exactly as Python's ``csv``
   module does (``tests/test_reader.py`` proves it on generated and mutated files).

When the structure is invalid the table is not parsed (``frame`` is None) and the
problems say where. The reader is stricter than ``csv.reader`` in one way, on purpose:
a quote inside an unquoted cell (``ab"c``) is refused, because spreadsheets and other
readers disagree about it.

pandas and numpy only (the light install): no pyarrow.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .problems import Problem

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

LAYER = "hygiene"
BOM = b"\xef\xbb\xbf"
#: More columns than this are refused before any cell is split (a header of a million
#: columns would otherwise exhaust memory in the parser).
MAX_COLUMNS = 4096
#: Located problems of one kind listed per file; the rest are counted in one more problem.
MAX_LOCATED = 1000

#: every code the reader reports
CODES = (
    "csv-empty",
    "csv-bom",
    "csv-line-ending",
    "csv-too-many-columns",
    "csv-nul",
    "csv-encoding",
    "csv-quote",
    "csv-final-newline",
    "csv-blank-row",
    "csv-row-width",
)

_QUOTE, _COMMA, _LF, _CR = 0x22, 0x2C, 0x0A, 0x0D


@dataclass
class CsvTable:
    """A CSV file as strings. ``frame`` row ``i`` is spreadsheet row ``i + 2``."""

    file: str
    header: list[str] = field(default_factory=list)
    frame: pd.DataFrame | None = None
    problems: list[Problem] = field(default_factory=list)
    #: the file's bytes without a BOM and with LF line endings (what was parsed)
    data: bytes = field(default=b"", repr=False)

    @property
    def parsed(self) -> bool:
        return self.frame is not None

    @property
    def rows(self) -> int:
        return 0 if self.frame is None else len(self.frame)


class _Scan:
    """Where the structural bytes of a file are, and how positions map to rows and columns."""

    def __init__(self, data: bytes) -> None:
        import numpy as np

        self.arr = np.frombuffer(data, dtype=np.uint8)
        # positions as int32 where they fit: half the memory for a file of many cells
        self.kind = np.int32 if len(data) < 2**31 else np.int64
        self.quotes = self.positions(_QUOTE)
        self.ends = self.outside(self.positions(_LF))  # record ends
        self.commas = self.outside(self.positions(_COMMA))  # cell separators

    def positions(self, byte: int) -> np.ndarray:
        import numpy as np

        return np.flatnonzero(self.arr == byte).astype(self.kind, copy=False)

    def outside(self, pos: np.ndarray) -> np.ndarray:
        """The positions not inside a quoted cell (an even number of quotes before them)."""
        if not len(self.quotes):
            return pos
        return pos[self.quotes.searchsorted(pos) % 2 == 0]

    def locate(self, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Record row (header = 1) and 0-based cell index of each byte position."""
        import numpy as np

        rec = self.ends.searchsorted(pos)  # a record's own newline belongs to it
        ends = np.r_[-1, self.ends]
        start = ends[rec] + 1
        cell = self.commas.searchsorted(pos) - self.commas.searchsorted(start)
        return rec + 1, cell


def read(data: bytes, file: str, *, max_columns: int = MAX_COLUMNS) -> CsvTable:
    """Read one CSV file of this package's dialect (UTF-8, comma, double quote, LF).

    >>> t = read(b'id,text\\n1,"a, b"\\n2,\\n', "x.csv")
    >>> t.header, t.frame["text"].tolist(), t.problems
    (['id', 'text'], ['a, b', ''], [])
    >>> [(p.code, p.row) for p in read(b'id,text\\n1\\n', "x.csv").problems]
    [('csv-row-width', 2)]
    """
    table = CsvTable(file=file)
    out = table.problems

    def add(code: str, row: int | None, column: str | None, message: str) -> None:
        out.append(Problem(file, row, column, message, LAYER, code))

    if data.startswith(BOM):
        add("csv-bom", 1, None, "starts with a byte-order mark (BOM); save as UTF-8 without BOM")
        data = data[len(BOM) :]
    if not data:
        add("csv-empty", None, None, "the file is empty: it needs at least a header row")
        return table
    scan = _Scan(data)
    if (scan.arr == _CR).any():
        data, scan = _lf_only(data, scan, add)
    table.data = data
    import numpy as np

    header_end = int(scan.ends[0]) if len(scan.ends) else len(data)
    width = int(scan.commas.searchsorted(header_end)) + 1
    if width > max_columns:
        add(
            "csv-too-many-columns",
            1,
            None,
            f"the header has {width} columns, more than the {max_columns} this reader accepts",
        )
        return table
    header = _header(data[:header_end])

    def located(code: str, pos: np.ndarray, message) -> None:
        """One problem per cell holding one of the positions (at most MAX_LOCATED, then a count)."""
        rows, cells = scan.locate(pos[: MAX_LOCATED * 4])
        seen: set[tuple[int, int]] = set()
        for p, r, c in zip(pos.tolist(), rows.tolist(), cells.tolist(), strict=False):
            if (r, c) in seen:
                continue
            seen.add((r, c))
            if len(seen) > MAX_LOCATED:
                add(code, None, None, f"and more cells like these ({len(pos)} bytes in all)")
                break
            add(code, r, header[c] if r > 1 and c < len(header) else None, message(p))

    bad = len(out)
    nul = np.flatnonzero(scan.arr == 0)
    if len(nul):
        located("csv-nul", nul, lambda _: "contains a NUL byte (0x00); remove it")
    for pos, byte in _undecodable(data, scan.arr):
        located("csv-encoding", np.array([pos]), lambda _, b=byte: f"is not UTF-8: byte {b:#04x} cannot be decoded")
    if len(scan.quotes) % 2:
        located(
            "csv-quote",
            scan.quotes[-1:],
            lambda _: "a quote opens here and never closes; a quote may be unclosed or the file truncated",
        )
    else:
        stray = _stray_quotes(scan)
        if len(stray):
            located(
                "csv-quote",
                stray,
                lambda _: 'has a quote that neither opens nor closes a quoted cell (write a quote as "" inside quotes)',
            )
    if len(out) > bad:
        return table

    ends = scan.ends
    if not data.endswith(b"\n"):
        add("csv-final-newline", len(ends) + 1, None, "does not end with a newline: this last row may be truncated")
        ends = np.append(ends, len(data))
    starts = np.r_[0, ends[:-1] + 1]
    cells = np.diff(scan.commas.searchsorted(ends), prepend=0) + 1  # separators before each end, per record
    blank = np.flatnonzero(starts == ends)
    wrong = np.flatnonzero((cells != width) & (starts != ends))
    for i in blank[:MAX_LOCATED].tolist():
        add("csv-blank-row", i + 1, None, "is a blank row; remove it")
    for i in wrong[:MAX_LOCATED].tolist():
        add("csv-row-width", i + 1, None, f"has {int(cells[i])} cells but the header has {width}")
    for code, many in (("csv-blank-row", blank), ("csv-row-width", wrong)):
        if len(many) > MAX_LOCATED:
            add(code, None, None, f"and {len(many) - MAX_LOCATED} more rows like these")
    if len(blank) or len(wrong):
        return table
    table.header = header
    table.frame = _cells(data, header_end, header, len(ends) - 1)
    return table


def locate(data: bytes, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Record row (header = 1) and 0-based cell index of byte ``positions`` of a file the reader parsed.

    ``data`` is :attr:`CsvTable.data` (what was parsed). The scan is made again here, so
    that reading a file keeps no structure arrays alive for the rare file with a problem.
    """
    return _Scan(data).locate(positions)


def _lf_only(data: bytes, scan: _Scan, add) -> tuple[bytes, _Scan]:
    """Report carriage returns outside quoted cells, then read them as LF line endings."""
    import numpy as np

    arr = scan.arr
    cr = scan.outside(np.flatnonzero(arr == _CR))
    if not len(cr):
        return data, scan  # only inside quoted cells: the hygiene rules report those cells
    first = int(cr[0])
    row = int(scan.ends.searchsorted(first)) + int((cr < first).sum()) + 1
    add(
        "csv-line-ending",
        row,
        None,
        f"has a carriage return (CRLF or CR line ending; {len(cr)} in the file); use LF line endings only",
    )
    crlf = cr[(cr + 1 < len(arr)) & (arr[np.minimum(cr + 1, len(arr) - 1)] == _LF)]
    fixed = arr.copy()
    fixed[cr] = _LF
    keep = np.ones(len(arr), dtype=bool)
    keep[crlf] = False
    data = fixed[keep].tobytes()
    return data, _Scan(data)


def _undecodable(data: bytes, arr: np.ndarray) -> list[tuple[int, int]]:
    """(byte offset, byte) of the first bytes of each sequence that is not UTF-8, at most MAX_LOCATED."""
    if not (arr >= 0x80).any():
        return []
    out: list[tuple[int, int]] = []
    view = memoryview(data)
    pos = 0
    while len(out) <= MAX_LOCATED:
        try:
            str(view[pos:], "utf-8")
            break
        except UnicodeDecodeError as exc:
            out.append((pos + exc.start, data[pos + exc.start]))
            pos += exc.end
    return out


def _stray_quotes(scan: _Scan) -> np.ndarray:
    """Quotes (an even number) that neither open a cell, close one, nor are doubled inside one."""
    import numpy as np

    arr, q = scan.arr, scan.quotes
    if not len(q):
        return q
    opening, closing = q[0::2], q[1::2]
    before = arr[np.maximum(opening - 1, 0)]
    ok_open = (opening == 0) | (before == _COMMA) | (before == _LF)
    ok_open[1:] |= opening[1:] - 1 == closing[:-1]  # second quote of a doubled quote
    after = arr[np.minimum(closing + 1, len(arr) - 1)]
    ok_close = (closing + 1 == len(arr)) | (after == _COMMA) | (after == _LF)
    ok_close[:-1] |= closing[:-1] + 1 == opening[1:]  # first quote of a doubled quote
    return np.sort(np.r_[opening[~ok_open], closing[~ok_close]])


def _header(line: bytes) -> list[str]:
    """The header's names (for locating problems even when the file is refused: never raises)."""
    text = line.decode("utf-8", errors="replace").replace("\x00", "")
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error:  # the scan reports the quote; the names are only for locations
        rows = [text.split(",")]
    return rows[0] if rows else [""]


def _cells(data: bytes, header_end: int, header: list[str], rows: int) -> pd.DataFrame:
    """Every cell as a string (``""`` when empty), one column per distinct header name."""
    import pandas as pd

    width = len(header)
    if rows == 0:
        frame = pd.DataFrame({i: pd.Series([], dtype="str") for i in range(width)})
    else:
        frame = pd.read_csv(
            io.BytesIO(data[header_end + 1 :]),
            header=None,
            names=list(range(width)),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
            quotechar='"',
            doublequote=True,
            escapechar=None,
            comment=None,
            encoding="utf-8",
        )
        if len(frame) != rows:  # pragma: no cover - the byte scan proved the shape
            raise AssertionError(f"parsed {len(frame)} rows where the scan found {rows}")
    frame.columns = pd.Index(header)
    if len(set(header)) != width:  # the header rule reports repeats; keep each name's first column
        frame = frame.loc[:, ~frame.columns.duplicated()]
    return frame
