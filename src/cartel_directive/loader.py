"""Load the tables as typed pandas DataFrames.

Every function reads the installed package by default (``root=None``): the data
shipped in the wheel, or the repository for an editable install. Pass ``root`` (a
``datapackage.json`` or its folder) to read another copy. Before a data file is
read or its path returned, its size and SHA-256 are checked against
``datapackage.json``.

Each table is read by the one reader (:mod:`cartel_directive.reader`) and typed by the
one typing step (:func:`cartel_directive.typing_.convert_table`), the same path as the
validator's; dtypes come from :meth:`cartel_directive.tableschema.Field.to_pandas_dtype`:
``date`` -> ``datetime64[ns]``, ``integer`` -> ``Int64``, ``number`` -> ``Float64``,
``boolean`` -> ``boolean``, ``string`` -> ``string``; a field with ``categories`` (or an
``enum`` constraint) becomes a categorical of the declared values in the declared order,
ordered only where the schema says ``categoriesOrdered``. The primary key stays a
column; the index is a plain ``RangeIndex``. pandera is imported only for
``validate=True``.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import boundary
from .descriptor import TABLES, Package, bytes_digest, file_digest
from .errors import DataError, IntegrityError, UnknownTableError, ValidationError
from .resources import PackageNotFoundError, bundled_root

if TYPE_CHECKING:
    import frictionless
    import pandas as pd

    from .reader import CsvTable

Root = str | os.PathLike[str] | None

#: How many problems an error message lists before saying "and N more".
_SHOWN = 5


def _open(root: Root) -> Package:
    if root is not None and not isinstance(root, str | os.PathLike):
        raise TypeError(f"root must be a path (str or os.PathLike) or None, not {type(root).__name__}: {root!r}")
    return Package.installed_or(root)


def _check_args(*table: object, **flags: object) -> None:
    """Refuse arguments of the wrong type (``validate="yes"`` would otherwise read as true)."""
    if table and not isinstance(table[0], str):
        table = table[0]  # type: ignore[assignment]
        raise TypeError(f"table must be a str (a table name), not {type(table).__name__}: {table!r}")
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise TypeError(f"{name} must be True or False, not {type(value).__name__}: {value!r}")


def _names(pkg: Package) -> list[str]:
    """Table names in dependency order, then any extra resources."""
    return [t for t in TABLES if t in pkg.resources] + [t for t in pkg.resources if t not in TABLES]


def _check_name(pkg: Package, table: str) -> None:
    if table not in pkg.resources:
        raise UnknownTableError(f"unknown table {table!r}; the tables are: {', '.join(_names(pkg))}")


def _verified_file(pkg: Package, table: str, verify: bool = True) -> Path:
    """The table's CSV file, after checking its size and SHA-256 against the descriptor."""
    return _verified(pkg, table, read=False, verify=verify)[0]


def _verified_bytes(pkg: Package, table: str, verify: bool = True) -> tuple[Path, bytes]:
    """The table's CSV file and its bytes, read once, whose size and SHA-256 match the descriptor."""
    file, data = _verified(pkg, table, read=True, verify=verify)
    assert data is not None
    return file, data


def _verified(pkg: Package, table: str, *, read: bool, verify: bool = True) -> tuple[Path, bytes | None]:
    _check_name(pkg, table)
    res = pkg.resources[table]
    file = pkg.file(table)  # inside the package (symlinks resolved), or BoundaryError
    expected_hash, expected_bytes = res.descriptor.get("hash"), res.descriptor.get("bytes")
    if not file.is_file():
        fix = "reinstall cartel-directive" if _bundled(pkg) else f"restore it in the copy at {pkg.root}"
        raise IntegrityError(f"{file}: missing; the package is incomplete ({fix})")
    if not verify:  # an edited copy: the caller chose to skip the size and SHA-256 comparison
        return file, boundary.read_bytes(file) if read else None  # a regular file: never blocks on a pipe
    if not expected_hash:
        raise IntegrityError(f"{file}: datapackage.json records no hash for {table!r}, so it cannot be verified")
    data = None
    if read:  # hash the very bytes that are parsed
        data = boundary.read_bytes(file)  # a regular file: never blocks on a pipe
        size, digest = bytes_digest(data)
    else:
        size, digest = file_digest(file)
    if digest != expected_hash or (expected_bytes is not None and size != expected_bytes):
        raise IntegrityError(
            f"{file}: does not match datapackage.json ({size} bytes, {digest}; expected "
            f"{expected_bytes} bytes, {expected_hash}): the file was modified or truncated "
            "(reinstall cartel-directive; for an edited copy, load it with verify=False, or make it consistent "
            "with `cartel-directive build --package COPY --sources ARCHIVE` in a clone of the repository)"
        )
    return file, data


def _bundled(pkg: Package) -> bool:
    """Whether ``pkg`` is the package's own copy (installed or the checkout), not one a caller named."""
    try:
        return pkg.root.resolve() == bundled_root().resolve()
    except (OSError, PackageNotFoundError):
        return False


def _fail(cls: type[Exception], problems: list[Any]) -> None:
    if problems:
        shown = "; ".join(str(p) for p in problems[:_SHOWN])
        more = f" (and {len(problems) - _SHOWN} more)" if len(problems) > _SHOWN else ""
        raise cls(shown + more)


def _read(pkg: Package, table: str, data: bytes) -> CsvTable:
    """The table's cells as strings (the one reader), with its header checked against the schema."""
    from .reader import read

    rel = pkg.resources[table].path
    raw = read(data, rel)
    _fail(DataError, raw.problems)
    schema = pkg.schemas[table]
    if raw.header != schema.field_names:
        raise DataError(f"{rel}:1: the header {raw.header} is not the schema's fields {schema.field_names}")
    return raw


def _typed(pkg: Package, table: str, data: bytes, *, categorical: bool) -> tuple[CsvTable, pd.DataFrame]:
    """The parsed file and the table typed from its schema (the one typing step)."""
    from .typing_ import convert_table

    raw = _read(pkg, table, data)
    assert raw.frame is not None
    typed, problems = convert_table(raw.frame, pkg.schemas[table], raw.file, categorical=categorical)
    _fail(DataError, problems)
    return raw, typed


def _pandera_problems(pkg: Package, raw: CsvTable, table: str, verify: bool = True) -> list[Any]:
    """pandera's verdict on one table (``load(validate=True)``): types, constraints, keys."""
    from .checks import frames
    from .typing_ import convert_table

    schema = pkg.schemas[table]
    names = {fk.resource for fk in schema.foreign_keys if fk.resource in pkg.resources} | {table}
    typed = {}
    for name in names:
        other = raw if name == table else _read(pkg, name, _verified_bytes(pkg, name, verify)[1])
        assert other.frame is not None
        typed[name] = convert_table(other.frame, pkg.schemas[name], other.file)[0]
    return frames.check(raw.file, schema, typed[table], typed, pkg.schemas)


def load(table: str, validate: bool = False, *, root: Root = None, verify: bool = True) -> pd.DataFrame:
    """Return one table as a DataFrame typed from its Table Schema.

    ``validate=True`` also runs the table's pandera schema (types, constraints,
    uniqueness, primary and foreign keys; needs the ``[validate]`` extra) and raises
    :class:`ValidationError` on any problem. A file that does not match the
    descriptor's SHA-256 raises :class:`IntegrityError`; an unknown name raises
    :class:`UnknownTableError`; an argument of the wrong type raises ``TypeError``.

    ``verify=False`` loads an edited copy (``root=``) whose files no longer match its
    ``datapackage.json``: it skips only the size and SHA-256 comparison; the header,
    every cell's type and every enum value are still checked. To make the copy
    consistent instead, run ``cartel-directive build --package COPY --sources ARCHIVE`` in a clone of the
    repository (build needs the source archive and the repository's ``metadata/`` folder).

    >>> import cartel_directive as cd
    >>> events = cd.load("events")
    >>> str(events["date_start"].dtype), str(events["evidence_start"].dtype)
    ('datetime64[ns]', 'Int64')
    >>> events["event_type"].cat.ordered, events["event_type"].cat.categories[0]
    (False, 'designation')
    >>> list(events.columns[:2])
    ['event_id', 'occurrence_id']
    """
    _check_args(table, validate=validate, verify=verify)
    return _load(_open(root), table, validate, verify)


def _load(pkg: Package, table: str, validate: bool, verify: bool = True) -> pd.DataFrame:
    _check_name(pkg, table)
    if validate:
        from .extras import require

        require("validate", "load(..., validate=True)")
    data = _verified_bytes(pkg, table, verify)[1]
    raw, typed = _typed(pkg, table, data, categorical=True)
    if validate:
        _fail(ValidationError, _pandera_problems(pkg, raw, table, verify))
    return typed


def load_all(validate: bool = False, *, root: Root = None, verify: bool = True) -> dict[str, pd.DataFrame]:
    """Return every table, keyed by name, in dependency order (see :func:`load`, also for ``verify``).

    >>> import cartel_directive as cd
    >>> list(cd.load_all())[:3]
    ['sources', 'actors', 'events']
    """
    _check_args(validate=validate, verify=verify)
    pkg = _open(root)
    return {name: _load(pkg, name, validate, verify) for name in _names(pkg)}


def tables(*, root: Root = None) -> dict[str, str]:
    """Table name -> one-line description (the resource's description in ``datapackage.json``).

    >>> import cartel_directive as cd
    >>> "statements" in cd.tables()
    True
    """
    pkg = _open(root)
    out = {}
    for name in _names(pkg):
        d = pkg.resources[name].descriptor
        out[name] = " ".join(str(d.get("description") or d.get("title") or "").split())
    return out


def path(table: str, *, root: Root = None, verify: bool = True) -> Path:
    """The table's CSV file, for people who want the raw file (its SHA-256 is checked first unless ``verify=False``).

    >>> import cartel_directive as cd
    >>> cd.path("events").name
    'events.csv'
    """
    _check_args(table, verify=verify)
    return _verified_file(_open(root), table, verify)


def schema(table: str, *, root: Root = None) -> dict[str, Any]:
    """The table's Frictionless Table Schema as a dict (a copy of ``schemas/<table>.schema.json``).

    >>> import cartel_directive as cd
    >>> cd.schema("events")["primaryKey"]
    ['event_id']
    """
    _check_args(table)
    pkg = _open(root)
    _check_name(pkg, table)
    return copy.deepcopy(pkg.schemas[table].descriptor)


def package(*, root: Root = None) -> frictionless.Package:
    """The whole data package as a :class:`frictionless.Package` (no network is used).

    >>> import cartel_directive as cd
    >>> cd.package().get_resource("events").path
    'data/events.csv'
    """
    from .extras import module

    frictionless = module("frictionless", "validate", "package()")
    pkg = _open(root)
    return frictionless.Package(str(pkg.root / "datapackage.json"))


def version(*, root: Root = None) -> str:
    """The data package's version, as ``datapackage.json`` records it.

    >>> import cartel_directive as cd
    >>> cd.version() == cd.__version__
    True
    """
    return _open(root).version
