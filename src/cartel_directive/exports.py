"""Export the tables to Parquet, SQLite, Stata and Excel, from the loader's typed frames.

- ``parquet``: one ``<table>.parquet`` per table, written by pyarrow with the loader's
  dtypes (pandas metadata kept, so ``pandas.read_parquet`` gives them back); each
  column carries its schema title and description as Arrow field metadata.
- ``sqlite``: one ``cartel-directive.sqlite`` with every table, its primary key,
  foreign keys, NOT NULL and enum CHECK constraints declared; dates as ISO 8601 text,
  booleans as 0/1. ``PRAGMA foreign_key_check`` must be clean or the export fails.
- ``stata``: one ``<table>.dta`` per table (format 118, UTF-8, Stata 14+): value labels
  for enums, variable labels from the schema titles, dates as ``%td``, long strings
  as strL.
- ``xlsx``: one ``cartel-directive.xlsx`` with a sheet per table and a ``fields``
  sheet (the codebook: table, field, type, title, description).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CartelDirectiveError, MissingExtraError
from .loader import Root, _names, _open, load
from .tableschema import Field, TableSchema

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("parquet", "sqlite", "stata", "xlsx")
STEM = "cartel-directive"

#: Stata's limits: variable names, variable/data labels, and the widest fixed-width string (bytes).
STATA_NAME_MAX = 32
STATA_LABEL_MAX = 80
STATA_STR_MAX = 2045


def _need(module: str, fmt: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f"export --format {fmt} needs {module}, which is not installed: pip install 'cartel-directive[export]'"
        ) from exc


def export(fmt: str, out: str | os.PathLike[str], *, root: Root = None) -> list[Path]:
    """Write every table in ``fmt`` under folder ``out`` (created if needed); return the files written."""
    if fmt not in FORMATS:
        raise CartelDirectiveError(f"unknown export format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    writer: Callable[[dict[str, pd.DataFrame], dict[str, TableSchema], Path], list[Path]] = {
        "parquet": _parquet,
        "sqlite": _sqlite,
        "stata": _stata,
        "xlsx": _xlsx,
    }[fmt]
    if fmt == "parquet":
        _need("pyarrow", fmt)
    elif fmt == "xlsx":
        _need("openpyxl", fmt)
    pkg = _open(root)
    frames = {name: load(name, root=pkg.root) for name in _names(pkg)}
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise CartelDirectiveError(f"{folder}: exists and is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    return writer(frames, pkg.schemas, folder)


# Parquet ------------------------------------------------------------------------------


def _parquet(frames: dict[str, pd.DataFrame], schemas: dict[str, TableSchema], folder: Path) -> list[Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    written = []
    for name, df in frames.items():
        table = pa.Table.from_pandas(df, preserve_index=False)
        fields = []
        for arrow_field in table.schema:
            f = schemas[name].field(arrow_field.name)
            fields.append(arrow_field.with_metadata({"title": f.title, "description": f.description}))
        meta = dict(table.schema.metadata or {})
        meta[b"cartel_directive.table"] = name.encode()
        meta[b"cartel_directive.description"] = schemas[name].description.encode()
        table = table.cast(pa.schema(fields, metadata=meta))
        file = folder / f"{name}.parquet"
        pq.write_table(table, file)
        written.append(file)
    return written


# SQLite -------------------------------------------------------------------------------

_SQL_TYPES = {"integer": "INTEGER", "number": "REAL", "boolean": "INTEGER", "date": "TEXT"}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_literal(value: object) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


def _column_sql(f: Field) -> str:
    parts = [_q(f.name), _SQL_TYPES.get(f.type, "TEXT")]
    if f.required:
        parts.append("NOT NULL")
    if f.type == "boolean":
        parts.append(f"CHECK ({_q(f.name)} IN (0, 1))")
    if f.enum is not None:
        parts.append(f"CHECK ({_q(f.name)} IN ({', '.join(_sql_literal(v) for v in f.enum)}))")
    return f"  -- {' '.join(f.title.split())}\n  " + " ".join(parts)


def create_table_sql(schema: TableSchema) -> str:
    """``CREATE TABLE`` for one Table Schema: columns (titles as comments), NOT NULL, CHECKs, keys.

    >>> from cartel_directive.tableschema import TableSchema
    >>> s = TableSchema("t", {"fields": [{"name": "t_id", "title": "Id", "constraints": {"required": True}}],
    ...                       "primaryKey": ["t_id"]})
    >>> print(create_table_sql(s))
    CREATE TABLE "t" (
      -- Id
      "t_id" TEXT NOT NULL,
      PRIMARY KEY ("t_id")
    )
    """
    items = [_column_sql(f) for f in schema.fields]
    if schema.primary_key:
        items.append(f"  PRIMARY KEY ({', '.join(map(_q, schema.primary_key))})")
    for fk in schema.foreign_keys:
        items.append(
            f"  FOREIGN KEY ({', '.join(map(_q, fk.fields))}) "
            f"REFERENCES {_q(fk.resource)} ({', '.join(map(_q, fk.reference_fields))})"
        )
    return f"CREATE TABLE {_q(schema.name)} (\n" + ",\n".join(items) + "\n)"


def _sql_value(value: object) -> object:
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, bool):
        return int(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _sqlite(frames: dict[str, pd.DataFrame], schemas: dict[str, TableSchema], folder: Path) -> list[Path]:
    file = folder / f"{STEM}.sqlite"
    tmp = folder / f".{STEM}.sqlite.tmp"
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    try:
        with con:
            for name, df in frames.items():
                con.execute(create_table_sql(schemas[name]))
                cols = list(df.columns)
                rows = [tuple(_sql_value(v) for v in row) for row in df.astype(object).itertuples(index=False)]
                marks = ", ".join("?" * len(cols))
                con.executemany(f"INSERT INTO {_q(name)} ({', '.join(map(_q, cols))}) VALUES ({marks})", rows)
        dangling = con.execute("PRAGMA foreign_key_check").fetchall()
        if dangling:
            table, rowid, parent, _ = dangling[0]
            raise CartelDirectiveError(
                f"export --format sqlite: {len(dangling)} dangling foreign key(s), first in {table} "
                f"(rowid {rowid}) -> {parent}; run `cartel-directive validate`"
            )
    finally:
        con.close()
    os.replace(tmp, file)
    return [file]


# Stata --------------------------------------------------------------------------------


@dataclass
class StataFrame:
    """What ``DataFrame.to_stata`` needs for one table."""

    frame: pd.DataFrame
    dates: dict[str, str] = field(default_factory=dict)
    strl: list[str] = field(default_factory=list)
    value_labels: dict[str, dict[int, str]] = field(default_factory=dict)


def _label(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= STATA_LABEL_MAX else text[: STATA_LABEL_MAX - 1] + "…"


def _codes(col: pd.Series) -> pd.Series:
    """Categorical -> Stata codes 1..n (missing stays missing), the smallest type that holds them."""
    codes = col.cat.codes.astype("int64") + 1
    if (codes == 0).any():
        return codes.astype("float64").where(codes > 0)
    return codes.astype("int16" if len(col.cat.categories) < 32_000 else "int32")


def stata_frame(df: pd.DataFrame, schema: TableSchema) -> StataFrame:
    """The frame as ``to_stata`` takes it, with its dates, strL columns and value labels.

    Strings lose ``<NA>`` (Stata has no missing string: it becomes ""), booleans become
    0/1 with missing, enums become codes 1..n with value labels in the declared order.
    """
    import pandas as pd

    out = {}
    result = StataFrame(pd.DataFrame())
    for f in schema.fields:
        if len(f.name) > STATA_NAME_MAX:
            raise CartelDirectiveError(
                f"{schema.name}.{f.name}: longer than Stata's {STATA_NAME_MAX}-character variable names"
            )
        col = df[f.name]
        if isinstance(col.dtype, pd.CategoricalDtype):
            out[f.name] = _codes(col)
            result.value_labels[f.name] = {i + 1: str(c) for i, c in enumerate(col.cat.categories)}
        elif f.type == "date":
            out[f.name] = col
            result.dates[f.name] = "td"
        elif f.type in ("boolean", "integer") and not col.isna().any():
            out[f.name] = col.astype("int8" if f.type == "boolean" else "int64")
        elif f.type in ("boolean", "integer", "number"):
            out[f.name] = col.astype("float64")
        else:
            values = col.fillna("").astype(object)
            out[f.name] = values
            if any(len(v.encode("utf-8")) > STATA_STR_MAX for v in values):
                result.strl.append(f.name)
    result.frame = pd.DataFrame(out, index=pd.RangeIndex(len(df)))
    return result


def _stata(frames: dict[str, pd.DataFrame], schemas: dict[str, TableSchema], folder: Path) -> list[Path]:
    written = []
    for name, df in frames.items():
        schema = schemas[name]
        s = stata_frame(df, schema)
        file = folder / f"{name}.dta"
        s.frame.to_stata(
            file,
            write_index=False,
            version=118,
            convert_dates=s.dates,
            convert_strl=s.strl,
            value_labels=s.value_labels,
            data_label=_label(schema.description or name),
            variable_labels={f.name: _label(f.title) for f in schema.fields},
        )
        written.append(file)
    return written


# Excel --------------------------------------------------------------------------------

XLSX_SHEET_MAX = 31


def _xlsx(frames: dict[str, pd.DataFrame], schemas: dict[str, TableSchema], folder: Path) -> list[Path]:
    import pandas as pd

    file = folder / f"{STEM}.xlsx"
    codebook = pd.DataFrame(
        [
            (name, f.name, f.type, f.title, f.description, ", ".join(map(str, f.enum or [])))
            for name in frames
            for f in schemas[name].fields
        ],
        columns=["table", "field", "type", "title", "description", "allowed_values"],
    )
    with pd.ExcelWriter(file, engine="openpyxl") as xw:
        for name, df in frames.items():
            if len(name) > XLSX_SHEET_MAX:
                raise CartelDirectiveError(f"{name}: longer than Excel's {XLSX_SHEET_MAX}-character sheet names")
            sheet = df.copy()
            for f in schemas[name].fields:
                if f.type == "date":
                    sheet[f.name] = sheet[f.name].dt.date
            sheet.astype(object).where(sheet.notna(), None).to_excel(xw, sheet_name=name, index=False)
        codebook.to_excel(xw, sheet_name="fields", index=False)
    return [file]
