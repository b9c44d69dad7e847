"""Errors the loader, the exports and the command line raise for a person to act on.

Each message is one line that names the file or table concerned; the command line
prints it after ``error:`` and exits non-zero, without a traceback.
"""

from __future__ import annotations

from .problems import Problem


class CartelDirectiveError(Exception):
    """Base class: something the user can fix (a name, a file, a missing extra)."""


class UnknownTableError(CartelDirectiveError, LookupError):
    """The table name is not one of the package's resources."""


class IntegrityError(CartelDirectiveError):
    """A data file's size or SHA-256 does not match ``datapackage.json``."""


class DataError(CartelDirectiveError):
    """A data file cannot be read as its Table Schema declares (bad CSV, header, type or enum value)."""


class ValidationError(CartelDirectiveError):
    """``load(..., validate=True)``: the pandera schemas found problems."""


class MissingExtraError(CartelDirectiveError):
    """An optional dependency (the ``export`` extra) is not installed."""


class BoundaryError(CartelDirectiveError):
    """Input that crosses the package boundary or is malformed: a path that leaves the package,
    a named pipe, duplicate JSON keys, a descriptor field of the wrong kind...

    Carries located :class:`~cartel_directive.problems.Problem` s, each with a stable ``code``;
    the message is the first of them (and how many more).
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        more = len(self.problems) - 1
        super().__init__(str(self.problems[0]) + (f" (and {more} more)" if more > 0 else ""))
