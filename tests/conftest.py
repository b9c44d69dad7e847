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
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "cartel-directive"))


@pytest.fixture
def gen(tmp_path: Path) -> tuple[Path, Path]:
    """A generated valid package (fixed seed) and its archive, both writable: ``(root, archive)``."""
    root, archive = tmp_path / "gen", tmp_path / "gen-archive"
    write_package(random_package(5), root, archive)
    return root, archive


@pytest.fixture
def real_copy(pkg_copy: Path, archive: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A writable copy of the real package and of its source archive: ``(root, archive)``."""
    dest = tmp_path / "archive"
    shutil.copytree(archive, dest)
    for f in dest.iterdir():
        f.chmod(0o644)
    return pkg_copy, dest
