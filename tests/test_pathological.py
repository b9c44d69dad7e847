"""Pathological shapes end within a minute under a 4 GiB memory cap, with a located, coded problem.

Each case replaces ``data/statements.csv`` of a copy of the real package (and re-stamps the
descriptor, so only the shape is wrong), then runs ``cartel-directive validate --format json``
in a subprocess limited to 4 GiB of address space and 60 seconds.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from strategies import restamp

LIMIT = 4 * 2**30


def _cap() -> None:  # in the child, before exec
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def _validate(root: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "cartel_directive", "validate", str(root), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_cap,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout)


def _header(root: Path) -> bytes:
    return (root / "data" / "statements.csv").read_bytes().split(b"\n", 1)[0]


CASES = {
    # a 200 MB line: one record far wider than the header
    "200mb-line": lambda h: h + b"\n" + b"x," * 100_000_000 + b"\n",
    # a header of a million columns
    "million-columns": lambda h: b",".join(b"c%d" % i for i in range(1_000_000)) + b"\n",
    # a ten-million-character cell in a row of the right width
    "10m-cell": lambda h: h + b"\n" + b"x" * 10_000_000 + b"," * h.count(b",") + b"\n",
    # NUL bytes
    "nul-bytes": lambda h: h + b"\n" + b"\x00" * 1000 + b"," * h.count(b",") + b"\n",
}
EXPECTED = {
    "200mb-line": ("csv-row-width", 2),
    "million-columns": ("csv-too-many-columns", 1),
    "10m-cell": (None, 2),  # typed and checked: some rule names row 2
    "nul-bytes": ("csv-nul", 2),
}


@pytest.mark.full
@pytest.mark.parametrize("case", sorted(CASES))
def test_pathological_shape_is_refused_in_bounds(case: str, pkg_copy: Path) -> None:
    file = pkg_copy / "data" / "statements.csv"
    file.write_bytes(CASES[case](_header(pkg_copy)))
    restamp(pkg_copy)
    report = _validate(pkg_copy)
    code, row = EXPECTED[case]
    hits = [p for p in report["problems"] if p["file"] == "data/statements.csv" and p["row"] == row]
    assert hits, report["problems"][:5]
    if code:
        assert any(p["code"] == code for p in hits), hits[:5]
    assert all(p["code"] for p in report["problems"])
    assert len(report["problems"]) < 100_000  # bounded: located problems are capped
