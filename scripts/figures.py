"""Draw the package's figures (PNG, in ``docs/figures/``) and their captions.

Three figures, each from the loaded tables:

1. ``timeline.png``: events by occurrence, dates as intervals, inferred dates marked;
2. ``border_crossings.png``: June 2025 against June 2024 interceptions, with the derived change;
3. ``speakers.png``: who is quoted how often, by source.

Also written: ``docs/figures/manifest.json`` (per figure: SHA-256 of the plotted data and
caption, SHA-256 of the PNG, and the rendering stack), ``docs/figures.md`` (every figure
with its caption) and the block between ``<!-- figures:start ... -->`` and
``<!-- figures:end -->`` in ``README.md``.

Staleness (``--check``): the data hashes and this script's hash must match the manifest,
the committed PNGs must match their recorded hashes, the caption blocks must be current,
and, when matplotlib and FreeType are the versions the manifest records, a fresh
rendering must be byte-identical to the committed PNG. Rendering is deterministic on one
stack (Agg, bundled DejaVu Sans, no PNG ``Software`` or date chunks) but not promised
across matplotlib or FreeType versions, which is why the data hash is the check that
always runs.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib import ft2font
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from tabledata import ROOT, load

COMMAND = "python scripts/figures.py"
FIG_DIR = Path("docs/figures")
MANIFEST = FIG_DIR / "manifest.json"
FIGURES_MD = Path("docs/figures.md")
BLOCK_FILES = (Path("README.md"),)
START, END = "<!-- figures:start", "<!-- figures:end -->"
WIDTH_IN, DPI = 8.0, 150
ANCHOR = pd.Timestamp("2025-08-08")
#: Okabe-Ito colours (safe for colour-blind readers), one per source file, in file order.
SOURCE_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")
#: Time axis panels of the timeline: (title, first day, last day, relative width, year ticks).
#: A dated event outside every panel stops the script (see ``check_panels``).
PANELS = (
    ("1990s", "1989-01-01", "2000-12-31", 1.0, (1990, 2000)),
    ("2019-2024", "2019-01-01", "2024-12-31", 1.0, (2020, 2023)),
    ("2025 (by month)", "2025-01-01", "2025-08-20", 4.0, ()),
)
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "figure.titlesize": 12,
    "svg.hashsalt": "cartel-directive",
    "hatch.linewidth": 1.0,
}


class FiguresError(Exception):
    """The data does not fit a figure as designed (for example a date outside every panel)."""


@dataclass(frozen=True)
class Plot:
    """One figure: what it shows (hashable data), its caption, and how to draw it."""

    name: str
    alt: str
    caption: str
    data: dict[str, Any]
    draw: Callable[[dict[str, Any]], Figure]


# ---------------------------------------------------------------- shared


def sources_legend() -> tuple[list[str], dict[str, str], dict[str, str]]:
    """Source files in order, their colour, and a short label (``000 The New York Sun``)."""
    src = load("sources")
    files = list(src["source_file"])
    colours = dict(zip(files, SOURCE_COLOURS, strict=False))
    labels = {}
    for _, r in src.iterrows():
        outlet = r["outlet"] if pd.notna(r["outlet"]) else "outlet not stated"
        labels[r["source_file"]] = f"{r['source_file'][:3]} {outlet}"
    return files, colours, labels


def day(value: Any) -> str | None:
    return None if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ---------------------------------------------------------------- figure 1: timeline


def lane_label(events: pd.DataFrame, links: pd.DataFrame, names: dict[str, str]) -> str:
    """``Donald Trump: directive``: the occurrence's first agent and its event type; without an agent,
    ``directive (target: Latin American drug cartels)``."""
    first = events.iloc[0]
    mine = links[links["event_id"].isin(events["event_id"])]
    for role in ("agent", "subject", "reporter", "recipient", "target"):
        ids = list(dict.fromkeys(mine.loc[mine["role"] == role, "actor_id"]))
        if ids:
            who = names[ids[0]]
            if len(who) > 24:  # "Other leaders in the region (unnamed)" -> "Other leaders in the region"
                who = re.sub(r"\s*\([^)]*\)$", "", who)
            break
    else:
        who = "?"
    what = str(first["event_type"]).replace("_", " ")
    if who != "?" and role != "agent":  # no agent: say which part the named actor plays
        return f"{what} ({role}: {shorten(who, 30)})"
    return f"{shorten(who, 30)}: {what}"


def timeline_data() -> dict[str, Any]:
    ev = load("events").sort_values("event_id")
    links = load("event_actors")
    names = dict(zip(load("actors")["actor_id"], load("actors")["name"], strict=True))
    dated = ev[ev["date"].notna()]
    lanes = []
    for occ, grp in dated.groupby("occurrence_id", sort=True):
        first = min(d for d in list(grp["date_start"].dropna()) + list(grp["date_end"].dropna()))
        marks = [
            {
                "event_id": r["event_id"],
                "source_file": r["source_file"],
                "date": r["date"],
                "start": day(r["date_start"]),
                "end": day(r["date_end"]),
                "basis": r["date_basis"],
            }
            for _, r in grp.iterrows()
        ]
        all_reports = ev[ev["occurrence_id"] == occ]
        lanes.append(
            {"occurrence_id": occ, "label": lane_label(all_reports, links, names), "first": day(first), "marks": marks}
        )
    lanes.sort(key=lambda lane: (lane["first"], lane["occurrence_id"]))
    undated = ev[ev["date"].isna()]
    undated_occ = sorted(set(undated["occurrence_id"]) - set(dated["occurrence_id"]))
    return {
        "lanes": lanes,
        "reports": len(ev),
        "occurrences": int(ev["occurrence_id"].nunique()),
        "undated_reports": len(undated),
        "undated_occurrences": len(undated_occ),
    }


def check_panels(data: dict[str, Any]) -> None:
    """Every plotted day must fall inside a panel, or the figure would hide it."""
    for lane in data["lanes"]:
        for m in lane["marks"]:
            for d in (m["start"], m["end"]):
                if d and not any(p[1] <= d <= p[2] for p in PANELS):
                    raise FiguresError(f"{m['event_id']}: {d} lies outside every panel of PANELS in scripts/figures.py")


def overlaps(m: dict[str, Any], lo: str, hi: str) -> bool:
    """Whether a mark has any day inside the panel ``[lo, hi]`` (an open start reaches back forever)."""
    return (m["start"] or "0000") <= hi and (m["end"] or "9999") >= lo


def draw_mark(ax: plt.Axes, y: float, m: dict[str, Any], colour: str, left: pd.Timestamp, right: pd.Timestamp) -> None:
    """Draw one report's date; every artist carries the report's ``event_id`` as its ``gid``."""
    inferred = m["basis"] == "inferred"
    face = "white" if inferred else colour
    gid = m["event_id"]
    end = pd.Timestamp(m["end"]) if m["end"] else None
    start = pd.Timestamp(m["start"]) if m["start"] else None
    if start is None and end is not None:  # open start: no earliest day
        ax.plot([left, end], [y, y], ls=(0, (1, 2)), lw=1.2, color=colour, zorder=2, gid=gid)
        ax.plot([end], [y], marker="o", ms=5.5, mfc=face, mec=colour, mew=1.4, zorder=3, gid=gid)
    elif start is not None and end is None:  # open end: no latest day
        ax.plot([start, right], [y, y], ls=(0, (1, 2)), lw=1.2, color=colour, zorder=2, gid=gid)
        ax.plot([start], [y], marker="o", ms=5.5, mfc=face, mec=colour, mew=1.4, zorder=3, gid=gid)
    elif start is not None and end is not None and start == end:
        ax.plot([start], [y], marker="o", ms=5.5, mfc=face, mec=colour, mew=1.4, zorder=3, gid=gid)
    elif start is not None and end is not None:
        width = (end - start) + pd.Timedelta(days=1)
        bars = ax.barh(
            y,
            width,
            left=start,
            height=0.16,
            color=face,
            edgecolor=colour,
            linewidth=1.1,
            hatch="/////" if inferred else None,
            zorder=2,
        )
        for bar in bars:
            bar.set_gid(gid)
    else:
        raise FiguresError(f"{gid}: a dated report with neither an earliest nor a latest day")


def drawn_reports(fig: Figure) -> set[str]:
    """The ``event_id`` of every report that has an artist inside the visible area of some panel."""
    fig.canvas.draw()
    out = set()
    for ax in fig.axes:
        box = ax.get_window_extent()
        for artist in [*ax.lines, *ax.patches]:
            gid = artist.get_gid()
            if gid and artist.get_visible() and artist.get_window_extent().overlaps(box):
                out.add(gid)
    return out


def fit_left_labels(fig: Figure, axes: Sequence[plt.Axes], margin_in: float = 0.06) -> None:
    """Move the axes' left edge so the widest y tick label starts ``margin_in`` inside the figure."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    x0 = min(t.get_window_extent(renderer).x0 for ax in axes for t in ax.get_yticklabels() if t.get_text())
    shift = (margin_in * fig.dpi - x0) / (fig.get_figwidth() * fig.dpi)
    fig.subplots_adjust(left=fig.subplotpars.left + shift)


def draw_timeline(data: dict[str, Any]) -> Figure:
    check_panels(data)
    files, colours, labels = sources_legend()
    lanes = data["lanes"]
    n = len(lanes)
    fig, axes = plt.subplots(
        1,
        len(PANELS),
        sharey=True,
        figsize=(WIDTH_IN, 1.9 + 0.27 * n),
        gridspec_kw={"width_ratios": [p[3] for p in PANELS], "wspace": 0.1},
    )
    offsets = {f: (i - (len(files) - 1) / 2) * 0.17 for i, f in enumerate(files)}
    left = pd.Timestamp(PANELS[0][1])
    right = pd.Timestamp(PANELS[-1][2]) + pd.Timedelta(days=1)
    for ax, (title, lo, hi, _, years) in zip(axes, PANELS, strict=True):
        for y, lane in enumerate(lanes):
            if y % 2 == 0:
                ax.axhspan(y - 0.5, y + 0.5, color="#f2f2f2", zorder=0, lw=0)
            for m in lane["marks"]:
                if overlaps(m, lo, hi):
                    draw_mark(ax, y + offsets[m["source_file"]], m, colours[m["source_file"]], left, right)
        ax.set_xlim(pd.Timestamp(lo), pd.Timestamp(hi) + pd.Timedelta(days=1))
        if years:
            ax.set_xticks([pd.Timestamp(f"{y}-01-01") for y in years], [str(y) for y in years])
        ax.set_title(title, fontsize=9)
        ax.grid(axis="x", color="#dddddd", lw=0.6, zorder=1)
        ax.tick_params(axis="y", length=0)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
    last = axes[-1]
    last.xaxis.set_major_locator(mdates.MonthLocator())
    last.xaxis.set_major_formatter(mdates.DateFormatter("%b"))
    last.axvline(ANCHOR, color="#444444", lw=0.8, ls="--", zorder=1)
    last.text(
        ANCHOR - pd.Timedelta(days=3), 0, "anchor: Fri 8 Aug", ha="right", va="center", fontsize=7.5, color="#444444"
    )
    axes[0].set_yticks(range(n), [lane["label"] for lane in lanes])
    axes[0].set_ylim(n - 0.5, -0.5)
    for y, lane in enumerate(lanes):
        last.text(
            1.01,
            y,
            lane["occurrence_id"],
            transform=last.get_yaxis_transform(),
            va="center",
            fontsize=7,
            color="#666666",
        )
    height = fig.get_figheight()
    fig.suptitle(
        "Reported events by occurrence: dates as stated or inferred",
        x=0.01,
        ha="left",
        y=1 - 0.12 / height,
        fontsize=11.5,
    )
    fig.text(
        0.01,
        1 - 0.42 / height,
        "Time axis in three panels of different scales; one lane per occurrence, one mark per source.",
        fontsize=8,
        color="#444444",
    )
    fig.legend(
        handles=timeline_legend(data, files, colours, labels),
        loc="lower center",
        ncol=3,
        frameon=False,
        bbox_to_anchor=(0.5, 0.0),
    )
    fig.subplots_adjust(left=0.35, right=0.93, top=1 - 0.95 / height, bottom=0.95 / height)
    fit_left_labels(fig, [axes[0]])
    return fig


def timeline_legend(
    data: dict[str, Any], files: list[str], colours: dict[str, str], labels: dict[str, str]
) -> list[Any]:
    """Legend entries: the sources, then only the kinds of mark the figure actually shows."""
    kinds = set()
    for lane in data["lanes"]:
        for m in lane["marks"]:
            shape = (
                "open"
                if not m["start"]
                else "open_end"
                if not m["end"]
                else "point"
                if m["start"] == m["end"]
                else "interval"
            )
            kinds.add((shape, m["basis"]))
    grey = "#555555"
    entries = {
        ("point", "stated"): Line2D([], [], marker="o", ls="", mfc=grey, mec=grey, label="day stated by the source"),
        ("point", "inferred"): Line2D(
            [], [], marker="o", ls="", mfc="white", mec=grey, mew=1.4, label="day inferred by the curators"
        ),
        ("interval", "stated"): Patch(facecolor=grey, edgecolor=grey, label="interval stated (earliest to latest day)"),
        ("interval", "inferred"): Patch(facecolor="white", edgecolor=grey, hatch="/////", label="interval inferred"),
    }
    handles: list[Any] = [Patch(facecolor=colours[f], label=labels[f]) for f in files]
    handles += [h for k, h in entries.items() if k in kinds]
    if any(shape == "open" for shape, _ in kinds):
        handles.append(Line2D([], [], ls=(0, (1, 2)), color=grey, lw=1.2, label="open start (no earliest day)"))
    if any(shape == "open_end" for shape, _ in kinds):
        handles.append(
            Line2D(
                [],
                [],
                ls=(0, (1, 2)),
                color=grey,
                lw=1.2,
                marker="o",
                mfc="white",
                mec=grey,
                label="open end (no latest day)",
            )
        )
    return handles


def timeline_plot() -> Plot:
    data = timeline_data()
    plotted = sum(len(lane["marks"]) for lane in data["lanes"])
    caption = (
        f"**Figure 1. Reported events by occurrence.** Source: `events.csv` (`date_start`, `date_end`,"
        " `date_basis`, `occurrence_id`, `source_file`), lane labels from `event_actors.csv` and"
        " `actors.csv` (first agent of the occurrence; without one, the named actor and its part), outlets in the legend from `sources.csv`. One lane"
        " per occurrence (its `occurrence_id` on the right), in order of its earliest day; one mark per"
        " source that reports it, in that source's colour. A point is a single day, a bar runs from the"
        " earliest to the latest possible day, a dotted line runs to a day with no earliest day or from a day"
        " with no latest day. Hollow points and hatched"
        " bars are dates the curators inferred from the anchor, Friday 8 August 2025 (dashed line), from a"
        " month named without a year, or from a dated occurrence of the same article that bounds the report."
        f" {plotted} of {data['reports']} reports are plotted, in"
        f" {len(data['lanes'])} of {data['occurrences']} occurrences; {data['undated_reports']} reports are"
        f" undated and not plotted ({data['undated_occurrences']} occurrences have no dated report)."
    )
    alt = "Timeline of reported events in three panels (1990s, 2019 to 2024, 2025), one lane per occurrence"
    return Plot("timeline", alt, caption, data, draw_timeline)


# ---------------------------------------------------------------- figure 2: border crossings

CHANGE = re.compile(r"^\((stat-[0-9]{4}) - (stat-[0-9]{4})\) / (stat-[0-9]{4}) \* 100$")


def crossings_data() -> dict[str, Any]:
    """The derived percentage change of June interceptions and the two rows it is computed from."""
    stats = load("statistics").set_index("stat_id", drop=False)
    derived = stats[
        stats["is_derived"].fillna(False) & stats["indicator"].str.startswith("percentage change in migrants")
    ]
    if len(derived) != 1:
        raise FiguresError(f"statistics.csv: expected one derived percentage change of migrants, found {len(derived)}")
    change = derived.iloc[0]
    m = CHANGE.match(str(change["derivation"]))
    if not m or m.group(2) != m.group(3):
        raise FiguresError(f"{change['stat_id']}: derivation {change['derivation']!r} is not (a - b) / b * 100")
    rows = []
    for sid in (m.group(2), m.group(1)):  # baseline first
        r = stats.loc[sid]
        rows.append(
            {
                "stat_id": sid,
                "value": float(r["value"]),
                "value_text": r["value_text"],
                "period": r["period"],
                "period_text": r["period_text"],
                "period_basis": r["period_basis"],
                "indicator": r["indicator"],
                "geography": r["geography"],
                "data_origin": r["data_origin"],
                "source_file": r["source_file"],
            }
        )
    return {
        "bars": rows,
        "change": {"stat_id": change["stat_id"], "value": float(change["value"]), "derivation": change["derivation"]},
    }


def origin(base: dict[str, Any], new: dict[str, Any]) -> str:
    """The data origin the source gives for the two figures (both, if they differ)."""
    a, b = base["data_origin"] or "no stated origin", new["data_origin"] or "no stated origin"
    return a if a == b else f"{a} (June 2024) and {b} (June 2025)"


def month_label(period: str) -> str:
    return pd.Timestamp(period + "-01").strftime("%B %Y")


def draw_crossings(data: dict[str, Any]) -> Figure:
    _, colours, _ = sources_legend()
    base, new = data["bars"]
    change = data["change"]
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 4.6))
    xs = [0, 1]
    values = [base["value"], new["value"]]
    bars = ax.bar(xs, values, width=0.55, color=colours[new["source_file"]], zorder=2)
    for bar, row in zip(bars, (base, new), strict=True):
        ax.annotate(
            f"{row['value_text']}",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=10,
            fontweight="bold",
        )
    ticks = []
    for row in (base, new):
        note = ", year inferred" if row["period_basis"] == "inferred" else ""
        ticks.append(f"{month_label(row['period'])}\n({row['stat_id']}{note})")
    ax.set_xticks(xs, ticks)
    ax.set_xlim(-0.6, 2.3)
    ax.set_ylim(0, max(values) * 1.15)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_ylabel("migrants intercepted (persons)")
    ax.grid(axis="y", color="#dddddd", lw=0.6, zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.annotate(
        "",
        xy=(0.85, new["value"] + max(values) * 0.09),
        xytext=(0.3, base["value"] * 0.97),
        arrowprops={"arrowstyle": "-|>", "color": "#333333", "lw": 1.2},
    )
    ax.text(
        1.62,
        max(values) * 0.62,
        f"{change['value']:+.2f} %\n".replace("-", "\u2212")
        + f"change derived by the curators:\n{change['stat_id']} = {change['derivation']}",
        ha="center",
        va="center",
        fontsize=9,
        bbox={"boxstyle": "round,pad=0.4", "fc": "white", "ec": "#999999"},
    )
    ax.set_title("Migrants intercepted at the US southwest border, June 2024 and June 2025", loc="left", fontsize=11)
    fig.text(
        0.01,
        0.015,
        f"Source: {new['source_file']}, which attributes both figures to {origin(base, new)}.",
        fontsize=8,
        color="#333333",
    )
    fig.subplots_adjust(left=0.11, right=0.98, top=0.9, bottom=0.2)
    return fig


def crossings_plot() -> Plot:
    data = crossings_data()
    base, new = data["bars"]
    change = data["change"]
    caption = (
        f"**Figure 2. June border interceptions.** Source: `statistics.csv`, rows `{base['stat_id']}`"
        f" ({month_label(base['period'])}: {base['value_text']}) and `{new['stat_id']}`"
        f' ({month_label(new["period"])}: {new["value_text"]}; the article says only "{new["period_text"]}",'
        " so the year is inferred), both cited from"
        f" `{new['source_file']}`, which attributes them to {origin(base, new)}. The change,"
        f" {change['value']:+.2f} % (`{change['stat_id']}`), is not in the article: the curators computed it"
        f" as `{change['derivation']}`."
    )
    alt = (
        f"Bar chart: {base['value_text']} migrants intercepted in {month_label(base['period'])} against"
        f" {new['value_text']} in {month_label(new['period'])}, a change of {change['value']:+.2f} percent"
    )
    return Plot("border_crossings", alt, caption, data, draw_crossings)


# ---------------------------------------------------------------- figure 3: speakers


def speakers_data() -> dict[str, Any]:
    st = load("statements")
    actors = load("actors").set_index("actor_id")
    counts = pd.crosstab(st["speaker_id"], st["source_file"])
    totals = counts.sum(axis=1)
    order = sorted(counts.index, key=lambda a: (-int(totals[a]), str(actors.loc[a, "name"])))
    rows = [
        {
            "actor_id": a,
            "name": str(actors.loc[a, "name"]),
            "unnamed": str(actors.loc[a, "actor_kind"]).startswith("unnamed"),
            "counts": {str(f): int(counts.loc[a, f]) for f in counts.columns},
        }
        for a in order
    ]
    return {"speakers": rows, "statements": len(st), "utterances": int(st["utterance_id"].nunique())}


def draw_speakers(data: dict[str, Any]) -> Figure:
    files, colours, labels = sources_legend()
    rows = data["speakers"]
    n = len(rows)
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 1.5 + 0.26 * n))
    left = [0] * n
    for f in files:
        widths = [r["counts"].get(f, 0) for r in rows]
        ax.barh(range(n), widths, left=left, height=0.7, color=colours[f], label=labels[f], zorder=2)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    for y, total in enumerate(left):
        ax.text(total + 0.15, y, str(total), va="center", fontsize=8)
    ax.set_yticks(range(n), [shorten(r["name"], 52) for r in rows])
    for tick, r in zip(ax.get_yticklabels(), rows, strict=True):
        if r["unnamed"]:
            tick.set_fontstyle("italic")
    ax.set_ylim(n - 0.4, -0.6)
    ax.set_xlim(0, max(left) + 1.2)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("statements (quoted or paraphrased passages)")
    ax.grid(axis="x", color="#dddddd", lw=0.6, zorder=0)
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title("Who is quoted how often, by source", loc="left", fontsize=11)
    ax.legend(title="source file (italic names: unnamed speakers)", loc="lower right", frameon=False)
    fig.subplots_adjust(left=0.37, right=0.98, top=1 - 0.45 / fig.get_figheight(), bottom=0.75 / fig.get_figheight())
    fit_left_labels(fig, [ax])
    return fig


def speakers_plot() -> Plot:
    data = speakers_data()
    caption = (
        "**Figure 3. Who is quoted how often, by source.** Source: `statements.csv` (`speaker_id` by"
        " `source_file`), speaker names and kinds from `actors.csv`, outlets from `sources.csv`."
        f" {data['statements']} statements (quoted or paraphrased passages) by {len(data['speakers'])} speakers;"
        f" they render {data['utterances']} distinct remarks (`utterance_id`), so a remark reported by several"
        " sources is counted once per source. Unnamed speakers are in italics."
    )
    alt = f"Horizontal stacked bar chart of statements per speaker, coloured by source file, {len(data['speakers'])} speakers"
    return Plot("speakers", alt, caption, data, draw_speakers)


# ---------------------------------------------------------------- output and staleness


def render(plot: Plot) -> bytes:
    """The PNG of a figure, with no metadata that changes between runs."""
    with plt.rc_context(STYLE):
        fig = plot.draw(plot.data)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
        plt.close(fig)
    return buf.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def data_hash(plot: Plot) -> str:
    canonical = json.dumps({"data": plot.data, "caption": plot.caption, "alt": plot.alt}, sort_keys=True)
    return sha256(canonical.encode("utf-8"))


def stack() -> dict[str, str]:
    return {"matplotlib": matplotlib.__version__, "freetype": ft2font.__freetype_version__}


def script_hash() -> str:
    return sha256(Path(__file__).read_bytes().replace(b"\r\n", b"\n"))


def manifest(plots: Sequence[Plot], pngs: dict[str, bytes]) -> str:
    body = {
        "generated_by": f"{COMMAND} (do not edit)",
        "script_sha256": script_hash(),
        "rendered_with": stack(),
        "figures": {
            p.name: {
                "png": f"{p.name}.png",
                "png_sha256": sha256(pngs[p.name]),
                "data_sha256": data_hash(p),
            }
            for p in plots
        },
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def figure_block(plots: Sequence[Plot], prefix: str) -> str:
    """Markdown: each figure embedded with its caption; image paths start with ``prefix``."""
    parts = [f"<!-- generated by `{COMMAND}`: do not edit -->"]
    for p in plots:
        parts += ["", f"![{p.alt}]({prefix}{p.name}.png)", "", p.caption]
    return "\n".join(parts)


def figures_md(plots: Sequence[Plot]) -> str:
    head = [
        f"<!-- generated by scripts/figures.py: do not edit; regenerate with `{COMMAND}` -->",
        "",
        "# Figures",
        "",
        "Drawn by `scripts/figures.py` from the package's tables. The codebook"
        " ([codebook.md](codebook.md)) explains every column named in the captions.",
        "",
    ]
    body = []
    for p in plots:
        body += [f"![{p.alt}](figures/{p.name}.png)", "", p.caption, ""]
    return "\n".join(head + body).rstrip() + "\n"


def replace_block(text: str, body: str) -> str | None:
    """``text`` with its figures block replaced, or ``None`` when it has no block."""
    pattern = re.compile(rf"(^{re.escape(START)}[^\n]*-->\n)(.*?)(^{re.escape(END)}$)", re.S | re.M)
    if not pattern.search(text):
        return None
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(3), text, count=1)


def text_outputs(root: Path, plots: Sequence[Plot]) -> dict[Path, str]:
    out = {FIGURES_MD: figures_md(plots)}
    for rel in BLOCK_FILES:
        if (root / rel).is_file():
            new = replace_block((root / rel).read_text(encoding="utf-8"), figure_block(plots, "docs/figures/"))
            if new is not None:
                out[rel] = new
    return out


def plots() -> list[Plot]:
    return [timeline_plot(), crossings_plot(), speakers_plot()]


def check(root: Path, ps: Sequence[Plot]) -> list[str]:
    """What is stale, in words; empty when everything is current."""
    problems = []
    try:
        recorded = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return [f"{MANIFEST}: missing or unreadable"]
    if recorded.get("script_sha256") != script_hash():
        problems.append(f"{MANIFEST}: scripts/figures.py changed since the figures were drawn")
    same_stack = recorded.get("rendered_with") == stack()
    for p in ps:
        entry = recorded.get("figures", {}).get(p.name, {})
        png = root / FIG_DIR / f"{p.name}.png"
        if entry.get("data_sha256") != data_hash(p):
            problems.append(f"{FIG_DIR / p.name}.png: the plotted data or caption changed")
        if not png.is_file() or sha256(png.read_bytes()) != entry.get("png_sha256"):
            problems.append(f"{FIG_DIR / p.name}.png: differs from the hash in {MANIFEST}")
        elif same_stack and sha256(render(p)) != entry.get("png_sha256"):
            problems.append(f"{FIG_DIR / p.name}.png: a fresh rendering differs")
    for rel, text in text_outputs(root, ps).items():
        if not (root / rel).is_file() or (root / rel).read_text(encoding="utf-8") != text:
            problems.append(f"{rel}: figure captions are stale")
    if not same_stack:
        print(
            f"note: rendering stack {stack()} differs from {recorded.get('rendered_with')}; PNG bytes not re-rendered"
        )
    return problems


def write(root: Path, rel: Path, data: bytes) -> bool:
    """Write ``data`` to ``root/rel`` if it differs; whether it did."""
    path = root / rel
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    print(f"wrote {rel}")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if a figure or caption is stale")
    args = ap.parse_args(argv)
    root = ROOT
    try:
        ps = plots()
    except FiguresError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        problems = check(root, ps)
        for line in problems:
            print(f"{line} (run `{COMMAND}`)")
        print("figures up to date" if not problems else f"{len(problems)} problem(s)")
        return 1 if problems else 0
    pngs = {p.name: render(p) for p in ps}
    for name, data in pngs.items():
        write(root, FIG_DIR / f"{name}.png", data)
    write(root, MANIFEST, manifest(ps, pngs).encode("utf-8"))
    for rel, text in text_outputs(root, ps).items():
        write(root, rel, text.encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
