"""The package descriptor (``datapackage.json``) and its resources, validated as data.

:meth:`Package.open` reads the descriptor and every Table Schema through the package
boundary (:mod:`cartel_directive.boundary`) and checks their shape before anything else
looks at them: objects where objects belong, resource names following the Data Package
rules and unique, paths inside the package, no compression, CSV only, named fields of
known types, keys and foreign keys naming fields and resources that exist. Every failure
is a located :class:`~cartel_directive.problems.Problem` with a stable code, raised
together as a :class:`DescriptorError`; code further on can index the parsed JSON
without guarding against a list where a dict belongs.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from . import boundary
from .errors import BoundaryError
from .problems import Problem
from .resources import DESCRIPTOR, bundled_root, resolve_root
from .tableschema import TableSchema

#: The tables in dependency order (a table only refers to tables before it, or to itself).
TABLES = (
    "sources",
    "actors",
    "events",
    "event_actors",
    "statements",
    "statistics",
    "discrepancies",
    "changes",
)

#: The Data Package rule for resource names (v2: "lower case alphanumeric characters with ., - or _").
NAME = re.compile(r"^[a-z0-9._-]+$")
#: Every type the Table Schema standard defines (anything else is a typo or an invention).
TABLE_SCHEMA_TYPES = frozenset(
    {
        "string",
        "number",
        "integer",
        "boolean",
        "object",
        "array",
        "list",
        "date",
        "time",
        "datetime",
        "year",
        "yearmonth",
        "duration",
        "geopoint",
        "geojson",
        "any",
    }
)
_CANONICAL_DIALECT: dict[str, object] = {"delimiter": ",", "lineTerminator": "\n", "quoteChar": '"', "header": True}
LAYER = "standard"
#: Bounds that keep a hostile descriptor's cost small (this package has 8 tables of at most 30 fields).
MAX_RESOURCES = 1000
MAX_FIELDS = 4096


class DescriptorError(BoundaryError, ValueError):
    """``datapackage.json`` or a Table Schema is unreadable, malformed, or points outside the package."""


@dataclass(frozen=True)
class Resource:
    name: str
    path: str
    schema_path: str
    descriptor: dict[str, Any]


@dataclass(frozen=True)
class Package:
    """A data package on disk: its folder, its parsed descriptor and its Table Schemas, all checked."""

    root: Path
    descriptor: dict[str, Any]
    schemas: dict[str, TableSchema] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def installed_or(cls, root: str | os.PathLike[str] | None) -> Package:
        """The package at ``root``, or the installed copy when ``root`` is None (the Python API's default)."""
        return cls.open(bundled_root() if root is None else Path(root))

    @classmethod
    def open(cls, path: str | Path | None = None) -> Package:
        """Read and check the package at ``path`` (see :func:`resources.resolve_root`).

        Raises :class:`resources.PackageNotFoundError` when there is no package there and
        :class:`DescriptorError` listing every problem of the descriptor and its schemas.
        """
        root = resolve_root(path)
        try:
            descriptor = boundary.read_json(root, DESCRIPTOR, file=DESCRIPTOR, column=None)
        except BoundaryError as exc:
            raise DescriptorError(exc.problems) from None
        problems = check_descriptor(descriptor)
        if problems:
            raise DescriptorError(problems)
        schemas: dict[str, TableSchema] = {}
        for r in descriptor["resources"]:
            where = f"resources[{r['name']}]"
            try:
                boundary.inside(root, r["path"], file=DESCRIPTOR, column=f"{where}.path", missing_ok=True)
                doc = boundary.read_json(root, r["schema"], file=DESCRIPTOR, column=f"{where}.schema")
            except BoundaryError as exc:
                problems += exc.problems
                continue
            found = check_schema(doc, r["schema"])
            problems += found
            if not found:
                schemas[r["name"]] = TableSchema(name=r["name"], descriptor=doc)
        if not problems:
            problems += check_keys(schemas, {r["name"]: r["schema"] for r in descriptor["resources"]})
        if problems:
            raise DescriptorError(problems)
        return cls(root=root, descriptor=descriptor, schemas=schemas)

    @cached_property
    def resources(self) -> dict[str, Resource]:
        return {r["name"]: Resource(r["name"], r["path"], r["schema"], r) for r in self.descriptor["resources"]}

    def file(self, table: str) -> Path:
        """The real path of the table's data file, inside the package (it may not exist)."""
        return boundary.inside(
            self.root, self.resources[table].path, file=DESCRIPTOR, column=f"resources[{table}].path", missing_ok=True
        )

    def read(self, table: str) -> bytes:
        """The bytes of the table's data file, read through the boundary (:class:`BoundaryError` otherwise)."""
        return boundary.read_file(
            self.root, self.resources[table].path, file=DESCRIPTOR, column=f"resources[{table}].path"
        )

    @property
    def version(self) -> str:
        return str(self.descriptor.get("version", ""))


def file_digest(path: Path) -> tuple[int, str]:
    """Size in bytes and ``sha256:<hex>`` of a file, as the descriptor records them (regular files only)."""
    return boundary.digest(path)


def bytes_digest(data: bytes) -> tuple[int, str]:
    """Size and ``sha256:<hex>`` of bytes already read (hash what is parsed: one read, no race)."""
    import hashlib

    return len(data), f"sha256:{hashlib.sha256(data).hexdigest()}"


# --------------------------------------------------------------------------- checks of the JSON as data


class _Problems(list):
    def __init__(self, file: str) -> None:
        super().__init__()
        self.file = file

    def add(self, column: str | None, code: str, message: str) -> None:
        self.append(Problem(self.file, None, column, message, LAYER, code))


def _kind(value: object) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _names(value: object) -> list[str] | None:
    """A field-name list as Table Schema writes it (one string or a list of strings), or None if malformed."""
    if isinstance(value, str):
        return [value]
    if _strings(value) and value:
        return [str(v) for v in value]  # type: ignore[attr-defined]  # _strings proved a list of str
    return None


def check_descriptor(d: object) -> list[Problem]:
    """The descriptor's shape: top-level keys of the right kind and every resource well formed."""
    out = _Problems(DESCRIPTOR)
    if not isinstance(d, dict):
        out.add(None, "descriptor-not-object", f"must be a JSON object, not {_kind(d)}")
        return out
    for key in ("name", "id", "title", "description", "version", "$schema"):
        if key in d and not isinstance(d[key], str):
            out.add(key, "descriptor-field-type", f"must be a string, not {_kind(d[key])}")
    if "keywords" in d and not _strings(d["keywords"]):
        out.add("keywords", "descriptor-field-type", "must be a list of strings")
    for key in ("licenses", "contributors", "sources"):
        if key not in d:
            continue
        if not isinstance(d[key], list):
            out.add(key, "descriptor-field-type", f"must be a list of objects, not {_kind(d[key])}")
            continue
        for i, item in enumerate(d[key]):
            if not isinstance(item, dict):
                out.add(f"{key}[{i}]", "descriptor-field-type", f"must be an object, not {_kind(item)}")
            elif bad := [
                k for k in ("name", "path", "title", "email", "role") if k in item and not isinstance(item[k], str)
            ]:
                out.add(f"{key}[{i}].{bad[0]}", "descriptor-field-type", f"must be a string, not {_kind(item[bad[0]])}")
    resources = d.get("resources")
    if not isinstance(resources, list) or not resources:
        out.add("resources", "descriptor-resources", "must be a non-empty list of resources")
        return out
    if len(resources) > MAX_RESOURCES:
        out.add(
            "resources",
            "descriptor-resources",
            f"lists {len(resources)} resources; more than {MAX_RESOURCES} is refused",
        )
        return out
    seen: dict[str, int] = {}
    for i, r in enumerate(resources):
        if not isinstance(r, dict):
            out.add(f"resources[{i}]", "resource-not-object", f"must be an object, not {_kind(r)}")
            continue
        name = r.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            what = "has no name" if name is None else f"name {boundary.show(name)} breaks the Data Package rule"
            out.add(f"resources[{i}].name", "resource-name", f"{what}: lower-case letters, digits, '.', '-', '_' only")
            continue
        if name in seen:
            out.add(
                f"resources[{i}].name",
                "resource-name-duplicate",
                f"{name!r} is also the name of resources[{seen[name]}]",
            )
            continue
        seen[name] = i
        _check_resource(r, f"resources[{name}]", out)
    return out


def _check_resource(r: dict[str, Any], where: str, out: _Problems) -> None:
    path = r.get("path")
    if not isinstance(path, str):
        out.add(f"{where}.path", "resource-path", f"must be one relative path (a string), not {_kind(path)}")
    else:
        try:
            boundary.check_relative(path)
        except boundary.Refused as exc:
            out.add(f"{where}.path", exc.code, exc.message)
        else:
            low = path.lower()
            if low.endswith(boundary.COMPRESSED_SUFFIXES):
                out.add(
                    f"{where}.path",
                    "resource-compressed",
                    f"{boundary.show(path)} is compressed; only plain CSV is read",
                )
            elif not low.endswith(".csv"):
                out.add(f"{where}.path", "resource-not-csv", f"{boundary.show(path)} is not a .csv file")
    schema = r.get("schema")
    if not isinstance(schema, str):
        out.add(
            f"{where}.schema", "resource-schema", f"must be the relative path of a Table Schema, not {_kind(schema)}"
        )
    else:
        try:
            boundary.check_relative(schema)
        except boundary.Refused as exc:
            out.add(f"{where}.schema", exc.code, exc.message)
    if "compression" in r:
        out.add(f"{where}.compression", "resource-compressed", "compressed resources are refused; ship plain CSV")
    expected = {"format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "scheme": "file", "type": "table"}
    for key, want in expected.items():
        if key in r and (not isinstance(r[key], str) or r[key].lower() != want):
            out.add(
                f"{where}.{key}", "resource-not-csv", f"is {boundary.show(r[key])}; this package reads only {want!r}"
            )
    if "bytes" in r and (not isinstance(r["bytes"], int) or isinstance(r["bytes"], bool) or r["bytes"] < 0):
        out.add(f"{where}.bytes", "resource-bytes", f"must be a whole number of bytes, not {boundary.show(r['bytes'])}")
    if "hash" in r and not isinstance(r["hash"], str):
        out.add(f"{where}.hash", "resource-hash", f"must be a string, not {_kind(r['hash'])}")
    for key in ("title", "description"):
        if key in r and not isinstance(r[key], str):
            out.add(f"{where}.{key}", "descriptor-field-type", f"must be a string, not {_kind(r[key])}")
    if "dialect" in r:
        dialect = r["dialect"]
        if not isinstance(dialect, dict):
            out.add(f"{where}.dialect", "resource-dialect", f"must be an object, not {_kind(dialect)}")
        else:
            for key, canonical in _CANONICAL_DIALECT.items():
                if key in dialect and dialect[key] != canonical:
                    out.add(
                        f"{where}.dialect.{key}",
                        "resource-dialect",
                        f"is {boundary.show(dialect[key])}; this package's CSV dialect has {canonical!r}",
                    )


def _supported_types() -> frozenset[str]:
    from .tableschema import TYPES

    return TYPES


def check_schema(s: object, file: str) -> list[Problem]:
    """One Table Schema's shape: named fields of known types, constraints and key lists well formed."""
    out = _Problems(file)
    if not isinstance(s, dict):
        out.add(None, "schema-not-object", f"must be a JSON object, not {_kind(s)}")
        return out
    fields = s.get("fields")
    if not isinstance(fields, list) or not fields:
        out.add("fields", "schema-fields", "must be a non-empty list of fields")
        return out
    if len(fields) > MAX_FIELDS:
        out.add("fields", "schema-fields", f"lists {len(fields)} fields; more than {MAX_FIELDS} is refused")
        return out
    supported = _supported_types()
    seen: set[str] = set()
    for i, f in enumerate(fields):
        if not isinstance(f, dict):
            out.add(f"fields[{i}]", "field-not-object", f"must be an object, not {_kind(f)}")
            continue
        name = f.get("name")
        if not isinstance(name, str) or not name.strip():
            out.add(f"fields[{i}].name", "field-name", "every field needs a non-empty name")
            continue
        if not name.isprintable() or name != name.strip():
            msg = f"{boundary.show(name)} holds control, invisible or edge-space characters; a header cannot show it"
            out.add(f"fields[{i}].name", "field-name", msg)
            continue
        if name in seen:
            out.add(f"fields[{i}].name", "field-name-duplicate", f"{boundary.show(name)} names two fields")
            continue
        seen.add(name)
        where = f"fields[{boundary.label(name)}]"
        kind = f.get("type", "string")
        if not isinstance(kind, str) or kind not in TABLE_SCHEMA_TYPES:
            out.add(f"{where}.type", "field-type-unknown", f"{boundary.show(kind)} is not a Table Schema type")
        elif kind not in supported:
            out.add(
                f"{where}.type",
                "field-type-unsupported",
                f"{kind!r} is not read by this package (it reads {', '.join(sorted(supported))})",
            )
        for key in ("title", "description", "unit", "format"):
            if key in f and not isinstance(f[key], str):
                out.add(f"{where}.{key}", "field-property-type", f"must be a string, not {_kind(f[key])}")
        for key in ("trueValues", "falseValues", "missingValues"):
            if key in f and not _strings(f[key]):
                out.add(f"{where}.{key}", "field-property-type", "must be a list of strings")
        _check_constraints(f.get("constraints", {}), where, out)
    if "missingValues" in s and not _strings(s["missingValues"]):
        out.add("missingValues", "schema-property-type", "must be a list of strings")
    if "primaryKey" in s:
        pk = _names(s["primaryKey"])
        if pk is None:
            out.add("primaryKey", "schema-primary-key", "must be a field name or a list of field names")
        elif missing := [n for n in pk if n not in seen]:
            out.add("primaryKey", "schema-primary-key", f"names no field {boundary.show(missing[0])}")
    fks = s.get("foreignKeys", [])
    if not isinstance(fks, list):
        out.add("foreignKeys", "foreign-key-invalid", f"must be a list, not {_kind(fks)}")
        return out
    for i, fk in enumerate(fks):
        where = f"foreignKeys[{i}]"
        ref = fk.get("reference") if isinstance(fk, dict) else None
        if not isinstance(fk, dict) or not isinstance(ref, dict):
            out.add(where, "foreign-key-invalid", "must be an object with fields and a reference object")
            continue
        fields_, rfields = _names(fk.get("fields")), _names(ref.get("fields"))
        if fields_ is None or rfields is None or len(fields_) != len(rfields):
            out.add(where, "foreign-key-invalid", "fields and reference.fields must name as many fields each")
        elif missing := [n for n in fields_ if n not in seen]:
            out.add(f"{where}.fields", "foreign-key-field", f"names no field {boundary.show(missing[0])} of this table")
        if "resource" in ref and not isinstance(ref["resource"], str):
            out.add(f"{where}.reference.resource", "foreign-key-invalid", "must be a resource name (a string)")
    return out


def _check_constraints(c: object, where: str, out: _Problems) -> None:
    if not isinstance(c, dict):
        out.add(f"{where}.constraints", "field-constraints", f"must be an object, not {_kind(c)}")
        return
    for key in ("required", "unique"):
        if key in c and not isinstance(c[key], bool):
            out.add(f"{where}.constraints.{key}", "field-constraints", "must be true or false")
    if "enum" in c and (
        not isinstance(c["enum"], list)
        or not c["enum"]
        or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in c["enum"])
    ):
        out.add(f"{where}.constraints.enum", "field-constraints", "must be a non-empty list of values")
    for key in ("minimum", "maximum", "minLength", "maxLength"):
        if key in c and (not isinstance(c[key], (int, float, str)) or isinstance(c[key], bool)):
            out.add(f"{where}.constraints.{key}", "field-constraints", f"must be a value, not {_kind(c[key])}")
    if "pattern" in c:
        try:
            if not isinstance(c["pattern"], str):
                raise TypeError
            re.compile(c["pattern"])
        except (re.error, TypeError, RecursionError, OverflowError):
            out.add(f"{where}.constraints.pattern", "field-constraints", "must be a valid regular expression")


def check_keys(schemas: dict[str, TableSchema], files: dict[str, str]) -> list[Problem]:
    """Every foreign key points at a resource that exists and at fields that resource has."""
    out: list[Problem] = []
    for name, schema in schemas.items():
        for i, fk in enumerate(schema.descriptor.get("foreignKeys", [])):
            ref = fk["reference"]
            target = ref.get("resource") or name
            column = f"foreignKeys[{i}].reference"
            if target not in schemas:
                msg = f"points at the resource {boundary.show(target)}, which the package does not have"
                out.append(Problem(files[name], None, f"{column}.resource", msg, LAYER, "foreign-key-resource"))
                continue
            have = set(schemas[target].field_names)
            if missing := [f for f in _names(ref["fields"]) or [] if f not in have]:
                msg = f"names no field {boundary.show(missing[0])} of {target!r}"
                out.append(Problem(files[name], None, f"{column}.fields", msg, LAYER, "foreign-key-field"))
    return out
