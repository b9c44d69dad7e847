"""Read the package's tables for the documentation scripts.

Typed tables come from ``cartel_directive.load`` (one code path with the loader);
everything else in ``scripts/`` reads tables only through this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cartel_directive.descriptor import TABLES, Package

if TYPE_CHECKING:
    import pandas as pd

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["ROOT", "TABLES", "Package", "load", "load_raw", "open_package"]


def open_package(root: Path = ROOT) -> Package:
    """The data package at ``root`` (the repository by default)."""
    return Package.open(root)


def load_raw(table: str, pkg: Package | None = None) -> pd.DataFrame:
    """A table exactly as written in its CSV: every cell a string, missing cells ``""``."""
    from cartel_directive.reader import read

    pkg = pkg or open_package()
    raw = read(pkg.file(table).read_bytes(), pkg.resources[table].path)
    if raw.frame is None:
        raise SystemExit("\n".join(map(str, raw.problems)))
    return raw.frame


def load(table: str, pkg: Package | None = None) -> pd.DataFrame:
    """A table with the dtypes its Table Schema declares, through the package's own loader."""
    import cartel_directive as cd

    return cd.load(table, root=(pkg.root if pkg else ROOT))
