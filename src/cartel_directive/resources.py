"""Locate the data package: the installed copy, the repository, or a path given by the user."""

from __future__ import annotations

import os
from pathlib import Path

DESCRIPTOR = "datapackage.json"
SOURCES_ENV = "CARTEL_DIRECTIVE_SOURCES"


class PackageNotFoundError(FileNotFoundError):
    """No ``datapackage.json`` where one was expected."""


def bundled_root() -> Path:
    """The folder holding the package's own ``datapackage.json``.

    A wheel ships it as ``cartel_directive/package/``; an editable install or a
    source checkout falls back to the repository root, where the paths in the
    descriptor resolve unchanged.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "package", here.parent.parent):
        if (candidate / DESCRIPTOR).is_file():
            return candidate
    raise PackageNotFoundError(
        f"cannot find {DESCRIPTOR} next to the installed package ({here}); reinstall cartel-directive"
    )


def resolve_root(path: str | os.PathLike[str] | None = None) -> Path:
    """Return the folder of the package at ``path``.

    ``path`` may be a ``datapackage.json`` or its folder. Without it: the current
    folder if it holds a package, else the installed package's data.
    """
    if path is None:
        cwd = Path.cwd()
        return cwd if os.path.lexists(cwd / DESCRIPTOR) else bundled_root()
    p = Path(path)
    # lexists, not is_file: a descriptor that is a pipe or a symlink out is refused, and said so, by Package.open
    if p.is_dir():
        if not os.path.lexists(p / DESCRIPTOR):
            raise PackageNotFoundError(f"{p}: no {DESCRIPTOR} in this folder")
        return p
    if p.name == DESCRIPTOR and os.path.lexists(p):
        return p.parent
    raise PackageNotFoundError(f"{p}: not a {DESCRIPTOR} nor a folder holding one")


def sources_dir(explicit: str | os.PathLike[str] | None = None) -> tuple[Path | None, str]:
    """Where the source archive is, and how it was found (or why it was not)."""
    if explicit is not None:
        return Path(explicit), "--sources"
    env = os.environ.get(SOURCES_ENV)
    if env:
        return Path(env), SOURCES_ENV
    return None, f"no archive given (pass --sources DIR or set {SOURCES_ENV})"
