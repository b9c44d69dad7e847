"""The rule registry: every check of the validator, with a stable code, a layer and one signature.

A rule is a function of one :class:`Context` (the package, its string tables, its typed
tables, the source archive) that yields :class:`~cartel_directive.problems.Problem`
objects. It is registered with :func:`rule`, which names the codes it may report (the
first is the rule's own code) and the layer it belongs to; :func:`run` refuses a
problem whose code the rule did not declare, so every problem carries a known code.

Rules work on whole columns (numpy, pandas); Python loops run only over the rows
already found failing, to word their messages.

Layers, in the order they run: ``standard`` (the descriptor's promises), ``hygiene``
(the CSV file as text), ``pandera`` (types, constraints, primary and foreign keys),
``crossfield`` (rules across columns and tables no Table Schema can express),
``provenance`` (the archive and every excerpt in it), ``frictionless`` (the
Frictionless validator itself, on request).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .problems import Problem

if TYPE_CHECKING:
    import pandas as pd

    from .descriptor import Package
    from .reader import CsvTable
    from .tableschema import TableSchema

LAYERS = ("standard", "hygiene", "pandera", "crossfield", "provenance", "frictionless")


@dataclass
class Context:
    """What every rule may look at. Tables that could not be parsed are absent."""

    package: Package
    schemas: dict[str, TableSchema]
    #: table name -> path of its file as the descriptor gives it (``data/events.csv``)
    files: dict[str, str] = field(default_factory=dict)
    #: table name -> the file as read by the one reader (all cells strings)
    strings: dict[str, CsvTable] = field(default_factory=dict)
    #: table name -> the table typed by the one typing step
    typed: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: table name -> (size, ``sha256:<hex>``) of the bytes read and parsed
    digests: dict[str, tuple[int, str]] = field(default_factory=dict)
    #: table name -> cells that are not of their field's type (found while typing)
    type_errors: dict[str, list[Problem]] = field(default_factory=dict)
    #: the source archive (``checks.provenance.Archive``), None when not given
    archive: Any = None
    #: how many excerpts the provenance rule compared with the archive
    excerpts_checked: int = 0


@dataclass(frozen=True)
class Rule:
    code: str
    layer: str
    check: Callable[[Context], Iterable[Problem]]
    #: every code the rule may report, its own first
    codes: tuple[str, ...]
    doc: str = ""


#: codes the validator itself reports, outside any rule: code -> layer
OTHER_CODES = {
    "descriptor-invalid": "standard",
    "package-not-found": "standard",
    "archive-folder-missing": "provenance",
}

#: code -> rule, in registration order (which is the order they run within a layer)
REGISTRY: dict[str, Rule] = {}


def rule(code: str, layer: str, *also: str) -> Callable[[Callable[[Context], Iterable[Problem]]], Rule]:
    """Register a rule under ``code`` in ``layer``; ``also``: the other codes it may report."""
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}")

    def register(fn: Callable[[Context], Iterable[Problem]]) -> Rule:
        if code in REGISTRY:
            raise ValueError(f"rule {code!r} registered twice")
        r = Rule(code, layer, fn, (code, *also), (fn.__doc__ or "").strip().split("\n")[0])
        REGISTRY[code] = r
        return r

    return register


def rules(layer: str | None = None) -> list[Rule]:
    """The registered rules (of one layer), after importing every rule module."""
    from .checks import crossfield, descriptor_check, frames, hygiene, provenance, standard  # noqa: F401

    return [r for r in REGISTRY.values() if layer is None or r.layer == layer]


def run(r: Rule, ctx: Context) -> Iterator[Problem]:
    """The rule's problems, each stamped with its layer; a code the rule did not declare is a bug."""
    from dataclasses import replace

    for p in r.check(ctx):
        if p.code not in r.codes:
            raise AssertionError(f"rule {r.code} reported undeclared code {p.code!r}: {p}")
        yield p if p.layer == r.layer else replace(p, layer=r.layer)


def codes() -> dict[str, str]:
    """Every code any rule may report -> its layer (for the documentation and the tests)."""
    from .reader import CODES as READER_CODES
    from .typing_ import CODES as TYPING_CODES

    out = dict.fromkeys(READER_CODES, "hygiene") | dict.fromkeys(TYPING_CODES, "pandera") | OTHER_CODES
    for r in rules():
        out |= dict.fromkeys(r.codes, r.layer)
    return out
