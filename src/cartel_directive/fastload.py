"""The loader's fast path: one table typed in Arrow, used only where it provably equals the exact path.

:func:`frame` returns the DataFrame :func:`cartel_directive.loader.load` returns (typed
columns, enums as ordered categoricals), or ``None`` at the first doubt: then the
loader runs its exact path (``rawtable.parse``, ``frames.typed_frame``, the categorical
conversion) on the same bytes, which returns the same frame or raises its usual
error with the file, row and column. The fast path never raises for bad data and
never reports a problem itself.

How each column is proved equal to the exact path's:

* the file is split by pyarrow's CSV reader only under the conditions of
  ``rawtable._arrow_table`` (UTF-8, LF line endings, well-formed quotes, no blank
  line, every row as wide as the header), where it splits it as ``csv.reader`` does;
  and the header must be the schema's field names, in order;
* ``string``: the cells as read, with ``""`` as missing;
* ``integer``: parsed by Arrow, then printed back; every non-empty cell must read
  exactly as its value prints (canonical decimal: no sign ``+``, no leading zero, no
  hexadecimal), which the exact path parses to the same value;
* ``date``: parsed by Arrow as nanosecond timestamps and printed back as
  ``YYYY-MM-DD``; every cell must print back unchanged (so the date exists and has
  this shape) and lie between 1678-01-01 and 2261-12-31 (the exact path's range);
* ``number``: only cells of at most 15 digits with no exponent and no negative zero
  (``-?(0|[1-9][0-9]*)(\\.[0-9]+)?``, not ``-0...``): the value is then an integer
  below 2**53 divided by a power of ten at most 10**14, both exact doubles, so every
  correct parser gives the same correctly rounded quotient (Arrow's and pandas' do);
* ``boolean``: the declared true and false values, which must not overlap;
* a field with an ``enum``: only ``string`` fields whose values are distinct and
  non-empty; every non-empty cell must be one of them.

Any other type, any exception, any cell outside these rules: ``None``.
"""

from __future__ import annotations

import csv
import io
import re
from typing import TYPE_CHECKING

from .tableschema import TableSchema

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa_

_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")
_DATE_MIN = "1678-01-01"
_DATE_MAX = "2261-12-31"
#: Files smaller than this are split by csv.reader, larger ones by pyarrow (see :func:`_cells`).
_SMALL = 1 << 18


def frame(schema: TableSchema, data: bytes) -> pd.DataFrame | None:
    """The typed table the exact path builds from ``data``, or None where that is not proved."""
    try:
        return _frame(schema, data)
    except Exception:  # any doubt goes to the exact path, which reports properly
        return None


def _frame(schema: TableSchema, data: bytes) -> pd.DataFrame | None:
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    fields = schema.fields
    cols = _cells(data, [f.name for f in fields])
    if cols is None:
        return None
    n = len(cols[0]) if cols else 0
    text = pa.large_string()
    if any(c.type != text or len(c) != n for c in cols):
        return None
    out: list[object] = [None] * len(fields)
    by_kind: dict[str, list[int]] = {}
    for j, f in enumerate(fields):
        by_kind.setdefault("enum" if f.enum is not None else f.type, []).append(j)
    string_dtype = pd.StringDtype("pyarrow", na_value=pd.NA)
    for kind, where in by_kind.items():
        if kind == "string":
            for j in where:
                out[j] = pd.arrays.ArrowStringArray(pa.chunked_array([cols[j]]), dtype=string_dtype)
            continue
        if kind == "enum":
            for j in where:
                f = fields[j]
                allowed = [str(v) for v in f.enum or []]
                if f.type != "string" or "" in allowed or len(set(allowed)) != len(allowed):
                    return None
                codes = pc.index_in(cols[j], value_set=pa.array(allowed, type=text))
                if codes.null_count != cols[j].null_count:
                    return None  # a value outside the enum: the exact path says which
                codes = codes.fill_null(-1).to_numpy(zero_copy_only=False)
                dtype = pd.CategoricalDtype(pd.Index(allowed), ordered=True)
                out[j] = pd.Categorical.from_codes(codes, dtype=dtype)
            continue
        # all columns of one type at once: one Arrow call per step for the whole table
        joined = pa.concat_arrays([cols[j] for j in where]) if len(where) > 1 else cols[where[0]]
        missing = joined.is_null().to_numpy(zero_copy_only=False)
        if kind == "integer":
            ints = pc.cast(joined, pa.int64())
            if not _all_equal(pc.cast(ints, text), joined):
                return None
            values = ints.fill_null(0).to_numpy()
            make = lambda v, m: pd.arrays.IntegerArray(v, m)  # noqa: E731
        elif kind == "date":
            stamps = pc.cast(joined, pa.timestamp("ns"))
            back = pc.strftime(stamps, format="%Y-%m-%d").cast(text)
            if not _all_equal(back, joined):
                return None
            if joined.null_count < len(joined):
                lo, hi = pc.min_max(back).values()
                if lo.as_py() < _DATE_MIN or hi.as_py() > _DATE_MAX:
                    return None
            values = stamps.to_numpy(zero_copy_only=False).astype("datetime64[ns]")
            make = lambda v, m: v  # noqa: E731
        elif kind == "number":
            floats = []
            for cell in joined.to_pylist():
                if cell is None:
                    floats.append(0.0)
                elif not _NUMBER.fullmatch(cell) or cell.startswith("-0") or sum(map(str.isdigit, cell)) > 15:
                    return None
                else:
                    floats.append(float(cell))
            values = np.array(floats, dtype="float64")
            make = lambda v, m: pd.arrays.FloatingArray(v, m)  # noqa: E731
        elif kind == "boolean":
            first = fields[where[0]]
            trues, falses = list(first.true_values), list(first.false_values)
            if any(
                (fields[j].true_values, fields[j].false_values) != (first.true_values, first.false_values)
                for j in where
            ):
                return None
            if set(trues) & set(falses) or "" in trues or "" in falses:
                return None
            is_true = pc.is_in(joined, value_set=pa.array(trues, type=text)).to_numpy(zero_copy_only=False)
            is_false = pc.is_in(joined, value_set=pa.array(falses, type=text)).to_numpy(zero_copy_only=False)
            if (~(is_true | is_false | missing)).any():
                return None
            values = is_true
            make = lambda v, m: pd.arrays.BooleanArray(v, m)  # noqa: E731
        else:
            return None
        for k, j in enumerate(where):
            part = slice(k * n, (k + 1) * n)
            out[j] = make(values[part].copy(), missing[part].copy())
    # copy=False: every array was made here for this frame alone
    return pd.DataFrame(dict(zip([f.name for f in fields], out, strict=True)), index=pd.RangeIndex(n), copy=False)


def _cells(data: bytes, names: list[str]) -> list[pa_.Array] | None:
    """The data cells, one large_string array per column with empty cells as nulls.

    None unless the header is ``names`` and the exact path (``rawtable.parse``) reads the
    file without a problem into exactly these cells: no BOM, no CR, a final newline,
    valid UTF-8, valid CSV, every row as wide as the header. A small file is split by
    ``csv.reader`` (strict), the exact path's own parser; pyarrow's reader costs about
    0.2 ms a file whatever its size. A large one by pyarrow, under the conditions where
    ``rawtable`` proves it splits as ``csv.reader`` does.
    """
    import pyarrow as pa

    from .checks import rawtable

    if not data or data.startswith(b"\xef\xbb\xbf") or b"\r" in data or not data.endswith(b"\n"):
        return None
    if len(data) >= _SMALL:
        table = rawtable._arrow_table(data, empty_as_null=True)
        if table is None or table.column_names != names:
            return None
        return [c.combine_chunks() if c.num_chunks != 1 else c.chunk(0) for c in table.columns]
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), strict=True))
    if not rows or rows[0] != names:
        return None
    width = len(names)
    if any(len(r) != width for r in rows):
        return None
    columns = list(zip(*rows[1:], strict=True)) if len(rows) > 1 else [()] * width
    text = pa.large_string()
    return [pa.array([v if v else None for v in col], type=text) for col in columns]


def _all_equal(a, b) -> bool:
    """Whether two string arrays hold the same values and the same nulls."""
    return a.type == b.type and bool(a.equals(b))
