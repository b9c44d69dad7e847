"""Turn string columns into the dtypes their Table Schema declares.

Strict on purpose: a value is only accepted in the form the Table Schema allows
(``2025-08-08`` for a date, ``12`` for an integer), so that this package and the
Frictionless validator reach the same verdict.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .tableschema import Field

if TYPE_CHECKING:
    import pandas as pd

_INTEGER = r"[+-]?[0-9]+"
_NUMBER = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

#: pandas dtype of each Table Schema type, as the loader returns it.
DTYPES = {
    "string": "string",
    "integer": "Int64",
    "number": "Float64",
    "boolean": "boolean",
    "date": "datetime64[ns]",
}

TYPE_NAMES = {
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "date": "a date (YYYY-MM-DD)",
}


def convert(field: Field, col: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return the typed column and a boolean mask of cells that are not of the field's type.

    Empty cells are missing values (``<NA>``/``NaT``), never errors here; the
    ``required`` constraint is checked separately.
    """
    import pandas as pd

    col = col.astype("str")
    empty = col == ""
    kind = field.type
    if kind == "string" or kind not in DTYPES:
        out = col.astype("string").mask(empty, pd.NA)
        return out, pd.Series(False, index=col.index)
    if kind == "boolean":
        true_mask = col.isin(field.true_values)
        false_mask = col.isin(field.false_values)
        bad = ~(true_mask | false_mask | empty)
        out = pd.Series(pd.NA, index=col.index, dtype="boolean")
        out[true_mask] = True
        out[false_mask] = False
        return out, bad
    pattern = {"integer": _INTEGER, "number": _NUMBER, "date": _DATE}[kind]
    shaped = col.str.fullmatch(pattern) | empty
    parse: Callable[[pd.Series], pd.Series]
    if kind == "date":
        parse = lambda s: pd.to_datetime(s, format="%Y-%m-%d", errors="coerce").astype("datetime64[ns]")  # noqa: E731
    elif kind == "integer":
        parse = lambda s: pd.to_numeric(s, errors="coerce").astype("Int64")  # noqa: E731
    else:
        parse = lambda s: pd.to_numeric(s, errors="coerce").astype("Float64")  # noqa: E731
    out = parse(col.where(shaped & ~empty, None))
    bad = ~empty & out.isna()
    return out, bad
