"""Read the package's tables for the documentation scripts.

A deliberately tiny stand-in for ``cartel_directive.loader``: once that module is
merged, :func:`load` can simply call it. Everything else in ``scripts/`` reads tables
only through this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cartel_directive.descriptor import TABLES, Package
from cartel_directive.typing_ import convert

if TYPE_CHECKING:
    import pandas as pd

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["ROOT", "TABLES", "Package", "load", "load_raw", "open_package"]


def open_package(root: Path = ROOT) -> Package:
    """The data package at ``root`` (the repository by default)."""
    return Package.open(root)


def load_raw(table: str, pkg: Package | None = None) -> pd.DataFrame:
    """A table exactly as written in its CSV: every cell a string, missing cells ``""``."""
    import pandas as pd

    pkg = pkg or open_package()
    return pd.read_csv(pkg.file(table), dtype=str, keep_default_na=False, encoding="utf-8")


def load(table: str, pkg: Package | None = None) -> pd.DataFrame:
    """A table with the dtypes its Table Schema declares (missing cells are ``<NA>``/``NaT``)."""
    pkg = pkg or open_package()
    raw = load_raw(table, pkg)
    out = raw.copy()
    for field in pkg.schemas[table].fields:
        typed, bad = convert(field, raw[field.name])
        if bad.any():
            row = int(bad.idxmax()) + 2
            raise ValueError(f"{pkg.resources[table].path}:{row}:{field.name}: not of type {field.type}")
        out[field.name] = typed
    return out
