"""The R example (examples/read.R) reads every table with the schema's types, and fails on a wrong type.

Needs Rscript with readr and jsonlite (Debian: r-base-core r-cran-readr r-cran-jsonlite). Skipped
without them, except in CI, which installs them and sets CARTEL_DIRECTIVE_REQUIRE_R=1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

import cartel_directive as cd

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "examples" / "read.R"


def _have_r() -> bool:
    if shutil.which("Rscript") is None:
        return False
    probe = subprocess.run(["Rscript", "-e", "library(readr); library(jsonlite)"], capture_output=True, check=False)
    return probe.returncode == 0


if not _have_r():
    if os.environ.get("CARTEL_DIRECTIVE_REQUIRE_R"):
        pytest.fail("Rscript with readr and jsonlite is required here (CARTEL_DIRECTIVE_REQUIRE_R)", pytrace=False)
    pytest.skip("Rscript with readr and jsonlite is not installed", allow_module_level=True)


def run_r(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["Rscript", str(SCRIPT), str(root)], capture_output=True, text=True, check=False)


def test_reads_every_table_with_its_rows() -> None:
    res = run_r(ROOT)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    for name, df in cd.load_all(root=ROOT).items():
        line = next(line for line in lines if line.split()[0] == name)
        assert f" {len(df)} rows " in f" {' '.join(line.split())} ", line
    assert "Date" in res.stdout and "factor" in res.stdout and "integer" in res.stdout


def _replace_cell(file: Path, column: str, value: str) -> None:
    """Set ``column`` of the first data row to ``value`` (csv round trip: the rest is unchanged)."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(file.read_text(encoding="utf-8"), newline="")))
    rows[1][rows[0].index(column)] = value
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    file.write_text(out.getvalue(), encoding="utf-8", newline="")


@pytest.mark.parametrize(
    ("table", "column", "value", "message"),
    [
        ("events", "evidence_start", "twelve", "data/events.csv:2:evidence_start: twelve is not an integer"),
        ("events", "date_start", "2025-13-01", "data/events.csv:2:date_start: 2025-13-01 is not date"),
        ("events", "event_type", "not-a-type", "data/events.csv:2:event_type: not-a-type is not value in level set"),
        ("statistics", "value", "1,5", "data/statistics.csv:2:value: 1,5 is not a double"),
    ],
)
def test_fails_on_a_copy_with_a_wrongly_typed_cell(pkg_copy: Path, table, column, value, message) -> None:
    _replace_cell(pkg_copy / "data" / f"{table}.csv", column, value)
    res = run_r(pkg_copy)
    assert res.returncode != 0, res.stdout
    assert message in res.stderr, res.stderr


def test_fails_on_a_header_that_is_not_the_schema(pkg_copy: Path) -> None:
    file = pkg_copy / "data" / "actors.csv"
    text = file.read_text(encoding="utf-8")
    file.write_text(text.replace("actor_id,", "id,", 1), encoding="utf-8")
    res = run_r(pkg_copy)
    assert res.returncode != 0
    assert "data/actors.csv: the header is not the schema's fields" in res.stderr
