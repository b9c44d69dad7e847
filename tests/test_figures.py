"""The figure script runs, and the committed figures and captions are current.

How staleness is decided is documented in ``scripts/figures.py``: the plotted data and
captions are hashed into ``docs/figures/manifest.json`` (always compared), and the PNGs are
re-rendered and compared byte for byte when matplotlib and FreeType are the versions the
manifest records.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import import_script

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "figures.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def figures():
    return import_script("figures")


def test_committed_figures_are_current() -> None:
    run = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, f"stale figures; run `python scripts/figures.py`\n{run.stdout}{run.stderr}"


def test_every_figure_renders_a_png_without_volatile_metadata(figures) -> None:
    for plot in figures.plots():
        png = figures.render(plot)
        assert png.startswith(PNG_SIGNATURE), plot.name
        for chunk in (b"tIME", b"Software", b"Creation Time"):
            assert chunk not in png, f"{plot.name}: PNG carries {chunk!r}"
        assert figures.render(plot) == png, f"{plot.name}: two renderings differ"


def test_manifest_lists_every_committed_png(figures) -> None:
    manifest = json.loads((ROOT / figures.MANIFEST).read_text(encoding="utf-8"))
    names = {p.name for p in figures.plots()}
    assert set(manifest["figures"]) == names
    for name in names:
        assert (ROOT / figures.FIG_DIR / f"{name}.png").is_file()


def test_captions_cite_their_tables(figures) -> None:
    cited = {"timeline": "`events.csv`", "border_crossings": "`statistics.csv`", "speakers": "`statements.csv`"}
    for plot in figures.plots():
        assert cited[plot.name] in plot.caption


def test_timeline_counts_every_report(figures) -> None:
    data = figures.timeline_data()
    plotted = sum(len(lane["marks"]) for lane in data["lanes"])
    assert plotted + data["undated_reports"] == data["reports"]
    figures.check_panels(data)
