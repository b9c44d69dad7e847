"""The one CSV reader: bytes -> header, string columns and located problems.

Every part of the package that reads a CSV file (the loader, the validator, ``build``
and the scripts) reads it here. Two steps, one path:

1. a vectorised byte scan (numpy) of the structure: quotes, record ends, cells per
   record, blank records, carriage returns, NUL bytes, a byte-order mark and bytes that
   are not UTF-8 (:func:`utf8.check` decides, as everywhere in the package), each
   located by record row (the header is row 1, as in a spreadsheet and Frictionless)
   and, where there is one, column;
2. when that structure is valid, pandas' C parser splits the cells (``dtype=str``, no
   missing-value guessing), which on such input splits exactly as Python's ``csv``
   module does (``tests/test_reader.py`` proves it on generated and mutated files).

When the structure is invalid the table is not parsed (``frame`` is None) and the
problems say where. The reader is stricter than ``csv.reader`` in one way, on purpose:
a quote inside an unquoted cell (``ab"c``) is refused, because spreadsheets and other
readers disagree about it.

Needs only pandas and numpy (the light install); uses pyarrow's strings where it is installed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import utf8
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
#: bytes per block of a scan: a multiple of 64 that stays in the CPU cache
_BLOCK = 1 << 20


@dataclass
class CsvTable:
    """A CSV file as strings. ``frame`` row ``i`` is spreadsheet row ``i + 2``."""

    file: str
    header: list[str] = field(default_factory=list)
    frame: pd.DataFrame | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def parsed(self) -> bool:
        return self.frame is not None

    @property
    def rows(self) -> int:
        return 0 if self.frame is None else len(self.frame)


class _Scan:
    """A file's structure from one pass over its bytes, in blocks that stay in the CPU cache.

    Kept: the positions of the quotes and of the record ends (line feeds outside quoted
    cells). Commas are not listed (a file has about as many as it has cells): one bit per
    byte says where they are, and a running count per 64 bytes counts them before any
    position, so cells are counted per record without a position per cell.
    """

    def __init__(self, data: bytes) -> None:
        import numpy as np

        self.arr = arr = np.frombuffer(data, dtype=np.uint8)
        n = len(arr)
        # positions as int32 where they fit: half the memory for a file of many records
        self.kind = kind = np.int32 if n < 2**31 else np.int64
        bits = np.zeros(n // 64 + 1, dtype=np.uint64)  # one bit per byte: a comma; one word more for position n
        packed = bits.view(np.uint8)
        quotes, lfs = [], []
        hit = np.empty(min(n, _BLOCK), dtype=bool)
        for at in range(0, n, _BLOCK):
            block = arr[at : at + _BLOCK]
            here = hit[: len(block)]
            np.equal(block, _QUOTE, out=here)
            quotes.append((np.flatnonzero(here) + at).astype(kind))
            np.equal(block, _LF, out=here)
            lfs.append((np.flatnonzero(here) + at).astype(kind))
            np.equal(block, _COMMA, out=here)
            row = np.packbits(here, bitorder="little")
            packed[at // 8 : at // 8 + len(row)] = row
        self.quotes = np.concatenate(quotes) if quotes else np.empty(0, dtype=kind)
        lf = np.concatenate(lfs) if lfs else np.empty(0, dtype=kind)
        self.bits = bits
        self.before = np.zeros(len(bits) + 1, dtype=np.int64)  # commas before each 64-byte word
        np.cumsum(_popcount(bits), out=self.before[1:])
        self.ends = self.outside(lf)  # record ends
        opening, closing = self.quotes[0::2], self.quotes[1::2]
        inner = self.commas(closing) - self.commas(opening[: len(closing)])  # commas inside each quoted cell
        self.inner = np.r_[0, np.cumsum(inner)]

    def outside(self, pos: np.ndarray) -> np.ndarray:
        """The positions not inside a quoted cell (an even number of quotes before them)."""
        if not len(self.quotes):
            return pos
        return pos[self.quotes.searchsorted(pos) % 2 == 0]

    def commas(self, pos: np.ndarray) -> np.ndarray:
        """How many commas stand before each position (``0 <= pos <= len(data)``)."""
        import numpy as np

        word = pos >> 6
        below = (np.uint64(1) << (pos & 63).astype(np.uint64)) - np.uint64(1)
        return self.before[word] + _popcount(self.bits[word] & below)

    def separators(self, pos: np.ndarray) -> np.ndarray:
        """How many commas outside quoted cells (cell separators) stand before each position."""
        import numpy as np

        pos = np.asarray(pos)
        n_quotes = self.quotes.searchsorted(pos)  # quotes before each position
        inside = self.inner[n_quotes // 2]  # commas in the quoted cells closed before it
        open_ = n_quotes % 2 == 1  # inside a quoted cell: its commas so far are inside too
        if open_.any():
            inside[open_] += self.commas(pos[open_]) - self.commas(self.quotes[n_quotes[open_] - 1])
        return self.commas(pos) - inside

    def locate(self, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Record row (header = 1) and 0-based cell index of each byte position."""
        import numpy as np

        rec = self.ends.searchsorted(pos)  # a record's own newline belongs to it
        start = np.r_[-1, self.ends][rec] + 1
        return rec + 1, self.separators(pos) - self.separators(start)


def _popcount(words: np.ndarray) -> np.ndarray:
    """Set bits per 64-bit word (numpy >= 2 counts them in one step; older numpy by halving)."""
    import numpy as np

    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(words).astype(np.int64)
    return _popcount_halving(words)


def _popcount_halving(words: np.ndarray) -> np.ndarray:
    import numpy as np

    w = words.astype(np.uint64)
    w = w - ((w >> np.uint64(1)) & np.uint64(0x5555555555555555))
    w = (w & np.uint64(0x3333333333333333)) + ((w >> np.uint64(2)) & np.uint64(0x3333333333333333))
    w = (w + (w >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return ((w * np.uint64(0x0101010101010101)) >> np.uint64(56)).astype(np.int64)


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
    shape = _structure(data, table, max_columns)
    if shape is not None:
        data, table.header, rows = shape
        table.frame = _cells(data, table.header, rows)
    return table


def _structure(data: bytes, table: CsvTable, max_columns: int) -> tuple[bytes, list[str], int] | None:
    """Check the structure, adding its problems to ``table``: (the file with LF line endings,
    the header, the number of records after it) when the cells can be split, else None."""
    import numpy as np

    out = table.problems

    def add(code: str, row: int | None, column: str | None, message: str) -> None:
        out.append(Problem(table.file, row, column, message, LAYER, code))

    scan = _Scan(data)
    if b"\r" in data:
        data, scan = _lf_only(data, scan, add)

    header_end = int(scan.ends[0]) if len(scan.ends) else len(data)
    width = int(scan.separators(np.array([header_end]))[0]) + 1
    if width > max_columns:
        add(
            "csv-too-many-columns",
            1,
            None,
            f"the header has {width} columns, more than the {max_columns} this reader accepts",
        )
        return None
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
    if b"\x00" in data:
        located("csv-nul", np.flatnonzero(scan.arr == 0), lambda _: "contains a NUL byte (0x00); remove it")
    for err in utf8.check(data, MAX_LOCATED + 1).errors:
        byte = data[err.start]
        located(
            "csv-encoding", np.array([err.start]), lambda _, b=byte: f"is not UTF-8: byte {b:#04x} cannot be decoded"
        )
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
        return None

    ends = scan.ends
    if not data.endswith(b"\n"):
        add("csv-final-newline", len(ends) + 1, None, "does not end with a newline: this last row may be truncated")
        ends = np.append(ends, len(data))
    starts = np.r_[0, ends[:-1] + 1]
    cells = np.diff(scan.separators(ends), prepend=0) + 1  # separators before each end, per record
    blank = np.flatnonzero(starts == ends)
    wrong = np.flatnonzero((cells != width) & (starts != ends))
    data_rows = np.flatnonzero(starts[1:] != ends[1:]) + 1
    if len(wrong) > 1 and len(wrong) == len(data_rows) and len(np.unique(cells[wrong])) == 1:
        k = int(cells[wrong[0]])
        add(  # one cause, named once before the rows it sets off
            "csv-row-width",
            1,
            None,
            f"the header has {width} columns but every row has {k}: "
            f"the header has {'a column the rows lack' if width > k else 'fewer columns than the rows'}",
        )
    for i in blank[:MAX_LOCATED].tolist():
        add("csv-blank-row", i + 1, None, "is a blank row; remove it")
    for i in wrong[:MAX_LOCATED].tolist():
        add("csv-row-width", i + 1, None, f"has {int(cells[i])} cells but the header has {width}")
    for code, many in (("csv-blank-row", blank), ("csv-row-width", wrong)):
        if len(many) > MAX_LOCATED:
            add(code, None, None, f"and {len(many) - MAX_LOCATED} more rows like these")
    if len(blank) or len(wrong):
        return None
    return data, header, len(ends) - 1


def _lf_only(data: bytes, scan: _Scan, add) -> tuple[bytes, _Scan]:
    """Report carriage returns outside quoted cells, then read them as LF line endings."""
    import numpy as np

    arr = scan.arr
    cr = scan.outside(np.flatnonzero(arr == _CR).astype(scan.kind))
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


def _cells(data: bytes, header: list[str], rows: int) -> pd.DataFrame:
    """Every cell as a string (``""`` when empty), one column per distinct header name.

    Every column is read as text, so no cell goes through a guess at its type ("007",
    "1.0", "True", "NaN" stay as written). Where pyarrow is installed the parser is asked
    for Arrow strings, which it builds straight from its buffers (pandas 3 boxes every
    cell into a Python object first when asked for ``str``: several times slower), and the
    columns are then viewed as pandas' ``str`` dtype without a copy.
    """
    import pandas as pd

    width = len(header)
    dtype = _text_dtype()
    if rows == 0:
        frame = pd.DataFrame({i: pd.Series([], dtype="str") for i in range(width)})
    else:
        frame = pd.read_csv(
            io.BytesIO(data),
            header=0,  # the header record, replaced by the names
            names=list(range(width)),
            dtype=dtype,
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
        if dtype is not str:
            frame = _as_str(frame)
        if len(frame) != rows:  # pragma: no cover - the byte scan proved the shape
            raise AssertionError(f"parsed {len(frame)} rows where the scan found {rows}")
    frame.columns = pd.Index(header)
    if len(set(header)) != width:  # the header rule reports repeats; keep each name's first column
        frame = frame.loc[:, ~frame.columns.duplicated()]
    return frame


def _as_str(frame: pd.DataFrame) -> pd.DataFrame:
    """The parser's Arrow string columns as pandas' ``str`` dtype, wrapping the same buffers.

    ``DataFrame.astype(str)`` gives the same columns but costs more than the parse itself
    on a small file (it checks and re-wraps each column through the generic astype path).
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    dtype = pd.StringDtype("pyarrow", na_value=np.nan)  # what ``str`` means with pyarrow installed
    return pd.DataFrame(
        {name: pd.arrays.ArrowStringArray(pa.array(col.array), dtype=dtype) for name, col in frame.items()},  # type: ignore[call-arg]
        copy=False,
    )


def _text_dtype() -> str | type[str]:
    """The dtype every column is read as: Arrow strings where pyarrow is installed, else ``str``."""
    from importlib.util import find_spec

    return "large_string[pyarrow]" if find_spec("pyarrow") is not None else str
