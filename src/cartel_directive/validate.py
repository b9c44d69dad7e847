"""Run every rule of the registry over a package and collect one report.

The steps: open the descriptor; read every table with the one reader
(:mod:`.reader`); type it with the one typing step (:mod:`.typing_`); then run the
registered rules (:mod:`.rules`) layer by layer over one shared context. The report is
data first (:meth:`Report.to_json`), text second (:meth:`Report.lines`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import reader, typing_
from .descriptor import TABLES, DescriptorError, Package, bytes_digest
from .errors import BoundaryError
from .problems import Problem, escape
from .resources import DESCRIPTOR, sources_dir
from .rules import LAYERS, Context, rules, run

#: Problems of one code printed in text mode before "and N more" (JSON has them all).
TEXT_CAP = 20


@dataclass
class Report:
    """What the checks found, layer by layer."""

    root: Path
    version: str = ""
    problems: list[Problem] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    ran: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    #: tables of the package that could not be read (their file's problems say why)
    unread: list[str] = field(default_factory=list)
    #: phase -> [CPU seconds, wall seconds] of this process spent in it ("read": reading and
    #: hashing the files; "typing": the typing step; then each layer's rules)
    timings: dict[str, list[float]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, layer: str) -> int:
        return sum(1 for p in self.problems if p.layer == layer)

    def codes(self) -> dict[str, int]:
        """code -> how many problems carry it."""
        out: dict[str, int] = {}
        for p in self.problems:
            out[p.code] = out.get(p.code, 0) + 1
        return out

    def lines(self, cap: int | None = TEXT_CAP) -> list[str]:
        """The report as a person reads it: one line per problem (at most ``cap`` per code), then a summary.

        The summary's last line is always the verdict; every problem line starts with
        a file name and is escaped (:func:`.problems.escape`), so no input can imitate it.
        """
        out: list[str] = []
        shown: dict[str, int] = {}
        for p in sorted(self.problems, key=_order):
            shown[p.code] = shown.get(p.code, 0) + 1
            if cap is None or shown[p.code] <= cap:
                out.append(str(p) + (f"  [{p.code}]" if p.code else ""))
        for code, n in sorted(shown.items()):
            if cap is not None and n > cap:
                out.append(f"  ... and {n - cap} more [{code}] problems (all of them: --format json)")
        total = sum(self.rows.values())
        out.append(
            escape(
                f"cartel-directive {self.version or '?'}: {len(self.rows)} tables, {total} rows "
                f"({', '.join(f'{k} {v}' for k, v in self.rows.items())})"
            )
        )
        if self.unread:
            out.append(
                escape(
                    f"  NOT READ: {', '.join(self.unread)} (the problems above say why); the layers below "
                    "checked the other tables; checks that need an unread table were skipped"
                )
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

    def to_json(self) -> dict[str, Any]:
        """Every problem (code, layer, file, row, column, message) and the summary."""
        layers = {}
        for layer in LAYERS:
            if layer in self.ran:
                layers[layer] = {"ran": True, "problems": self.count(layer), "what": self.ran[layer]}
            elif layer in self.skipped:
                layers[layer] = {"ran": False, "problems": 0, "why": self.skipped[layer]}
        return {
            "problems": [
                {
                    "code": p.code,
                    "layer": p.layer,
                    "file": p.file,
                    "row": p.row,
                    "column": p.column,
                    "message": p.message,
                }
                for p in sorted(self.problems, key=_order)
            ],
            "summary": {
                "valid": self.ok,
                "problems": len(self.problems),
                "codes": dict(sorted(self.codes().items())),
                "version": self.version,
                "rows": dict(self.rows),
                "unread": list(self.unread),
                "layers": layers,
                "timings": {k: {"cpu_s": round(c, 4), "wall_s": round(w, 4)} for k, (c, w) in self.timings.items()},
            },
        }


def _order(p: Problem) -> tuple:
    """Layer by layer (a file that cannot be read comes before what follows from it), then by place."""
    layer = LAYERS.index(p.layer) if p.layer in LAYERS else len(LAYERS)
    return (layer, p.file, p.row if p.row is not None else -1, p.column or "", p.code, p.message)


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
    try:
        pkg = Package.open(
            None if path is None else Path(path)
        )  # the descriptor and schemas, checked as data, every path inside the package
        schemas = pkg.schemas
    except (DescriptorError, FileNotFoundError) as exc:
        root = Path(path) if path is not None else Path.cwd()
        report = Report(root=root)
        if isinstance(exc, DescriptorError):
            report.problems += [p if p.code else _with_code(p, "descriptor-invalid") for p in exc.problems]
        else:
            report.problems.append(Problem(DESCRIPTOR, None, None, str(exc), "standard", "package-not-found"))
        report.ran["standard"] = "descriptor"
        return report
    report = Report(root=pkg.root, version=pkg.version)
    ctx = Context(package=pkg, schemas=schemas)

    @contextmanager
    def timed(phase: str) -> Iterator[None]:
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            yield
        finally:
            spent = report.timings.setdefault(phase, [0.0, 0.0])
            spent[0] += time.process_time() - cpu
            spent[1] += time.perf_counter() - wall

    refused: set[tuple[str, int | None, str | None]] = set()  # cells the typing step refused

    def layer(name: str, on: Context = ctx) -> None:
        with timed(name):
            for r in rules(name):
                # A cell the typing step refused is reported once, as a type error: the rules
                # over typed values see a missing value there and say nothing more of it.
                report.problems.extend(p for p in run(r, on) if (p.file, p.row, p.column) not in refused)

    for name in [t for t in TABLES if t in pkg.resources] + [t for t in pkg.resources if t not in TABLES]:
        r = pkg.resources[name]
        if name not in schemas:
            continue
        with timed("read"):
            try:
                data = pkg.read(name)  # through the package boundary: a regular file inside, never a pipe
            except BoundaryError as exc:
                report.problems += [p for p in exc.problems if p.code != "path-missing"]  # missing: standard says so
                continue
            ctx.digests[name] = bytes_digest(data)  # the standard layer checks the very bytes that are parsed
            table = reader.read(data, r.path)
            del data
        report.problems += table.problems
        if table.frame is not None:
            ctx.files[name] = r.path
            ctx.strings[name] = table
            report.rows[name] = table.rows
            # The hygiene rules are per file: run them as each file is read (the table keeps
            # no bytes of the file; hygiene reads its columns).
            layer("hygiene", replace(ctx, files={name: r.path}, strings={name: table}))
    report.unread = [n for n in pkg.resources if n in schemas and n not in ctx.strings]
    layer("standard")  # after reading: each file is read once, and its digest taken from those bytes
    report.ran["standard"] = "descriptor, paths, bytes and SHA-256 of every resource"
    report.ran["hygiene"] = "encoding, line endings, quotes, header, cells, invisible characters, NFC, sort order"

    with timed("typing"):
        for name, table in ctx.strings.items():
            assert table.frame is not None
            ctx.typed[name], ctx.type_errors[name] = typing_.convert_table(table.frame, schemas[name], table.file)
            report.problems += ctx.type_errors[name]
            refused.update((p.file, p.row, p.column) for p in ctx.type_errors[name])
    layer("pandera")
    report.ran["pandera"] = "types, constraints, primary and foreign keys"
    layer("crossfield")
    report.ran["crossfield"] = "dates, evidence ranges, quotes, derivations, occurrences, related ids"

    folder, how = sources_dir(sources)
    if not with_provenance:
        report.skipped["provenance"] = "not asked for"
    elif folder is None:
        report.skipped["provenance"] = how
    elif not folder.is_dir():
        report.problems.append(
            Problem(
                str(folder),
                None,
                None,
                f"the source archive folder (from {how}) "
                + ("is not a folder" if folder.exists() else "does not exist"),
                "provenance",
                "archive-folder-missing",
            )
        )
        report.ran["provenance"] = "archive missing"
    else:
        from .checks.provenance import Archive

        with timed("provenance"):
            ctx.archive = Archive(folder)
        layer("provenance")
        report.ran["provenance"] = (
            f"{len(ctx.typed.get('sources', []))} archived files, {ctx.excerpts_checked} excerpts, archive from {how}"
        )

    if with_frictionless:
        layer("frictionless")
        report.ran["frictionless"] = "frictionless validate datapackage.json"
    else:
        report.skipped["frictionless"] = "add --with-frictionless to run the Frictionless validator too"
    return report


def _with_code(p: Problem, code: str) -> Problem:
    return replace(p, code=code)
