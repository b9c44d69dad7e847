"""docs/reliability.md is what scripts/reliability_report.py writes today, and every case is caught (full tier)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import import_script

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.full
def test_reliability_report_is_current_and_every_case_is_caught(archive: Path) -> None:
    """Exit 1: a case slipped through, or docs/reliability.md is stale (run the script)."""
    report = import_script("reliability_report")
    assert report.main(["--check", "--sources", str(archive)]) == 0
