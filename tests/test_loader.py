"""The loader: dtypes from the Table Schemas, integrity checks, clear errors, no work at import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import cartel_directive as cd
from cartel_directive.descriptor import TABLES
from cartel_directive.tableschema import TableSchema


def _check_dtypes(df: pd.DataFrame, schema: dict) -> None:
    assert list(df.columns) == [f["name"] for f in schema["fields"]]  # primary key stays a column
    assert isinstance(df.index, pd.RangeIndex)
    fields = {f.name: f for f in TableSchema("t", schema).fields}
    for f in schema["fields"]:
        col = df[f["name"]]
        enum = f.get("constraints", {}).get("enum")
        cats = [c["value"] if isinstance(c, dict) else c for c in f.get("categories", [])] or enum
        if cats:
            assert isinstance(col.dtype, pd.CategoricalDtype), f["name"]
            assert col.cat.ordered is bool(f.get("categoriesOrdered", False))  # nominal unless declared ordinal
            assert [str(c) for c in col.cat.categories] == [str(v) for v in cats]
        else:
            want = {"date": "datetime64[ns]", "integer": "Int64", "number": "Float64", "boolean": "boolean"}
            assert col.dtype == pd.api.types.pandas_dtype(want.get(f.get("type"), "string")), f["name"]
            assert fields[f["name"]].to_pandas_dtype() == str(col.dtype)


@pytest.mark.parametrize("table", TABLES)
def test_committed_tables_load_with_schema_dtypes(table: str) -> None:
    _check_dtypes(cd.load(table), cd.schema(table))


@pytest.mark.parametrize("table", TABLES)
def test_synthetic_rows_load_with_schema_dtypes_and_missing_values(table: str, synthetic_pkg: Path) -> None:
    df = cd.load(table, root=synthetic_pkg)
    assert len(df) == 3
    _check_dtypes(df, cd.schema(table, root=synthetic_pkg))
    optional = [f["name"] for f in cd.schema(table)["fields"] if not f.get("constraints", {}).get("required")]
    assert all(df[c].isna().iloc[-1] for c in optional)  # empty cells are missing, not ""


def test_load_all_is_every_table_in_dependency_order() -> None:
    frames = cd.load_all()
    assert list(frames) == list(TABLES)
    assert list(cd.tables()) == list(TABLES)
    assert all(isinstance(v, str) and v and "\n" not in v for v in cd.tables().values())


def test_validate_true_passes_on_committed_package() -> None:
    assert set(cd.load_all(validate=True)) == set(TABLES)


def test_validate_true_reports_pandera_problems(synthetic_pkg: Path) -> None:
    cd.load("sources", root=synthetic_pkg)  # types are fine...
    with pytest.raises(cd.ValidationError, match=r"data/sources\.csv:2:source_file: .*pattern"):
        cd.load("sources", validate=True, root=synthetic_pkg)  # ...the patterns are not


def test_path_schema_package() -> None:
    assert cd.path("events").read_bytes().startswith(b"event_id,")
    s = cd.schema("events")
    s["fields"].clear()  # a copy: the next call is unaffected
    assert cd.schema("events")["fields"]
    pkg = cd.package()
    assert [r.name for r in pkg.resources] == list(TABLES)
    assert cd.version() == cd.__version__


@pytest.mark.parametrize("call", [cd.load, cd.path, cd.schema])
def test_unknown_table_is_a_clear_error(call) -> None:
    with pytest.raises(cd.UnknownTableError, match=r"unknown table 'statement'; the tables are: sources, actors"):
        call("statement")


def test_tampered_file_is_refused_naming_the_file(synthetic_pkg: Path) -> None:
    file = synthetic_pkg / "data" / "events.csv"
    file.write_bytes(file.read_bytes().replace(b"events-summary-0000", b"events-summary-000X"))
    for call in (lambda: cd.load("events", root=synthetic_pkg), lambda: cd.path("events", root=synthetic_pkg)):
        with pytest.raises(cd.IntegrityError, match=r"data/events\.csv: does not match datapackage\.json"):
            call()
    cd.load("sources", root=synthetic_pkg)  # the other tables still load


def test_truncated_and_missing_files_are_refused(synthetic_pkg: Path) -> None:
    file = synthetic_pkg / "data" / "statements.csv"
    file.write_bytes(file.read_bytes()[:-10])
    with pytest.raises(cd.IntegrityError, match=r"statements\.csv"):
        cd.load("statements", root=synthetic_pkg)
    file.unlink()
    with pytest.raises(cd.IntegrityError, match=r"statements\.csv: missing"):
        cd.load("statements", root=synthetic_pkg)


def _rehash(pkg: Path, table: str) -> None:
    from cartel_directive.descriptor import file_digest

    d = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    res = next(r for r in d["resources"] if r["name"] == table)
    res["bytes"], res["hash"] = file_digest(pkg / res["path"])
    (pkg / "datapackage.json").write_text(json.dumps(d), encoding="utf-8")


def test_bad_type_and_enum_values_are_refused_with_their_cell(synthetic_pkg: Path) -> None:
    file = synthetic_pkg / "data" / "statistics.csv"
    file.write_text(file.read_text(encoding="utf-8").replace("2025-08-02", "2025-13-02", 1), encoding="utf-8")
    _rehash(synthetic_pkg, "statistics")
    with pytest.raises(cd.DataError, match=r"data/statistics\.csv:3:period_start: '2025-13-02' is not a date"):
        cd.load("statistics", root=synthetic_pkg)

    file = synthetic_pkg / "data" / "event_actors.csv"
    text = file.read_text(encoding="utf-8")
    file.write_text(text.replace(",reporter\n", ",narrator\n", 1), encoding="utf-8")
    _rehash(synthetic_pkg, "event_actors")
    with pytest.raises(cd.DataError, match=r"event_actors\.csv:2:role: 'narrator' is not one of the allowed values"):
        cd.load("event_actors", root=synthetic_pkg)


def test_import_is_cheap_and_does_not_import_pandas() -> None:
    code = (
        "import sys, cartel_directive as cd; cd.__version__; cd.load; "
        "heavy = [m for m in ('pandas', 'frictionless', 'pandera', 'numpy', 'yaml') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_py_typed_is_shipped() -> None:
    assert (Path(cd.__file__).parent / "py.typed").is_file()


def test_loading_imports_neither_pandera_nor_the_validator() -> None:
    """The loader stands on the reader and the typing step only (issue 10)."""
    code = (
        "import sys, cartel_directive as cd; cd.load_all(); "
        "print(','.join(m for m in ('pandera', 'frictionless', 'cartel_directive.validate', "
        "'cartel_directive.rules', 'cartel_directive.checks.hygiene') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
