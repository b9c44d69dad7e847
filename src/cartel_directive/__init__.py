"""cartel-directive: a hand-curated dataset of news reports on the August 2025 US
directive against Latin American drug cartels, as a Frictionless Data Package.

Importing the package is cheap: pandas and frictionless are imported only when a
table is loaded or a package validated.

>>> import cartel_directive as cd
>>> sorted(cd.tables())[:2]
['actors', 'changes']
"""

from __future__ import annotations

TYPE_CHECKING = False  # not `from typing import ...`: importing typing alone costs more than this module
if TYPE_CHECKING:
    from typing import Any

    from .errors import (
        CartelDirectiveError,
        DataError,
        IntegrityError,
        MissingExtraError,
        UnknownTableError,
        ValidationError,
    )
    from .loader import load, load_all, package, path, schema, tables, version

_LOADER = ("load", "load_all", "tables", "path", "schema", "package", "version")
_ERRORS = (
    "CartelDirectiveError",
    "DataError",
    "IntegrityError",
    "MissingExtraError",
    "UnknownTableError",
    "ValidationError",
)

__all__ = [
    "CartelDirectiveError",
    "DataError",
    "IntegrityError",
    "MissingExtraError",
    "UnknownTableError",
    "ValidationError",
    "__version__",
    "load",
    "load_all",
    "package",
    "path",
    "schema",
    "tables",
    "version",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version as _dist_version

        return _dist_version("cartel-directive")
    if name in _LOADER:
        from . import loader

        return getattr(loader, name)
    if name in _ERRORS:
        from . import errors

        return getattr(errors, name)
    raise AttributeError(f"module 'cartel_directive' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
