"""Mutation operators: each breaks exactly one promise of a valid package, and says where.

An operator takes a :class:`Workspace` (a package folder and its source archive, both
writable copies) and a ``random.Random``, changes the files, and returns the
:class:`Located` spot that a correct validator must name: the file, the spreadsheet row
(header = 1) when there is one, and the column(s) that may be named when there is one.
It raises :class:`NotApplicable` when the package has nothing to break that way (for
example no derived statistic yet), so the same operators run on generated packages and
on the real one, and exercise the real rows automatically once they exist.

Content edits re-stamp ``datapackage.json`` (``bytes``/``hash``) so that only the
intended promise is broken; ``tampered_data_file`` is the one that does not.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gzip
import io
import json
import os
import random
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cartel_directive.checks.crossfield import EVIDENCE_BLOCKS
from strategies import TABLES, csv_text, restamp

PLACEHOLDER = "\ue000"
DATE_BLOCKS = {"events": "date", "statements": "date", "statistics": "period"}
#: Text columns whose content other rules read (kept out of the free-text edits).
BOUND_TEXT = {"evidence", "other_evidence", "quote", "derivation", "outlet"}
_CLEAN_LINE = re.compile(r"[A-Za-z(][^\x00-\x1f\x7f-\x9fĂÃÂâ\ufffd]{4,}")


class NotApplicable(Exception):
    """The package has no rows this operator could break."""


@dataclass(frozen=True)
class Located:
    """Where the validator must point: file, row (None: whole file), allowed columns (None: any)."""

    file: str
    row: int | None
    columns: frozenset[str] | None = None

    def __str__(self) -> str:
        cols = "*" if self.columns is None else "|".join(sorted(self.columns))
        return f"{self.file}:{self.row if self.row is not None else '-'}:{cols}"


@dataclass(frozen=True)
class Line:
    file: str
    row: int | None
    column: str | None
    message: str
    code: str = ""


class Workspace:
    """A writable package folder and source archive, read and written table by table."""

    def __init__(self, root: Path, archive: Path) -> None:
        self.root, self.archive = root, archive
        self.descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
        self.paths = {r["name"]: r["path"] for r in self.descriptor["resources"]}
        self.schemas = {
            r["name"]: json.loads((root / r["schema"]).read_text(encoding="utf-8"))
            for r in self.descriptor["resources"]
        }

    # tables ------------------------------------------------------------------
    def read(self, table: str) -> tuple[list[str], list[list[str]]]:
        text = (self.root / self.paths[table]).read_text(encoding="utf-8")
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
        return rows[0], rows[1:]

    def write(self, table: str, header: list[str], rows: list[list[str]], stamp: bool = True) -> None:
        self.write_bytes(table, csv_text(header, rows).encode("utf-8"), stamp)

    def write_bytes(self, table: str, data: bytes, stamp: bool = True) -> None:
        (self.root / self.paths[table]).write_bytes(data)
        if stamp:
            restamp(self.root)

    # schema facts ------------------------------------------------------------
    def fields(self, table: str) -> dict[str, dict]:
        return {f["name"]: f for f in self.schemas[table]["fields"]}

    def pk(self, table: str) -> list[str]:
        pk = self.schemas[table].get("primaryKey", [])
        return [pk] if isinstance(pk, str) else list(pk)

    def relations(self) -> list[tuple[str, str, str, str]]:
        """(table, column, target table, target column) for every foreign key."""
        out = []
        for t in TABLES:
            for fk in self.schemas[t].get("foreignKeys", []):
                fields = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
                ref = fk["reference"]
                rfields = ref["fields"] if isinstance(ref["fields"], list) else [ref["fields"]]
                out.append((t, fields[0], ref.get("resource") or t, rfields[0]))
        return out

    def key_columns(self) -> set[tuple[str, str]]:
        """Primary-key columns and both ends of every foreign key."""
        out = {(t, c) for t in TABLES for c in self.pk(t)}
        for t, c, rt, rc in self.relations():
            out |= {(t, c), (rt, rc)}
        return out

    def free_text(self, table: str) -> list[str]:
        """String columns with no pattern or enum that no other rule reads."""
        keys = self.key_columns()
        return [
            n
            for n, f in self.fields(table).items()
            if f.get("type", "string") == "string"
            and not {"pattern", "enum"} & set(f.get("constraints", {}))
            and n not in BOUND_TEXT
            and (table, n) not in keys
        ]

    def cells(self, pred: Callable[[str, str, str, dict], bool]) -> list[tuple[str, int, str]]:
        """Every (table, row index, column) whose non-empty cell satisfies ``pred(table, column, value, field)``."""
        out = []
        for t in TABLES:
            header, rows = self.read(t)
            fields = self.fields(t)
            for i, r in enumerate(rows):
                for j, col in enumerate(header):
                    if r[j] and col in fields and pred(t, col, r[j], fields[col]):
                        out.append((t, i, col))
        return out

    def set_cell(self, table: str, i: int, col: str, value: str, stamp: bool = True, resort: bool = False) -> int:
        """Set one cell; with ``resort``, sort by primary key again. Return the row's spreadsheet row."""
        header, rows = self.read(table)
        row = rows[i]
        row[header.index(col)] = value
        if resort:
            pk = [header.index(c) for c in self.pk(table)]
            rows.sort(key=lambda r: [r[k] for k in pk])
            i = next(k for k, r in enumerate(rows) if r is row)
        self.write(table, header, rows, stamp)
        return i + 2

    def sources(self) -> dict[str, dict[str, str]]:
        header, rows = self.read("sources")
        return {r[0]: dict(zip(header, r, strict=False)) for r in rows}

    def raw_text(self, source_file: str) -> str:
        return (self.archive / source_file).read_text(encoding="utf-8")


def _pick(rng: random.Random, options: list):
    if not options:
        raise NotApplicable
    return options[rng.randrange(len(options))]


def _loc(ws: Workspace, table: str, row: int | None, *cols: str) -> Located:
    return Located(ws.paths[table], row, frozenset(cols) if cols else None)


# --------------------------------------------------------------------------- Table Schema promises


def wrong_type(ws: Workspace, rng: random.Random) -> Located:
    bad = {"integer": ["12.5", "twelve", "1 000"], "number": ["1,234", "about 5", "12%"], "boolean": ["yes", "maybe"]}
    bad["date"] = ["08/08/2025", "2025-13-01", "2025-02-30", "August 8"]
    t, i, col = _pick(rng, ws.cells(lambda t, c, v, f: f.get("type") in bad))
    value = rng.choice(bad[ws.fields(t)[col]["type"]])
    return _loc(ws, t, ws.set_cell(t, i, col, value), col)


def enum_violation(ws: Workspace, rng: random.Random) -> Located:
    t, i, col = _pick(rng, ws.cells(lambda t, c, v, f: "enum" in f.get("constraints", {})))
    return _loc(ws, t, ws.set_cell(t, i, col, rng.choice(["not_listed", "Person", "other"])), col)


def pattern_violation(ws: Workspace, rng: random.Random) -> Located:
    keys = {kc for kc in ws.key_columns() if kc[1] not in ("statement_id", "discrepancy_id")}
    t, i, col = _pick(rng, ws.cells(lambda t, c, v, f: "pattern" in f.get("constraints", {}) and (t, c) not in keys))
    value = ws.read(t)[1][i][ws.read(t)[0].index(col)] + rng.choice(["!", "?x", "_"])
    return _loc(ws, t, ws.set_cell(t, i, col, value), col)


def missing_required(ws: Workspace, rng: random.Random) -> Located:
    t, i, col = _pick(rng, ws.cells(lambda t, c, v, f: f.get("constraints", {}).get("required") and c not in ws.pk(t)))
    return _loc(ws, t, ws.set_cell(t, i, col, ""), col)


def duplicate_pk(ws: Workspace, rng: random.Random) -> Located:
    t = _pick(rng, [t for t in TABLES if ws.pk(t) and ws.read(t)[1]])
    header, rows = ws.read(t)
    i = rng.randrange(len(rows))
    rows.insert(i + 1, list(rows[i]))
    ws.write(t, header, rows)
    return _loc(ws, t, i + 3, ws.pk(t)[0])


def _dangling(
    table: str, column: str, target: str, target_column: str
) -> Callable[[Workspace, random.Random], Located]:
    ghosts = {"source_file": "999_0123456789abcdef.txt", "actor_id": "ghost-actor", "event_id": "ev-9999"}
    ghosts["stat_id"] = "stat-9999"

    def op(ws: Workspace, rng: random.Random) -> Located:
        header, rows = ws.read(table)
        j = header.index(column)
        # other_source_file must stay a complete block: only rows that have one
        ok = [i for i, r in enumerate(rows) if r[j] or not column.startswith("other_")]
        i = _pick(rng, ok)
        row = ws.set_cell(table, i, column, ghosts[target_column], resort=column in ws.pk(table))
        return _loc(ws, table, row, column)

    op.__doc__ = f"{table}.{column} names no {target}.{target_column}"
    return op


# --------------------------------------------------------------------------- evidence and cross-field promises


def _evidence_cells(ws: Workspace, tables=None) -> list[tuple[str, int, str]]:
    out = []
    for t, prefixes in EVIDENCE_BLOCKS.items():
        if tables and t not in tables:
            continue
        header, rows = ws.read(t)
        for p in prefixes:
            out += [(t, i, p) for i, r in enumerate(rows) if r[header.index(f"{p}evidence")]]
    return out


def evidence_not_in_source(ws: Workspace, rng: random.Random) -> Located:
    t, i, p = _pick(rng, _evidence_cells(ws))
    header, rows = ws.read(t)
    value = rows[i][header.index(f"{p}evidence")] + " Zqxj vwk."
    return _loc(ws, t, ws.set_cell(t, i, f"{p}evidence", value), f"{p}evidence")


def offsets_shifted(ws: Workspace, rng: random.Random) -> Located:
    t, i, p = _pick(rng, _evidence_cells(ws))
    header, rows = ws.read(t)
    s, e = (int(rows[i][header.index(f"{p}evidence_{k}")]) for k in ("start", "end"))
    d = rng.choice([1, -1]) if s > 0 else 1
    rows[i][header.index(f"{p}evidence_start")], rows[i][header.index(f"{p}evidence_end")] = str(s + d), str(e + d)
    ws.write(t, header, rows)
    return _loc(ws, t, i + 2, f"{p}evidence", f"{p}evidence_start", f"{p}evidence_end")


def _outside_texts(ws: Workspace, inside_spans: bool) -> list[tuple[str, str, int, int]]:
    """(source, clean text, start, end) of lines outside an undamaged source's body (or in its non-article spans)."""
    out = []
    for name, s in ws.sources().items():
        if s["encoding_damage"] or not (ws.archive / name).is_file():
            continue
        text = ws.raw_text(name)
        cs, ce = int(s["content_start"]), int(s["content_end"])
        if inside_spans:
            regions = [tuple(map(int, span.split("-"))) for span in filter(None, s["non_article_spans"].split(";"))]
        else:
            regions = [(0, cs), (ce, len(text))]
        for a, b in regions:
            for m in _CLEAN_LINE.finditer(text, a, b):
                line = m.group(0).rstrip()
                if len(line) >= 5:
                    out.append((name, line, m.start(), m.start() + len(line)))
                    break
    return out


def _evidence_elsewhere(ws: Workspace, rng: random.Random, inside_spans: bool) -> Located:
    cells = [(t, i, p) for t, i, p in _evidence_cells(ws) if p == ""]
    t, i, _ = _pick(rng, cells)
    name, line, a, b = _pick(rng, _outside_texts(ws, inside_spans))
    header, rows = ws.read(t)
    r = rows[i]
    for col, v in (("source_file", name), ("evidence", line), ("evidence_start", str(a)), ("evidence_end", str(b))):
        r[header.index(col)] = v
    if "quote" in header:
        r[header.index("quote")] = line
    ws.write(t, header, rows)
    return _loc(ws, t, i + 2, "evidence_start")


def evidence_outside_body(ws: Workspace, rng: random.Random) -> Located:
    return _evidence_elsewhere(ws, rng, inside_spans=False)


def evidence_in_non_article_span(ws: Workspace, rng: random.Random) -> Located:
    return _evidence_elsewhere(ws, rng, inside_spans=True)


def quote_not_in_evidence(ws: Workspace, rng: random.Random) -> Located:
    t, i, col = _pick(rng, ws.cells(lambda t, c, v, f: t == "statements" and c == "quote"))
    return _loc(ws, t, ws.set_cell(t, i, col, "Words nobody spoke here"), col)


def source_words_not_in_evidence(ws: Workspace, rng: random.Random) -> Located:
    """A figure's words (value_text) that its excerpt does not hold."""
    t, i, col = _pick(rng, ws.cells(lambda t, c, v, f: t == "statistics" and c == "value_text"))
    return _loc(ws, t, ws.set_cell(t, i, col, "nine thousand nine hundred and ninety"), col)


def _dated(ws: Workspace) -> list[tuple[str, int, str]]:
    """Rows with an EDTF value holding a four-digit year and both bounds (no open interval)."""
    out = []
    for t, i, col in ws.cells(lambda t, c, v, f: DATE_BLOCKS.get(t) == c and re.search(r"\b\d{4}\b", v)):
        header, rows = ws.read(t)
        if rows[i][header.index(f"{col}_start")] and rows[i][header.index(f"{col}_end")]:
            out.append((t, i, col))
    return out


def date_start_after_end(ws: Workspace, rng: random.Random) -> Located:
    t, i, col = _pick(rng, _dated(ws))
    header, rows = ws.read(t)
    end = dt.date.fromisoformat(rows[i][header.index(f"{col}_end")])
    return _loc(ws, t, ws.set_cell(t, i, f"{col}_start", (end + dt.timedelta(days=1)).isoformat()), f"{col}_start")


def edtf_disagrees(ws: Workspace, rng: random.Random) -> Located:
    t, i, col = _pick(rng, _dated(ws))
    header, rows = ws.read(t)
    value = re.sub(r"\b(\d{4})\b", lambda m: f"{int(m.group(1)) - 4:04d}", rows[i][header.index(col)])
    return _loc(ws, t, ws.set_cell(t, i, col, value), col, f"{col}_start", f"{col}_end")


def derived_not_recomputing(ws: Workspace, rng: random.Random) -> Located:
    header, rows = ws.read("statistics")
    ok = [i for i, r in enumerate(rows) if r[header.index("is_derived")] == "true" and r[header.index("value")]]
    i = _pick(rng, ok)
    text = rows[i][header.index("value")]
    decimals = len(text.split(".")[1]) if "." in text else 0
    value = f"{float(text) + rng.choice([1, -1]) * max(1.0, abs(float(text)) * 0.1):.{decimals}f}"
    return _loc(ws, "statistics", ws.set_cell("statistics", i, "value", value), "value")


# --------------------------------------------------------------------------- integrity


def tampered_archive(ws: Workspace, rng: random.Random) -> Located:
    sources = ws.sources()
    names = [n for n in sources if (ws.archive / n).is_file()]
    name = _pick(rng, names)
    covered: set[int] = set()
    for t, i, p in _evidence_cells(ws):
        header, rows = ws.read(t)
        r = rows[i]
        if r[header.index(f"{p}source_file")] == name:
            covered |= set(range(int(r[header.index(f"{p}evidence_start")]), int(r[header.index(f"{p}evidence_end")])))
    text = ws.raw_text(name)
    spots = [k for k, ch in enumerate(text) if ch.isascii() and ch.isalpha() and k not in covered]
    k = _pick(rng, spots)
    new = text[:k] + ("x" if text[k] != "x" else "y") + text[k + 1 :]
    path = ws.archive / name
    path.chmod(0o644)
    path.write_text(new, encoding="utf-8", newline="")
    row = 2 + list(sources).index(name)
    return _loc(ws, "sources", row, "sha256")


def tampered_data_file(ws: Workspace, rng: random.Random) -> Located:
    t, i, col = _pick(rng, ws.cells(lambda t, c, v, f: c in ws.free_text(t)))
    ws.set_cell(t, i, col, ws.read(t)[1][i][ws.read(t)[0].index(col)] + " (edited)", stamp=False)
    return _loc(ws, t, None)


# --------------------------------------------------------------------------- shape


def header_reordered(ws: Workspace, rng: random.Random) -> Located:
    t = rng.choice(TABLES)
    header, rows = ws.read(t)
    j = rng.randrange(len(header) - 1)
    for r in [header, *rows]:
        r[j], r[j + 1] = r[j + 1], r[j]
    ws.write(t, header, rows)
    return _loc(ws, t, 1, header[j], header[j + 1])


def column_dropped(ws: Workspace, rng: random.Random) -> Located:
    t = rng.choice(TABLES)
    header, rows = ws.read(t)
    j = rng.randrange(len(header))
    name = header[j]
    for r in [header, *rows]:
        del r[j]
    ws.write(t, header, rows)
    return _loc(ws, t, 1, name)


def column_added(ws: Workspace, rng: random.Random) -> Located:
    t = rng.choice(TABLES)
    header, rows = ws.read(t)
    j = rng.randrange(len(header) + 1)
    header.insert(j, "extra_column")
    for r in rows:
        r.insert(j, "extra")
    ws.write(t, header, rows)
    return _loc(ws, t, 1, "extra_column")


def _file_bytes(ws: Workspace, t: str) -> bytes:
    return (ws.root / ws.paths[t]).read_bytes()


def bom(ws: Workspace, rng: random.Random) -> Located:
    t = rng.choice(TABLES)
    ws.write_bytes(t, b"\xef\xbb\xbf" + _file_bytes(ws, t))
    return _loc(ws, t, 1)


def crlf(ws: Workspace, rng: random.Random) -> Located:
    t = rng.choice(TABLES)
    ws.write_bytes(t, _file_bytes(ws, t).replace(b"\n", b"\r\n"))
    return _loc(ws, t, 1)


# --------------------------------------------------------------------------- cells


def _free_cell(ws: Workspace, rng: random.Random) -> tuple[str, int, str, str]:
    t, i, col = _pick(rng, ws.cells(lambda t, c, v, f: c in ws.free_text(t)))
    header, rows = ws.read(t)
    return t, i, col, rows[i][header.index(col)]


def edge_whitespace(ws: Workspace, rng: random.Random) -> Located:
    t, i, col, v = _free_cell(ws, rng)
    v = rng.choice([v + " ", v + "\t", " " + v, v + "\n"])
    return _loc(ws, t, ws.set_cell(t, i, col, v), col)


def control_char(ws: Workspace, rng: random.Random) -> Located:
    t, i, col, v = _free_cell(ws, rng)
    k = rng.randrange(1, len(v)) if len(v) > 1 else 1
    v = v[:k] + rng.choice(["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x0b", "\u2028"]) + v[k:]
    return _loc(ws, t, ws.set_cell(t, i, col, v), col)


def _insert(ws: Workspace, rng: random.Random, chars: list[str]) -> Located:
    t, i, col, v = _free_cell(ws, rng)
    k = rng.randrange(1, len(v)) if len(v) > 1 else 1
    return _loc(ws, t, ws.set_cell(t, i, col, v[:k] + rng.choice(chars) + v[k:]), col)


def bidi_control(ws: Workspace, rng: random.Random) -> Located:
    return _insert(ws, rng, ["\u202e", "\u202d", "\u2066", "\u200f", "\u061c"])


def invisible_char(ws: Workspace, rng: random.Random) -> Located:
    return _insert(ws, rng, ["\u200b", "\u200d", "\u2060", "\ufeff", "\u00ad"])


def not_nfc(ws: Workspace, rng: random.Random) -> Located:
    """A letter with a combining accent (NFD) where NFC composes it."""
    return _insert(ws, rng, ["e\u0301", "n\u0303", "a\u0300", "o\u0308"])


def non_finite_number(ws: Workspace, rng: random.Random) -> Located:
    t, i, col = _pick(rng, ws.cells(lambda t, c, v, f: f.get("type") == "number"))
    return _loc(ws, t, ws.set_cell(t, i, col, rng.choice(["1e400", "-1e999", "inf", "nan", "NaN", "Infinity"])), col)


def _formula(prefix: str) -> Callable[[Workspace, random.Random], Located]:
    def op(ws: Workspace, rng: random.Random) -> Located:
        t, i, col, v = _free_cell(ws, rng)
        value = rng.choice([f"{prefix}{v}", f'{prefix}HYPERLINK("http://x")', f"{prefix}1+2"])
        return _loc(ws, t, ws.set_cell(t, i, col, value), col)

    op.__doc__ = f"a text cell starts with {prefix!r}"
    return op


def mojibake(ws: Workspace, rng: random.Random) -> Located:
    t, i, col, v = _free_cell(ws, rng)
    k = rng.randrange(len(v) + 1)
    v = v[:k] + rng.choice(["Ã©", "â€™", "Ă©", "Â", "\ufffd", "â"]) + v[k:]
    return _loc(ws, t, ws.set_cell(t, i, col, v), col)


def unsorted_rows(ws: Workspace, rng: random.Random) -> Located:
    options = []
    for t in TABLES:
        header, rows = ws.read(t)
        pk = [header.index(c) for c in ws.pk(t)]
        options += [(t, i) for i in range(len(rows) - 1) if [rows[i][k] for k in pk] != [rows[i + 1][k] for k in pk]]
    t, i = _pick(rng, options)
    header, rows = ws.read(t)
    rows[i], rows[i + 1] = rows[i + 1], rows[i]
    ws.write(t, header, rows)
    return _loc(ws, t, i + 3, ws.pk(t)[0])


def truncated_file(ws: Workspace, rng: random.Random) -> Located:
    t = rng.choice(TABLES)
    text = _file_bytes(ws, t).decode("utf-8")
    header, rows = ws.read(t)
    last_start = len(csv_text(header, rows[:-1])) if rows else 0
    width = len(header)
    cuts = []
    for k in range(last_start + 1, len(text) - 1):
        try:
            recs = list(csv.reader(io.StringIO(text[:k], newline=""), strict=True))
        except csv.Error:
            continue
        if recs and 0 < len(recs[-1]) < width:
            cuts.append(k)
    k = _pick(rng, cuts)
    ws.write_bytes(t, text[:k].encode("utf-8"))
    return _loc(ws, t, len(rows) + 1)


def empty_file(ws: Workspace, rng: random.Random) -> Located:
    t = rng.choice(TABLES)
    ws.write_bytes(t, b"")
    return _loc(ws, t, None)


def not_utf8(ws: Workspace, rng: random.Random) -> Located:
    cells = ws.cells(lambda t, c, v, f: c in ws.free_text(t))
    if cells:
        t, i, col = rng.choice(cells)
        header, rows = ws.read(t)
        v = rows[i][header.index(col)]
        k = rng.randrange(len(v) + 1)
        rows[i][header.index(col)] = v[:k] + PLACEHOLDER + v[k:]
        row = i + 2
    else:
        t = rng.choice(TABLES)
        header, rows = ws.read(t)
        j = rng.randrange(len(header))
        col = header[j]
        header[j] = col[:1] + PLACEHOLDER + col[1:]
        row = 1
    data = (
        csv_text(header, rows)
        .encode("utf-8")
        .replace(PLACEHOLDER.encode("utf-8"), rng.choice([b"\xe9", b"\x92", b"\xff"]))
    )
    ws.write_bytes(t, data)
    return _loc(ws, t, row, col) if row > 1 else _loc(ws, t, row)


# --------------------------------------------------------------------------- the registry


@dataclass(frozen=True)
class Mutation:
    name: str
    op: Callable[[Workspace, random.Random], Located]
    frictionless: bool  # the Frictionless standard's validator covers this promise
    doc: str
    #: the rule codes that may name it (a problem at the spot must carry one); empty: any code
    codes: frozenset[str] = frozenset()


def _registry() -> list[Mutation]:
    m = [
        Mutation("wrong_type", wrong_type, True, "a cell not of its field's type", frozenset({"type-error"})),
        Mutation("enum", enum_violation, True, "a value outside an enum", frozenset({"constraint-enum"})),
        Mutation(
            "pattern",
            pattern_violation,
            True,
            "a value that does not match its pattern",
            frozenset({"constraint-pattern"}),
        ),
        Mutation(
            "missing_required", missing_required, True, "an empty required cell", frozenset({"constraint-required"})
        ),
        Mutation(
            "duplicate_pk", duplicate_pk, True, "a row repeated (duplicate primary key)", frozenset({"primary-key"})
        ),
    ]
    seen = set()
    for t, c, rt, rc in _relations_of_schemas():
        name = f"dangling_fk:{t}.{c}"
        if name not in seen:
            seen.add(name)
            m.append(
                Mutation(name, _dangling(t, c, rt, rc), True, f"{t}.{c} names no {rt}.{rc}", frozenset({"foreign-key"}))
            )
    m += [
        Mutation(
            "evidence_not_in_source",
            evidence_not_in_source,
            False,
            "evidence that is not the archived text",
            frozenset({"evidence-mismatch"}),
        ),
        Mutation(
            "offsets_shifted",
            offsets_shifted,
            False,
            "evidence offsets shifted by one character",
            frozenset({"evidence-mismatch"}),
        ),
        Mutation(
            "evidence_outside_body",
            evidence_outside_body,
            False,
            "evidence from outside the article body",
            frozenset({"evidence-outside-body"}),
        ),
        Mutation(
            "evidence_in_non_article_span",
            evidence_in_non_article_span,
            False,
            "evidence from site text inside the body",
            frozenset({"evidence-in-non-article-span"}),
        ),
        Mutation(
            "quote_not_in_evidence",
            quote_not_in_evidence,
            False,
            "a quote not inside its evidence",
            frozenset({"quote-not-in-evidence"}),
        ),
        Mutation(
            "source_words_not_in_evidence",
            source_words_not_in_evidence,
            False,
            "a figure's words not inside its evidence",
            frozenset({"source-words-not-in-evidence"}),
        ),
        Mutation(
            "date_start_after_end",
            date_start_after_end,
            False,
            "date_start after date_end",
            frozenset({"date-start-after-end"}),
        ),
        Mutation(
            "edtf_disagrees",
            edtf_disagrees,
            False,
            "an EDTF date that disagrees with start/end",
            frozenset({"date-disagrees-with-edtf"}),
        ),
        Mutation(
            "derived_not_recomputing",
            derived_not_recomputing,
            False,
            "a derived figure that does not recompute",
            frozenset({"derivation-mismatch"}),
        ),
        Mutation(
            "tampered_archive",
            tampered_archive,
            False,
            "an archived source file changed (SHA-256)",
            frozenset({"archive-hash-mismatch"}),
        ),
        Mutation(
            "tampered_data_file",
            tampered_data_file,
            True,
            "a data file changed after its hash was recorded",
            frozenset({"file-hash-mismatch", "file-bytes-mismatch"}),
        ),
        Mutation("header_reordered", header_reordered, True, "two columns swapped", frozenset({"header-order"})),
        Mutation("column_dropped", column_dropped, True, "a column removed", frozenset({"header-missing-column"})),
        Mutation("column_added", column_added, True, "a column added", frozenset({"header-extra-column"})),
        Mutation("bom", bom, False, "a UTF-8 byte-order mark", frozenset({"csv-bom"})),
        Mutation("crlf", crlf, False, "CRLF line endings", frozenset({"csv-line-ending"})),
        Mutation(
            "edge_whitespace",
            edge_whitespace,
            False,
            "leading or trailing whitespace in a cell",
            frozenset({"cell-edge-whitespace"}),
        ),
        Mutation(
            "control_char",
            control_char,
            False,
            "a control character in a cell",
            frozenset({"cell-control-character", "csv-nul"}),
        ),
    ]
    for prefix, label in (("=", "eq"), ("+", "plus"), ("-", "minus"), ("@", "at")):
        m.append(
            Mutation(
                f"formula_{label}",
                _formula(prefix),
                False,
                f"a text cell starting with {prefix!r}",
                frozenset({"cell-formula"}),
            )
        )
    m += [
        Mutation("mojibake", mojibake, False, "mojibake left in a cell", frozenset({"cell-mojibake"})),
        Mutation(
            "unsorted_rows", unsorted_rows, False, "two rows out of primary-key order", frozenset({"rows-unsorted"})
        ),
        Mutation(
            "truncated_file",
            truncated_file,
            True,
            "a file cut in the middle of its last row",
            frozenset({"csv-final-newline", "csv-quote", "csv-row-width"}),
        ),
        Mutation("empty_file", empty_file, True, "a zero-byte file", frozenset({"csv-empty"})),
        Mutation("not_utf8", not_utf8, True, "a byte that is not UTF-8", frozenset({"csv-encoding"})),
        # issue 11: text that says what it shows, numbers that are numbers
        Mutation(
            "bidi_control", bidi_control, False, "a bidirectional control (U+202E...)", frozenset({"cell-bidi-control"})
        ),
        Mutation(
            "invisible_char",
            invisible_char,
            False,
            "a zero-width or other invisible format character",
            frozenset({"cell-invisible-character"}),
        ),
        Mutation("not_nfc", not_nfc, False, "text in NFD where NFC composes it", frozenset({"cell-not-nfc"})),
        Mutation(
            "non_finite_number",
            non_finite_number,
            False,
            "1e400, inf or nan in a number field",
            frozenset({"type-range", "type-error"}),
        ),
    ]
    return m


def _relations_of_schemas() -> list[tuple[str, str, str, str]]:
    from strategies import ROOT

    out = []
    for t in TABLES:
        d = json.loads((ROOT / "schemas" / f"{t}.schema.json").read_text(encoding="utf-8"))
        for fk in d.get("foreignKeys", []):
            fields = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
            ref = fk["reference"]
            rfields = ref["fields"] if isinstance(ref["fields"], list) else [ref["fields"]]
            out.append((t, fields[0], ref.get("resource") or t, rfields[0]))
    return out


# --------------------------------------------------------------------------- boundary: hostile packages
# Attacks on the package boundary (issue 11): each must be refused by `validate` with a line
# naming the descriptor field, schema field or CSV row, before the file concerned is opened.
# Files planted "outside" live beside the package, in ``<parent>/outside``.

DESCRIPTOR = "datapackage.json"


def _outside(ws: Workspace) -> Path:
    folder = ws.root.parent / "outside"
    folder.mkdir(exist_ok=True)
    return folder


def _edit_json(path: Path, change: Callable[[dict], object]) -> None:
    d = json.loads(path.read_text(encoding="utf-8"))
    change(d)
    path.write_text(json.dumps(d, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _resource_index(ws: Workspace, table: str) -> int:
    return next(i for i, r in enumerate(ws.descriptor["resources"]) if r["name"] == table)


def _set_resource(key: str, value: Callable[[Workspace, str], object]) -> Callable[[Workspace, random.Random], Located]:
    def op(ws: Workspace, rng: random.Random) -> Located:
        t = rng.choice(TABLES)
        v = value(ws, t)
        _edit_json(ws.root / DESCRIPTOR, lambda d: d["resources"][_resource_index(ws, t)].__setitem__(key, v))
        return Located(DESCRIPTOR, None, frozenset({f"resources[{t}].{key}"}))

    return op


def _path_outside(ws: Workspace, t: str) -> str:
    shutil.copy(ws.root / ws.paths[t], _outside(ws) / f"{t}.csv")
    return f"../outside/{t}.csv"


def _replace_file(kind: str, what: str) -> Callable[[Workspace, random.Random], Located]:
    """Replace a table's data file or schema by a symlink leaving the package, or by a named pipe."""

    def op(ws: Workspace, rng: random.Random) -> Located:
        t = rng.choice(TABLES)
        rel = ws.paths[t] if what == "path" else ws.descriptor["resources"][_resource_index(ws, t)]["schema"]
        file = ws.root / rel
        if kind == "symlink":
            target = _outside(ws) / Path(rel).name
            shutil.copy(file, target)
            file.unlink()
            file.symlink_to(target)
        else:
            file.unlink()
            os.mkfifo(file)
        return Located(DESCRIPTOR, None, frozenset({f"resources[{t}].{what}"}))

    return op


def compressed_resource(ws: Workspace, rng: random.Random) -> Located:
    t = rng.choice(TABLES)
    rel = ws.paths[t]
    with gzip.open(ws.root / f"{rel}.gz", "wb") as fh:
        fh.write((ws.root / rel).read_bytes())
    i = _resource_index(ws, t)
    _edit_json(ws.root / DESCRIPTOR, lambda d: d["resources"][i].update(path=f"{rel}.gz", compression="gz"))
    return Located(DESCRIPTOR, None, frozenset({f"resources[{t}].path", f"resources[{t}].compression"}))


def duplicate_json_key(ws: Workspace, rng: random.Random) -> Located:
    path = ws.root / DESCRIPTOR
    d = json.loads(path.read_text(encoding="utf-8"))
    key = rng.choice([k for k in ("name", "title", "version") if k in d])
    text = json.dumps(d, indent=2, ensure_ascii=False)
    path.write_text(text.replace("{", "{" + f"\n  {json.dumps(key)}: {json.dumps(d[key])},", 1), encoding="utf-8")
    return Located(DESCRIPTOR, None, frozenset({key}))


def deep_nesting(ws: Workspace, rng: random.Random) -> Located:
    depth = rng.choice([1_000, 50_000, 200_000])
    t = rng.choice(TABLES)
    rel = ws.descriptor["resources"][_resource_index(ws, t)]["schema"] if rng.random() < 0.5 else DESCRIPTOR
    path = ws.root / rel
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("{", '{"x": ' + "[" * depth + "]" * depth + ",", 1), encoding="utf-8")
    return Located(rel, None, None)


def resource_name_invalid(ws: Workspace, rng: random.Random) -> Located:
    t = rng.choice(TABLES)
    i = _resource_index(ws, t)
    name = rng.choice(["../../evil", "/tmp/evil", t.upper(), f"{t} table", f"{t}\u202e"])
    _edit_json(ws.root / DESCRIPTOR, lambda d: d["resources"][i].update(name=name))
    return Located(DESCRIPTOR, None, frozenset({f"resources[{i}].name"}))


def resource_name_duplicate(ws: Workspace, rng: random.Random) -> Located:
    t = rng.choice(TABLES)
    n = len(ws.descriptor["resources"])
    _edit_json(ws.root / DESCRIPTOR, lambda d: d["resources"].append(dict(d["resources"][_resource_index(ws, t)])))
    return Located(DESCRIPTOR, None, frozenset({f"resources[{n}].name"}))


def _schema_edit(
    change: Callable[[Workspace, random.Random, str, dict], str], with_fks: bool = False
) -> Callable[[Workspace, random.Random], Located]:
    def op(ws: Workspace, rng: random.Random) -> Located:
        t = rng.choice([t for t in TABLES if ws.schemas[t].get("foreignKeys")] if with_fks else TABLES)
        rel = ws.descriptor["resources"][_resource_index(ws, t)]["schema"]
        d = json.loads((ws.root / rel).read_text(encoding="utf-8"))
        column = change(ws, rng, t, d)
        (ws.root / rel).write_text(json.dumps(d, indent=2), encoding="utf-8")
        return Located(rel, None, frozenset({column}))

    return op


def _unknown_type(ws: Workspace, rng: random.Random, t: str, d: dict) -> str:
    f = rng.choice(d["fields"])
    f["type"] = rng.choice(["strnig", "text", "float", "int", "String"])
    return f"fields[{f['name']}].type"


def _unnamed_field(ws: Workspace, rng: random.Random, t: str, d: dict) -> str:
    i = rng.randrange(len(d["fields"]))
    if rng.random() < 0.5:
        del d["fields"][i]["name"]
    else:
        d["fields"][i]["name"] = ""
    return f"fields[{i}].name"


def _fk_table(ws: Workspace, rng: random.Random, t: str, d: dict) -> str:
    fks = d.get("foreignKeys", [])
    if not fks:
        d["foreignKeys"] = fks = [{"fields": [d["fields"][0]["name"]], "reference": {"fields": ["x"]}}]
    i = rng.randrange(len(fks))
    fks[i]["reference"]["resource"] = rng.choice(["nowhere", "../sources", "Sources"])
    return f"foreignKeys[{i}].reference.resource"


def _fk_field(ws: Workspace, rng: random.Random, t: str, d: dict) -> str:
    fks = d.get("foreignKeys", [])
    if not fks:
        raise NotApplicable
    i = rng.randrange(len(fks))
    fks[i]["reference"]["fields"] = ["no_such_field"]
    return f"foreignKeys[{i}].reference.fields"


def _source_row(ws: Workspace, rng: random.Random) -> tuple[int, str]:
    names = list(ws.sources())
    k = rng.randrange(len(names)) if names else _pick(rng, [])
    return k + 2, names[k]


def source_file_outside(ws: Workspace, rng: random.Random) -> Located:
    row, name = _source_row(ws, rng)
    shutil.copy(ws.archive / name, _outside(ws) / name)
    value = rng.choice([f"../outside/{name}", str(_outside(ws) / name)])
    ws.set_cell("sources", row - 2, "source_file", value)
    return _loc(ws, "sources", row, "source_file")


def _archive_file(kind: str) -> Callable[[Workspace, random.Random], Located]:
    def op(ws: Workspace, rng: random.Random) -> Located:
        row, name = _source_row(ws, rng)
        file = ws.archive / name
        if kind == "symlink":
            shutil.copy(file, _outside(ws) / name)
            file.unlink()
            file.symlink_to(_outside(ws) / name)
        else:
            file.unlink()
            os.mkfifo(file)
        return _loc(ws, "sources", row, "source_file")

    return op


def _boundary_registry() -> list[Mutation]:
    def c(*codes: str) -> frozenset[str]:
        return frozenset(codes)

    return [
        Mutation(
            "path_parent",
            _set_resource("path", _path_outside),
            False,
            "a resource path climbing out with ..",
            c("path-parent"),
        ),
        Mutation(
            "path_absolute",
            _set_resource("path", lambda ws, t: str((ws.root / ws.paths[t]).resolve())),
            False,
            "an absolute resource path",
            c("path-absolute"),
        ),
        Mutation(
            "path_url",
            _set_resource("path", lambda ws, t: f"https://example.org/{t}.csv"),
            False,
            "a resource path that is a URL",
            c("path-url"),
        ),
        Mutation(
            "schema_outside",
            _set_resource("schema", lambda ws, t: "../outside/x.json"),
            False,
            "a schema path outside",
            c("path-parent"),
        ),
        Mutation(
            "symlink_out",
            _replace_file("symlink", "path"),
            False,
            "a data file symlinked out of the package",
            c("path-outside"),
        ),
        Mutation(
            "schema_symlink_out",
            _replace_file("symlink", "schema"),
            False,
            "a schema symlinked out of the package",
            c("path-outside"),
        ),
        Mutation(
            "fifo_data", _replace_file("fifo", "path"), False, "a data file that is a named pipe", c("path-not-file")
        ),
        Mutation(
            "fifo_schema", _replace_file("fifo", "schema"), False, "a schema that is a named pipe", c("path-not-file")
        ),
        Mutation("compressed", compressed_resource, False, "a gzip-compressed resource", c("resource-compressed")),
        Mutation(
            "json_duplicate_key", duplicate_json_key, False, "a key twice in datapackage.json", c("json-duplicate-key")
        ),
        Mutation("json_deep", deep_nesting, False, "JSON nested thousands of levels deep", c("json-too-deep")),
        Mutation(
            "resource_name",
            resource_name_invalid,
            False,
            "a resource name breaking the Data Package rule",
            c("resource-name"),
        ),
        Mutation(
            "resource_name_twice",
            resource_name_duplicate,
            False,
            "two resources with one name",
            c("resource-name-duplicate"),
        ),
        Mutation(
            "field_type_unknown",
            _schema_edit(_unknown_type),
            False,
            "a field type Table Schema does not know",
            c("field-type-unknown"),
        ),
        Mutation("field_unnamed", _schema_edit(_unnamed_field), False, "a field without a name", c("field-name")),
        Mutation(
            "fk_unknown_table",
            _schema_edit(_fk_table),
            False,
            "a foreign key to a table that does not exist",
            c("foreign-key-resource"),
        ),
        Mutation(
            "fk_unknown_field",
            _schema_edit(_fk_field, with_fks=True),
            False,
            "a foreign key to a field that does not exist",
            c("foreign-key-field"),
        ),
        Mutation(
            "source_file_outside",
            source_file_outside,
            False,
            "a source_file outside the archive",
            c("path-parent", "path-absolute"),
        ),
        Mutation(
            "archive_symlink_out",
            _archive_file("symlink"),
            False,
            "an archived file symlinked out of the archive",
            c("path-outside"),
        ),
        Mutation(
            "archive_fifo", _archive_file("fifo"), False, "an archived file that is a named pipe", c("path-not-file")
        ),
    ]


MUTATIONS = _registry() + _boundary_registry()
BY_NAME = {m.name: m for m in MUTATIONS}


# --------------------------------------------------------------------------- running the validator


_LINE = re.compile(
    r"^(?P<file>[^:\s][^:]*?)"
    r"(?::(?P<row>\d+)(?::(?P<col>[^:\s][^:]*?))?|::(?P<col2>[^:\s][^:]*?))?"
    r": (?P<msg>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$"
)


def parse_lines(output: str) -> list[Line]:
    """The problem lines of a text validate report (``file:row:column: message  [code]``)."""
    out = []
    for text in output.splitlines():
        if text.startswith(("  ", "cartel-directive ", "valid:", "INVALID:")):
            continue
        m = _LINE.match(text)
        if m:
            row = int(m["row"]) if m["row"] else None
            out.append(Line(m["file"], row, m["col"] or m["col2"], m["msg"], m["code"] or ""))
    return out


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def report(self) -> dict:
        return json.loads(self.stdout) if self.stdout.strip() else {"problems": [], "summary": {}}

    @property
    def lines(self) -> list[Line]:
        return [Line(p["file"], p["row"], p["column"], p["message"], p["code"]) for p in self.report["problems"]]

    @property
    def traceback(self) -> bool:
        return "Traceback" in self.stderr or "Traceback" in self.stdout or self.code not in (0, 1)


def run_cli(root: Path, archive: Path, *extra: str) -> Outcome:
    """Run ``cartel-directive validate --format json`` in this process and capture what it prints."""
    from cartel_directive.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", str(root), "--sources", str(archive), "--format", "json", *extra])
    return Outcome(code, out.getvalue(), err.getvalue())


def is_located(lines: list[Line], where: Located, codes: frozenset[str] = frozenset()) -> bool:
    """Whether some problem names ``where``'s file, row and (one of its) columns, with one of ``codes``."""
    for line in lines:
        if line.file != where.file:
            continue
        if where.row is not None and line.row != where.row:
            continue
        if where.columns is not None and line.column not in where.columns:
            continue
        if codes and line.code not in codes:
            continue
        return True
    return False


def frictionless_rejects(root: Path) -> bool:
    """Whether ``frictionless validate datapackage.json`` reports any error."""
    import frictionless

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        report = frictionless.validate(str(root / "datapackage.json"))
    return not report.valid
