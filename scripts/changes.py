"""Write ``data/changes.csv``: every change to a row of the data since the previous release.

The difference between the previous release's tables (read from git at the commit that
``metadata/releases.json`` names) and the working tree is computed by ``csv-diff``; each
difference becomes one row (a field changed, a row added, a row of a link table removed, an id
retired). The reason and where the report came from are not computed: they come from the
hand-written ``metadata/changes_reasons.csv``, matched by table, row id and field, the most
specific entry first (``*`` matches any row id or field). The script stops if a difference has
no reason, or a reason matches no difference, so neither can go stale.

A changed excerpt (``evidence``, ``other_evidence``) is recorded as where it stands in the
archive, ``FILE:START-END``, never as its text: the repository cites the articles, it does not
copy them (rows written before this rule are placed once, by finding their text in the archive).

Rows of earlier releases already in ``data/changes.csv`` (and the ids retired before the
first release, listed in ``metadata/changes_reasons.csv`` with ``version`` set) are kept as
they are, with their ids: change ids are never renumbered.

    python scripts/changes.py            # rewrite data/changes.csv
    python scripts/changes.py --check    # exit 1 if data/changes.csv is not current
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from csv_diff import compare

from cartel_directive import csvformat
from cartel_directive.reader import read
from tabledata import ROOT, TABLES

RELEASES = Path("metadata/releases.json")
REASONS = Path("metadata/changes_reasons.csv")
CHANGES = Path("data/changes.csv")
LINK_TABLES = ("event_actors",)  # rows without an id of their own: removed, not retired
#: Fields holding the articles' own words, with the columns that say where they stand. A change
#: records the excerpt's place in the archive (``FILE:START-END``), never its text: the repository
#: cites the articles, it does not copy them.
EXCERPTS = {
    "evidence": ("source_file", "evidence_start", "evidence_end"),
    "other_evidence": ("other_source_file", "other_evidence_start", "other_evidence_end"),
}
SPAN = re.compile(r"[^:/\\]+\.txt:[0-9]+-[0-9]+")


def _span(row: dict[str, str], field: str) -> str:
    """Where the row's excerpt in ``field`` stands (empty when the row has none)."""
    file, start, end = (row.get(c, "") for c in EXCERPTS[field])
    return f"{file}:{start}-{end}" if row.get(field) else ""


@functools.cache
def _archive() -> dict[str, Any]:
    """Each archived file, repaired and folded (read once, and only when an old row needs placing)."""
    from cartel_directive.resources import sources_dir
    from cartel_directive.textfold import FoldedText

    folder, how = sources_dir(None)
    if folder is None:
        raise SystemExit(f"changes: the source archive is needed to place an excerpt ({how})")
    sources = _records((ROOT / "data" / "sources.csv").read_bytes(), "sources.csv")
    return {
        r["source_file"]: FoldedText.build(
            (folder / r["source_file"]).read_text(encoding="utf-8"), r["encoding_damage"] or None
        )
        for r in sources
    }


def _located(text: str) -> str:
    """The place of an excerpt recorded as text by an earlier version of this script (found by folding)."""
    if not text or SPAN.fullmatch(text):
        return text
    hits = [f"{name}:{a}-{b}" for name, folded in _archive().items() for a, b in folded.find_all(text)]
    if len(hits) != 1:
        raise SystemExit(f"changes: an excerpt of an earlier change stands {len(hits)} times in the archive: {text!r}")
    return hits[0]


def _schema(table: str) -> dict:
    return json.loads((ROOT / "schemas" / f"{table}.schema.json").read_text(encoding="utf-8"))


def _keyed(text: str, pk: list[str]) -> dict[str, dict[str, str]]:
    """Rows of a CSV text keyed by their primary key (joined by ``|`` when it has several columns)."""
    return {"|".join(r[c] for c in pk): r for r in _records(text.encode("utf-8"), "an earlier version")}


def _records(data: bytes, file: str) -> list[dict[str, str]]:
    """The rows of a CSV file as dicts, read by the package's one reader."""
    table = read(data, file)
    if table.frame is None:
        raise SystemExit("\n".join(map(str, table.problems)))
    return table.frame.to_dict("records")


def _old(table: str, commit: str) -> str | None:
    try:
        return subprocess.run(
            ["git", "show", f"{commit}:data/{table}.csv"], cwd=ROOT, capture_output=True, check=True, text=True
        ).stdout
    except subprocess.CalledProcessError:
        return None  # the table did not exist in that release


def differences(commit: str) -> list[dict[str, str]]:
    """One dict per difference between the release at ``commit`` and the working tree."""
    out: list[dict[str, str]] = []
    for table in TABLES:
        if table == "changes":
            continue
        schema = _schema(table)
        pk = schema["primaryKey"]
        fields = [f["name"] for f in schema["fields"]]
        old_text = _old(table, commit)
        if old_text is None:
            raise SystemExit(f"changes: data/{table}.csv is not in {commit}; a new table needs its own entry")
        old = _keyed(old_text, pk)
        new = _keyed((ROOT / "data" / f"{table}.csv").read_text(encoding="utf-8"), pk)
        diff = compare(old, new)
        retire = "removed" if table in LINK_TABLES else "retired"
        for row in diff["removed"]:
            out.append({"table_name": table, "row_id": "|".join(row[c] for c in pk), "change_kind": retire})
        for row in diff["added"]:
            out.append({"table_name": table, "row_id": "|".join(row[c] for c in pk), "change_kind": "added"})
        changed = {c["key"]: c["changes"] for c in diff["changed"]}
        for key in new:
            if key not in old:
                continue
            cells = dict(changed.get(key, {}))
            for col in diff["columns_added"]:  # csv-diff reports new columns once; a row's value is a change too
                if new[key][col]:
                    cells[col] = ["", new[key][col]]
            for col in sorted(cells, key=fields.index):
                before, after = cells[col]
                if col in EXCERPTS:
                    before, after = _span(old[key], col), _span(new[key], col)
                out.append(
                    {
                        "table_name": table,
                        "row_id": key,
                        "change_kind": "changed",
                        "field_name": col,
                        "old_value": before,
                        "new_value": after,
                    }
                )
    kinds = ("retired", "removed", "added", "changed")
    order = {t: i for i, t in enumerate(TABLES)}
    out.sort(key=lambda d: (order[d["table_name"]], kinds.index(d["change_kind"]), d["row_id"]))
    return out


def _reasons() -> list[dict[str, str]]:
    return _records((ROOT / REASONS).read_bytes(), str(REASONS))


def _match(d: dict[str, str], entries: list[dict[str, str]]) -> dict[str, str] | None:
    field = d.get("field_name", "")
    best, rank = None, -1
    for e in entries:
        if e["version"] or e["table_name"] != d["table_name"]:
            continue
        if e["row_id"] not in ("*", d["row_id"]) or e["field_name"] not in ("*", field):
            continue
        r = 2 * (e["row_id"] != "*") + (e["field_name"] != "*")
        if r > rank:
            best, rank = e, r
    return best


def _key(r: dict[str, str]) -> tuple[str, str, str, str]:
    return (r["table_name"], r["row_id"], r["change_kind"], r.get("field_name") or "")


def build(release: str, commit: str) -> tuple[list[str], list[list[str]]]:
    header = [f["name"] for f in _schema("changes")["fields"]]
    entries = _reasons()
    path = ROOT / CHANGES
    kept: list[dict[str, str]] = []
    ids: dict[tuple[str, str, str, str], str] = {}  # this release's changes already numbered keep their ids
    if path.is_file():
        table = read(path.read_bytes(), str(CHANGES))
        if table.frame is None:
            raise SystemExit("\n".join(map(str, table.problems)))
        rows = table.frame.to_numpy(dtype=object).tolist()
        records = [dict(zip(header, r, strict=True)) for r in rows]
        kept = [r for r in records if r["version"] != release]
        ids = {_key(r): r["change_id"] for r in records if r["version"] == release}
        for r in kept:  # rows written when changes still copied excerpts: their places instead
            if r["field_name"] in EXCERPTS:
                r["old_value"], r["new_value"] = _located(r["old_value"]), _located(r["new_value"])
    known = {(r["version"], r["table_name"], r["row_id"], r["change_kind"]) for r in kept}
    for e in entries:  # changes of earlier releases that no diff can show (ids retired before the first release)
        if e["version"] and (e["version"], e["table_name"], e["row_id"], "retired") not in known:
            kept.append(
                {
                    "change_id": "",
                    "version": e["version"],
                    "table_name": e["table_name"],
                    "row_id": e["row_id"],
                    "change_kind": "retired",
                    "reason": e["reason"],
                    "reported_by": e["reported_by"],
                }
            )
    used: set[int] = set()
    missing: list[str] = []
    fresh: list[dict[str, str]] = []
    for d in differences(commit):
        e = _match(d, entries)
        if e is None:
            missing.append(f"{d['table_name']} {d['row_id']} {d.get('field_name', '')} ({d['change_kind']})")
            continue
        used.add(id(e))
        row = {**d, "version": release, "reason": e["reason"], "reported_by": e["reported_by"]}
        fresh.append({**row, "change_id": ids.get(_key(row), "")})
    stale = [e for e in entries if not e["version"] and id(e) not in used]
    if missing or stale:
        lines = [f"  no reason in {REASONS}: {m}" for m in missing]
        lines += [f"  reason matches no change: {e['table_name']} {e['row_id']} {e['field_name']}" for e in stale]
        raise SystemExit("changes: the reasons file does not fit the difference:\n" + "\n".join(lines))
    numbers = [int(r["change_id"][4:]) for r in [*kept, *fresh] if r.get("change_id")]
    n = max(numbers, default=0)
    for r in [*kept, *fresh]:
        if not r.get("change_id"):
            n += 1
            r["change_id"] = f"chg-{n:04d}"
    rows = sorted([*kept, *fresh], key=lambda r: r["change_id"])
    return header, [[r.get(h, "") for h in header] for r in rows]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if data/changes.csv is not current")
    args = ap.parse_args(argv)
    releases = json.loads((ROOT / RELEASES).read_text(encoding="utf-8"))
    release = releases["current"]
    commit = releases["releases"][release]["diff_base"]
    header, rows = build(release, commit)
    text = csvformat.dumps(header, rows)
    path = ROOT / CHANGES
    if args.check:
        if path.read_text(encoding="utf-8") != text:
            print(f"{CHANGES} is stale: run python scripts/changes.py", file=sys.stderr)
            return 1
        print(f"{CHANGES}: current ({len(rows)} rows)")
        return 0
    path.write_text(text, encoding="utf-8", newline="")
    print(f"wrote {CHANGES} ({len(rows)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
