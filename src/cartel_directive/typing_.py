"""The one typing step: string columns + Table Schema -> typed columns and located type errors.

The loader and the validator both type their tables here. Strict on purpose: a value
is only accepted in the form the Table Schema allows (``2025-08-08`` for a date, ``12``
for an integer, a finite decimal for a number), so that this package and the
Frictionless validator reach the same verdict. Invalid cells are found by the same
vectorised parse that types the valid ones: a cell is checked against the type's form
(one regular expression over the whole column), the cells of that form are converted
in one cast, and a non-empty cell that is not of the form, or not a real value of its
type (``2025-02-30``), is invalid. Python runs only over the cells found invalid (and
integers of more than 18 digits, which may not fit an int64), to word their messages.

Each column is converted once, with a handful of whole-column operations: pyarrow
compute on pandas' Arrow-backed strings (the reader's columns whenever pyarrow is
installed, as with the ``[validate]`` extra), pandas on its Python-backed strings (the
light install). Only those primitives (:class:`_Cells`) know the storage. A text
column keeps the reader's Arrow buffers: its empty cells become missing through a new
validity bitmap, not a copy of the strings.
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from . import arrowtext
from .boundary import show
from .dates import days_from_civil, month_days
from .problems import Problem
from .tableschema import Field, TableSchema

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

LAYER = "pandera"
#: every code the typing step reports
CODES = ("type-error", "type-range", "constraint-enum")
#: The form of a value of each type, as a regular expression matched whole.
_FORMS = {
    "integer": r"[+-]?[0-9]+",
    "number": r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?",
    "date": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
}
#: the types whose values are not the cells' text
_NOT_TEXT = ("integer", "number", "boolean", "date")
#: an integer of at most this many digits always fits an int64
_SAFE_DIGITS = 18
#: the years a ``datetime64[ns]`` column holds whole
_YEARS = (1678, 2261)

#: What a cell must be, per type, in a message.
TYPE_NAMES = {
    "integer": "an integer",
    "number": "a finite number",
    "boolean": "a boolean",
    "date": "a date (YYYY-MM-DD)",
}
#: What to say of a well-formed value that the typed column cannot hold.
_RANGE_TEXT = {
    "integer": "is too large: integers must lie between -9223372036854775808 and 9223372036854775807",
    "number": "is not a finite number (infinities and NaN are refused)",
    "date": "is outside the dates this package can hold (1678-01-01 to 2261-12-31)",
}


class _Cells:
    """One column of the reader's strings and the few whole-column primitives the typing needs.

    The only place that knows pandas' string storage: pyarrow compute over the Arrow
    buffers when the column is Arrow-backed, pandas and numpy over the Python strings
    otherwise. Every method answers for the whole column at once.
    """

    def __init__(self, col: pd.Series) -> None:
        import pandas as pd

        self.col = col
        self.n = len(col)
        dtype = col.dtype
        self.arrow: Any = None  # a pyarrow ChunkedArray of (large_)strings
        self.objects: Any = None  # else a numpy array of str
        if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
            self.arrow = arrowtext.column(col)  # the column's own buffers, never combined
        else:
            self.objects = col.to_numpy(dtype=object)

    def none(self) -> np.ndarray:
        """A mask of no cells."""
        import numpy as np

        return np.zeros(self.n, dtype=bool)

    def empty(self) -> np.ndarray:
        """Which cells are empty (the reader gives ``""`` for an empty cell)."""
        import numpy as np

        if self.arrow is not None:
            return self.lengths == 0
        return np.asarray(self.objects == "", dtype=bool)

    @cached_property
    def lengths(self) -> np.ndarray:
        """Each cell's length in bytes (Arrow) or characters (Python); used to bound digit counts."""
        import numpy as np

        if self.arrow is not None:
            if not self.arrow.num_chunks:
                return np.zeros(0, dtype=np.int64)
            return np.concatenate([np.diff(arrowtext.offsets(chunk)) for chunk in self.arrow.chunks])
        return np.fromiter(map(len, self.objects), dtype=np.int64, count=self.n)

    def form(self, kind: str) -> np.ndarray:
        """Which cells have the form of ``kind`` ("integer", "number" or "date"): :data:`_FORMS`, matched whole.

        Arrow-backed integers are classified by ``ascii_is_decimal`` (exactly ``[0-9]+``),
        with a sign looked at only where a cell starts with one; everything else by one
        regular expression (ASCII classes only, so Arrow's RE2 and Python's ``re`` agree).
        """
        import numpy as np

        if self.arrow is None:
            full = re.compile(_FORMS[kind]).fullmatch
            return np.fromiter((full(v) is not None for v in self.objects), dtype=bool, count=self.n)
        import pyarrow.compute as pc

        if kind != "integer":
            return _bools(pc.match_substring_regex(self.arrow, f"^(?:{_FORMS[kind]})$"))
        out = _bools(pc.ascii_is_decimal(self.arrow))
        signed = _bools(pc.starts_with(self.arrow, "+")) | _bools(pc.starts_with(self.arrow, "-"))
        if signed.any():
            rest = pc.utf8_slice_codeunits(self.only(signed), 1)
            out[signed] = _bools(pc.ascii_is_decimal(rest))[signed]
        return out

    def only(self, keep: np.ndarray) -> Any:
        """The Arrow cells with every cell outside ``keep`` missing: the same buffers under a new validity bitmap."""
        import numpy as np
        import pyarrow as pa

        chunks, start = [], 0
        for chunk in self.arrow.chunks:
            n = len(chunk)
            valid = np.zeros(chunk.offset + n, dtype=bool)
            valid[chunk.offset :] = keep[start : start + n]
            bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
            chunks.append(pa.Array.from_buffers(chunk.type, n, [bitmap, *chunk.buffers()[1:]], offset=chunk.offset))
            start += n
        return pa.chunked_array(chunks, type=self.arrow.type)

    def numbers(self, ok: np.ndarray, kind: str) -> np.ndarray:
        """The cells where ``ok`` read in one cast; 0 elsewhere.

        ``kind`` "integer" (int64; a leading ``+`` allowed), "number" (float64) or "date"
        (the digits of ``YYYY-MM-DD`` as the int64 ``YYYYMMDD``). The ``ok`` cells must be
        of the type's form, and integers must fit an int64.
        """
        import numpy as np

        dtype = np.float64 if kind == "number" else np.int64
        if not ok.any():
            return np.zeros(self.n, dtype=dtype)
        if self.arrow is None:
            out = np.zeros(self.n, dtype=dtype)
            if kind == "number":
                out[ok] = self.objects[ok].astype(np.float64)  # Python's float(): correctly rounded
            elif kind == "date":
                out[ok] = [int(v.replace("-", "")) for v in self.objects[ok]]
            else:
                out[ok] = [int(v) for v in self.objects[ok]]
            return out
        if kind == "date":
            return self._date_digits(ok)
        import pyarrow as pa
        import pyarrow.compute as pc

        chosen = self.only(ok)
        if kind == "integer" and pc.any(pc.starts_with(chosen, "+")).as_py():
            chosen = pc.utf8_ltrim(chosen, "+")  # Arrow reads "-5" but not "+5"
        typed = chosen.cast(pa.float64() if kind == "number" else pa.int64())
        return typed.fill_null(0).to_numpy()

    def _date_digits(self, ok: np.ndarray) -> np.ndarray:
        """``YYYYMMDD`` of the Arrow cells where ``ok`` (each exactly ``DDDD-DD-DD``), read from the bytes."""
        import numpy as np

        out = np.zeros(self.n, dtype=np.int64)
        start = 0
        for chunk in self.arrow.chunks:
            n = len(chunk)
            sel = np.flatnonzero(ok[start : start + n])
            if len(sel):
                data = arrowtext.data(chunk)
                first = arrowtext.offsets(chunk)[sel]
                value = np.zeros(len(sel), dtype=np.int64)
                for k in (0, 1, 2, 3, 5, 6, 8, 9):  # the digits around the two dashes
                    value = value * 10 + (data[first + k] - 48)
                out[start + sel] = value
            start += n
        return out

    def codes(self, values: list[str]) -> np.ndarray:
        """Each cell's position in ``values``, -1 where it is none of them (hashing, in one pass)."""
        import numpy as np

        if self.arrow is not None:
            import pyarrow as pa
            import pyarrow.compute as pc

            found = pc.index_in(self.arrow, value_set=pa.array(values, type=self.arrow.type))
            return found.fill_null(-1).to_numpy().astype(np.int64, copy=False)
        import pandas as pd

        return pd.Index(values, dtype=object).get_indexer(self.objects)

    def text(self, empty: np.ndarray) -> Any:
        """The column as pandas' ``string`` dtype with the empty cells missing.

        Arrow-backed: the same string buffers under a new validity bitmap (no copy).
        """
        import pandas as pd

        if self.arrow is not None:
            arr = self.only(~empty) if empty.any() else self.arrow
            return pd.arrays.ArrowStringArray(arr, dtype=pd.StringDtype("pyarrow"))  # type: ignore[call-arg]
        string: Any = pd.StringDtype()
        out = pd.array(self.objects, dtype=string)  # pandas' default storage, as astype("string")
        out[empty] = pd.NA
        return out


def _bools(arr: Any) -> np.ndarray:
    """An Arrow boolean result as a numpy mask (missing reads as False)."""
    return arr.fill_null(False).to_numpy(zero_copy_only=False)


def _convert(field: Field, cells: _Cells) -> tuple[Any, np.ndarray, np.ndarray]:
    """The typed column (a pandas array), a mask of cells not of the field's type, and a mask of cells out of range.

    Empty cells are missing values (``<NA>``/``NaT``), never errors here; the
    ``required`` constraint is checked by the validator.
    """
    import numpy as np
    import pandas as pd

    empty = cells.empty()
    none = np.zeros(cells.n, dtype=bool)
    kind = field.type
    if kind == "boolean":
        code = cells.codes([*field.true_values, *field.false_values])
        known = code >= 0
        out = pd.arrays.BooleanArray(known & (code < len(field.true_values)), ~known)
        return out, ~known & ~empty, none
    if kind not in ("integer", "number", "date"):
        return cells.text(empty), none, none
    shaped = cells.form(kind) & ~empty
    range_bad = none.copy()
    if kind == "integer":
        long = shaped & (cells.lengths > _SAFE_DIGITS)  # a sign and 18 digits always fit
        if long.any():
            idx = np.flatnonzero(long)
            fits = [-(2**63) <= int(v) < 2**63 for v in cells.col.iloc[idx].tolist()]
            range_bad[idx] = np.logical_not(fits)
        ok = shaped & ~range_bad
        values = cells.numbers(ok, "integer")
        return pd.arrays.IntegerArray(values, ~ok), ~empty & ~shaped, range_bad
    if kind == "number":
        values = cells.numbers(shaped, "number")
        range_bad = shaped & ~np.isfinite(values)  # 1e400
        ok = shaped & ~range_bad
        return pd.arrays.FloatingArray(np.where(ok, values, 0.0), ~ok), ~empty & ~shaped, range_bad
    ymd = cells.numbers(shaped, "date")
    year, month, day = ymd // 10000, ymd // 100 % 100, ymd % 100
    range_bad = shaped & ((year < _YEARS[0]) | (year > _YEARS[1]))
    real = shaped & ~range_bad & (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days(year, month))
    stamps = np.where(real, days_from_civil(year, month, day), 0).astype("datetime64[D]").astype("datetime64[ns]")
    stamps[~real] = np.datetime64("NaT")
    return stamps, ~empty & ~range_bad & ~real, range_bad


def convert_table(
    frame: pd.DataFrame, schema: TableSchema, file: str, *, categorical: bool = False
) -> tuple[pd.DataFrame, list[Problem]]:
    """Every schema column present in ``frame`` (all strings) typed; one problem per invalid cell.

    With ``categorical`` (the loader), fields with categories become pandas
    categoricals (ordered only where the schema says ``categoriesOrdered``) and a value
    outside them is a problem (code ``constraint-enum``); without it (the validator) they
    stay typed values, which pandera checks.
    """
    import pandas as pd

    columns: dict[str, Any] = {}
    problems: list[Problem] = []
    for f in schema.fields:
        if f.name not in frame.columns:
            continue
        raw = frame[f.name]
        cells = _Cells(raw)
        categories = f.categories if categorical else None
        if categories is not None and f.type not in _NOT_TEXT:  # coded straight from the cells below
            col, bad, out_of_range = None, cells.none(), cells.none()
        else:
            col, bad, out_of_range = _convert(f, cells)
        for i in bad.nonzero()[0].tolist():
            problems.append(
                Problem(file, i + 2, f.name, f"{show(raw.iat[i])} is not {TYPE_NAMES[f.type]}", LAYER, "type-error")
            )
        for i in out_of_range.nonzero()[0].tolist():
            problems.append(
                Problem(file, i + 2, f.name, f"{show(raw.iat[i])} {_RANGE_TEXT[f.type]}", LAYER, "type-range")
            )
        if categories is not None:
            col, outside = _categorical(f, categories, cells, col)
            allowed = ", ".join(c.value for c in categories)
            for i in outside.nonzero()[0].tolist():
                problems.append(
                    Problem(
                        file,
                        i + 2,
                        f.name,
                        f"{show(raw.iat[i])} is not one of the allowed values: {allowed}",
                        LAYER,
                        "constraint-enum",
                    )
                )
        columns[f.name] = col
    return pd.DataFrame(columns, index=frame.index, copy=False), problems


def _categorical(f: Field, categories: list[Any], cells: _Cells, col: Any) -> tuple[pd.Categorical, np.ndarray]:
    """The column as a categorical of the field's categories (typed as the field's values), from codes.

    Also a mask of the non-missing cells outside the categories.
    """
    import numpy as np
    import pandas as pd

    values = tuple(c.value for c in categories)
    dtype = _category_dtype(f.type, f.true_values, f.false_values, f.categories_ordered, values)
    if f.type in _NOT_TEXT:
        codes = dtype.categories.get_indexer(col)
        missing = pd.isna(col)
    else:  # text: the cells themselves are the values (an empty cell is missing)
        codes = cells.codes(dtype.categories.tolist())
        missing = cells.empty()
    outside = (codes < 0) & ~np.asarray(missing, dtype=bool)
    return pd.Categorical.from_codes(codes, dtype=dtype, validate=False), outside


@lru_cache(maxsize=256)
def _category_dtype(
    kind: str, true_values: tuple[str, ...], false_values: tuple[str, ...], ordered: bool, values: tuple[str, ...]
) -> pd.CategoricalDtype:
    """A categorical dtype: the categories ``values`` typed as ``kind`` values, in their declared order.

    Built once per distinct definition (a dtype is immutable, so tables may share it):
    building it checks the categories, which costs more than coding a small column.
    """
    import pandas as pd

    if kind in _NOT_TEXT:
        f = Field("value", kind, "value", "", true_values=true_values, false_values=false_values)
        typed, _, _ = _convert(f, _Cells(pd.Series(list(values), dtype="str")))
        index = pd.Index(pd.Series(typed).dropna().tolist())
    else:
        index = pd.Index([v for v in values if v != ""])
    return pd.CategoricalDtype(index, ordered=ordered)  # pandas' default dtype for the values
