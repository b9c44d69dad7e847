"""Layer pandera: types, constraints and keys, from the Table Schemas themselves.

pandera's own Frictionless converter is lossy (dates become strings, foreign keys are
dropped), so this module builds the ``DataFrameSchema`` objects it needs at run time
from the Table Schemas: dtypes from :meth:`Field.value_dtype`, allowed values,
patterns (anchored, as Table Schema means them), lengths, ranges, uniqueness,
required, primary keys and foreign keys. Every check is named by the code it reports,
and pandera's failures are mapped to codes through its own reason codes
(``SchemaErrorReason``) and those names, never through its message strings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..boundary import show
from ..problems import Problem
from ..rules import Context, rule
from ..tableschema import Field, TableSchema

if TYPE_CHECKING:
    import pandas as pd
    import pandera.pandas as pa

LAYER = "pandera"


def _field_checks(f: Field) -> list[pa.Check]:
    import pandera.pandas as pa

    c = f.constraints
    checks = []
    if "enum" in c:
        allowed = [str(v) for v in c["enum"]]
        checks.append(
            pa.Check.isin(
                allowed, name="constraint-enum", error="is not one of the allowed values: " + ", ".join(allowed)
            )
        )
    if "pattern" in c:
        checks.append(
            pa.Check.str_matches(
                rf"(?:{c['pattern']})\Z", name="constraint-pattern", error=f"does not match the pattern {c['pattern']}"
            )
        )
    if "minLength" in c or "maxLength" in c:
        lo, hi = c.get("minLength"), c.get("maxLength")
        checks.append(
            pa.Check.str_length(
                lo,
                hi,
                name="constraint-length",
                error=f"has a length outside {lo or 0}..{hi if hi is not None else '∞'}",
            )
        )
    if "minimum" in c:
        checks.append(
            pa.Check.ge(c["minimum"], name="constraint-minimum", error=f"is below the minimum {c['minimum']}")
        )
    if "maximum" in c:
        checks.append(
            pa.Check.le(c["maximum"], name="constraint-maximum", error=f"is above the maximum {c['maximum']}")
        )
    return checks


def _key_series(frame: pd.DataFrame, columns: tuple[str, ...] | list[str]) -> pd.Series:
    key = frame[columns[0]].astype("string")
    for c in columns[1:]:
        key = key + "\x1f" + frame[c].astype("string")
    return key


def build_schema(
    schema: TableSchema,
    present: list[str],
    frames: dict[str, pd.DataFrame],
    schemas: dict[str, TableSchema],
) -> tuple[pa.DataFrameSchema, dict[int, str]]:
    """A pandera schema for one table, with foreign keys checked against ``frames``.

    Also returns, for each table-level check (a foreign key over several fields), the
    column its failures are reported under (keyed by ``id`` of the check).
    """
    import pandas as pd
    import pandera.pandas as pa

    columns: dict[str, pa.Column] = {}
    frame_checks: list[pa.Check] = []
    frame_columns: dict[int, str] = {}
    for f in schema.fields:
        if f.name not in present:
            continue
        columns[f.name] = pa.Column(
            f.value_dtype(),
            checks=_field_checks(f),
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
        allowed = pd.Index(_key_series(target, fk.reference_fields).dropna().unique())
        where = f"{schemas[fk.resource].name}.csv" if fk.resource in schemas else fk.resource
        label = ", ".join(fk.reference_fields)

        def _fk(s: pd.Series, allowed: pd.Index = allowed) -> pd.Series:
            return s.isna() | s.isin(allowed)

        if len(fk.fields) == 1:
            columns[fk.fields[0]].checks.append(
                pa.Check(_fk, name="foreign-key", error=f"is not a {label} in {where} (dangling foreign key)")
            )
        else:

            def _fk_multi(df: pd.DataFrame, cols: tuple[str, ...] = fk.fields, check=_fk) -> pd.Series:
                return check(_key_series(df, cols))

            error = f"({', '.join(fk.fields)}) is not a ({label}) in {where} (dangling foreign key)"
            check = pa.Check(_fk_multi, name="foreign-key", error=error)
            frame_checks.append(check)
            frame_columns[id(check)] = fk.fields[0]
    pk = [c for c in schema.primary_key if c in present]
    dfs = pa.DataFrameSchema(
        columns,
        checks=frame_checks,
        unique=pk if len(pk) == len(schema.primary_key) and pk else None,
        report_duplicates="all",
        name=schema.name,
        strict=False,
        ordered=False,
    )
    return dfs, frame_columns


CODES = (
    "constraint-required",
    "constraint-unique",
    "primary-key",
    "foreign-key",
    "constraint-enum",
    "constraint-pattern",
    "constraint-length",
    "constraint-minimum",
    "constraint-maximum",
    "type-wrong",
    "column-missing",
    "check-error",
)


@rule("table-schema", LAYER, *CODES)
def table_schema(ctx: Context) -> Iterator[Problem]:
    """Types, constraints, primary and foreign keys of every table, by pandera."""
    for name, typed in ctx.typed.items():
        yield from check(
            ctx.files[name], ctx.schemas[name], typed, ctx.typed, ctx.schemas, ctx.type_errors.get(name, [])
        )


def check(
    file: str,
    schema: TableSchema,
    typed: pd.DataFrame,
    frames: dict[str, pd.DataFrame],
    schemas: dict[str, TableSchema],
    type_errors: list[Problem],
) -> list[Problem]:
    """Validate one typed table with its pandera schema; one problem per failing cell."""
    import pandera.pandas as pa
    from pandera.errors import SchemaErrorReason as Reason

    dfs, frame_columns = build_schema(schema, list(typed.columns), frames, schemas)
    try:
        dfs.validate(typed, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        errors = exc.schema_errors
    already = {(p.row, p.column) for p in type_errors}  # the typing step reported these cells
    out: list[Problem] = []
    pk = schema.primary_key
    for err in errors:
        reason = err.reason_code
        check = err.check
        column = getattr(err.schema, "name", None) if isinstance(err.schema, pa.Column) else None
        if check is not None and id(check) in frame_columns:
            column = frame_columns[id(check)]
        cases = err.failure_cases
        rows: list[int | None] = [None]
        values: list[object] = [None]
        if cases is not None and hasattr(cases, "columns") and "index" in cases.columns:
            index = cases["index"]
            keep = index.notna().to_numpy()
            rows = [int(i) + 2 for i in index[keep].tolist()]
            values = cases["failure_case"][keep].tolist() if "failure_case" in cases.columns else [None] * len(rows)
        if reason == Reason.DUPLICATES:  # the primary key (DataFrameSchema unique=...)
            for dup in sorted({r for r in rows if r is not None}):
                out.append(
                    Problem(
                        file,
                        dup,
                        pk[0] if pk else None,
                        f"duplicate primary key ({', '.join(pk)}): another row has the same value",
                        LAYER,
                        "primary-key",
                    )
                )
            continue
        frame_level = column is None or (check is not None and id(check) in frame_columns)
        for row, value in zip(rows, values, strict=True):
            if (row, column) in already:
                continue
            code, text = _worded(err, value, frame_level)
            out.append(Problem(file, row, column, text, LAYER, code))
    return out


def _worded(err: Any, value: object, frame_level: bool) -> tuple[str, str]:
    """The code and message of one failure case, from pandera's reason code and the check's name."""
    from pandera.errors import SchemaErrorReason as Reason

    reason, check = err.reason_code, err.check
    if reason == Reason.SERIES_CONTAINS_NULLS:
        return "constraint-required", "is required but empty"
    if reason == Reason.SERIES_CONTAINS_DUPLICATES:
        return "constraint-unique", f"{_describe(value)} must be unique but appears in another row"
    if reason in (Reason.DATAFRAME_CHECK, Reason.SCHEMA_COMPONENT_CHECK) and check is not None:
        code = str(check.name) if str(check.name) in CODES else "check-error"
        error = check.error or code
        return code, error if frame_level else f"{_describe(value)} {error}"
    if reason == Reason.WRONG_DATATYPE:
        return "type-wrong", f"has the wrong type (expected {getattr(err.schema, 'dtype', '?')})"
    if reason == Reason.COLUMN_NOT_IN_DATAFRAME:
        return "column-missing", "column is missing"
    return "check-error", f"pandera could not check this ({reason.name.lower()})"


def _describe(value: object) -> str:
    import pandas as pd

    if value is None or (not isinstance(value, (list, tuple)) and _isna(value)):
        return "(empty)"
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return show(value, 60)


def _isna(value: object) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False
