"""Run every layer of checks over a package and collect one report."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from . import reader, typing_
from .checks import crossfield, descriptor_check, frames, hygiene, provenance, standard
from .descriptor import TABLES, DescriptorError, Package
from .errors import BoundaryError
from .problems import Problem
from .resources import DESCRIPTOR, sources_dir

LAYERS = ("standard", "hygiene", "pandera", "provenance", "frictionless")


@dataclass
class Report:
    """What the checks found, layer by layer."""

    root: Path
    version: str = ""
    problems: list[Problem] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    ran: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, layer: str) -> int:
        return sum(1 for p in self.problems if p.layer == layer)

    def lines(self) -> list[str]:
        """The report as a person reads it: one line per problem, then a summary."""
        out = [str(p) for p in sorted(self.problems, key=_order)]
        total = sum(self.rows.values())
        out.append(
            f"cartel-directive {self.version or '?'}: {len(self.rows)} tables, {total} rows "
            f"({', '.join(f'{k} {v}' for k, v in self.rows.items())})"
        )
        for layer in LAYERS:
            if layer in self.ran:
                n = self.count(layer)
                out.append(
                    f"  {layer:<12} {'ok' if not n else f'{n} problem' + ('s' if n > 1 else '')}  ({self.ran[layer]})"
                )
            elif layer in self.skipped:
                out.append(f"  {layer:<12} NOT RUN: {self.skipped[layer]}")
        n = len(self.problems)
        out.append("valid: no problems found" if not n else f"INVALID: {n} problem{'s' if n > 1 else ''} found")
        return out


def _order(p: Problem) -> tuple:
    return (p.file, p.row if p.row is not None else -1, p.column or "", p.message)


def validate(
    path: str | os.PathLike[str] | None = None,
    sources: str | os.PathLike[str] | None = None,
    with_frictionless: bool = False,
    with_provenance: bool = True,
) -> Report:
    """Validate the package at ``path`` (see :func:`resources.resolve_root`).

    ``with_provenance=False`` skips the archive layer even when an archive is configured
    (``export`` checks only what needs no archive).
    """
    import pandas as pd

    try:
        pkg = Package.open(path)  # the descriptor and schemas, checked as data, every path inside the package
    except (DescriptorError, FileNotFoundError) as exc:
        root = Path(path) if path is not None else Path.cwd()
        report = Report(root=root)
        if isinstance(exc, DescriptorError):
            report.problems += exc.problems
        else:
            report.problems.append(Problem(DESCRIPTOR, None, None, str(exc), "standard", "package-not-found"))
        report.ran["standard"] = "descriptor"
        return report
    report = Report(root=pkg.root, version=pkg.version)
    schemas = pkg.schemas

    report.problems += descriptor_check.check(pkg)
    report.ran["standard"] = "descriptor, paths, bytes and SHA-256 of every resource"

    raws: dict[str, reader.CsvTable] = {}
    for name in [t for t in TABLES if t in pkg.resources] + [t for t in pkg.resources if t not in TABLES]:
        r = pkg.resources[name]
        try:
            data = pkg.read(name)  # through the package boundary: a regular file inside, never a pipe
        except BoundaryError as exc:
            report.problems += [p for p in exc.problems if p.code != "path-missing"]  # missing: standard says so
            continue
        table = reader.read(data, r.path)
        report.problems += table.problems
        if table.parsed:
            raws[name] = table
            report.rows[name] = table.rows
            report.problems += hygiene.check(table, schemas[name])
    report.ran["hygiene"] = "encoding, line endings, header, cells, sort order"

    typed: dict[str, pd.DataFrame] = {}
    type_errors: dict[str, list[Problem]] = {}
    for name, table in raws.items():
        typed[name], type_errors[name] = typing_.convert_table(table.frame, schemas[name], table.file)
        report.problems += type_errors[name]
    for name, table in raws.items():
        report.problems += frames.check(table, schemas[name], typed[name], typed, schemas, type_errors[name])
    files = {name: pkg.resources[name].path for name in raws}
    report.problems += crossfield.check(
        typed,
        {n: t.frame for n, t in raws.items() if t.frame is not None},
        files,
        {n: s.primary_key for n, s in schemas.items()},
    )
    report.ran["pandera"] = "types, constraints, primary and foreign keys, dates, derivations, quotes, offsets"

    folder, how = sources_dir(sources)
    if not with_provenance:
        report.skipped["provenance"] = "not asked for"
    elif folder is None:
        report.skipped["provenance"] = how
    elif not folder.is_dir():
        report.problems.append(
            Problem(str(folder), None, None, f"the source archive folder (from {how}) does not exist", "provenance")
        )
        report.ran["provenance"] = "archive missing"
    else:
        problems, checked = provenance.check(provenance.Archive(folder), typed, files)
        report.problems += problems
        report.ran["provenance"] = (
            f"{len(typed.get('sources', []))} archived files, {checked} excerpts, archive from {how}"
        )

    if with_frictionless:
        report.problems += standard.check(pkg.root)
        report.ran["frictionless"] = "frictionless validate datapackage.json"
    else:
        report.skipped["frictionless"] = "add --with-frictionless to run the Frictionless validator too"
    return report
