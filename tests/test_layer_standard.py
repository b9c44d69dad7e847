"""Layer: the standard (descriptor, paths, bytes, hash), and agreement with `frictionless validate`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cartel_directive.validate import validate
from mutations import Workspace, frictionless_rejects, run_cli


def spots(root: Path, archive: Path) -> set[tuple[str, int | None, str | None]]:
    return {(p.file, p.row, p.column) for p in validate(root, sources=archive).problems}


def edit_descriptor(root: Path, change) -> None:
    path = root / "datapackage.json"
    d = json.loads(path.read_text())
    change(d)
    path.write_text(json.dumps(d, indent=2))


def test_generated_package_passes_both_validators(gen) -> None:
    assert validate(*gen, with_frictionless=True).ok
    assert not frictionless_rejects(gen[0])


def test_changed_data_file_is_caught_by_hash_and_bytes(gen) -> None:
    path = gen[0] / "data/actors.csv"
    path.write_bytes(path.read_bytes().replace(b"A generated actor.", b"A generated actor!"))
    report = validate(*gen)
    hits = [p for p in report.problems if p.file == "data/actors.csv" and p.layer == "standard"]
    assert [p.code for p in hits] == ["file-hash-mismatch"] and hits[0].row is None
    assert frictionless_rejects(gen[0])
    path.write_bytes(path.read_bytes() + b"")
    path.write_bytes(path.read_bytes().replace(b"A generated actor!", b"A generated actor!!"))
    codes = {p.code for p in validate(*gen).problems if p.file == "data/actors.csv"}
    assert codes >= {"file-bytes-mismatch", "file-hash-mismatch"}


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.update({"$schema": "https://example.org/x.json"}), ("datapackage.json", None, "$schema")),
        (lambda d: d.pop("licenses"), ("datapackage.json", None, "licenses")),
        (lambda d: d["resources"].pop(3), ("datapackage.json", None, "resources")),
        (
            lambda d: d["resources"][1].update({"path": "data/people.csv"}),
            ("datapackage.json", None, "resources[actors].path"),
        ),
        (
            lambda d: d["resources"][2].update({"schema": "schemas/none.json"}),
            ("datapackage.json", None, "resources[events].schema"),  # no schema: nothing else runs
        ),
    ],
)
def test_descriptor_promises(gen, change, where) -> None:
    edit_descriptor(gen[0], change)
    out = run_cli(*gen)
    assert out.code == 1 and not out.traceback, out.stderr
    assert any((ln.file, ln.row, ln.column) == where for ln in out.lines), out.stdout


def test_missing_data_file(gen) -> None:
    (gen[0] / "data/statistics.csv").unlink()
    out = run_cli(*gen)
    assert out.code == 1 and not out.traceback
    assert any(ln.file == "data/statistics.csv" and ln.code == "file-missing" for ln in out.lines)


@pytest.mark.parametrize("text", ["", "{not json", '{"resources": 3}', "[]"])
def test_unreadable_descriptor_is_one_line_not_a_traceback(gen, text: str) -> None:
    (gen[0] / "datapackage.json").write_text(text)
    out = run_cli(*gen)
    assert out.code == 1 and not out.traceback, out.stderr
    assert out.lines and out.lines[0].file == "datapackage.json"


def test_with_frictionless_reports_its_errors_located(gen) -> None:
    Workspace(*gen).set_cell("actors", 0, "actor_kind", "politician")
    report = validate(*gen, with_frictionless=True)
    fl = [p for p in report.problems if p.layer == "frictionless"]
    assert fl and any(p.file == "data/actors.csv" and p.row == 2 and p.column == "actor_kind" for p in fl)
    ours = [p for p in report.problems if p.layer != "frictionless"]
    assert any((p.file, p.row, p.column) == ("data/actors.csv", 2, "actor_kind") for p in ours)
