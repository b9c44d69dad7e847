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
from functools import cache
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
    if f.categories is not None:  # the allowed values: `categories` where given, else `constraints.enum`
        allowed = [cat.value for cat in f.categories]
        checks.append(
            pa.Check(
                _membership(_typed_values(f, allowed)),
                name="constraint-enum",
                error="is not one of the allowed values: " + ", ".join(allowed),
                ignore_na=False,  # the check passes missing cells itself: no copy of the column without them
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


def _article(word: str) -> str:
    """ "a" or "an" before ``word`` (by its first letter: ``an actor_id``, ``a source_file``)."""
    return "an" if word[:1].lower() in "aeiou" else "a"


def _typed_values(f: Field, values: list[str]) -> Any:
    """The allowed values typed as the column they are compared with (the one typing step), as Arrow."""
    import pandas as pd
    import pyarrow as pa

    from ..typing_ import convert_table

    if f.type not in ("integer", "number", "boolean", "date"):
        return pa.array(values, pa.large_string())
    one = TableSchema("enum", {"fields": [{"name": "v", "type": f.type}]})
    typed, _ = convert_table(pd.DataFrame({"v": pd.Series(values, dtype="str")}), one, "")
    return pa.array(typed["v"].dropna().array)


def _arrow(s: pd.Series) -> Any:
    """A typed column as a pyarrow ChunkedArray (Arrow-backed strings: their own buffers, no copy)."""
    import pyarrow as pa

    data = pa.array(s.array)
    return data if isinstance(data, pa.ChunkedArray) else pa.chunked_array([data])


def _membership(allowed: Any):
    """A vectorised check: a cell is missing or one of ``allowed`` (Arrow's hash ``is_in``, one pass)."""

    def check(s: pd.Series) -> pd.Series:
        import pandas as pd
        import pyarrow.compute as pc

        values = _arrow(s)
        value_set = allowed if allowed.type == values.type else allowed.cast(values.type)
        hit = pc.is_in(values, value_set=value_set).to_numpy(zero_copy_only=False)
        return pd.Series(hit | s.isna().to_numpy(), index=s.index)

    return check


def _key_codes(frame: pd.DataFrame, columns: tuple[str, ...], dictionaries: list[Any]) -> Any:
    """Each row's key over ``columns`` as one int64 code (-1 where a part is in no dictionary; NA if missing).

    Keys are compared as codes (positions in each column's dictionary, in mixed radix),
    never as concatenated strings.
    """
    import numpy as np
    import pandas as pd
    import pyarrow.compute as pc

    code = np.zeros(len(frame), dtype=np.int64)
    missing = np.zeros(len(frame), dtype=bool)
    unknown = np.zeros(len(frame), dtype=bool)
    for column, dictionary in zip(columns, dictionaries, strict=True):
        s = frame[column]
        values = _arrow(s)
        found = pc.index_in(values, value_set=dictionary.cast(values.type))
        missing |= s.isna().to_numpy()
        unknown |= found.is_null().to_numpy(zero_copy_only=False)
        code = code * len(dictionary) + found.fill_null(0).to_numpy()
    return pd.arrays.IntegerArray(np.where(unknown, -1, code), missing)


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
    import pandera.pandas as pa

    columns: dict[str, pa.Column] = {}
    frame_checks: list[pa.Check] = []
    frame_columns: dict[int, str] = {}
    for f in schema.fields:
        if f.name not in present:
            continue
        columns[f.name] = pa.Column(
            _text_dtype() if f.value_dtype() == "string" else f.value_dtype(),
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
        where = f"{schemas[fk.resource].name}.csv" if fk.resource in schemas else fk.resource
        label = ", ".join(fk.reference_fields)
        if len(fk.fields) == 1:
            allowed = _arrow(target[fk.reference_fields[0]]).combine_chunks()
            columns[fk.fields[0]].checks.append(
                pa.Check(
                    _membership(allowed),
                    name="foreign-key",
                    error=f"is not {_article(label)} {label} in {where} (dangling foreign key)",
                    ignore_na=False,
                )
            )
        else:
            check = pa.Check(
                _multi_key(target, fk.reference_fields, fk.fields),
                name="foreign-key",
                error=f"({', '.join(fk.fields)}) is not a ({label}) in {where} (dangling foreign key)",
                ignore_na=False,  # a key missing in part passes (the check says so), without a frame-wide isna
            )
            frame_checks.append(check)
            frame_columns[id(check)] = fk.fields[0]
    pk = [c for c in schema.primary_key if c in present]
    complete = bool(pk) and len(pk) == len(schema.primary_key)
    dfs = pa.DataFrameSchema(
        columns,
        checks=frame_checks,
        unique=pk if complete and _key_field(schema) is None else None,
        report_duplicates="all",
        name=schema.name,
        strict=False,
        ordered=False,
    )
    return dfs, frame_columns


def _key_field(schema: TableSchema) -> str | None:
    """The primary key's one field when that field is also declared unique, else None.

    Its column's uniqueness check then finds the key's duplicates too: one pass over the
    column instead of two (pandera's frame-level ``unique`` would hash it again).
    """
    pk = schema.primary_key
    unique = [f.name for f in schema.fields if f.constraints.get("unique")]
    return pk[0] if len(pk) == 1 and pk[0] in unique else None


@cache
def _text_dtype() -> Any:
    """pandera's string dtype, answering for the whole column at once.

    pandera's own ``STRING.check`` answers with one ``True`` per cell, which pandera then
    filters, reshapes and formats into a message even when every cell passes (about 1 ms
    a column whatever its length: most of this layer's time on the real package). This
    subclass gives pandera's verdict on the dtype alone, as pandera itself does for a
    schema; the typing step gives text columns pandas' ``string`` dtype, never ``object``.
    """
    from pandera.engines.pandas_engine import STRING

    class Text(STRING):
        def check(self, pandera_dtype: Any, data_container: Any = None) -> bool:
            return bool(super().check(pandera_dtype))

    return Text()  # type: ignore[call-arg]  # pandera's @immutable writes the __init__ mypy does not see


def _multi_key(target: pd.DataFrame, reference: tuple[str, ...], fields: tuple[str, ...]):
    """A vectorised check: the row's key over ``fields`` is missing in part or a key of ``target``."""
    import pyarrow.compute as pc

    dictionaries = [pc.unique(_arrow(target[c]).drop_null()) for c in reference]
    known = _key_codes(target, reference, dictionaries)
    allowed = known[~known.isna() & (known >= 0)].to_numpy(dtype="int64")

    def check(df: pd.DataFrame) -> pd.Series:
        import pandas as pd

        codes = _key_codes(df, fields, dictionaries)
        return pd.Series(codes.isna() | codes.isin(allowed).to_numpy(dtype=bool, na_value=False), index=df.index)

    return check


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
        yield from check(ctx.files[name], ctx.schemas[name], typed, ctx.typed, ctx.schemas)


def check(
    file: str,
    schema: TableSchema,
    typed: pd.DataFrame,
    frames: dict[str, pd.DataFrame],
    schemas: dict[str, TableSchema],
) -> list[Problem]:
    """Validate one typed table with its pandera schema; one problem per failing cell.

    A cell the typing step refused is missing here; the validator drops what this layer says
    of such a cell (the type error says it once), so nothing here needs to know of them.
    """
    import pandera.pandas as pa
    from pandera.errors import SchemaErrorReason as Reason

    dfs, frame_columns = build_schema(schema, list(typed.columns), frames, schemas)
    try:
        dfs.validate(typed, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        errors = exc.schema_errors
    already: set[tuple[int | None, str | None]] = set()  # table-level failures: one problem a row
    out: list[Problem] = []
    pk = schema.primary_key
    key_field = _key_field(schema)
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
        if reason == Reason.DUPLICATES or (reason == Reason.SERIES_CONTAINS_DUPLICATES and column == key_field):
            # the primary key: by the frame's unique=..., or by its one unique field's column
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
            if reason == Reason.DUPLICATES:
                continue
        frame_level = column is None or (check is not None and id(check) in frame_columns)
        for row, value in zip(rows, values, strict=True):
            if (row, column) in already:
                continue
            code, text = _worded(err, value, frame_level)
            if frame_level:  # pandera lists a table-level failure once per column of the frame
                already.add((row, column))
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
