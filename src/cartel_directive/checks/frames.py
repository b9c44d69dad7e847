"""Layer 2, pandera: types, constraints and keys, from the Table Schemas themselves.

pandera's own Frictionless converter is lossy (dates become strings, enums become
categories, foreign keys are dropped), so this module builds the
``DataFrameSchema`` objects it needs at run time from the Table Schema files:
dates as dates, integers as nullable integers, enums as checked strings, patterns
(anchored, as Table Schema means them), lengths, ranges, uniqueness, required,
primary keys and foreign keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..problems import Problem
from ..reader import CsvTable
from ..tableschema import Field, TableSchema

if TYPE_CHECKING:
    import pandas as pd
    import pandera.pandas as pa
    import pyarrow as pa_

LAYER = "pandera"

#: Column to report for each DataFrame-level check, keyed by its error text.
FRAME_CHECK_COLUMNS: dict[str, str] = {}


def _field_checks(f: Field) -> list[pa.Check]:
    import pandera.pandas as pa

    c = f.constraints
    checks = []
    if "enum" in c:
        allowed = [str(v) for v in c["enum"]]
        checks.append(pa.Check.isin(allowed, error="is not one of the allowed values: " + ", ".join(allowed)))
    if "pattern" in c:
        checks.append(
            pa.Check.str_matches(rf"(?:{c['pattern']})\Z", error=f"does not match the pattern {c['pattern']}")
        )
    if "minLength" in c or "maxLength" in c:
        lo, hi = c.get("minLength"), c.get("maxLength")
        checks.append(
            pa.Check.str_length(lo, hi, error=f"has a length outside {lo or 0}..{hi if hi is not None else '∞'}")
        )
    if "minimum" in c:
        checks.append(pa.Check.ge(c["minimum"], error=f"is below the minimum {c['minimum']}"))
    if "maximum" in c:
        checks.append(pa.Check.le(c["maximum"], error=f"is above the maximum {c['maximum']}"))
    return checks


def _key_series(frame: pd.DataFrame, columns: tuple[str, ...] | list[str]) -> pd.Series:
    key = frame[columns[0]].astype("string")
    for c in columns[1:]:
        key = key + "\x1f" + frame[c].astype("string")
    return key


def _distinct(key: pd.Series) -> pa_.Array:
    """The distinct non-missing values of a string key, as a pyarrow array (for :func:`_isin`)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.unique(pa.array(key.dropna(), type=pa.large_string()))


def _isin(s: pd.Series, allowed: pa_.Array) -> pd.Series:
    """``s.isin(set(allowed))``, with pyarrow's hash kernel for a column of strings."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (isinstance(s.dtype, pd.StringDtype) or s.dtype == "str"):
        return s.isin(set(allowed.to_pylist()))
    values = pa.array(s, type=pa.large_string(), from_pandas=True)
    hit = pc.is_in(values, value_set=allowed, skip_nulls=True).fill_null(False)
    return pd.Series(hit.to_numpy(zero_copy_only=False), index=s.index, dtype=bool)


def build_schema(
    schema: TableSchema,
    present: list[str],
    frames: dict[str, pd.DataFrame],
    schemas: dict[str, TableSchema],
) -> pa.DataFrameSchema:
    """A pandera schema for one table, with foreign keys checked against ``frames``."""
    import pandera.pandas as pa

    columns: dict[str, pa.Column] = {}
    frame_checks: list[pa.Check] = []
    for f in schema.fields:
        if f.name not in present:
            continue
        checks = _field_checks(f)
        columns[f.name] = pa.Column(
            f.value_dtype(),
            checks=checks,
            nullable=not f.required,
            unique=bool(f.constraints.get("unique")),
            required=True,
            title=f.title,
            description=f.description,
        )
    for fk in schema.foreign_keys:
        target = frames.get(fk.resource)
        if target is None or not set(fk.fields) <= set(present):
            continue
        if not set(fk.reference_fields) <= set(target.columns):
            continue
        allowed = _distinct(_key_series(target, fk.reference_fields))
        where = f"{schemas[fk.resource].name}.csv" if fk.resource in schemas else fk.resource
        label = ", ".join(fk.reference_fields)

        def _fk(s: pd.Series, allowed: pa_.Array = allowed) -> pd.Series:
            return s.isna() | _isin(s, allowed)

        if len(fk.fields) == 1:
            columns[fk.fields[0]].checks.append(
                pa.Check(_fk, error=f"is not a {label} in {where} (dangling foreign key)")
            )
        else:

            def _fk_multi(
                df: pd.DataFrame, cols: tuple[str, ...] = fk.fields, allowed: set[str] = allowed
            ) -> pd.Series:
                return _fk(_key_series(df, cols), allowed)

            error = f"({', '.join(fk.fields)}) is not a ({label}) in {where} (dangling foreign key)"
            frame_checks.append(pa.Check(_fk_multi, error=error))
            FRAME_CHECK_COLUMNS[error] = fk.fields[0]
    pk = [c for c in schema.primary_key if c in present]
    return pa.DataFrameSchema(
        columns,
        checks=frame_checks,
        unique=pk if len(pk) == len(schema.primary_key) and pk else None,
        report_duplicates="all",
        name=schema.name,
        strict=False,
        ordered=False,
    )


def _describe(value: object) -> str:
    import pandas as pd

    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return "(empty)"
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    text = str(value)
    return repr(text if len(text) <= 60 else text[:59] + "…")


def check(
    table: CsvTable,
    schema: TableSchema,
    typed: pd.DataFrame,
    frames: dict[str, pd.DataFrame],
    schemas: dict[str, TableSchema],
    type_errors: list[Problem],
) -> list[Problem]:
    """Validate one typed table with its pandera schema; one problem per failing cell."""
    import pandera.pandas as pa

    dfs = build_schema(schema, list(typed.columns), frames, schemas)
    try:
        dfs.validate(typed, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    already = {(p.row, p.column) for p in type_errors}
    out: list[Problem] = []
    pk = ", ".join(schema.primary_key)
    pk_rows: set[int] = set()
    for case in cases.itertuples(index=False):
        idx = case.index
        row = int(idx) + 2 if idx is not None and not _isna(idx) else None
        check_name = str(case.check)
        column = case.column if isinstance(case.column, str) else FRAME_CHECK_COLUMNS.get(check_name)
        if check_name in FRAME_CHECK_COLUMNS:
            out.append(Problem(table.file, row, column, check_name, LAYER))
            continue
        if (row, column) in already:
            continue
        if check_name == "multiple_fields_uniqueness":
            if row in pk_rows:
                continue
            pk_rows.add(row)  # type: ignore[arg-type]
            out.append(
                Problem(
                    table.file,
                    row,
                    schema.primary_key[0],
                    f"duplicate primary key ({pk}): another row has the same value",
                    LAYER,
                )
            )
        elif check_name == "not_nullable":
            out.append(Problem(table.file, row, column, "is required but empty", LAYER))
        elif check_name == "field_uniqueness":
            out.append(
                Problem(
                    table.file,
                    row,
                    column,
                    f"{_describe(case.failure_case)} must be unique but appears in another row",
                    LAYER,
                )
            )
        elif check_name.startswith(("column_in_dataframe", "dtype(")):
            out.append(Problem(table.file, row, column, f"has the wrong type ({check_name})", LAYER))
        else:
            out.append(Problem(table.file, row, column, f"{_describe(case.failure_case)} {check_name}", LAYER))
    return out


def _isna(value: object) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
