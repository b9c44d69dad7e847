"""The committed package passes every layer, with the archive, and agrees with frictionless."""

from __future__ import annotations

from pathlib import Path

from cartel_directive.validate import validate


def test_committed_package_is_valid_with_provenance(root: Path, archive: Path) -> None:
    report = validate(root, sources=archive)
    assert report.ok, "\n".join(report.lines())
    assert "provenance" in report.ran
    assert set(report.ran) >= {"standard", "hygiene", "pandera", "provenance"}


def test_frictionless_agrees_on_committed_package(root: Path, archive: Path) -> None:
    report = validate(root, sources=archive, with_frictionless=True)
    assert report.count("frictionless") == 0, "\n".join(report.lines())


def test_without_archive_provenance_says_not_run(root: Path, monkeypatch) -> None:
    monkeypatch.delenv("CARTEL_DIRECTIVE_SOURCES", raising=False)
    report = validate(root)
    assert "provenance" not in report.ran
    assert "no archive given" in report.skipped["provenance"]
    assert any("provenance" in line and "NOT RUN" in line for line in report.lines())
