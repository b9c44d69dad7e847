"""The optional parts of the package and the one error that names the extra to install.

``pip install cartel-directive`` gives the loader, ``info`` and ``cite`` with pandas (and
PyYAML for ``CITATION.cff``) only. Everything else sits in an extra of ``pyproject.toml``;
a command that needs a missing one fails with a single line naming it, and the command
line exits 2 (a usage problem: nothing is wrong with the data).
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from .errors import MissingExtraError

#: The modules each extra provides (its distributions' import names), as in pyproject.toml.
EXTRAS: dict[str, tuple[str, ...]] = {
    "validate": ("pandera", "frictionless", "pyarrow"),
    "export": ("pandera", "frictionless", "pyarrow", "openpyxl"),
    "browse": ("pandera", "frictionless", "pyarrow", "openpyxl", "datasette"),
}


def _message(purpose: str, extra: str, missing: list[str]) -> str:
    """One line: what needs what, and the extra to install.

    >>> _message("browse", "browse", ["datasette"])
    "browse needs datasette, which is not installed: pip install 'cartel-directive[browse]'"
    """
    verb = "is" if len(missing) == 1 else "are"
    return f"{purpose} needs {', '.join(missing)}, which {verb} not installed: pip install 'cartel-directive[{extra}]'"


def missing(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be found (nothing is imported).

    >>> missing("json-is-not-an-extra")
    Traceback (most recent call last):
    ValueError: unknown extra 'json-is-not-an-extra'; the extras are: validate, export, browse
    """
    if extra not in EXTRAS:
        raise ValueError(f"unknown extra {extra!r}; the extras are: {', '.join(EXTRAS)}")
    return [m for m in EXTRAS[extra] if importlib.util.find_spec(m) is None]


def require(extra: str, purpose: str) -> None:
    """Raise :class:`MissingExtraError` (one line naming ``extra``) unless all its modules are installed."""
    absent = missing(extra)
    if absent:
        raise MissingExtraError(_message(purpose, extra, absent))


def module(name: str, extra: str, purpose: str) -> ModuleType:
    """Import ``name``, or raise :class:`MissingExtraError` naming ``extra``.

    >>> module("json", "validate", "a doctest").__name__
    'json'
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise MissingExtraError(_message(purpose, extra, [name.partition(".")[0]])) from exc
