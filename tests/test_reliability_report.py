"""docs/reliability.md is what scripts/reliability_report.py writes today, and every case is caught (full tier)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import import_script

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.full
def test_reliability_report_is_current_and_every_case_is_caught(tmp_path: Path, archive: Path) -> None:
    report = import_script("reliability_report")
    out = tmp_path / "reliability.md"
    assert report.main(["--out", str(out), "--sources", str(archive)]) == 0, "a mutation case slipped through"
    committed = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    assert out.read_text(encoding="utf-8") == committed, "stale: run `python scripts/reliability_report.py`"
