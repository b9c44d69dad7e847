"""`cartel-directive build`: idempotent, refuses invalid output, detects stale files, never half-writes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings

from cartel_directive import boundary
from cartel_directive.build import BuildError, build
from cartel_directive.cli import main
from cartel_directive.validate import validate
from mutations import Workspace
from strategies import PackageSpec, packages, write_package


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def make_stale(root: Path, archive: Path) -> None:
    """Several files out of date at once: rows unsorted in two tables, one offset wrong."""
    ws = Workspace(root, archive)
    for table in ("actors", "statistics"):
        header, rows = ws.read(table)
        rows.reverse()
        ws.write(table, header, rows, stamp=False)
    header, rows = ws.read("events")
    rows[0][header.index("evidence_start")] = "0"
    ws.write("events", header, rows, stamp=False)
    path = root / "datapackage.json"
    path.write_text(path.read_text().replace('"bytes": ', '"bytes": 1', 1))


@settings(max_examples=5)
@given(packages())
def test_build_keeps_every_generated_value_and_is_idempotent(spec: PackageSpec) -> None:
    """Offsets, hashes and body ranges recomputed by the build equal the generator's own."""
    with tempfile.TemporaryDirectory() as tmp:
        root, archive = Path(tmp) / "pkg", Path(tmp) / "archive"
        write_package(spec, root, archive)
        before = snapshot(root)
        build(root, archive)
        after = snapshot(root)
        assert {k: v for k, v in after.items() if k.startswith("data/")} == {
            k: v for k, v in before.items() if k.startswith("data/")
        }
        assert build(root, archive).changed == []
        assert snapshot(root) == after


def test_build_fixes_stale_files_without_dropping_a_row(gen) -> None:
    root, archive = gen
    rows_before = {t: sorted(map(tuple, Workspace(root, archive).read(t)[1])) for t in ("actors", "statistics")}
    make_stale(root, archive)
    assert not validate(root, sources=archive).ok
    result = build(root, archive)
    assert {"data/actors.csv", "data/statistics.csv", "data/events.csv", "datapackage.json"} <= set(result.changed)
    assert validate(root, sources=archive).ok
    for t, rows in rows_before.items():
        assert sorted(map(tuple, Workspace(root, archive).read(t)[1])) == rows
    assert build(root, archive).changed == []


def test_check_detects_stale_files_and_writes_nothing(gen, capsys) -> None:
    root, archive = gen
    assert main(["build", str(root), "--sources", str(archive), "--check"]) == 0
    make_stale(root, archive)
    before = snapshot(root)
    capsys.readouterr()
    assert main(["build", str(root), "--sources", str(archive), "--check"]) == 1
    out = capsys.readouterr().out
    assert "data/events.csv: stale" in out and "data/actors.csv: stale" in out
    assert snapshot(root) == before


def test_check_detects_a_stale_descriptor(gen, capsys) -> None:
    root, archive = gen
    path = root / "datapackage.json"
    path.write_text(path.read_text().replace('"bytes": ', '"bytes": 1', 1))
    assert main(["build", str(root), "--sources", str(archive), "--check"]) == 1
    assert "datapackage.json: stale" in capsys.readouterr().out


@pytest.mark.parametrize("breakage", ["evidence", "enum", "fk"])
def test_build_refuses_invalid_output_and_writes_nothing(gen, breakage: str, capsys) -> None:
    root, archive = gen
    ws = Workspace(root, archive)
    make_stale(root, archive)  # something the build would rewrite, were the output valid
    if breakage == "evidence":
        ws.set_cell("actors", 0, "evidence", "A sentence that no archived file contains.", stamp=False)
    elif breakage == "enum":
        ws.set_cell("actors", 0, "actor_kind", "politician", stamp=False)
    else:
        ws.set_cell("statements", 0, "speaker_id", "ghost", stamp=False)
    before = snapshot(root)
    with pytest.raises(BuildError) as exc:
        build(root, archive)
    assert exc.value.problems
    assert snapshot(root) == before
    assert main(["build", str(root), "--sources", str(archive)]) == 1
    assert "nothing was written" in capsys.readouterr().err
    assert snapshot(root) == before


def _expected_new(root: Path, archive: Path, tmp_path: Path) -> dict[str, bytes]:
    other = tmp_path / "expected"
    shutil.copytree(root, other)
    build(other, archive)
    return snapshot(other)


def _assert_each_file_old_or_new(root: Path, old: dict[str, bytes], new: dict[str, bytes]) -> tuple[int, int]:
    now = snapshot(root)
    assert set(now) == set(old), "a file appeared or vanished (a leftover temporary file?)"
    n_old = n_new = 0
    for rel, data in now.items():
        assert data in (old[rel], new[rel]), f"{rel} is neither the old nor the new file (truncated or mixed)"
        n_old += data == old[rel] != new[rel]
        n_new += data == new[rel] != old[rel]
    return n_old, n_new


@pytest.mark.parametrize("failing_call", [2, 3])  # call 1 writes the publication journal
def test_rewrite_failing_midway_rolls_back_every_file(gen, tmp_path, monkeypatch, failing_call: int) -> None:
    root, archive = gen
    make_stale(root, archive)
    old, new = snapshot(root), _expected_new(root, archive, tmp_path)
    real_replace, calls = os.replace, []

    def flaky_replace(src, dst):
        calls.append(dst)
        if len(calls) == failing_call:
            raise OSError("disk gone")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", flaky_replace)
    with pytest.raises(OSError, match="disk gone"):
        build(root, archive)
    monkeypatch.undo()
    assert snapshot(root) == old  # the files already replaced were restored; no temporary file left
    build(root, archive)  # a rerun completes the job
    assert snapshot(root) == new


KILLER = """
import os, signal, sys
from pathlib import Path
real, calls = os.replace, []
def replace(src, dst):
    real(src, dst)
    calls.append(dst)
    if len(calls) == 2:   # killed right after the journal and the first file are in place
        os.kill(os.getpid(), signal.SIGKILL)
os.replace = replace
from cartel_directive.build import build
build(Path(sys.argv[1]), Path(sys.argv[2]))
"""


def test_build_killed_midway_is_rolled_back_then_completed(gen, tmp_path) -> None:
    root, archive = gen
    make_stale(root, archive)
    old, new = snapshot(root), _expected_new(root, archive, tmp_path)
    proc = subprocess.run([sys.executable, "-c", KILLER, str(root), str(archive)], capture_output=True, check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert (root / boundary.JOURNAL).exists()  # a killed process cannot clean up; the journal says what to undo
    assert main(["build", str(root), "--sources", str(archive), "--check"]) == 1  # refuses to compare a half set
    boundary.recover(root)
    assert snapshot(root) == old
    build(root, archive)
    assert snapshot(root) == new


def test_build_of_the_real_package_changes_nothing(real_copy) -> None:
    root, archive = real_copy
    assert build(root, archive, check_only=True).changed == []


def test_write_durably_replaces_the_whole_file_and_leaves_no_temporary(tmp_path) -> None:
    path = tmp_path / "x.csv"
    boundary.write_durably(path, b"a\n")
    boundary.write_durably(path, b"b\n")
    assert path.read_bytes() == b"b\n"
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]
