"""Read a package CSV strictly, keeping every problem with its row and column."""

from __future__ import annotations

import bisect
import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from ..problems import Problem

if TYPE_CHECKING:
    import pandas as pd

LAYER = "hygiene"
_SURROGATE = re.compile("[\udc80-\udcff]")


class _FrameRows(Sequence):
    """``RawTable.rows`` of a table read by the fast path: rows made on demand from the frame."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def __len__(self) -> int:
        return len(self._frame)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        return [str(v) for v in self._frame.iloc[i].tolist()]


@dataclass
class RawTable:
    """A CSV file as strings: header, rows, and whether it could be parsed at all."""

    name: str
    file: str
    header: list[str] = field(default_factory=list)
    rows: Sequence[list[str]] = field(default_factory=list)
    parsed: bool = False
    #: the file's bytes (without a BOM), kept for byte-level prefilters of the hygiene checks
    raw: bytes | None = field(default=None, repr=False)
    _fast: pd.DataFrame | None = field(default=None, repr=False)

    @cached_property
    def frame(self) -> pd.DataFrame:
        """All cells as strings, one column per header name present in every row."""
        import pandas as pd

        if self._fast is not None:
            return self._fast

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
    if b"\r" not in data and data.endswith(b"\n"):
        arrow = _arrow_frame(data)  # None unless provably what the exact path below builds
        if arrow is not None:
            table.raw = data
            table.header, table._fast, table.parsed = arrow[0], arrow[1], True
            table.rows = _FrameRows(arrow[1])
            return table, problems
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems += _undecodable(file, data, exc)
        return table, problems
    table.raw = data
    fast = None if "\r" in text or not text.endswith("\n") else _fast_frame(data)
    if fast is not None:
        table.header, table._fast, table.parsed = fast[0], fast[1], True
        table.rows = _FrameRows(fast[1])
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


def _quotes_well_formed(data: bytes) -> tuple[bool, int]:
    """Whether every quote opens a field, closes it, or is doubled inside it (as RFC 4180 says).

    Then Python's csv module (strict) and pandas' C parser split the file into the same
    cells: a quote inside an unquoted field, text after a closing quote or an unclosed
    quote makes this False. Also returns the number of commas outside quoted fields
    (the cell separators).
    """
    import numpy as np

    arr = np.frombuffer(data, dtype=np.uint8)
    q = np.flatnonzero(arr == 0x22)
    commas = np.flatnonzero(arr == 0x2C)
    if len(q) % 2:
        return False, 0
    if not len(q):
        return True, len(commas)
    opening, closing = q[0::2], q[1::2]
    before = arr[np.maximum(opening - 1, 0)]
    ok_open = (opening == 0) | (before == 0x2C) | (before == 0x0A)
    ok_open[1:] |= opening[1:] - 1 == closing[:-1]  # second quote of a doubled quote
    after = arr[np.minimum(closing + 1, len(arr) - 1)]
    ok_close = (closing + 1 == len(arr)) | (after == 0x2C) | (after == 0x0A)
    ok_close[:-1] |= closing[:-1] + 1 == opening[1:]  # first quote of a doubled quote
    inside = int((np.searchsorted(commas, closing) - np.searchsorted(commas, opening)).sum())
    return bool(ok_open.all() and ok_close.all()), len(commas) - inside


def _fast_frame(data: bytes) -> tuple[list[str], pd.DataFrame] | None:
    """Header and string frame read by pandas' C parser, or None where only csv.reader is exact.

    Used only when the result is provably what :func:`parse` builds from csv.reader: no
    NUL, no CR, a header line without quotes and with distinct names, well-formed quotes,
    and every row with exactly the header's number of cells (counted from the separators,
    so a short row, a blank line included, sends the file to the exact parser, which
    reports it).
    """
    import pandas as pd

    end = data.find(b"\n")
    if end < 0 or end + 1 >= len(data) or b"\x00" in data or b'"' in data[:end]:
        return None
    header = data[:end].decode("utf-8").split(",")
    if len(header) < 2 or len(set(header)) != len(header):
        return None
    well_formed, separators = _quotes_well_formed(data)
    if not well_formed:
        return None
    try:
        frame = pd.read_csv(
            io.BytesIO(data),
            header=None,
            skiprows=1,
            dtype=str,
            keep_default_na=False,
            na_filter=True,
            skip_blank_lines=False,
            engine="c",
            quotechar='"',
            doublequote=True,
            escapechar=None,
            comment=None,
            encoding="utf-8",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return None
    # pandas raises on a row longer than the first one and pads a shorter one, silently.
    # No row is longer (it raised otherwise), so the separators add up to one less than
    # the header's width per row (header included) only if no row is shorter either.
    if frame.shape[1] != len(header) or separators != (len(frame) + 1) * (len(header) - 1):
        return None
    frame.columns = header
    return header, frame


def _quote_positions(data: bytes):
    """Positions of the quotes of a file whose quotes are well formed (as RFC 4180 says), else None.

    Same rule as :func:`_quotes_well_formed`, without counting the separators.
    """
    import numpy as np

    arr = np.frombuffer(data, dtype=np.uint8)
    q = np.flatnonzero(arr == 0x22)
    if len(q) % 2:
        return None
    if not len(q):
        return q
    opening, closing = q[0::2], q[1::2]
    before = arr[np.maximum(opening - 1, 0)]
    ok_open = (opening == 0) | (before == 0x2C) | (before == 0x0A)
    ok_open[1:] |= opening[1:] - 1 == closing[:-1]
    after = arr[np.minimum(closing + 1, len(arr) - 1)]
    ok_close = (closing + 1 == len(arr)) | (after == 0x2C) | (after == 0x0A)
    ok_close[:-1] |= closing[:-1] + 1 == opening[1:]
    return q if ok_open.all() and ok_close.all() else None


def _arrow_frame(data: bytes) -> tuple[list[str], pd.DataFrame] | None:
    """Header and string frame read by pyarrow's CSV reader, or None where only csv.reader is exact.

    See :func:`_arrow_table` for when.
    """
    table = _arrow_table(data)
    if table is None:
        return None
    return table.column_names, _to_frame(table)


def _arrow_table(data: bytes, use_threads: bool = True, empty_as_null: bool = False):
    """All cells as a pyarrow table of strings, or None where only csv.reader is exact.

    With ``empty_as_null``, empty cells (quoted or not) are nulls instead of ``""``;
    every other cell is the same.

    Used only when the result is provably what :func:`parse` builds from csv.reader:
    valid UTF-8 (pyarrow checks every cell; the rest is ASCII), no NUL, no CR, ending
    with a newline, a header line without quotes and with distinct names, well-formed
    quotes (then pyarrow and csv.reader split the file into the same cells), no blank
    line outside a quoted cell (pyarrow would read it as a row of empty cells), and
    every row with exactly the header's number of cells (pyarrow raises otherwise).
    """
    import numpy as np

    end = data.find(b"\n")
    if end < 0 or end + 1 >= len(data) or b"\x00" in data or b'"' in data[:end]:
        return None
    try:
        header = data[:end].decode("utf-8").split(",")
    except UnicodeDecodeError:
        return None
    if len(header) < 2 or len(set(header)) != len(header):
        return None
    quotes = _quote_positions(data)
    if quotes is None:
        return None
    if b"\n\n" in data:
        arr = np.frombuffer(data, dtype=np.uint8)
        newlines = np.flatnonzero(arr == 0x0A)
        blank = newlines[1:][np.diff(newlines) == 1]  # the second newline of each pair
        if (np.searchsorted(quotes, blank) % 2 == 0).any():  # an even number of quotes before it: outside
            return None
    try:
        import pyarrow as pa
        import pyarrow.csv as pcsv

        table = pcsv.read_csv(
            pa.BufferReader(data),
            read_options=pcsv.ReadOptions(
                column_names=header, skip_rows=1, block_size=1 << 24, use_threads=use_threads
            ),
            parse_options=pcsv.ParseOptions(
                delimiter=",",
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=True,
                ignore_empty_lines=False,
            ),
            convert_options=pcsv.ConvertOptions(
                column_types={h: pa.large_string() for h in header},
                null_values=[""],
                strings_can_be_null=empty_as_null,
                quoted_strings_can_be_null=empty_as_null,
                check_utf8=True,
            ),
        )
    except (ImportError, ValueError, OSError):  # pyarrow.ArrowInvalid is a ValueError
        return None
    if table.num_columns != len(header) or table.column_names != header:
        return None
    return table


def _to_frame(table) -> pd.DataFrame:
    """A pyarrow table of strings as the pandas frame of strings the exact path makes."""
    import pandas as pd

    frame = table.to_pandas()
    want = pd.Series([], dtype="str").dtype
    if any(d != want for d in frame.dtypes):
        frame = frame.astype(want)
    return frame
