"""Smoke test: the synthetic generator and the benchmark script run at a tiny size.

The benchmark itself is far too slow for CI; this only checks that both scripts work
and that a generated package passes every layer of the project's validator.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cartel_directive.validate import validate

BENCH = Path(__file__).resolve().parent.parent / "scripts" / "bench"


def test_generated_package_is_valid(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(BENCH / "synthetic.py"), str(tmp_path), "-n", "200"], check=True)
    report = validate(tmp_path / "pkg", sources=tmp_path / "archive")
    assert report.ok, "\n".join(report.lines())
    assert report.rows["statements"] == 200
    assert "provenance" in report.ran
    timings = report.to_json()["summary"]["timings"]
    assert {"read", "typing", *report.ran} <= set(timings)  # every phase that ran is timed
    assert all(t["cpu_s"] >= 0 and t["wall_s"] >= 0 for t in timings.values())


def test_bench_script_runs_at_tiny_size(tmp_path: Path) -> None:
    out = tmp_path / "bench.md"
    args = ["--sizes", "100,200", "--repeat", "1", "--real-calls", "2", "--out", str(out)]
    subprocess.run(
        [sys.executable, str(BENCH / "run.py"), *args],
        check=True,
        capture_output=True,
    )
    text = out.read_text(encoding="utf-8")
    assert "| 200 |" in text and "| frictionless |" in text and "## Targets" in text
    assert out.with_suffix(".json").is_file()
    assert "## Where validate's CPU goes" in text and "| pandera |" in text
    repo = str(BENCH.parent.parent)
    assert repo not in text and repo not in out.with_suffix(".json").read_text(encoding="utf-8")


def test_generator_needs_no_hypothesis() -> None:
    """The benchmark's environment has no hypothesis (pandera imports it when present, which
    distorts the timings): the generator imports it only in its hypothesis backend."""
    code = "import sys, strategies; assert 'hypothesis' not in sys.modules, 'hypothesis imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=BENCH.parent.parent / "tests")


def test_ids_past_9999_widen_the_copied_patterns(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(BENCH / "synthetic.py"), str(tmp_path), "-n", "10000"], check=True)
    schema = json.loads((tmp_path / "pkg" / "schemas" / "statements.schema.json").read_text(encoding="utf-8"))
    pattern = {f["name"]: f.get("constraints", {}).get("pattern") for f in schema["fields"]}["statement_id"]
    assert pattern == "stm-[0-9]{4,}"
    report = validate(tmp_path / "pkg", sources=tmp_path / "archive")
    assert report.ok, "\n".join(report.lines())
    assert report.rows["statements"] == 10_000  # stm-10000 among them, valid under the widened pattern
    assert report.rows["sources"] == 10 and "provenance" in report.ran
