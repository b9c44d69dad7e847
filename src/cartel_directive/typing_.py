"""The one typing step: string columns + Table Schema -> typed columns and located type errors.

The loader and the validator both type their tables here. Strict on purpose: a value
is only accepted in the form the Table Schema allows (``2025-08-08`` for a date, ``12``
for an integer, a finite decimal for a number), so that this package and the
Frictionless validator reach the same verdict. Invalid cells are found by the same
vectorised parse that types the valid ones: a non-empty cell whose parse is missing is
invalid. Python runs only over the cells found invalid, to word their messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .boundary import show
from .problems import Problem
from .tableschema import Field, TableSchema

if TYPE_CHECKING:
    import pandas as pd

LAYER = "pandera"
#: every code the typing step reports
CODES = ("type-error", "type-range", "constraint-enum")
_INTEGER = r"[+-]?[0-9]+"
_NUMBER = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

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


def convert(field: Field, col: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The typed column, a mask of cells not of the field's type, and a mask of cells out of range.

    Empty cells are missing values (``<NA>``/``NaT``), never errors here; the
    ``required`` constraint is checked by the validator.
    """
    import numpy as np
    import pandas as pd

    empty = (col == "").to_numpy()
    none = pd.Series(np.zeros(len(col), dtype=bool), index=col.index)
    kind = field.type
    if kind == "boolean":
        true_mask = col.isin(field.true_values).to_numpy()
        false_mask = col.isin(field.false_values).to_numpy()
        out = pd.Series(pd.array(np.where(true_mask, True, False), dtype="boolean"), index=col.index)
        out[~(true_mask | false_mask)] = pd.NA
        return out, pd.Series(~(true_mask | false_mask | empty), index=col.index), none
    if kind not in ("integer", "number", "date"):
        return col.astype("string").mask(empty, pd.NA), none, none
    pattern = {"integer": _INTEGER, "number": _NUMBER, "date": _DATE}[kind]
    shaped = col.str.fullmatch(pattern).to_numpy(dtype=bool, na_value=False) & ~empty
    values = col.where(shaped, None)
    range_bad = np.zeros(len(col), dtype=bool)
    if kind == "date":
        year = pd.to_numeric(col.where(shaped, "2000").str.slice(0, 4)).to_numpy()
        range_bad = shaped & ((year < 1678) | (year > 2261))
        out = pd.to_datetime(values.where(~range_bad, None), format="%Y-%m-%d", errors="coerce").astype(
            "datetime64[ns]"
        )
    elif kind == "integer":
        digits = col.str.lstrip("+-").str.lstrip("0").str.len().to_numpy()
        long = shaped & (digits > 18)  # at most 18 digits always fit in an int64
        if long.any():
            idx = np.flatnonzero(long)
            range_bad[idx] = [not -(2**63) <= int(v) < 2**63 for v in col.iloc[idx].tolist()]
        out = pd.to_numeric(values.where(~range_bad, None), errors="coerce").astype("Int64")
    else:
        numbers = pd.to_numeric(values, errors="coerce").astype("Float64")
        range_bad = shaped & ~np.isfinite(numbers.to_numpy(dtype="float64", na_value=0.0))  # 1e400
        out = numbers.mask(range_bad, pd.NA)
    bad = ~empty & ~range_bad & out.isna().to_numpy()
    return out, pd.Series(bad, index=col.index), pd.Series(range_bad, index=col.index)


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

    columns: dict[str, pd.Series] = {}
    problems: list[Problem] = []
    for f in schema.fields:
        if f.name not in frame.columns:
            continue
        raw = frame[f.name]
        col, bad, out_of_range = convert(f, raw)
        for i in bad.to_numpy().nonzero()[0].tolist():
            problems.append(
                Problem(file, i + 2, f.name, f"{show(raw.iat[i])} is not {TYPE_NAMES[f.type]}", LAYER, "type-error")
            )
        for i in out_of_range.to_numpy().nonzero()[0].tolist():
            problems.append(
                Problem(file, i + 2, f.name, f"{show(raw.iat[i])} {_RANGE_TEXT[f.type]}", LAYER, "type-range")
            )
        if categorical and f.categories is not None:
            col, outside = _categorical(f, col)
            for i in outside.nonzero()[0].tolist():
                allowed = ", ".join(c.value for c in f.categories or [])
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
    return pd.DataFrame(columns, index=frame.index), problems


def _categorical(f: Field, col: pd.Series):
    """The column as a categorical of the field's categories (typed as the field's values)."""
    import pandas as pd

    cats_raw = pd.Series([c.value for c in f.categories or []], dtype="str")
    cats, _, _ = convert(f, cats_raw)
    categories = pd.Index(cats.dropna().tolist())  # pandas' default dtype for the values, as Parquet gives back
    outside = (col.notna() & ~col.isin(categories)).to_numpy()
    return pd.Series(
        pd.Categorical(col.where(~outside), categories=categories, ordered=f.categories_ordered), index=col.index
    ), outside
