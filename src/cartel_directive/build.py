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

import hashlib
import json
import os
import re
import tempfile
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import boundary, csvformat, reader, utf8
from .checks.crossfield import EVIDENCE_BLOCKS
from .descriptor import TABLES, Package, file_digest
from .errors import BoundaryError
from .problems import Problem
from .resources import DESCRIPTOR
from .textfold import DAMAGE_PROFILES, FoldedText

BODIES = Path("metadata") / "article_bodies.json"


class BuildError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class BuildResult:
    changed: list[str] = field(default_factory=list)
    #: one line per ``--accept-source`` file: what changed in it
    accepted: list[str] = field(default_factory=list)


def _locate(ft: FoldedText, excerpt: str, lo: int, hi: int, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [(a, b) for a, b in ft.find_all(excerpt, lo, hi) if not any(a < y and x < b for x, y in spans)]


def _first(ft: FoldedText, spec: dict, name: str, key: str, lo: int, problems: list[Problem]) -> tuple[int, int] | None:
    """The first span of the marker ``spec[key]`` at or after ``lo``."""
    hits = ft.find_all(spec.get(key, ""), lo)
    if not hits:
        problems.append(Problem(str(BODIES), None, f"{name}.{key}", "text not found in the archived file"))
        return None
    return hits[0]


#: The columns of ``sources.csv`` that the build reads or fills.
SOURCE_COLUMNS = (
    "source_file",
    "sha256",
    "bytes",
    "title",
    "outlet",
    "content_start",
    "content_end",
    "non_article_spans",
    "encoding_damage",
)
SUMS = "SHA256SUMS"


def _bodies(pkg: Package, problems: list[Problem]) -> dict[str, dict]:
    """``metadata/article_bodies.json``, checked: source file -> {body_starts_with, body_ends_with, non_article}."""
    rel = BODIES.as_posix()
    try:
        bodies = boundary.read_json(pkg.root, rel, file=rel, column=None)
    except BoundaryError as exc:
        problems += exc.problems
        return {}
    if not isinstance(bodies, dict):
        problems.append(
            Problem(rel, None, None, "must be a JSON object: source file -> body markers", "", "bodies-invalid")
        )
        return {}
    out = {}
    for name, spec in bodies.items():
        bad = None
        if not isinstance(spec, dict):
            bad = (name, "must be an object with body_starts_with, body_ends_with and non_article")
        elif wrong := [
            k for k in ("body_starts_with", "body_ends_with") if not isinstance(spec.get(k), str) or not spec.get(k)
        ]:
            bad = (f"{name}.{wrong[0]}", "must be a non-empty string of the archived text")
        elif not isinstance(spec.get("non_article", []), list) or not all(
            isinstance(m, str) and m for m in spec.get("non_article", [])
        ):
            bad = (f"{name}.non_article", "must be a list of non-empty strings of the archived text")
        if bad:
            problems.append(Problem(rel, None, boundary.show(bad[0])[1:-1], bad[1], "", "bodies-invalid"))
        else:
            out[name] = spec
    return out


def _sums(archive: Path, problems: list[Problem]) -> dict[str, str] | None:
    """The archive's own ``SHA256SUMS`` (file name -> hex digest), or None if it has none."""
    if not os.path.lexists(archive / SUMS):
        return None
    try:
        data = boundary.read_file(archive, SUMS, file=SUMS, column=None, what="source archive", limit=1 << 20)
    except BoundaryError as exc:
        problems += exc.problems
        return None
    if errors := utf8.check(data).errors:
        problems.append(Problem(SUMS, None, None, f"is not UTF-8 (byte {errors[0].start})", "", "archive-sums-invalid"))
        return None
    text = data.decode("utf-8")
    out = {}
    for n, line in enumerate(text.splitlines(), start=1):
        m = re.fullmatch(r"([0-9a-f]{64}) [ *](.+)", line)
        if m is None:
            if line.strip():
                problems.append(Problem(SUMS, n, None, "is not '<sha256>  <file name>'", "", "archive-sums-invalid"))
            continue
        out[m.group(2)] = m.group(1)
    return out


def _identify(
    archive: Path,
    name: str,
    row: list[str],
    col: dict[str, int],
    r: int,
    where: tuple[str, set[str], dict | None],
    problems: list[Problem],
    accepted: list[str],
) -> bytes | None:
    """The archived file of one ``sources.csv`` row, read only if it is the file the package recorded.

    The archive is immutable: its file must have the SHA-256 recorded in ``sources.csv``
    (and in the archive's ``SHA256SUMS`` where it has one). A changed file is refused,
    unless it is named in ``accept`` (``build --accept-source``); then what changed is reported.
    """
    file, accept, sums = where
    try:
        data = boundary.read_file(archive, name, file=file, row=r, column="source_file", what="source archive")
    except BoundaryError as exc:
        problems += exc.problems
        return None
    sha, size = hashlib.sha256(data).hexdigest(), len(data)
    recorded, recorded_size = row[col["sha256"]], row[col["bytes"]]
    vs_recorded = bool(recorded) and recorded != sha
    vs_sums = sums is not None and sums.get(name) != sha
    listed = "is not listed in" if sums is not None and name not in sums else "does not match"
    if name in accept:
        if not (vs_recorded or vs_sums):
            accepted.append(f"{name}: unchanged (SHA-256 {sha}); nothing to accept")
        else:
            note = f"; note: it {listed} the archive's {SUMS}, update that too" if vs_sums else ""
            accepted.append(
                f"{name}: accepted the changed archived file: SHA-256 {recorded or '(none)'} -> {sha}, "
                f"bytes {recorded_size or '(none)'} -> {size}{note}"
            )
    elif vs_recorded:
        problems.append(
            Problem(
                file,
                r,
                "sha256",
                f"the archived file {name} changed: its SHA-256 is now {sha}, {size} bytes "
                f"(recorded {recorded}, {recorded_size} bytes); the archive is immutable. If the new file is right, "
                f"run `cartel-directive build --accept-source {name}`",
                "",
                "archive-changed",
            )
        )
        return None
    elif vs_sums:
        problems.append(
            Problem(
                file,
                r,
                "source_file",
                f"the archived file {name} (SHA-256 {sha}) {listed} the archive's {SUMS}: the archive was changed. "
                f"If the new file is right, run `cartel-directive build --accept-source {name}`",
                "",
                "archive-changed",
            )
        )
        return None
    row[col["sha256"]], row[col["bytes"]] = sha, str(size)
    return data


def _sources(
    pkg: Package,
    archive: Path,
    header: list[str],
    rows: list[list[str]],
    problems: list[Problem],
    accept: set[str],
    accepted: list[str],
) -> dict[str, tuple[FoldedText, int, int, list[tuple[int, int]]]]:
    file = pkg.resources["sources"].path
    bodies = _bodies(pkg, problems)
    sums = _sums(archive, problems)
    col = {n: i for i, n in enumerate(header)}
    texts: dict[str, tuple[FoldedText, int, int, list[tuple[int, int]]]] = {}
    for r, row in enumerate(rows, start=2):
        name = row[col["source_file"]]
        data = _identify(archive, name, row, col, r, (file, accept, sums), problems, accepted)
        if data is None:
            continue
        if errors := utf8.check(data).errors:
            problems.append(
                Problem(
                    file,
                    r,
                    "source_file",
                    f"the archived file {name} is not UTF-8 (byte {errors[0].start})",
                    "",
                    "archive-not-utf8",
                )
            )
            continue
        raw = data.decode("utf-8")
        damage = row[col["encoding_damage"]] or None
        if damage is not None and damage not in DAMAGE_PROFILES:
            problems.append(
                Problem(
                    file,
                    r,
                    "encoding_damage",
                    f"{boundary.show(damage)} is not a known damage profile ({', '.join(DAMAGE_PROFILES)})",
                    "",
                    "enum",
                )
            )
            continue
        ft = FoldedText.build(raw, damage)
        spec = bodies.get(name)
        if spec is None:
            if (pkg.root / BODIES).is_file():
                problems.append(
                    Problem(str(BODIES), None, name, "has no entry for this source file", "", "bodies-missing-source")
                )
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
                    Problem(
                        str(BODIES), None, f"{name}.non_article", f"{boundary.show(marker)} not found inside the body"
                    )
                )
            spans += hits
        spans.sort()
        row[col["content_start"]], row[col["content_end"]] = str(start[0]), str(end[1])
        row[col["non_article_spans"]] = ";".join(f"{a}-{b}" for a, b in spans)
        texts[name] = (ft, start[0], end[1], spans)
    return texts


def _offset(cell: str) -> bool:
    return cell.isascii() and cell.isdigit() and len(cell) < 19


def _offsets(
    file: str,
    header: list[str],
    rows: list[list[str]],
    prefixes: list[str],
    texts: dict,
    problems: list[Problem],
    refused: set[str] = frozenset(),  # type: ignore[assignment]
) -> None:
    col = {n: i for i, n in enumerate(header)}
    for prefix in prefixes:
        found = [col.get(f"{prefix}{c}") for c in ("source_file", "evidence", "evidence_start", "evidence_end")]
        if any(i is None for i in found):
            continue
        sf, ev, s, e = (int(i) for i in found if i is not None)
        for r, row in enumerate(rows, start=2):
            if not row[ev] and not row[sf]:
                continue
            if row[sf] not in texts:
                if row[sf] in refused:  # the source itself was refused, and said so once
                    continue
                problems.append(
                    Problem(file, r, f"{prefix}source_file", f"{row[sf]!r} is not a source with a readable body")
                )
                continue
            ft, lo, hi, spans = texts[row[sf]]
            hits = _locate(ft, row[ev], lo, hi, spans)
            current = (int(row[s]), int(row[e])) if _offset(row[s]) and _offset(row[e]) else None
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


def _version(pkg: Package) -> str | None:
    """The version in ``pyproject.toml`` beside the package, if there is one (the repository; not a wheel)."""
    if not os.path.lexists(pkg.root / "pyproject.toml"):
        return None
    try:
        data = boundary.read_file(pkg.root, "pyproject.toml", file="pyproject.toml", column=None, limit=1 << 20)
        version = tomllib.loads(data.decode("utf-8"))["project"]["version"]
    except BoundaryError as exc:
        raise BuildError(exc.problems) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError):
        raise BuildError(
            [
                Problem(
                    "pyproject.toml",
                    None,
                    "project.version",
                    "cannot be read (TOML with a [project] version)",
                    "",
                    "version-unreadable",
                )
            ]
        ) from None
    if not isinstance(version, str) or not re.fullmatch(r"[0-9A-Za-z.+-]{1,64}", version):
        raise BuildError(
            [
                Problem(
                    "pyproject.toml",
                    None,
                    "project.version",
                    f"{boundary.show(version)} is not a version",
                    "",
                    "version-unreadable",
                )
            ]
        )
    return version


def _read_table(pkg: Package, name: str) -> tuple[list[str], list[list[str]]]:
    """One table as strings, checked against its schema's header and width; BuildError otherwise."""
    rel = pkg.resources[name].path
    try:
        data = pkg.read(name)
    except BoundaryError as exc:
        raise BuildError(exc.problems) from None

    def refuse(row: int | None, message: str, code: str) -> BuildError:
        return BuildError(
            [Problem(rel, row, None, f"{message}; fix it first (`cartel-directive validate` says more)", "", code)]
        )

    table = reader.read(data, rel)
    if table.frame is None:  # the reader located the problems (encoding, quotes, widths, ...)
        raise BuildError(table.problems)
    header, rows = table.header, table.frame.to_numpy(dtype=object).tolist()
    want = pkg.schemas[name].field_names
    if header != want:
        raise refuse(
            1,
            f"the header {boundary.show(','.join(header))} is not the schema's fields {','.join(want)}",
            "header-mismatch",
        )
    return header, rows


def build(path: str | Path | None, archive: Path, check_only: bool = False, accept: Iterable[str] = ()) -> BuildResult:
    """Recompute the package at ``path``; raise :class:`BuildError` and write nothing on any problem.

    ``accept``: archived files (names as in ``sources.csv``) whose change since their SHA-256
    was recorded is accepted; any other changed archived file is refused.
    """
    from .validate import validate

    pkg = Package.open(path)
    problems: list[Problem] = []
    missing = [t for t in TABLES if t not in pkg.resources]
    if missing:
        raise BuildError(
            [Problem(DESCRIPTOR, None, "resources", f"has no resource {missing[0]!r}", "", "resource-missing")]
        )
    tables = {name: _read_table(pkg, name) for name in TABLES}
    lacking = [c for c in SOURCE_COLUMNS if c not in tables["sources"][0]]
    if lacking:
        rel = pkg.resources["sources"].schema_path
        raise BuildError(
            [Problem(rel, None, "fields", f"has no field {lacking[0]!r}, which the build fills", "", "field-missing")]
        )

    accepted: list[str] = []
    texts = _sources(pkg, archive, *tables["sources"], problems, set(accept), accepted)
    known = {row[tables["sources"][0].index("source_file")] for row in tables["sources"][1]}
    problems += [
        Problem(
            pkg.resources["sources"].path,
            None,
            "source_file",
            f"--accept-source {boundary.show(a)}: no such source file",
            "",
            "accept-unknown",
        )
        for a in sorted(set(accept) - known)
    ]
    for name, prefixes in EVIDENCE_BLOCKS.items():
        _offsets(pkg.resources[name].path, *tables[name], prefixes, texts, problems, known - set(texts))
    if problems:
        raise BuildError(problems)

    outputs: dict[str, str] = {}
    for name, (header, rows) in tables.items():
        pk = [header.index(c) for c in pkg.schemas[name].primary_key]
        rows = sorted(rows, key=lambda r: [r[i] for i in pk])
        outputs[pkg.resources[name].path] = csvformat.dumps(header, rows)

    with tempfile.TemporaryDirectory(prefix="cartel-directive-build-") as tmp:
        stage = Path(tmp)  # only what validation reads: the descriptor, its schemas and the new tables
        for r in pkg.resources.values():
            schema = boundary.read_file(pkg.root, r.schema_path, file=DESCRIPTOR, column=f"resources[{r.name}].schema")
            (stage / r.schema_path).parent.mkdir(parents=True, exist_ok=True)
            (stage / r.schema_path).write_bytes(schema)
        for rel, text in outputs.items():
            (stage / rel).parent.mkdir(parents=True, exist_ok=True)
            (stage / rel).write_text(text, encoding="utf-8", newline="")
        for r in pkg.resources.values():
            if not (stage / r.path).exists():  # an extra resource the build does not rewrite
                (stage / r.path).parent.mkdir(parents=True, exist_ok=True)
                (stage / r.path).write_bytes(pkg.read(r.name))
        descriptor = _descriptor(pkg, stage, tables["sources"], _version(pkg))
        outputs[DESCRIPTOR] = json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"
        (stage / DESCRIPTOR).write_text(outputs[DESCRIPTOR], encoding="utf-8")
        report = validate(stage, sources=archive)
        if not report.ok:
            raise BuildError(report.problems)

    try:
        changed = boundary.publish(pkg.root, outputs, check_only=check_only)
    except BoundaryError as exc:
        raise BuildError(exc.problems) from None
    return BuildResult(changed=changed, accepted=accepted)


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
