"""Shared fixtures: the repository's package, a writable copy of it, and the source archive."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository root (the package under test)."""
    return ROOT


@pytest.fixture(scope="session")
def archive() -> Path:
    """The source archive. Its absence fails the test: provenance is never skipped."""
    env = os.environ.get("CARTEL_DIRECTIVE_SOURCES")
    folder = Path(env) if env else ROOT.parent / "shared" / "sources"
    if not folder.is_dir():
        pytest.fail(f"source archive not found at {folder}; set CARTEL_DIRECTIVE_SOURCES")
    return folder


@pytest.fixture
def pkg_copy(tmp_path: Path) -> Path:
    """A writable copy of the package (descriptor, data, schemas, metadata)."""
    dest = tmp_path / "pkg"
    dest.mkdir()
    shutil.copy2(ROOT / "datapackage.json", dest)
    for folder in ("data", "schemas", "metadata"):
        shutil.copytree(ROOT / folder, dest / folder)
    return dest


def _synthetic_cell(table: str, f: dict, i: int, n: int, keys: dict[tuple[str, str], list[str]], fks: dict) -> str:
    """One made-up cell of the field's type; row n-1 leaves every optional cell empty."""
    required = bool(f.get("constraints", {}).get("required"))
    if i == n - 1 and not required:
        return ""
    if (table, f["name"]) in fks:
        target = keys[fks[(table, f["name"])]]
        return target[(i + 1) % len(target)]
    enum = f.get("constraints", {}).get("enum")
    if enum:
        return str(enum[-1 - i % len(enum)])  # declared order differs from sorted order
    kind = f.get("type", "string")
    if kind == "date":
        return f"2025-08-{i + 1:02d}"
    if kind == "integer":
        return str(i * 7)
    if kind == "number":
        return f"{i}.5"
    if kind == "boolean":
        return ("true", "false")[i % 2]
    if i == 0 and not required:
        return "“long” é " + "x" * 3000  # wider than Stata's 2045-byte str#, non-ASCII
    return f"{table}-{f['name']}-{i:04d}"


@pytest.fixture
def synthetic_pkg(pkg_copy: Path) -> Path:
    """A copy of the package whose tables hold a few made-up rows of every type.

    Loader-valid (types, enums, keys, foreign keys) but not provenance-valid: for the
    loader and the exports, so their tests never depend on the curated rows.
    """
    import json

    from cartel_directive import csvformat
    from cartel_directive.descriptor import TABLES, file_digest

    n = 3
    descriptor = json.loads((pkg_copy / "datapackage.json").read_text(encoding="utf-8"))
    schemas = {t: json.loads((pkg_copy / "schemas" / f"{t}.schema.json").read_text(encoding="utf-8")) for t in TABLES}
    fks: dict[tuple[str, str], tuple[str, str]] = {}
    for t, s in schemas.items():
        for fk in s.get("foreignKeys", []):
            ref = fk["reference"]
            fks[(t, fk["fields"][0])] = (ref.get("resource") or t, ref["fields"][0])
    keys: dict[tuple[str, str], list[str]] = {}
    for t in TABLES:
        names = [f["name"] for f in schemas[t]["fields"]]
        pk = schemas[t].get("primaryKey", [])
        rows = []
        for i in range(n):
            row = []
            for f in schemas[t]["fields"]:
                ref = fks.get((t, f["name"]))
                if ref is not None and ref[0] == t:  # self-reference: the next row's key
                    row.append(f"{t}-{ref[1]}-{(i + 1) % n:04d}" if i < n - 1 else "")
                elif ref is None and f["name"] in pk and "enum" not in f.get("constraints", {}):
                    row.append(f"{t}-{f['name']}-{i:04d}")
                else:
                    row.append(_synthetic_cell(t, f, i, n, keys, fks))
            rows.append(row)
        for name in pk:
            keys[(t, name)] = [r[names.index(name)] for r in rows]
        file = pkg_copy / "data" / f"{t}.csv"
        file.write_text(csvformat.dumps([f["name"] for f in schemas[t]["fields"]], rows), encoding="utf-8")
        res = next(r for r in descriptor["resources"] if r["name"] == t)
        res["bytes"], res["hash"] = file_digest(file)
    (pkg_copy / "datapackage.json").write_text(json.dumps(descriptor, indent=2) + "\n", encoding="utf-8")
    return pkg_copy


# --------------------------------------------------------------------------- generated packages

import sys  # noqa: E402

from hypothesis import HealthCheck, settings  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))  # strategies.py, mutations.py (importlib mode)

from strategies import random_package, write_package  # noqa: E402

#: Deterministic and untimed: the same examples on every run and machine, no deadline.
settings.register_profile(
    "cartel-directive",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=10,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
#: The full tier (``pytest --full``, CI): many more examples, still deterministic.
settings.register_profile("full", parent=settings.get_profile("cartel-directive"), max_examples=300)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "cartel-directive"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--full", action="store_true", help="the full tier: hypothesis at full strength, slow tests")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--full"):
        settings.load_profile("full")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--full"):
        return
    skip = pytest.mark.skip(reason="full tier only: run with --full")
    for item in items:
        if "full" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def gen(tmp_path: Path) -> tuple[Path, Path]:
    """A generated valid package (fixed seed) and its archive, both writable: ``(root, archive)``."""
    root, archive = tmp_path / "gen", tmp_path / "gen-archive"
    spec = random_package(7)  # a seed whose package has two rows or more in every table (tests swap rows)
    assert all(len(rows) >= 2 for rows in spec.tables.values()), "pick a seed with two rows in every table"
    write_package(spec, root, archive)
    return root, archive


@pytest.fixture
def real_copy(pkg_copy: Path, archive: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A writable copy of the real package and of its source archive: ``(root, archive)``."""
    dest = tmp_path / "archive"
    shutil.copytree(archive, dest)
    for f in dest.iterdir():
        f.chmod(0o644)
    return pkg_copy, dest


def import_script(name: str):
    """Import ``scripts/<name>.py`` as a module (scripts are not a package), then restore sys.path."""
    import importlib
    import sys

    folder = str(ROOT / "scripts")
    sys.path.insert(0, folder)
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(folder)
