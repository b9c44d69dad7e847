"""Property tests: every generated package is accepted; every mutation is rejected, located, without a traceback.

The same operators run on generated packages (hypothesis) and on a copy of the real
package; on the real one an operator is skipped only while the table it needs has no
rows, so these tests exercise the curated rows as soon as they exist.
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mutations import BY_NAME, MUTATIONS, Mutation, NotApplicable, Workspace, frictionless_rejects, is_located, run_cli
from strategies import PackageSpec, packages, write_package


def materialize(spec: PackageSpec, tmp: str) -> tuple[Path, Path]:
    root, archive = Path(tmp) / "pkg", Path(tmp) / "archive"
    write_package(spec, root, archive)
    return root, archive


def check_rejected(m: Mutation, root: Path, archive: Path, seed: int, fl: bool = False, real: bool = False) -> None:
    try:
        where = m.op(Workspace(root, archive), random.Random(seed))
    except NotApplicable:
        if not real:  # generated packages have rows in every table
            raise AssertionError(f"{m.name} found nothing to break in a generated package") from None
        pytest.skip(f"{m.name}: the real package has no rows this mutation needs yet")
    out = run_cli(root, archive)
    assert not out.traceback, f"{m.name}: exit {out.code}\n{out.stderr}"
    assert out.code == 1, f"{m.name} slipped through ({where})\n{out.stdout}"
    assert all(line.code for line in out.lines), f"{m.name}: a problem without a code\n{out.stdout}"
    assert is_located(out.lines, where, m.codes), (
        f"{m.name}: no problem names {where} with {sorted(m.codes)}\n{out.stdout}"
    )
    if fl:
        assert frictionless_rejects(root) == m.frictionless, f"{m.name}: frictionless disagrees"


@settings(max_examples=20)
@given(packages())
def test_generated_packages_are_valid(spec: PackageSpec) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root, archive = materialize(spec, tmp)
        out = run_cli(root, archive, "--require-provenance")
        assert out.code == 0 and not out.traceback, out.stdout + out.stderr
        assert out.report["summary"]["valid"] is True
        assert any(s.profile for s in spec.sources)  # the damage profile is always exercised


@settings(max_examples=6)
@given(packages())
def test_frictionless_accepts_generated_packages(spec: PackageSpec) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root, _ = materialize(spec, tmp)
        assert not frictionless_rejects(root)


@pytest.mark.parametrize("name", [m.name for m in MUTATIONS])
@settings(max_examples=3)
@given(spec=packages(), seed=st.integers(0, 2**16))
def test_mutation_is_rejected_and_located(name: str, spec: PackageSpec, seed: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        check_rejected(BY_NAME[name], *materialize(spec, tmp), seed)


@pytest.mark.parametrize("name", [m.name for m in MUTATIONS if m.frictionless])
@settings(max_examples=2)
@given(spec=packages(), seed=st.integers(0, 2**16))
def test_frictionless_agrees_on_mutation(name: str, spec: PackageSpec, seed: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        check_rejected(BY_NAME[name], *materialize(spec, tmp), seed, fl=True)


@pytest.mark.parametrize("name", [m.name for m in MUTATIONS])
def test_mutation_of_the_real_package(name: str, real_copy: tuple[Path, Path]) -> None:
    check_rejected(BY_NAME[name], *real_copy, seed=0, fl=BY_NAME[name].frictionless, real=True)


@pytest.mark.parametrize("name", ["not_utf8", "truncated_file", "header_reordered", "formula_eq", "tampered_archive"])
def test_mutation_via_subprocess_has_no_traceback(name: str, gen: tuple[Path, Path]) -> None:
    root, archive = gen
    where = BY_NAME[name].op(Workspace(root, archive), random.Random(1))
    proc = subprocess.run(
        [sys.executable, "-m", "cartel_directive", "validate", str(root), "--sources", str(archive)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    from mutations import parse_lines

    assert is_located(parse_lines(proc.stdout), where, BY_NAME[name].codes), proc.stdout
