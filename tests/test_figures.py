"""The figure script runs, and the committed figures and captions are current.

How staleness is decided is documented in ``scripts/figures.py``: the plotted data and
captions are hashed into ``docs/figures/manifest.json`` (always compared), and the PNGs are
re-rendered and compared byte for byte when matplotlib and FreeType are the versions the
manifest records.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from matplotlib.text import Text

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


def test_timeline_draws_every_report_the_caption_counts(figures) -> None:
    """The caption's "N of M reports are plotted" is what the figure draws, open-ended dates included."""
    plot = next(p for p in figures.plots() if p.name == "timeline")
    counted = int(re.search(r"(\d+) of \d+ reports are plotted", plot.caption).group(1))
    dated = {m["event_id"] for lane in plot.data["lanes"] for m in lane["marks"]}
    with plt.rc_context(figures.STYLE):
        fig = plot.draw(plot.data)
        drawn = figures.drawn_reports(fig)
        plt.close(fig)
    assert drawn == dated
    assert len(drawn) == counted
    assert any(m["start"] and not m["end"] for lane in plot.data["lanes"] for m in lane["marks"]), (
        "the package has open-ended dates (2025-08-08/..); the test must see one drawn"
    )


def test_no_label_is_clipped(figures, monkeypatch) -> None:
    """Every piece of text that is drawn lies inside the figure (the longest italic speaker name included)."""
    drawn: list[Text] = []
    original = Text.draw

    def record(self, renderer):
        drawn.append(self)
        return original(self, renderer)

    monkeypatch.setattr(Text, "draw", record)
    for plot in figures.plots():
        with plt.rc_context(figures.STYLE):
            fig = plot.draw(plot.data)
            drawn.clear()
            fig.canvas.draw()
            renderer = fig.canvas.get_renderer()
            box = fig.bbox
            texts = [t for t in drawn if t.get_visible() and t.get_text().strip()]
            assert texts, plot.name
            for text in texts:
                ext = text.get_window_extent(renderer)
                inside = ext.x0 >= box.x0 - 0.5 and ext.x1 <= box.x1 + 0.5 and ext.y0 >= box.y0 - 0.5
                assert inside and ext.y1 <= box.y1 + 0.5, f"{plot.name}: {text.get_text()!r} is cut at the edge"
            plt.close(fig)
