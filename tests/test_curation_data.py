"""Curation rules that the validator does not check, tested on the package's own data.

The rules are written down in docs/curation-rules.md: how a speaker was identified, PLOVER
codes that fit the manual, dates taken only from the row's own article, and the two generated
records of this release (the `changes` table and the coders' agreement) being current.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cartel_directive.descriptor import TABLES
from cartel_directive.textfold import fold, repair

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"

#: PLOVER event types and the modes the manual lists for each (openeventdata/PLOVER, draft 2.0).
PLOVER = {
    "AGREE": (),
    "CONSULT": ("visit", "third-party", "multilateral", "phone"),
    "SUPPORT": (),
    "CONCEDE": (),
    "COOPERATE": (),
    "AID": (),
    "RETREAT": ("withdraw", "release", "disarm", "ceasefire", "access", "resign"),
    "REQUEST": ("assist", "change", "yield", "meet"),
    "ACCUSE": ("disapprove", "investigate", "allege"),
    "REJECT": ("assist", "change", "yield", "meet"),
    "THREATEN": ("restrict", "arrest", "relations", "expel", "territory", "violence"),
    "PROTEST": ("demo", "riot", "strike", "hunger", "boycott", "obstruct", "vandalize"),
    "SANCTION": ("convict", "expel", "withdraw", "discontinue"),
    "MOBILIZE": ("troops", "weapons", "police", "militia"),
    "COERCE": ("seize", "restrict", "censor", "curfew", "martial-law", "arrest", "deport", "withhold", "misinformation", "cyber"),
    "ASSAULT": (
        "abduct", "beat", "torture", "sexual", "targeted", "destroy", "primitive", "firearms", "explosives",
        "suicide-attack", "aerial", "drone", "heavy-weapons", "crowd-control", "unconventional",
    ),
}  # fmt: skip


def rows(table: str) -> list[dict[str, str]]:
    with open(ROOT / "data" / f"{table}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def run(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPTS / script), *args], capture_output=True, text=True, cwd=ROOT, check=False
    )


@pytest.mark.parametrize(
    ("table", "who", "basis"),
    [("statements", "speaker_id", "speaker_basis"), ("statistics", "attributed_to", "attribution_basis")],
)
def test_an_inferred_attribution_says_why(table: str, who: str, basis: str) -> None:
    for r in rows(table):
        key = next(iter(r.values()))
        assert bool(r[who]) == bool(r[basis]), f"{key}: {basis} must be given exactly when {who} is"
        assert (r[basis] == "inferred") == bool(r[f"{basis}_note"]), f"{key}: a note exactly when {basis} is inferred"


def test_plover_codes_fit_the_manual() -> None:
    for r in rows("events"):
        event, mode = r["plover_event"], r["plover_mode"]
        if not event:
            assert not mode, f"{r['event_id']}: a mode without an event"
            continue
        assert event in PLOVER, r["event_id"]
        assert not mode or mode in PLOVER[event], f"{r['event_id']}: {mode!r} is not a mode of {event}"


def test_every_event_is_coded_as_the_coders_settled() -> None:
    with open(ROOT / "metadata/coding/plover_resolved.csv", encoding="utf-8", newline="") as fh:
        settled = {r["event_id"]: (r["plover_event"], r["plover_mode"]) for r in csv.DictReader(fh)}
    assert {r["event_id"]: (r["plover_event"], r["plover_mode"]) for r in rows("events")} == settled


def _article(source_file: str, sources: dict[str, dict[str, str]], archive: Path) -> str:
    s = sources[source_file]
    raw = (archive / source_file).read_text(encoding="utf-8")
    return fold(repair(raw, s["encoding_damage"] or None)[int(s["content_start"]) : int(s["content_end"])])


@pytest.mark.archive
def test_dates_come_from_the_rows_own_article(archive: Path) -> None:
    """Every dated row's date words stand in its own article's body (never only in another article)."""
    sources = {r["source_file"]: r for r in rows("sources")}
    for table, key in (("events", "event_id"), ("statements", "statement_id")):
        for r in rows(table):
            if not r["date"]:
                assert not r["date_text"] and not r["date_basis"], r[key]
                continue
            assert r["date_text"], f"{r[key]}: a date without the words that give it"
            assert fold(r["date_text"]) in _article(r["source_file"], sources, archive), (
                f"{r[key]}: {r['date_text']!r} is not in {r['source_file']}"
            )
            if r["date"].startswith("../") or r["date"].endswith("/.."):
                assert r["date_basis"] == "inferred", f"{r[key]}: a bound is always inferred"


def _has_base() -> bool:
    base = json.loads((ROOT / "metadata/releases.json").read_text(encoding="utf-8"))
    commit = base["releases"][base["current"]]["diff_base"]
    return subprocess.run(["git", "cat-file", "-e", commit], cwd=ROOT, capture_output=True).returncode == 0


@pytest.mark.skipif(not _has_base(), reason="the previous release's commit is not in this clone's history")
def test_changes_table_is_the_difference_since_the_previous_release() -> None:
    result = run("changes.py", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_changes_keep_retired_ids() -> None:
    retired = {(r["table_name"], r["row_id"]) for r in rows("changes") if r["change_kind"] == "retired"}
    assert {("events", "ev-0064"), ("discrepancies", "disc-0005"), ("discrepancies", "disc-0011")} <= retired
    live = {r[next(iter(r))] for t in ("events", "statements", "statistics", "discrepancies") for r in rows(t)}
    assert not {row_id for _, row_id in retired} & live, "a retired id is in use again"


def test_agreement_report_is_current() -> None:
    result = run("agreement.py", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_curation_record_counts_the_current_tables() -> None:
    """docs/curation.md's counts table (current release column) matches the data, so it cannot go stale."""
    text = (ROOT / "docs/curation.md").read_text(encoding="utf-8")
    block = text.split("### Counts", 1)[1].split("\n\n", 2)[1]
    seen = set()
    for line in block.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        table, current = cells[0], cells[2].split(" ")[0]
        assert int(current) == len(rows(table)), f"docs/curation.md counts {current} rows of {table}"
        seen.add(table)
    assert seen == set(TABLES)


def test_the_changes_table_cites_changed_excerpts_and_never_copies_them(archive: Path) -> None:
    """A changed excerpt is recorded as FILE:START-END, a span of an archived article (no text of it)."""
    import re

    sources = {r["source_file"]: r for r in rows("sources")}
    spans = 0
    for r in rows("changes"):
        if r["field_name"] not in ("evidence", "other_evidence"):
            continue
        for value in (r["old_value"], r["new_value"]):
            if not value:
                continue
            m = re.fullmatch(r"([^:/\\]+\.txt):([0-9]+)-([0-9]+)", value)
            assert m, (r["change_id"], value)
            name, start, end = m.group(1), int(m.group(2)), int(m.group(3))
            text = (archive / name).read_text(encoding="utf-8")
            assert name in sources and 0 <= start < end <= len(text), (r["change_id"], value)
            spans += 1
    assert spans > 100  # the excerpts of three releases' changes
