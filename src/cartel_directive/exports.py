"""Export the tables to Parquet, SQLite, Stata and Excel files that describe themselves.

Every export first validates the package (the layers that need no source archive) and
refuses an invalid one; it reads the tables through the loader (one reading and typing
step) and writes its typed columns as they are: categories come coded by the loader,
never re-coded from text, and numbers are finite (the typing step refuses others). It
writes the whole output into a temporary folder, then publishes it into ``--out`` in
one step (:func:`cartel_directive.boundary.publish`: all or nothing, never through a
symlink, no name leaving ``--out``, no temp file left). Every file carries the
package's version, licence and citation:

- ``parquet``: one ``<table>.parquet`` per table. Dates are ``date32``; categorical
  fields are Arrow dictionaries, ordered only where the schema says so
  (``categoriesOrdered``; Parquet keeps the dictionary type of text only, so integer
  categories read back as their integers, listed in the ``resource`` metadata); each
  column carries its title and description as field metadata; the file metadata holds
  ``datapackage`` (the descriptor), ``resource`` (this table's resource with its Table
  Schema inlined), ``version``, ``license`` and ``citation``.
- ``sqlite``: ``cartel-directive.sqlite`` with every table (primary keys, foreign keys,
  NOT NULL and category CHECKs declared; an index on every foreign-key column), plus
  ``package_metadata`` (package, version, licence, citation), ``package_files`` (each data
  file with its SHA-256) and ``package_fields`` (every column's title and description);
  and ``cartel-directive.metadata.json``, datasette metadata (title, licence, source,
  table and column descriptions).
- ``stata``: one ``<table>.dta`` per table (format 118, UTF-8): value labels for
  categories, variable labels from the titles, dates as ``%td``, long strings as strL,
  a data label that fits, and notes with the licence, version, citation, how missing
  strings are stored and each column's description.
- ``xlsx``: ``cartel-directive.xlsx``: an ``about`` sheet first (what the workbook is,
  licence, version, citation), one sheet per table with a frozen header and filters, and
  a ``fields`` codebook. Every text cell is stored as text, never as a formula or error.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .boundary import publish
from .descriptor import Package
from .errors import CartelDirectiveError
from .extras import require
from .tableschema import Field, TableSchema

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

FORMATS = ("parquet", "sqlite", "stata", "xlsx")
STEM = "cartel-directive"
SQLITE_FILE = f"{STEM}.sqlite"
DATASETTE_FILE = f"{STEM}.metadata.json"
XLSX_FILE = f"{STEM}.xlsx"

#: Stata's limits: variable names, variable/data labels, and the widest fixed-width string (bytes).
STATA_NAME_MAX = 32
STATA_LABEL_MAX = 80
STATA_STR_MAX = 2045
#: Excel's limits: characters in a cell (UTF-16 code units), characters in a sheet name.
XLSX_CELL_MAX = 32_767
XLSX_SHEET_MAX = 31

#: Data Package resource names (lower-case letters, digits, ``.``, ``_``, ``-``), as output file stems.
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
#: Tables the SQLite export adds; a resource of one of these names would collide.
SQLITE_EXTRA_TABLES = ("package_metadata", "package_files", "package_fields")
XLSX_EXTRA_SHEETS = ("about", "fields")


class ExportError(CartelDirectiveError):
    """The export was refused; nothing was written."""


# What every export says about itself ---------------------------------------------------


@dataclass(frozen=True)
class About:
    """The package's identity, licence and citation, as every exported file records them."""

    name: str
    title: str
    description: str
    version: str
    licenses: list[dict[str, Any]]
    citation: str
    bibtex: str
    descriptor: dict[str, Any]
    files: list[tuple[str, str, int | None, str]]  # (resource, path, bytes, sha256)

    @property
    def license(self) -> str:
        """One line naming every licence, data first: ``CC-BY-4.0 (https://...); MIT (...)``."""
        return "; ".join(f"{lic.get('name', '?')} ({lic.get('path') or lic.get('title', '')})" for lic in self.licenses)

    @property
    def data_license(self) -> dict[str, Any]:
        return self.licenses[0] if self.licenses else {}

    def lines(self) -> list[str]:
        """What an export is, as lines of text (the Stata notes, the xlsx ``about`` sheet)."""
        return [
            f"{self.title}, version {self.version}.",
            f"Licence: {self.license}.",
            *[f"  {lic.get('name', '?')}: {lic.get('title', '')}" for lic in self.licenses if lic.get("title")],
            f"Cite as: {self.citation}",
        ]


def about(pkg: Package) -> About:
    """What the package says about itself; its citation as ``cite`` gives it (``CITATION.cff``, else the descriptor)."""
    from .citation import apa, bibtex, metadata

    d = pkg.descriptor
    cff = metadata(pkg.root)  # a copy without CITATION.cff: its own descriptor, never the bundled package
    licenses = [lic for lic in d.get("licenses", []) if isinstance(lic, dict)]
    files = [
        (name, r.path, r.descriptor.get("bytes"), str(r.descriptor.get("hash", "")).removeprefix("sha256:"))
        for name, r in pkg.resources.items()
    ]
    return About(
        name=str(d.get("name") or STEM),
        title=str(d.get("title") or d.get("name") or STEM),
        description=_one_line(str(d.get("description", ""))),
        version=pkg.version,
        licenses=licenses,
        citation=apa(cff),
        bibtex=bibtex(cff),
        descriptor=d,
        files=files,
    )


# The field-type mapping ------------------------------------------------------------------
# Types come from the one field mapping, tableschema.Field (to_arrow, to_sql, to_stata,
# categories, categories_ordered); categorical values come coded from the one typing step
# (the loader's categoricals). Nothing here keeps a table of types or re-codes a column.


@dataclass(frozen=True)
class Coded:
    """A categorical column as the loader typed it: each row's position in ``values`` (-1: missing).

    ``values`` are the categories typed as the field's values (integers for an integer
    field), in the schema's order.
    """

    codes: np.ndarray
    values: list[Any]


def coded(col: pd.Series, f: Field, where: str = "") -> Coded | None:
    """The loader's coding of a field with categories (None for a field without); never re-coded from text."""
    import pandas as pd

    if f.categories is None:
        return None
    if not isinstance(col.dtype, pd.CategoricalDtype):
        raise ExportError(
            f"{where or f.name}: a field with categories, but not a categorical column "
            "(exports take the tables as the loader types them)"
        )
    return Coded(col.cat.codes.to_numpy(), col.cat.categories.tolist())


def _text(value: object) -> str:
    """A typed value as a person reads it (a date as ``YYYY-MM-DD``)."""
    sql = _sql_value(value)
    return sql if isinstance(sql, str) else str(value)


# Entry point -----------------------------------------------------------------------------


def export(fmt: str, out: str | os.PathLike[str], *, root: str | os.PathLike[str] | None = None) -> list[Path]:
    """Validate the package, then write every table in ``fmt`` under folder ``out``; return the files written.

    All or nothing: on any refusal or failure no file in ``out`` is created or changed.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    require("export", f"export --format {fmt}")  # the validator's modules too: export validates first
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder}: exists and is not a folder")
    pkg = Package.installed_or(root)
    _refuse_invalid(pkg, fmt)
    names = list(pkg.resources)
    for name in names:
        if not _NAME.fullmatch(name):
            raise ExportError(f"resource name {name!r} is not a Data Package name (a-z, 0-9, '.', '_', '-'); refusing")
    frames = _frames(pkg)
    meta = about(pkg)
    writer: Callable[[dict[str, pd.DataFrame], dict[str, TableSchema], Package, About, Path], list[str]] = {
        "parquet": _parquet,
        "sqlite": _sqlite,
        "stata": _stata,
        "xlsx": _xlsx,
    }[fmt]
    with tempfile.TemporaryDirectory(prefix=f"{STEM}-export-") as tmp:
        stage = Path(tmp)
        written = writer(frames, pkg.schemas, pkg, meta, stage)
        # one step, all or nothing: no symlink written through, no name leaving ``out``, no temp file left
        publish(folder, {rel: (stage / rel).read_bytes() for rel in written})
    return [folder / rel for rel in written]


def _refuse_invalid(pkg: Package, fmt: str) -> None:
    """Run the checks that need no archive; refuse to export an invalid package."""
    from .validate import LAYERS, validate

    report = validate(pkg.root, with_provenance=False)
    if not report.ok:
        n = len(report.problems)
        # the most basic problem first: a file that does not match the descriptor before its rows
        first = min(
            report.problems, key=lambda p: (LAYERS.index(p.layer) if p.layer in LAYERS else len(LAYERS), str(p))
        )
        raise ExportError(
            f"export --format {fmt} refused: the package is invalid ({n} problem{'s' if n > 1 else ''}; "
            f"first: {first}); run `cartel-directive validate` for all of them"
        )


def _frames(pkg: Package) -> dict[str, pd.DataFrame]:
    """Every table through the loader, the package's one reading and typing step."""
    from .loader import load_all

    return load_all(root=pkg.root)


def _record(pkg: Package, table: str, i: int, column: str) -> str:
    """``data/<table>.csv:<row>:<column>``: rows counted as a spreadsheet counts them (header = row 1)."""
    return f"{pkg.resources[table].path}:{i + 2}:{column}"


# Parquet ------------------------------------------------------------------------------


def _resource_with_schema(pkg: Package, name: str) -> dict[str, Any]:
    res = dict(pkg.resources[name].descriptor)
    res["schema"] = pkg.schemas[name].descriptor
    return res


def arrow_table(df: pd.DataFrame, schema: TableSchema) -> Any:
    """The table as Arrow, typed by ``Field.to_arrow``, each field with its title, description and unit."""
    import pyarrow as pa

    arrays, fields = [], []
    for f in schema.fields:
        col = df[f.name]
        typ = f.to_arrow()
        c = coded(col, f, f"{schema.name}::{f.name}")
        if c is not None:
            dictionary = pa.array(c.values).cast(typ.value_type)
            indices = pa.array(c.codes, type=pa.int32(), mask=c.codes < 0)
            arr = pa.DictionaryArray.from_arrays(indices, dictionary, ordered=typ.ordered)
        elif f.type == "date":
            arr = pa.array(col, from_pandas=True).cast(typ)
        else:
            arr = pa.array(col, type=typ, from_pandas=True)
        meta = {"title": f.title, "description": f.description}
        if f.unit:
            meta["unit"] = f.unit
        arrays.append(arr)
        fields.append(pa.field(f.name, arr.type, nullable=not f.required, metadata=meta))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _parquet(
    frames: dict[str, pd.DataFrame], schemas: dict[str, TableSchema], pkg: Package, meta: About, stage: Path
) -> list[str]:
    import pyarrow.parquet as pq

    written = []
    for name, df in frames.items():
        table = arrow_table(df, schemas[name])
        kv = {
            "table": name,
            "description": schemas[name].description,
            "version": meta.version,
            "license": meta.license,
            "citation": meta.citation,
            "datapackage": json.dumps(meta.descriptor, ensure_ascii=False),
            "resource": json.dumps(_resource_with_schema(pkg, name), ensure_ascii=False),
        }
        table = table.replace_schema_metadata({k.encode(): v.encode() for k, v in kv.items()})
        pq.write_table(table, stage / f"{name}.parquet")
        written.append(f"{name}.parquet")
    return written


# SQLite -------------------------------------------------------------------------------


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_literal(value: object) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


def _one_line(text: str) -> str:
    """``text`` on one line, its runs of whitespace (newlines too) as single spaces."""
    return " ".join(text.split())


def _column_sql(f: Field, c: Coded | None) -> str:
    parts = [_q(f.name), f.to_sql()]
    if f.required:
        parts.append("NOT NULL")
    if f.type == "boolean":
        parts.append(f"CHECK ({_q(f.name)} IN (0, 1))")
    if c is not None:  # the typed categories, stored as the column stores its values
        parts.append(f"CHECK ({_q(f.name)} IN ({', '.join(_sql_literal(_sql_value(v)) for v in c.values)}))")
    head = f"  -- {_one_line(f.title)}"
    if f.description:
        head += f": {_one_line(f.description)}"
    return f"{head}\n  " + " ".join(parts)


def create_table_sql(schema: TableSchema, df: pd.DataFrame) -> str:
    """``CREATE TABLE`` for one table as the loader typed it: columns (title and description as comments),
    NOT NULL, CHECKs (a category CHECK lists the typed categories), keys.

    >>> import pandas as pd
    >>> from cartel_directive.tableschema import TableSchema
    >>> s = TableSchema("t", {"fields": [{"name": "t_id", "title": "Id", "constraints": {"required": True}},
    ...                                  {"name": "n", "type": "integer", "categories": [2, 1]}],
    ...                       "primaryKey": ["t_id"]})
    >>> df = pd.DataFrame({"t_id": ["a"], "n": pd.Categorical([1], categories=[2, 1])})
    >>> print(create_table_sql(s, df))
    CREATE TABLE "t" (
      -- Id
      "t_id" TEXT NOT NULL,
      -- n
      "n" INTEGER CHECK ("n" IN (2, 1)),
      PRIMARY KEY ("t_id")
    )
    """
    items = [_column_sql(f, coded(df[f.name], f, f"{schema.name}::{f.name}")) for f in schema.fields]
    if schema.primary_key:
        items.append(f"  PRIMARY KEY ({', '.join(map(_q, schema.primary_key))})")
    for fk in schema.foreign_keys:
        items.append(
            f"  FOREIGN KEY ({', '.join(map(_q, fk.fields))}) "
            f"REFERENCES {_q(fk.resource)} ({', '.join(map(_q, fk.reference_fields))})"
        )
    return f"CREATE TABLE {_q(schema.name)} (\n" + ",\n".join(items) + "\n)"


def create_index_sql(schema: TableSchema) -> list[str]:
    """One index per foreign key (its columns, in order), so joins and datasette's links are fast."""
    out = []
    for fk in schema.foreign_keys:
        index = f"idx_{schema.name}_{'_'.join(fk.fields)}"
        out.append(f"CREATE INDEX {_q(index)} ON {_q(schema.name)} ({', '.join(map(_q, fk.fields))})")
    return out


def _missing(value: object) -> bool:
    """Whether a cell of a typed frame (as ``astype(object)`` gives it) is a missing value."""
    import pandas as pd

    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def _sql_value(value: object) -> object:
    import pandas as pd

    if _missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, bool):
        return int(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


_METADATA_SQL = """
CREATE TABLE package_metadata (
  -- What this database is: one row per property of the data package
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
);
CREATE TABLE package_files (
  -- The data files the tables were read from, as datapackage.json records them
  resource TEXT PRIMARY KEY NOT NULL,
  path TEXT NOT NULL,
  bytes INTEGER,
  sha256 TEXT NOT NULL
);
CREATE TABLE package_fields (
  -- Every column of every table: its type, title and description (the codebook)
  table_name TEXT NOT NULL,
  column_name TEXT NOT NULL,
  type TEXT NOT NULL,
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  unit TEXT,
  categories TEXT,
  PRIMARY KEY (table_name, column_name)
);
"""


def _sqlite(
    frames: dict[str, pd.DataFrame], schemas: dict[str, TableSchema], pkg: Package, meta: About, stage: Path
) -> list[str]:
    for name in frames:
        if name in SQLITE_EXTRA_TABLES:
            raise ExportError(f"resource {name!r}: the SQLite export uses that table name for its own metadata")
    con = sqlite3.connect(stage / SQLITE_FILE)
    try:
        with con:
            for name, df in frames.items():
                con.execute(create_table_sql(schemas[name], df))
                for sql in create_index_sql(schemas[name]):
                    con.execute(sql)
                cols = list(df.columns)
                rows = [tuple(_sql_value(v) for v in row) for row in df.astype(object).itertuples(index=False)]
                marks = ", ".join("?" * len(cols))
                con.executemany(f"INSERT INTO {_q(name)} ({', '.join(map(_q, cols))}) VALUES ({marks})", rows)
            con.executescript(_METADATA_SQL)
            props = {
                "name": meta.name,
                "title": meta.title,
                "description": meta.description,
                "version": meta.version,
                "license": meta.license,
                "licenses": json.dumps(meta.licenses, ensure_ascii=False),
                "citation": meta.citation,
                "bibtex": meta.bibtex,
                "sources": json.dumps(meta.descriptor.get("sources", []), ensure_ascii=False),
                "datapackage": json.dumps(meta.descriptor, ensure_ascii=False),
            }
            con.executemany("INSERT INTO package_metadata VALUES (?, ?)", list(props.items()))
            con.executemany("INSERT INTO package_files VALUES (?, ?, ?, ?)", meta.files)
            con.executemany(
                "INSERT INTO package_fields VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (name, f.name, f.type, f.title, f.description, f.unit, categories_text(f))
                    for name in frames
                    for f in schemas[name].fields
                ],
            )
        dangling = con.execute("PRAGMA foreign_key_check").fetchall()
        if dangling:
            table, rowid, parent, _ = dangling[0]
            raise ExportError(
                f"export --format sqlite: {len(dangling)} dangling foreign key(s), first in {table} "
                f"(rowid {rowid}) -> {parent}; run `cartel-directive validate`"
            )
    finally:
        con.close()
    (stage / DATASETTE_FILE).write_text(
        json.dumps(datasette_metadata(schemas, meta, list(frames)), indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return [SQLITE_FILE, DATASETTE_FILE]


def categories_text(f: Field) -> str | None:
    """The field's categories and their meanings in one line (codebooks, column descriptions, notes).

    >>> from cartel_directive.tableschema import TableSchema
    >>> s = TableSchema("t", {"fields": [{"name": "k", "categories": [{"value": "a", "label": "first"}, "b"]}]})
    >>> categories_text(s.fields[0])
    'Values: `a`: first; `b`.'
    """
    cats = f.categories
    if cats is None:
        return None
    items = [f"`{c.value}`: {c.label}" if c.label else f"`{c.value}`" for c in cats]
    return ("Ordered values, lowest first: " if f.categories_ordered else "Values: ") + "; ".join(items) + "."


#: For datasette's links: the column that names a row, where the table has one.
_LABEL_COLUMNS = ("name", "title", "summary", "indicator")


def datasette_metadata(schemas: dict[str, TableSchema], meta: About, names: list[str]) -> dict[str, Any]:
    """datasette's ``metadata.json``: title, licence, source, table and column descriptions."""
    lic = meta.data_license
    tables: dict[str, Any] = {}
    for name in names:
        schema = schemas[name]
        entry: dict[str, Any] = {
            "description": _one_line(schema.description),
            "columns": {f.name: _column_description(schema, f) for f in schema.fields},
        }
        if len(schema.primary_key) == 1:
            label = next((c for c in _LABEL_COLUMNS if c in schema.field_names), None)
            if label:
                entry["label_column"] = label
        tables[name] = entry
    tables["package_metadata"] = {"description": "What this database is: package, version, licence, citation."}
    tables["package_files"] = {"description": "The data files the tables were read from, with their SHA-256."}
    tables["package_fields"] = {"description": "The codebook: every column's type, title and description."}
    attribution: dict[str, Any] = {
        "license": str(lic.get("name", "")),
        "source": f"{meta.name} {meta.version} (Frictionless Data Package); cite as: {meta.citation}",
    }
    if str(lic.get("path", "")).startswith(("https://", "http://")):
        attribution["license_url"] = lic["path"]
    for entry in tables.values():  # datasette's row pages read only their table's entry
        entry.update(attribution)
    return {
        "title": meta.title,
        "description": meta.description,
        **attribution,
        "databases": {
            STEM: {"description": f"Version {meta.version}. {meta.license}.", **attribution, "tables": tables}
        },
    }


def _column_description(schema: TableSchema, f: Field) -> str:
    text = f"{f.title}: {_one_line(f.description)}" if f.description else f.title
    if f.unit:
        text += f" (unit: {f.unit})"
    values = categories_text(f)
    return f"{text} {values}" if values else text


# Stata --------------------------------------------------------------------------------

#: Stata variable names: a letter or underscore, then letters, digits or underscores.
_STATA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")

MISSING_STRINGS_NOTE = (
    'Missing values: Stata has no missing value for strings, so an empty string ("") in a string '
    "variable means the value is missing (an empty cell in the CSV; the package never stores an empty "
    "string as a value). Numeric and date variables use Stata's system missing (.)."
)


@dataclass
class StataFrame:
    """What ``DataFrame.to_stata`` needs for one table, and the notes to attach."""

    frame: pd.DataFrame
    dates: dict[str, str] = field(default_factory=dict)
    strl: list[str] = field(default_factory=list)
    value_labels: dict[str, dict[int, str]] = field(default_factory=dict)
    variable_labels: dict[str, str] = field(default_factory=dict)
    data_label: str = ""
    notes: list[str] = field(default_factory=list)
    variable_notes: dict[str, list[str]] = field(default_factory=dict)


def _fits(text: str) -> bool:
    return len(text.encode("utf-8")) <= STATA_LABEL_MAX


#: Words Stata reserves (as pandas' writer lists them): a variable may not be named so.
STATA_RESERVED = frozenset(
    [
        "aggregate",
        "array",
        "boolean",
        "break",
        "byte",
        "case",
        "catch",
        "class",
        "colvector",
        "complex",
        "const",
        "continue",
        "default",
        "delegate",
        "delete",
        "do",
        "double",
        "else",
        "eltypedef",
        "end",
        "enum",
        "explicit",
        "export",
        "external",
        "float",
        "for",
        "friend",
        "function",
        "global",
        "goto",
        "if",
        "inline",
        "int",
        "local",
        "long",
        "NULL",
        "pragma",
        "protected",
        "quad",
        "rowvector",
        "short",
        "typedef",
        "typename",
        "virtual",
        "_all",
        "_N",
        "_skip",
        "_b",
        "_pi",
        "str#",
        "in",
        "_pred",
        "strL",
        "_coef",
        "_rc",
        "using",
        "_cons",
        "_se",
        "with",
        "_n",
    ]
)


def stata_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a Stata variable name unchanged, or None.

    >>> stata_name_problem("event_id") is None, stata_name_problem("in"), stata_name_problem("1st")[:21]
    (True, 'a word Stata reserves', 'not a Stata variable ')
    """
    if not _STATA_NAME.fullmatch(name):
        return f"not a Stata variable name (at most {STATA_NAME_MAX} ASCII letters, digits or _, not starting with a digit)"
    if name in STATA_RESERVED:
        return "a word Stata reserves"
    return None


def stata_frame(df: pd.DataFrame, schema: TableSchema, meta: About, title: str = "", path: str = "") -> StataFrame:
    """The frame as ``to_stata`` takes it, with its dates, strL columns, labels and notes.

    Refuses (never renames) a column whose name Stata would change. Strings keep ``""``
    for missing (documented in the notes), booleans become 0/1 with missing, categories
    become codes 1..n with value labels in the schema's order.
    """
    import pandas as pd

    where = path or schema.name
    out = {}
    result = StataFrame(pd.DataFrame())
    for f in schema.fields:
        problem = stata_name_problem(f.name)
        if problem:
            raise ExportError(f"{where}::{f.name}: {problem}; Stata would rename it, so the export is refused")
        col = df[f.name]
        c = coded(col, f, f"{where}::{f.name}")
        kind = f.to_stata()  # the one field mapping: label / date / byte / int / float / str
        if c is not None:  # kind "label": the loader's codes, shifted to 1..n
            codes_s = pd.Series(c.codes.astype("int64") + 1)
            out[f.name] = (
                codes_s.astype("float64").where(codes_s > 0)
                if (codes_s == 0).any()
                else codes_s.astype("int16" if len(c.values) < 32_000 else "int32")
            )
            result.value_labels[f.name] = {i + 1: _text(v) for i, v in enumerate(c.values)}
        elif kind == "date":
            out[f.name] = col
            result.dates[f.name] = "td"
        elif kind in ("byte", "int") and not col.isna().any():
            out[f.name] = col.astype("int8" if kind == "byte" else "int64")
        elif kind in ("byte", "int", "float"):  # with a missing value: a double, missing as Stata's "."
            out[f.name] = col.astype("float64")
        else:
            values = col.astype(object).where(col.notna(), "")
            out[f.name] = values
            if any(len(str(v).encode("utf-8")) > STATA_STR_MAX for v in values):
                result.strl.append(f.name)
        label = _one_line(f.title)
        result.variable_labels[f.name] = label if _fits(label) else f.name
        notes = [f"{label}: {_one_line(f.description)}" if f.description else label]
        if f.unit:
            notes.append(f"Unit: {f.unit}.")
        if c is not None:
            notes.append(
                "Stored as codes 1..n with value labels: "
                + ", ".join(f"{i + 1} = {_text(v)}" for i, v in enumerate(c.values))
                + (" (ordered)." if f.categories_ordered else " (unordered: the codes carry no order).")
            )
            notes.append(str(categories_text(f)))
        if f.type == "string" and not f.required:
            notes.append('Missing is stored as "" (Stata has no missing string).')
        result.variable_notes[f.name] = notes
    result.frame = pd.DataFrame(out, index=pd.RangeIndex(len(df)))
    candidates = [title, f"{meta.name} {meta.version}: {schema.name}", schema.name]
    result.data_label = next(c for c in candidates if c and _fits(c))
    result.notes = [
        f"Table {schema.name}{f' ({title})' if title else ''}: {_one_line(schema.description)}",
        *meta.lines(),
        MISSING_STRINGS_NOTE,
        *[f"Variable {v}: {' '.join(n)}" for v, n in result.variable_notes.items()],
    ]
    return result


def _write_dta(s: StataFrame, file: Path) -> None:
    """``to_stata`` (format 118), plus notes: pandas writes no characteristics, so they are added here."""
    import warnings

    from pandas.io.stata import InvalidColumnName, StataWriterUTF8  # type: ignore[attr-defined]  # not in pandas-stubs

    class _NotedWriter(StataWriterUTF8):
        def _write_characteristics(self) -> None:
            self._update_map("characteristics")
            chars = [("_dta", s.notes)] + [(v, n) for v, n in s.variable_notes.items()]
            body = b""
            for var, notes in chars:
                if not notes:
                    continue
                entries = [("note0", str(len(notes)))] + [(f"note{i + 1}", n) for i, n in enumerate(notes)]
                for charname, text in entries:
                    contents = text.encode("utf-8") + b"\0"
                    payload = var.encode().ljust(129, b"\0") + charname.encode().ljust(129, b"\0") + contents
                    body += b"<ch>" + struct.pack(self._byteorder + "I", len(payload)) + payload + b"</ch>"
            self._write_bytes(self._tag(body, "characteristics"))

    with warnings.catch_warnings():
        warnings.simplefilter("error", InvalidColumnName)  # a silent rename is a failure, never a warning
        writer = _NotedWriter(
            file,
            s.frame,
            convert_dates=s.dates,
            write_index=False,
            data_label=s.data_label,
            variable_labels=s.variable_labels,
            convert_strl=s.strl,
            version=118,
            value_labels=s.value_labels,
        )
        writer.write_file()


def _stata(
    frames: dict[str, pd.DataFrame], schemas: dict[str, TableSchema], pkg: Package, meta: About, stage: Path
) -> list[str]:
    written = []
    for name, df in frames.items():
        title = _one_line(str(pkg.resources[name].descriptor.get("title", "")))
        s = stata_frame(df, schemas[name], meta, title, pkg.resources[name].path)
        _write_dta(s, stage / f"{name}.dta")
        written.append(f"{name}.dta")
    return written


# Excel --------------------------------------------------------------------------------

#: What Excel reads as the start of a formula, and its error literals: such text must be stored as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!"}
)


def needs_quote_prefix(text: str) -> bool:
    """Would Excel, or a user re-entering the cell, take this text for a formula or an error value?

    >>> [needs_quote_prefix(t) for t in ("=1+1", " =1", "#N/A", "-5", "plain", "a=b")]
    [True, True, True, True, False, False]
    """
    stripped = text.lstrip(" \t\r\n")
    return text.startswith(_FORMULA_START) or stripped.startswith(_FORMULA_START) or text.strip() in _EXCEL_ERRORS


def _put(ws: Any, row: int, col: int, value: object, where: Callable[[], str]) -> None:
    """Write one cell: text always as text (quote prefix where Excel would read a formula), never truncated."""
    import datetime as dt

    import pandas as pd
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if _missing(value):
        return
    cell = ws.cell(row=row, column=col)
    if isinstance(value, pd.Timestamp):
        cell.value = value.date()
        cell.number_format = "yyyy-mm-dd"
        return
    if isinstance(value, dt.date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
        return
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool | int | float):
        cell.value = value
        return
    text = str(value)
    units = len(text.encode("utf-16-le")) // 2
    if units > XLSX_CELL_MAX:
        raise ExportError(
            f"{where()}: {units} characters, over Excel's {XLSX_CELL_MAX:,}-character cell limit; "
            "refusing to truncate (export as sqlite or parquet instead)"
        )
    if ILLEGAL_CHARACTERS_RE.search(text):
        raise ExportError(f"{where()}: a control character that an xlsx file cannot hold")
    if "\r" in text:
        raise ExportError(f"{where()}: a carriage return, which Excel would read back as a line feed")
    cell.value = text
    cell.data_type = "s"  # never 'f' (formula) or 'e' (error), whatever the text looks like
    if needs_quote_prefix(text):
        cell.quotePrefix = True


def _where_in_table(pkg: Any, name: str, header: list[str], i: int, j: int) -> str:
    """Where cell (i, j) of a table's sheet comes from (i = -1: the header)."""
    return _record(pkg, name, i, header[j]) if i >= 0 else f"{name}:header"


def _sheet(ws: Any, header: list[str], rows: list[list[object]], where: Callable[[int, int], str]) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    for j, name in enumerate(header, start=1):
        _put(ws, 1, j, name, partial(where, -1, j - 1))
        ws.cell(row=1, column=j).font = bold
    for i, values in enumerate(rows):
        for j, v in enumerate(values, start=1):
            _put(ws, i + 2, j, v, partial(where, i, j - 1))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(max(len(header), 1))}{len(rows) + 1}"


def _xlsx(
    frames: dict[str, pd.DataFrame], schemas: dict[str, TableSchema], pkg: Package, meta: About, stage: Path
) -> list[str]:
    import openpyxl
    from openpyxl.styles import Alignment, Font

    for name in frames:
        if len(name) > XLSX_SHEET_MAX:
            raise ExportError(f"resource {name!r}: longer than Excel's {XLSX_SHEET_MAX}-character sheet names")
        if name in XLSX_EXTRA_SHEETS:
            raise ExportError(f"resource {name!r}: the xlsx export uses that sheet name for its own metadata")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "about"
    intro: list[tuple[str, str]] = [
        ("What this is", f"{meta.title}: every table of the data package as a sheet, and a 'fields' codebook."),
        ("Description", meta.description),
        ("Version", meta.version),
        *[
            (f"Licence ({lic.get('name', '?')})", f"{lic.get('title', '')} {lic.get('path', '')}".strip())
            for lic in meta.licenses
        ],
        ("Cite as", meta.citation),
        ("BibTeX", meta.bibtex),
        ("Missing values", "An empty cell is a missing value; dates are Excel dates (yyyy-mm-dd)."),
        ("Sheets", ", ".join([*frames, "fields"])),
        *[(f"Sheet {n}", _one_line(schemas[n].description)) for n in frames],
    ]
    for i, (k, v) in enumerate(intro, start=1):
        _put(ws, i, 1, k, partial(str.format, "{}:about:{}", XLSX_FILE, i))
        _put(ws, i, 2, v, partial(str.format, "{}:about:{}", XLSX_FILE, i))
        ws.cell(row=i, column=1).font = Font(bold=True)
        ws.cell(row=i, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 110
    for name, df in frames.items():
        header = list(df.columns)
        rows = [list(r) for r in df.astype(object).itertuples(index=False)]
        _sheet(
            wb.create_sheet(name),
            header,
            rows,
            partial(_where_in_table, pkg, name, header),
        )
    codebook: list[list[object]] = [
        [name, f.name, f.type_wording(), f.title, f.description, f.unit, categories_text(f), f.required]
        for name in frames
        for f in schemas[name].fields
    ]
    cb_header = ["table", "field", "type", "title", "description", "unit", "categories", "required"]
    _sheet(wb.create_sheet("fields"), cb_header, codebook, lambda i, j: f"{XLSX_FILE}:fields:{i + 2}:{cb_header[j]}")
    wb.properties.title = meta.title
    wb.properties.description = f"Version {meta.version}. Licence: {meta.license}. Cite as: {meta.citation}"
    wb.properties.version = meta.version
    wb.save(stage / XLSX_FILE)
    return [XLSX_FILE]
