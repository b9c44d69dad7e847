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
