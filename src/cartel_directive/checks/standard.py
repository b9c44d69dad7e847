"""Layer 1, standard: the Frictionless validator itself (``validate --with-frictionless``)."""

from __future__ import annotations

from pathlib import Path

from ..problems import Problem
from ..resources import DESCRIPTOR
from ..rules import Context, rule

LAYER = "frictionless"


def check(root: Path) -> list[Problem]:
    """Run ``frictionless validate`` on the package and turn its errors into problems."""
    import frictionless

    report = frictionless.validate(str(root / DESCRIPTOR))
    out: list[Problem] = []
    for error in report.errors:
        out.append(Problem(DESCRIPTOR, None, None, f"{error.type}: {error.message}", LAYER, "frictionless-error"))
    for task in report.tasks:
        file = task.place if task.place else task.name
        for error in task.errors:
            row = getattr(error, "row_number", None)
            column = getattr(error, "field_name", None)
            out.append(
                Problem(file, row, column, f"{error.type}: {error.note or error.message}", LAYER, "frictionless-error")
            )
    return out


@rule("frictionless-error", LAYER)
def frictionless_validate(ctx: Context) -> list[Problem]:
    """What ``frictionless validate datapackage.json`` reports (only with ``--with-frictionless``)."""
    return check(ctx.package.root)
