"""Recompute everything in the package that a script can compute, atomically.

``cartel-directive build`` fills, from the source archive and the hand-written
``metadata/article_bodies.json``:

- ``sources.csv``: ``sha256``, ``bytes``, ``content_start``, ``content_end``, ``non_article_spans``;
- every evidence block: ``*evidence_start`` and ``*evidence_end``, by finding the excerpt
  in the repaired, folded archived text;
- the canonical form of every CSV (sorted by primary key, one dialect);
- ``datapackage.json``: ``version`` (from ``pyproject.toml``), each resource's ``bytes`` and ``hash``,
  and the ``sources`` list.

It works on a staged copy, validates it with every layer, and only then replaces
the files, each atomically; on any problem it writes nothing. Running it twice
changes nothing the second time.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from . import csvformat
from .checks.crossfield import EVIDENCE_BLOCKS
from .descriptor import TABLES, Package, file_digest
from .problems import Problem
from .resources import DESCRIPTOR
from .textfold import FoldedText

BODIES = Path("metadata") / "article_bodies.json"


class BuildError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class BuildResult:
    changed: list[str] = field(default_factory=list)


def _locate(ft: FoldedText, excerpt: str, lo: int, hi: int, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [(a, b) for a, b in ft.find_all(excerpt, lo, hi) if not any(a < y and x < b for x, y in spans)]


def _first(ft: FoldedText, spec: dict, name: str, key: str, lo: int, problems: list[Problem]) -> tuple[int, int] | None:
    """The first span of the marker ``spec[key]`` at or after ``lo``."""
    hits = ft.find_all(spec.get(key, ""), lo)
    if not hits:
        problems.append(Problem(str(BODIES), None, f"{name}.{key}", "text not found in the archived file"))
        return None
    return hits[0]


def _sources(
    pkg: Package, archive: Path, header: list[str], rows: list[list[str]], problems: list[Problem]
) -> dict[str, tuple[FoldedText, int, int, list[tuple[int, int]]]]:
    file = pkg.resources["sources"].path
    bodies_path = pkg.root / BODIES
    try:
        bodies = json.loads(bodies_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        problems.append(Problem(str(BODIES), None, None, f"cannot be read: {exc}"))
        return {}
    col = {n: i for i, n in enumerate(header)}
    texts: dict[str, tuple[FoldedText, int, int, list[tuple[int, int]]]] = {}
    for r, row in enumerate(rows, start=2):
        name = row[col["source_file"]]
        path = archive / name
        if not path.is_file():
            problems.append(Problem(file, r, "source_file", f"{name} is not in the archive {archive}"))
            continue
        size, digest = file_digest(path)
        row[col["sha256"]], row[col["bytes"]] = digest.removeprefix("sha256:"), str(size)
        raw = path.read_text(encoding="utf-8")
        ft = FoldedText.build(raw, row[col["encoding_damage"]] or None)
        spec = bodies.get(name)
        if not isinstance(spec, dict):
            problems.append(Problem(str(BODIES), None, name, "has no entry for this source file"))
            continue
        start = _first(ft, spec, name, "body_starts_with", 0, problems)
        end = _first(ft, spec, name, "body_ends_with", start[0] if start else 0, problems)
        if start is None or end is None:
            continue
        spans: list[tuple[int, int]] = []
        for marker in spec.get("non_article", []):
            hits = ft.find_all(marker, start[0], end[1])
            if not hits:
                problems.append(
                    Problem(str(BODIES), None, f"{name}.non_article", f"{marker!r} not found inside the body")
                )
            spans += hits
        spans.sort()
        row[col["content_start"]], row[col["content_end"]] = str(start[0]), str(end[1])
        row[col["non_article_spans"]] = ";".join(f"{a}-{b}" for a, b in spans)
        texts[name] = (ft, start[0], end[1], spans)
    return texts


def _offsets(
    file: str, header: list[str], rows: list[list[str]], prefixes: list[str], texts: dict, problems: list[Problem]
) -> None:
    col = {n: i for i, n in enumerate(header)}
    for prefix in prefixes:
        sf, ev, s, e = (col.get(f"{prefix}{c}") for c in ("source_file", "evidence", "evidence_start", "evidence_end"))
        if None in (sf, ev, s, e):
            continue
        for r, row in enumerate(rows, start=2):
            if not row[ev] and not row[sf]:
                continue
            if row[sf] not in texts:
                problems.append(
                    Problem(file, r, f"{prefix}source_file", f"{row[sf]!r} is not a source with a readable body")
                )
                continue
            ft, lo, hi, spans = texts[row[sf]]
            hits = _locate(ft, row[ev], lo, hi, spans)
            current = (int(row[s]), int(row[e])) if row[s].isdigit() and row[e].isdigit() else None
            if not hits:
                anywhere = ft.find_all(row[ev])
                why = "it occurs only outside the article body" if anywhere else "it is not in the archived file"
                problems.append(Problem(file, r, f"{prefix}evidence", f"cannot be located in {row[sf]}: {why}"))
                continue
            if len(hits) > 1 and current not in hits:
                where = ", ".join(f"{a}-{b}" for a, b in hits)
                problems.append(
                    Problem(
                        file,
                        r,
                        f"{prefix}evidence",
                        f"occurs {len(hits)} times in {row[sf]} ({where}); lengthen the excerpt so it is unique",
                    )
                )
                continue
            a, b = current if current in hits else hits[0]
            row[s], row[e] = str(a), str(b)


def _version(root: Path) -> str | None:
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return None
    return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]


def build(path: str | Path | None, archive: Path, check_only: bool = False) -> BuildResult:
    """Recompute the package at ``path``; raise :class:`BuildError` and write nothing on any problem."""
    from .validate import validate

    pkg = Package.open(path)
    problems: list[Problem] = []
    tables: dict[str, tuple[list[str], list[list[str]]]] = {}
    for name in TABLES:
        file = pkg.file(name)
        try:
            tables[name] = csvformat.read(file)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise BuildError([Problem(pkg.resources[name].path, None, None, f"cannot be read: {exc}")]) from exc
        header = tables[name][0]
        want = pkg.schemas[name].field_names
        if header != want:
            raise BuildError(
                [
                    Problem(
                        pkg.resources[name].path,
                        1,
                        None,
                        f"header {header} differs from the schema's fields {want}; fix it first",
                    )
                ]
            )
        for r, row in enumerate(tables[name][1], start=2):
            if len(row) != len(header):
                raise BuildError(
                    [
                        Problem(
                            pkg.resources[name].path, r, None, f"has {len(row)} cells but the header has {len(header)}"
                        )
                    ]
                )

    texts = _sources(pkg, archive, *tables["sources"], problems)
    for name, prefixes in EVIDENCE_BLOCKS.items():
        _offsets(pkg.resources[name].path, *tables[name], prefixes, texts, problems)
    if problems:
        raise BuildError(problems)

    outputs: dict[str, str] = {}
    for name, (header, rows) in tables.items():
        pk = [header.index(c) for c in pkg.schemas[name].primary_key]
        rows = sorted(rows, key=lambda r: [r[i] for i in pk])
        outputs[pkg.resources[name].path] = csvformat.dumps(header, rows)

    with tempfile.TemporaryDirectory(prefix="cartel-directive-build-") as tmp:
        stage = Path(tmp)
        for rel in ("schemas", "metadata"):
            if (pkg.root / rel).is_dir():
                shutil.copytree(pkg.root / rel, stage / rel)
        (stage / "data").mkdir()
        for rel, text in outputs.items():
            (stage / rel).parent.mkdir(parents=True, exist_ok=True)
            (stage / rel).write_text(text, encoding="utf-8", newline="")
        descriptor = _descriptor(pkg, stage, tables["sources"], _version(pkg.root))
        outputs[DESCRIPTOR] = json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"
        (stage / DESCRIPTOR).write_text(outputs[DESCRIPTOR], encoding="utf-8")
        report = validate(stage, sources=archive)
        if not report.ok:
            raise BuildError(report.problems)

    result = BuildResult()
    for rel, text in outputs.items():
        target = pkg.root / rel
        old = target.read_bytes() if target.is_file() else None
        if old != text.encode("utf-8"):
            result.changed.append(rel)
            if not check_only:
                csvformat.write_atomic(target, text)
    return result


def _descriptor(pkg: Package, stage: Path, sources: tuple[list[str], list[list[str]]], version: str | None) -> dict:
    d = json.loads(json.dumps(pkg.descriptor))
    if version:
        d["version"] = version
    header, rows = sources
    col = {n: i for i, n in enumerate(header)}
    d["sources"] = [
        {
            "title": f"{r[col['title']] or 'Untitled report'} ({r[col['outlet']] or 'outlet not stated in the text'}), archived as {r[col['source_file']]}",
            "sha256": r[col["sha256"]],
        }
        for r in sorted(rows, key=lambda r: r[col["source_file"]])
    ]
    for res in d["resources"]:
        size, digest = file_digest(stage / res["path"])
        res["bytes"], res["hash"] = size, digest
    return d
