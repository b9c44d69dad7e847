"""Generate a synthetic cartel-directive data package of any size, valid under every check.

Usage::

    python scripts/bench/synthetic.py OUT_DIR --statements 10000 [--seed 7]

writes ``OUT_DIR/pkg`` (``datapackage.json``, ``schemas/``, ``data/*.csv``) and
``OUT_DIR/archive`` (the generated source texts the evidence is drawn from). Check it
with ``cartel-directive validate OUT_DIR/pkg --sources OUT_DIR/archive`` and
``frictionless validate OUT_DIR/pkg/datapackage.json``.

Sizes of the other tables, in proportion to ``n`` statement rows: sources ``n/1000``
(at least 4, at most 1000: the file-name pattern allows three digits), actors ``n/50``,
events ``n/4``, event_actors ``n/2`` (two roles per event), statistics ``n/20``,
discrepancies ``n/100``.

Identifier patterns. The project's schemas allow exactly four digits in the ids of
statements, events, occurrences, utterances, statistics and discrepancies
(``stm-[0-9]{4}``), so at most 10 000 rows per table. Up to that size the package uses
the project's schemas unchanged. Beyond it, the generated package's copy of the schemas
widens those patterns to ``[0-9]{4,}`` (ids are ``stm-0000`` … ``stm-9999``,
``stm-10000`` …), and says so in ``datapackage.json``; nothing else changes. Derived
statistics only refer to four-digit stat ids (the derivation grammar reads exactly
``stat-NNNN``).

About 10 % of the sources carry the ``utf8-as-latin10-c1-lost`` encoding damage, so
the repair path of the provenance check is exercised; some evidence spans a paragraph
break (a quoted CSV cell with a newline).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import random
import re
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from cartel_directive.csvformat import dumps
from cartel_directive.dates import edtf_bounds
from cartel_directive.derivation import evaluate
from cartel_directive.descriptor import TABLES, file_digest

REPO = Path(__file__).resolve().parents[2]
DAMAGE = "utf8-as-latin10-c1-lost"
#: Column positions of the statistics table, from its schema (so new fields never shift them silently).
STAT_COLUMNS = {
    f["name"]: i
    for i, f in enumerate(
        json.loads((REPO / "schemas" / "statistics.schema.json").read_text(encoding="utf-8"))["fields"]
    )
}
#: Fields whose ``[0-9]{4}`` pattern is widened beyond 10 000 rows.
ID_FIELDS = {
    "statement_id",
    "utterance_id",
    "event_id",
    "occurrence_id",
    "stat_id",
    "baseline_stat_id",
    "discrepancy_id",
    "change_id",
}

WORDS = [
    "the",
    "directive",
    "military",
    "cartels",
    "government",
    "president",
    "officials",
    "said",
    "would",
    "could",
    "against",
    "designated",
    "terrorist",
    "organizations",
    "Mexico",
    "United",
    "States",
    "Washington",
    "border",
    "security",
    "cooperation",
    "sovereignty",
    "troops",
    "operation",
    "report",
    "according",
    "statement",
    "administration",
    "foreign",
    "ministry",
    "defense",
    "secretary",
    "intelligence",
    "agencies",
    "drug",
    "trafficking",
    "fentanyl",
    "groups",
    "action",
    "soil",
    "country",
    "leaders",
    "week",
    "Thursday",
    "Friday",
    "August",
    "policy",
    "plan",
    "order",
    "signed",
    "secret",
    "rejected",
    "invasion",
    "talks",
    "agreement",
    "response",
    "México",
    "está",
    "también",
    "política",
    "señal",
    "García",
    "Núñez",
    "Pérez",
    "región",
    "acción",
]
QUOTED = ("“There will be no invasion”", "“we cooperate, we do not subordinate”", "‘not on the table’", "“No”")
EDTF = ("2025-08-08", "2025-08-07", "2025-08", "2025", "2025-07-21/2025-07-31", "2025-08-01/..", "2025-08~", "2025?")
ACTOR_KINDS = (
    "person",
    "organization",
    "government_body",
    "armed_group",
    "media_outlet",
    "unnamed_source",
    "unnamed_group",
)
EVENT_TYPES = ("designation", "directive", "media_report", "public_statement", "interview", "rejection", "offer")
PLOVER = (
    ("COERCE", "restrict"),
    ("REQUEST", ""),
    ("", ""),
    ("ACCUSE", "disapprove"),
    ("", ""),
    ("REJECT", ""),
    ("AGREE", ""),
)
ROLES = ("agent", "target", "recipient", "subject", "reporter")
QUALIFIERS = ("exact", "approximate", "at_least", "more_than")
UNITS = ("persons", "percent", "organizations", "times", "years")
DISC_KINDS = ("source_error", "conflicting_accounts", "date_variant", "descriptor_variant", "quote_variant")


@cache
def _bounds(value: str) -> tuple[str, str]:
    lo, hi = edtf_bounds(value)
    return (lo.isoformat() if lo else "", hi.isoformat() if hi else "")


def _damage(ch: str) -> str:
    """One character as it reads after UTF-8 -> ISO-8859-16 mis-decoding with C1 dropped."""
    if ord(ch) < 0x80:
        return ch
    return "".join(bytes([b]).decode("iso8859_16") for b in ch.encode("utf-8") if not 0x80 <= b <= 0x9F)


@dataclass
class Source:
    name: str
    text: str  # the article as written
    raw: str  # the archived file's text (damaged or not)
    offsets: list[int]  # raw offset of each character of ``text`` (len(text) + 1 entries)
    damaged: bool
    body: tuple[int, int]  # in text coordinates
    spans: list[tuple[int, int]]  # non-article spans, text coordinates
    sentences: list[tuple[int, int, int]] = field(default_factory=list)  # (start, end, paragraph)
    order: list[int] = field(default_factory=list)

    def evidence(self, rnd: random.Random) -> tuple[str, int, int]:
        """An excerpt of one or two whole sentences: (text, raw start, raw end).

        Sentences are drawn without replacement (then again, reshuffled), as an
        annotator cites different passages, so excerpts are mostly distinct.
        """
        if not self.order:
            self.order = list(range(len(self.sentences)))
            rnd.shuffle(self.order)
        i = self.order.pop()
        s, e, _ = self.sentences[i]
        if i + 1 < len(self.sentences) and rnd.random() < 0.3:
            e2 = self.sentences[i + 1][1]  # may cross a paragraph break, never non-article text
            if not any(s < b and a < e2 for a, b in self.spans):
                e = e2
        return self.text[s:e], self.offsets[s], self.offsets[e]


def _sentence(rnd: random.Random) -> str:
    words = [rnd.choice(WORDS) for _ in range(rnd.randint(6, 16))]
    if rnd.random() < 0.3:
        words.insert(rnd.randint(1, len(words)), rnd.choice(QUOTED))
    first = words[0]
    words[0] = first[:1].upper() + first[1:]
    return " ".join(words) + "."


def make_source(i: int, rnd: random.Random, damaged: bool, sentences: int = 48) -> Source:
    title = f"Synthetic report {i} on the directive"
    paragraphs: list[list[str]] = [
        [_sentence(rnd) for _ in range(rnd.randint(3, 5))] for _ in range(max(4, sentences // 4))
    ]
    also = f"ALSO READ: {_sentence(rnd)}"
    at = rnd.randint(2, len(paragraphs) - 2)
    parts: list[str] = [title, "\n\n"]
    text = "".join(parts)
    body_start = len(text)
    sentences: list[tuple[int, int, int]] = []
    spans: list[tuple[int, int]] = []
    pos = body_start
    chunks: list[str] = []
    for p, sents in enumerate(paragraphs):
        if p == at:
            spans.append((pos, pos + len(also)))
            chunks.append(also + "\n\n")
            pos += len(also) + 2
        for k, sent in enumerate(sents):
            sentences.append((pos, pos + len(sent), p))
            sep = " " if k + 1 < len(sents) else "\n\n"
            chunks.append(sent + sep)
            pos += len(sent) + len(sep)
    body_end = pos - 2
    chunks.append("Comments\n")
    text += "".join(chunks)
    if damaged:
        offsets, pieces, n = [], [], 0
        for ch in text:
            offsets.append(n)
            d = _damage(ch)
            pieces.append(d)
            n += len(d)
        offsets.append(n)
        raw = "".join(pieces)
    else:
        raw, offsets = text, list(range(len(text) + 1))
    digest = hashlib.sha256(f"synthetic-{i}".encode()).hexdigest()[:16]
    src = Source(f"{i:03d}_{digest}.txt", text, raw, offsets, damaged, (body_start, body_end), spans)
    src.sentences = sentences
    return src


def _id(prefix: str, i: int) -> str:
    return f"{prefix}-{i:04d}"


def _date_block(rnd: random.Random) -> list[str]:
    if rnd.random() < 0.1:
        return ["", "", "", "", ""]
    value = rnd.choice(EDTF)
    lo, hi = _bounds(value)
    return [value, lo, hi, rnd.choice(("stated", "inferred")), "on Thursday" if rnd.random() < 0.5 else ""]


def _ev(sources: list[Source], rnd: random.Random, src: Source | None = None) -> list[str]:
    src = src or rnd.choice(sources)
    text, s, e = src.evidence(rnd)
    return [src.name, text, str(s), str(e)]


def _source_words(rows: dict[str, list[list[str]]], schemas: dict[str, dict]) -> None:
    """Keep the source's words where the rules require them inside the excerpt
    (source-words-not-in-evidence): a stated date's words, drawn at random above, are dropped
    where the excerpt lacks them; a figure's words are the excerpt's first word."""
    for table, prefix in (("events", "date"), ("statements", "date"), ("statistics", "period")):
        header = [f["name"] for f in schemas[table]["fields"]]
        text, basis, ev = (header.index(c) for c in (f"{prefix}_text", f"{prefix}_basis", "evidence"))
        for r in rows[table]:
            if r[basis] == "stated" and r[text] and r[text] not in r[ev]:
                r[text] = ""
    header = [f["name"] for f in schemas["statistics"]["fields"]]
    words, ev = header.index("value_text"), header.index("evidence")
    for r in rows["statistics"]:
        if r[words] and r[words] not in r[ev]:
            r[words] = r[ev].split()[0]


def _quote(evidence: str, rnd: random.Random) -> str:
    words = evidence.split()
    a = rnd.randrange(len(words))
    b = min(len(words), a + rnd.randint(1, 6))
    q = " ".join(words[a:b])
    return q if q[:1] not in "=+-@" else "said"


def sizes(n: int) -> dict[str, int]:
    return {
        "sources": min(1000, max(4, n // 1000)),
        "actors": max(5, n // 50),
        "events": max(4, n // 4),
        "event_actors": 2 * max(4, n // 4),
        "statements": n,
        "statistics": max(10, n // 20),
        "discrepancies": max(2, n // 100),
    }


def generate(out: Path, n: int, seed: int = 7) -> dict[str, int]:
    """Write a package for ``n`` statement rows to ``out/pkg`` and its archive to ``out/archive``."""
    rnd = random.Random(seed)
    size = sizes(n)
    pkg, archive = out / "pkg", out / "archive"
    (pkg / "data").mkdir(parents=True, exist_ok=True)
    (pkg / "schemas").mkdir(parents=True, exist_ok=True)
    archive.mkdir(parents=True, exist_ok=True)
    schemas = {t: json.loads((REPO / "schemas" / f"{t}.schema.json").read_text(encoding="utf-8")) for t in TABLES}
    widen = max(v for k, v in size.items() if k not in ("sources", "actors")) > 10_000

    excerpts = sum(size[t] for t in ("actors", "events", "statements", "statistics")) + 2 * size["discrepancies"]
    per_source = max(48, excerpts // size["sources"])
    sources = [make_source(i, rnd, damaged=(i % 10 == 3), sentences=per_source) for i in range(size["sources"])]
    rows: dict[str, list[list[str]]] = {}
    src_rows = []
    for s in sources:
        data = s.raw.encode("utf-8")
        (archive / s.name).write_bytes(data)
        outlet = rnd.random() < 0.5
        src_rows.append(
            [
                s.name,
                hashlib.sha256(data).hexdigest(),
                str(len(data)),
                f"Synthetic report {s.name[:3]}",
                "The Synthetic Times" if outlet else "",
                "stated" if outlet else "",
                "A. Writer" if rnd.random() < 0.5 else "",
                "en",
                str(s.offsets[s.body[0]]),
                str(s.offsets[s.body[1]]),
                ";".join(f"{s.offsets[a]}-{s.offsets[b]}" for a, b in s.spans),
                DAMAGE if s.damaged else "",
                "Generated for benchmarks.",
            ]
        )
    rows["sources"] = src_rows

    actor_ids = [f"actor-{i:06d}" for i in range(size["actors"])]
    rows["actors"] = [
        [
            aid,
            f"Actor {i}",
            ACTOR_KINDS[i % len(ACTOR_KINDS)],
            ("MX", "US", "")[i % 3],
            f"A{i}" if i % 4 == 0 else "",
            "A synthetic actor.",
            *_ev(sources, rnd),
        ]
        for i, aid in enumerate(actor_ids)
    ]

    ev_rows = []
    for i in range(size["events"]):
        # two events share an occurrence, reported by two different sources
        src = sources[(i // 2 + (i % 2)) % len(sources)]
        ev_rows.append(
            [
                _id("ev", i),
                _id("oc", i // 2),
                EVENT_TYPES[i % len(EVENT_TYPES)],
                *PLOVER[i % len(PLOVER)],
                f"Event {i}.",
                *_date_block(rnd),
                ("MX", "US", "")[i % 3],
                *_ev(sources, rnd, src),
            ]
        )
    rows["events"] = ev_rows
    rows["event_actors"] = [
        [_id("ev", i), actor_ids[(i * 7 + k) % len(actor_ids)], ROLES[k]]
        for i in range(size["events"])
        for k in range(2)
    ]

    st_rows = []
    for i in range(n):
        ev = _ev(sources, rnd)
        st_rows.append(
            [
                _id("stm", i),
                _id("utt", i // 2),
                actor_ids[i % len(actor_ids)],
                *(("inferred", "Named in the preceding sentence.") if i % 4 == 0 else ("stated", "")),
                _quote(ev[1], rnd),
                ("direct", "partial", "paraphrase")[i % 3],
                "press conference" if i % 5 == 0 else "",
                f"Statement {i}.",
                *_date_block(rnd),
                *ev,
            ]
        )
    rows["statements"] = st_rows

    stat_rows = []
    values: dict[str, float] = {}
    four_digit = min(size["statistics"], 10_000)
    for i in range(size["statistics"]):
        sid = _id("stat", i)
        derived = _derived(i)
        period = _date_block(rnd)
        if derived:
            formula, value_text, qual, base = "", "", "computed", ""
        else:
            v = rnd.randint(1, 5000)
            values[sid] = float(v)
            formula, value_text, qual, base = "", str(v), QUALIFIERS[i % len(QUALIFIERS)], ""
        stat_rows.append(
            [
                *(sid, f"indicator {i % 17}", value_text, value_text, UNITS[i % len(UNITS)], qual, *period, "Mexico"),
                *((actor_ids[i % len(actor_ids)], "stated", "") if i % 3 else ("", "", "")),
                *("", base, "true" if derived else "false", formula),
                *_ev(sources, rnd),
            ]
        )
    plain = [i for i in range(four_digit) if not _derived(i)]
    assert len(stat_rows[0]) == len(STAT_COLUMNS), "statistics rows out of step with the schema"
    for i, r in enumerate(stat_rows):  # derived values, once all inputs are known
        if not _derived(i):
            continue
        a, b = (_id("stat", x) for x in rnd.sample(plain, 2))
        if values[b] < values[a]:
            a, b = b, a  # keep the result positive: a cell may not start with '-'
        col = STAT_COLUMNS
        r[col["derivation"]] = f"({b} - {a}) / {a} * 100"
        r[col["baseline_stat_id"]] = a
        r[col["value"]] = f"{evaluate(r[col['derivation']], values):.2f}"  # computed: no words of the source
    rows["statistics"] = stat_rows

    all_ids = [r[0] for r in st_rows[:50]] + [r[0] for r in ev_rows[:50]] + actor_ids[:50]
    rows["discrepancies"] = [
        [
            _id("disc", i),
            DISC_KINDS[i % len(DISC_KINDS)],
            f"Discrepancy {i}.",
            ";".join(rnd.sample(all_ids, 2)) if i % 2 else "",
            *_ev(sources, rnd),
            *(_ev(sources, rnd) if i % 3 else ["", "", "", ""]),
        ]
        for i in range(size["discrepancies"])
    ]

    rows["changes"] = [
        [
            _id("chg", i),
            "0.2.0",
            "statements",
            _id("stm", i),
            "changed",
            "summary",
            f"Old {i}.",
            f"Statement {i}.",
            "Synthetic change.",
            "curators",
        ]
        for i in range(min(n, size["discrepancies"]))
    ]

    _source_words(rows, schemas)
    descriptor = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["name"] = descriptor["id"] = "cartel-directive-synthetic"
    descriptor["title"] = f"Synthetic cartel-directive package, {n} statement rows (benchmarks only)"
    descriptor["description"] = (
        "Generated by scripts/bench/synthetic.py; not data. "
        + ("Id patterns widened from [0-9]{4} to [0-9]{4,} to allow more than 10 000 rows per table." if widen else "")
    ).strip()
    descriptor["sources"] = [{"title": "Generated synthetic texts"}]
    for r in descriptor["resources"]:
        t = r["name"]
        schema = copy.deepcopy(schemas[t])
        header = [f["name"] for f in schema["fields"]]
        if widen:
            for f in schema["fields"]:
                pat = f.get("constraints", {}).get("pattern")
                if f["name"] in ID_FIELDS and pat:
                    f["constraints"]["pattern"] = re.sub(r"\{4\}", "{4,}", pat)
        (pkg / "schemas" / f"{t}.schema.json").write_text(
            json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        body = rows[t]
        width = len(header)
        assert all(len(r) == width for r in body), t
        keys = [header.index(c) for c in _pk(schema)]
        body.sort(key=lambda r, k=keys: [r[i] for i in k])
        path = pkg / "data" / f"{t}.csv"
        path.write_text(dumps(header, body), encoding="utf-8")
        r["bytes"], r["hash"] = file_digest(path)
    (pkg / "datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return {t: len(rows[t]) for t in TABLES}


def _derived(i: int) -> bool:
    return i >= 2 and i % 20 == 0


def _pk(schema: dict) -> list[str]:
    pk = schema.get("primaryKey", [])
    return [pk] if isinstance(pk, str) else list(pk)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", type=Path, help="folder to write pkg/ and archive/ into")
    p.add_argument("--statements", "-n", type=int, default=10_000, help="statement rows (default 10000)")
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    counts = generate(args.out, args.statements, args.seed)
    print(json.dumps(counts), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
