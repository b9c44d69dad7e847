"""Generators of whole, valid cartel-directive packages, for hypothesis and for plain scripts.

A generated package is built from generated *source texts*, so every evidence excerpt
is a real excerpt of an archived file, found there by construction (not by the code
under test). One source in every package carries the damage profile of the damaged
archived file: its clean text is encoded as UTF-8 and decoded as ISO-8859-16 with the
C1 control characters dropped, so curly quotes become a bare ``â`` and ``é`` becomes
``Ă©``; its excerpts hold the clean (repaired) reading, as the curation rules say.

The generator is written once against a tiny :class:`Chooser` interface and runs on
two backends: :class:`DrawChooser` (a hypothesis ``draw``, so hypothesis can shrink
failures) and :class:`RandomChooser` (``random.Random(seed)``, so
``scripts/reliability_report.py`` is deterministic whatever the hypothesis version).

Everything derived (offsets, EDTF bounds, hashes, derived statistics) is computed here
independently of ``cartel_directive``: the package under test only reads the result.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import hashlib
import io
import json
import random
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
PROFILE = "utf8-as-latin10-c1-lost"
TABLES = ("sources", "actors", "events", "event_actors", "statements", "statistics", "discrepancies", "changes")

T = TypeVar("T")


# --------------------------------------------------------------------------- choosers


class Chooser(Protocol):
    def integer(self, lo: int, hi: int) -> int: ...
    def choice(self, options: Sequence[T]) -> T: ...
    def boolean(self) -> bool: ...


class RandomChooser:
    """Choices from a seeded ``random.Random``: same seed, same package."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def choice(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]

    def boolean(self) -> bool:
        return self.rng.random() < 0.5


class DrawChooser:
    """Choices drawn by hypothesis, so failing packages shrink."""

    def __init__(self, draw: Any) -> None:
        self.draw = draw

    def integer(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi))

    def choice(self, options: Sequence[T]) -> T:
        return options[self.draw(st.integers(0, len(options) - 1))]

    def boolean(self) -> bool:
        return self.draw(st.booleans())


# --------------------------------------------------------------------------- damage


def damage_char(ch: str) -> str:
    """One character after the file's accident: UTF-8 read as ISO-8859-16, C1 controls lost."""
    decoded = ch.encode("utf-8").decode("iso8859_16")
    return "".join(c for c in decoded if not 0x80 <= ord(c) <= 0x9F)


def damage(text: str) -> str:
    """The damaged reading of ``text`` (character by character, which equals the whole-string decoding)."""
    return "".join(damage_char(c) for c in text)


# --------------------------------------------------------------------------- vocabulary
# No character of this vocabulary is mojibake-like (â, Ă, Ã, Â), a control character,
# or loses bytes under the damage (uppercase accented letters, dashes and the ellipsis
# lose their C1 continuation bytes, so they only appear in undamaged sources).

PEOPLE = [
    ("Claudia Sheinbaum", "claudia-sheinbaum", "MX"),
    ("Cecilia Farfán-Méndez", "cecilia-farfan-mendez", "MX"),
    ("Omar García Harfuch", "omar-garcia-harfuch", "MX"),
    ("Juan Ramón de la Fuente", "juan-ramon-de-la-fuente", "MX"),
    ("Marco Rubio", "marco-rubio", "US"),
    ("Vanda Felbab-Brown", "vanda-felbab-brown", "US"),
    ("Ronald Johnson", "ronald-johnson", "US"),
    ("José Peña Núñez", "jose-pena-nunez", ""),
]
VERBS = ["said", "told reporters", "wrote", "added", "warned", "insisted", "noted"]
WORDS = [
    "the",
    "government",
    "will",
    "not",
    "accept",
    "any",
    "military",
    "action",
    "on",
    "its",
    "territory",
    "cooperation",
    "with",
    "the",
    "United",
    "States",
    "remains",
    "strong",
    "but",
    "sovereignty",
    "is",
    "not",
    "negotiable",
    "officials",
    "say",
    "cartels",
    "move",
    "fentanyl",
    "across",
    "the",
    "border",
    "troops",
    "would",
    "need",
    "permission",
    "from",
    "the",
    "senate",
    "analysts",
    "doubt",
    "the",
    "plan",
    "would",
    "work",
    "a",
    "spokesman",
    "declined",
    "to",
    "comment",
    "on",
    "operational",
    "details",
]
ACCENTED = ["García", "soberanía", "Sinaloa", "Jalisco", "políticas", "región", "según", "Peña"]
PLACES = ["in Mexico City", "in Washington", "at a news conference", "on Friday", "late last month", "in a statement"]
UNITS = [("persons", "people"), ("percent", "percent"), ("organizations", "groups"), ("times", "times")]


@dataclass
class Sentence:
    clean: str  # the sentence as it should read (the repaired reading)
    quote: str | None = None  # the speaker's words, for statement sentences
    speaker: int | None = None  # index into PEOPLE
    number: int | None = None  # the figure, for statistic sentences
    unit: str | None = None
    start: int = 0  # raw character offsets in the archived file
    end: int = 0
    paragraph: int = 0


@dataclass
class SourceText:
    name: str
    raw: str  # the archived file's text (damaged when profile is set)
    profile: str | None
    sentences: list[Sentence]
    content_start: int
    content_end: int
    non_article: list[tuple[int, int]]
    markers: dict[str, Any]
    outside: tuple[str, int, int]  # a clean text outside the body, with its raw offsets

    @property
    def data(self) -> bytes:
        return self.raw.encode("utf-8")


@dataclass
class PackageSpec:
    sources: list[SourceText]
    tables: dict[str, list[dict[str, str]]] = field(default_factory=dict)


def _words(c: Chooser, lo: int, hi: int, damaged: bool) -> list[str]:
    out = []
    for _ in range(c.integer(lo, hi)):
        out.append(c.choice(ACCENTED) if c.integer(0, 5) == 0 else c.choice(WORDS))
    return out


def _sentence(c: Chooser, n: int, damaged: bool) -> Sentence:
    """One sentence, unique thanks to its number ``n``."""
    kind = c.integer(0, 3)
    open_q, close_q, apos = "“", "”", "’"
    if kind == 0:  # a statement with a direct quote
        who = c.integer(0, len(PEOPLE) - 1)
        words = _words(c, 3, 8, damaged)
        words[0] = words[0].capitalize()
        quote = " ".join(words) + f" in case {n}"
        text = f"{open_q}{quote},{close_q} {PEOPLE[who][0]} {c.choice(VERBS)} {c.choice(PLACES)}."
        return Sentence(text, quote=quote, speaker=who)
    if kind == 1:  # a figure
        unit, word = c.choice(UNITS)
        number = c.integer(2, 9000) * 10 + n % 10 + 1
        shown = f"{number:,}"
        text = f"Officials counted {shown} {word} in report {n}, according to the agency{apos}s data."
        return Sentence(text, number=number, unit=unit)
    who = c.integer(0, len(PEOPLE) - 1)
    words = _words(c, 4, 10, damaged)
    dash = " " if damaged else c.choice([" ", " — ", " – "])
    text = f"{PEOPLE[who][0]}{apos}s office{dash}{' '.join(words)} in item {n}."
    return Sentence(text, speaker=who)


def source_text(c: Chooser, index: int, damaged: bool, first_number: int) -> SourceText:
    """A generated archived article: header, body paragraphs (with a teaser when clean), footer."""
    hexpart = "".join(c.choice("0123456789abcdef") for _ in range(16))
    name = f"{index:03d}_{hexpart}.txt"
    pieces: list[str] = []  # clean text pieces, concatenated
    clean_pos = 0

    def put(text: str) -> tuple[int, int]:
        nonlocal clean_pos
        pieces.append(text)
        clean_pos += len(text)
        return clean_pos - len(text), clean_pos

    header = f"Categories: North America {index}"
    put(header + "\n\n")
    sentences: list[Sentence] = []
    spans_clean: list[tuple[int, int]] = []
    n = first_number
    paragraphs = c.integer(2, 4)
    teaser_at = None if damaged else c.integer(1, paragraphs - 1)
    for p in range(paragraphs):
        if p and teaser_at == p:
            spans_clean.append(put(f"ALSO READ: Another story number {index}{p}"))
            put("\n\n")
        for k in range(c.integer(2, 4)):
            if k:
                put(c.choice([" ", "  ", "\n"]))
            s = _sentence(c, n, damaged)
            n += 1
            s.start, s.end = put(s.clean)
            s.paragraph = p
            sentences.append(s)
        if p < paragraphs - 1:
            put("\n\n")
    footer = f"Comments are closed for story {index}."
    put("\n\n")
    f_start, f_end = put(footer)
    put("\n")
    clean = "".join(pieces)
    if damaged:
        # raw offset of every clean offset
        offsets = [0]
        for ch in clean:
            offsets.append(offsets[-1] + len(damage_char(ch)))
        raw = damage(clean)
    else:
        offsets = list(range(len(clean) + 1))
        raw = clean
    for s in sentences:
        s.start, s.end = offsets[s.start], offsets[s.end]
    non_article = [(offsets[a], offsets[b]) for a, b in spans_clean]
    markers = {
        "body_starts_with": sentences[0].clean,
        "body_ends_with": sentences[-1].clean,
        "non_article": [clean[a:b] for a, b in spans_clean],
        "note": "generated",
    }
    return SourceText(
        name=name,
        raw=raw,
        profile=PROFILE if damaged else None,
        sentences=sentences,
        content_start=sentences[0].start,
        content_end=sentences[-1].end,
        non_article=non_article,
        markers=markers,
        outside=(footer, offsets[f_start], offsets[f_end]),
    )


# --------------------------------------------------------------------------- dates


def _month_last(y: int, m: int) -> int:
    return calendar.monthrange(y, m)[1]


def edtf(c: Chooser) -> tuple[str, str, str]:
    """An EDTF string (levels 0-1) and its first and last day, computed independently."""
    y = c.integer(2020, 2026)
    m = c.integer(1, 12)
    d = c.integer(1, _month_last(y, m))
    form = c.integer(0, 5)
    if form == 0:
        text, lo, hi = f"{y:04d}-{m:02d}-{d:02d}", dt.date(y, m, d), dt.date(y, m, d)
    elif form == 1:
        text, lo, hi = f"{y:04d}-{m:02d}", dt.date(y, m, 1), dt.date(y, m, _month_last(y, m))
    elif form == 2:
        text, lo, hi = f"{y:04d}", dt.date(y, 1, 1), dt.date(y, 12, 31)
    elif form == 3:
        text, lo, hi = f"{y:04d}-{m:02d}-XX", dt.date(y, m, 1), dt.date(y, m, _month_last(y, m))
    else:
        lo = dt.date(y, m, d)
        hi = lo + dt.timedelta(days=c.integer(1, 60))
        if form == 4:
            text = f"{lo.isoformat()}/{hi.isoformat()}"
        else:
            text = f"{lo.year:04d}-{lo.month:02d}/{hi.year:04d}-{hi.month:02d}"
            lo = dt.date(lo.year, lo.month, 1)
            hi = dt.date(hi.year, hi.month, _month_last(hi.year, hi.month))
    text += c.choice(["", "", "?", "~", "%"])
    return text, lo.isoformat(), hi.isoformat()


# --------------------------------------------------------------------------- tables


def _evidence(c: Chooser, src: SourceText, want: str | None = None) -> tuple[Sentence, dict[str, str]]:
    """An evidence block from ``src``: one sentence, or two adjacent ones of a paragraph."""
    pool = [s for s in src.sentences if want is None or getattr(s, want) is not None]
    s = c.choice(pool or src.sentences)
    i = src.sentences.index(s)
    last = s
    if i + 1 < len(src.sentences) and src.sentences[i + 1].paragraph == s.paragraph and c.integer(0, 3) == 0:
        last = src.sentences[i + 1]
    text = s.clean if last is s else f"{s.clean} {last.clean}"  # the raw text may break the line between them
    if src.profile is None and c.integer(0, 3) == 0:
        text = text.replace("’", "'").replace("“", '"').replace("”", '"')  # folding equates quote marks
    return s, {"source_file": src.name, "evidence": text, "evidence_start": str(s.start), "evidence_end": str(last.end)}


def _dates(c: Chooser, prefix: str, required: bool = False) -> dict[str, str]:
    if not required and c.integer(0, 4) == 0:
        return {prefix: "", f"{prefix}_start": "", f"{prefix}_end": "", f"{prefix}_basis": "", f"{prefix}_text": ""}
    text, lo, hi = edtf(c)
    return {
        prefix: text,
        f"{prefix}_start": lo,
        f"{prefix}_end": hi,
        f"{prefix}_basis": c.choice(["stated", "inferred"]),
        f"{prefix}_text": c.choice(["on Friday", "late last month", "in February", ""]),
    }


def _fmt(x: float, decimals: int) -> str:
    return f"{x:.{decimals}f}"


def package_spec(c: Chooser) -> PackageSpec:
    """A whole valid package: 2-3 sources (one damaged) and rows in every table."""
    n_sources = c.integer(2, 3)
    damaged_at = c.integer(0, n_sources - 1)
    sources = []
    number = 1
    for i in range(n_sources):
        s = source_text(c, i, i == damaged_at, number)
        number += len(s.sentences)
        sources.append(s)
    spec = PackageSpec(sources)
    t = spec.tables

    t["sources"] = []
    for i, s in enumerate(sources):
        outlet = c.choice(["", "The Example Sun", "Reuters"])
        t["sources"].append(
            {
                "source_file": s.name,
                "sha256": hashlib.sha256(s.data).hexdigest(),
                "bytes": str(len(s.data)),
                "title": c.choice(["", f"Report {i} on the directive"]),
                "outlet": outlet,
                "outlet_basis": c.choice(["stated", "inferred"]) if outlet else "",
                "byline": c.choice(["", "Idrees Ali"]),
                "language": "en",
                "content_start": str(s.content_start),
                "content_end": str(s.content_end),
                "non_article_spans": ";".join(f"{a}-{b}" for a, b in s.non_article),
                "encoding_damage": s.profile or "",
                "notes": "Generated source text." if s.profile is None else "Generated damaged text.",
            }
        )

    people = sorted({c.integer(0, len(PEOPLE) - 1) for _ in range(c.integer(2, 5))})
    actor_ids = []
    t["actors"] = []
    for p in people:
        name, slug, country = PEOPLE[p]
        src = c.choice(sources)
        _, ev = _evidence(c, src)
        actor_ids.append(slug)
        t["actors"].append(
            {
                "actor_id": slug,
                "name": name,
                "actor_kind": c.choice(["person", "government_body", "unnamed_source"]),
                "country": country,
                "aliases": c.choice(["", "Sheinbaum"]),
                "description": "A generated actor.",
                **ev,
            }
        )

    t["events"] = []
    used_occ: set[tuple[str, str]] = set()
    for k in range(c.integer(1, 4)):
        src = c.choice(sources)
        _, ev = _evidence(c, src)
        occ = f"oc-{c.integer(1, 3):04d}"
        if (occ, src.name) in used_occ:
            occ = f"oc-{100 + k:04d}"
        used_occ.add((occ, src.name))
        t["events"].append(
            {
                "event_id": f"ev-{k + 1:04d}",
                "occurrence_id": occ,
                "event_type": c.choice(["directive", "rejection", "public_statement", "comment_declined"]),
                **dict(
                    zip(
                        ("plover_event", "plover_mode"),
                        c.choice([("", ""), ("REJECT", "assist"), ("REQUEST", "")]),
                        strict=True,
                    )
                ),
                "summary": "A generated event happened.",
                **_dates(c, "date", required=k == 0),
                "country": c.choice(["", "MX", "US"]),
                **ev,
            }
        )

    pairs = set()
    for _ in range(c.integer(1, 4)):
        pairs.add((c.choice(t["events"])["event_id"], c.choice(actor_ids), c.choice(["agent", "target", "subject"])))
    t["event_actors"] = [{"event_id": e, "actor_id": a, "role": r} for e, a, r in sorted(pairs)]

    t["statements"] = []
    for k in range(c.integer(1, 3)):
        src = c.choice(sources)
        s, ev = _evidence(c, src, want="quote")
        if s.quote is None:  # no quote sentence in this source: paraphrase a word run of it
            quote, kind = s.clean.split(" ")[0].strip("“’'\",."), "paraphrase"
        else:
            quote, kind = s.quote, c.choice(["direct", "partial"])
        t["statements"].append(
            {
                "statement_id": f"stm-{k + 1:04d}",
                "utterance_id": f"utt-{c.integer(1, 3):04d}",
                "speaker_id": c.choice(actor_ids),
                **dict(
                    zip(
                        ("speaker_basis", "speaker_basis_note"),
                        c.choice([("stated", ""), ("inferred", "A pronoun.")]),
                        strict=True,
                    )
                ),
                "quote": quote,
                "quote_kind": kind,
                "setting": c.choice(["", "at a news conference"]),
                "summary": "A generated statement was made.",
                **_dates(c, "date", required=k == 0),
                **ev,
            }
        )

    t["statistics"] = []
    values: dict[str, float] = {}
    n_base = c.integer(2, 3)
    for k in range(n_base):
        src = c.choice(sources)
        s, ev = _evidence(c, src, want="number")
        sid = f"stat-{k + 1:04d}"
        value = s.number if s.number is not None else c.integer(1, 500)
        if c.boolean():
            value_text, value_str = f"{value:,}", str(value)
        else:
            value = value + c.integer(1, 9) / 10
            value_text, value_str = f"{value}", _fmt(value, 1)
        values[sid] = float(value_str)
        t["statistics"].append(
            {
                "stat_id": sid,
                "indicator": "generated count",
                "value": value_str,
                "value_text": value_text,
                "unit": s.unit or c.choice(UNITS)[0],
                "value_qualifier": c.choice(["exact", "approximate", "at_least", "more_than"]),
                **_dates(c, "period", required=k == 0),
                "geography": c.choice(["", "Mexico"]),
                **dict(
                    zip(
                        ("attributed_to", "attribution_basis"),
                        c.choice([("", ""), *((a, "stated") for a in actor_ids)]),
                        strict=True,
                    )
                ),
                "attribution_basis_note": "",
                "data_origin": c.choice(["", "official records"]),
                "baseline_stat_id": f"stat-{k:04d}" if k and c.boolean() else "",
                "is_derived": "false",
                "derivation": "",
                **ev,
            }
        )
    # a vague quantity (no value) and a derived figure
    src = c.choice(sources)
    _, ev = _evidence(c, src)
    t["statistics"].append(
        {
            "stat_id": f"stat-{n_base + 1:04d}",
            "indicator": "generated vague count",
            "value": "",
            "value_text": "hundreds",
            "unit": "persons",
            "value_qualifier": "vague_quantity",
            **_dates(c, "period"),
            "geography": "",
            "attributed_to": "",
            "attribution_basis": "",
            "attribution_basis_note": "",
            "data_origin": "",
            "baseline_stat_id": "",
            "is_derived": "false",
            "derivation": "",
            **ev,
        }
    )
    a, b = "stat-0001", "stat-0002"
    op = c.integer(0, 2)
    if op == 0:
        formula, result = f"({b} - {a}) / {a} * 100", (values[b] - values[a]) / values[a] * 100
    elif op == 1:
        formula, result = f"{a} + {b}", values[a] + values[b]
    else:
        formula, result = f"{b} / {a}", values[b] / values[a]
    decimals = c.integer(0, 3)
    _, ev = _evidence(c, sources[0])
    t["statistics"].append(
        {
            "stat_id": f"stat-{n_base + 2:04d}",
            "indicator": "generated derived change",
            "value": _fmt(result, decimals),
            "value_text": "",
            "unit": "percent" if op == 0 else "persons",
            "value_qualifier": "computed",
            **_dates(c, "period"),
            "geography": "",
            "attributed_to": "",
            "attribution_basis": "",
            "attribution_basis_note": "",
            "data_origin": "computed by the curators",
            "baseline_stat_id": a,
            "is_derived": "true",
            "derivation": formula,
            **ev,
        }
    )

    t["discrepancies"] = []
    for k in range(c.integer(1, 3)):
        src = c.choice(sources)
        _, ev = _evidence(c, src)
        row = {
            "discrepancy_id": f"disc-{k + 1:04d}",
            "kind": c.choice(["source_error", "conflicting_accounts", "date_variant"]),
            "summary": "Two generated reports disagree.",
            "related_ids": c.choice(["", "ev-0001", "ev-0001;stat-0001"]),
            **ev,
        }
        if k == 0 or c.boolean():
            other = c.choice(sources)
            _, oev = _evidence(c, other)
            row.update({f"other_{key}": v for key, v in oev.items()})
        else:
            row.update(
                {"other_source_file": "", "other_evidence": "", "other_evidence_start": "", "other_evidence_end": ""}
            )
        t["discrepancies"].append(row)
    t["changes"] = [
        {
            "change_id": f"chg-{k + 1:04d}",
            "version": "0.2.0",
            "table_name": "statements",
            "row_id": f"stm-{k + 1:04d}",
            "change_kind": c.choice(["changed", "added"]),
            "field_name": "summary",
            "old_value": "",
            "new_value": "A generated statement was made.",
            "reason": "Generated.",
            "reported_by": c.choice(["audit", "curators"]),
        }
        for k in range(c.integer(0, 2))
    ]
    _source_words(t)
    return spec


def _source_words(t: dict[str, list[dict[str, str]]]) -> None:
    """The source's words the rules require inside the excerpt (source-words-not-in-evidence):
    a stated date's words are dropped where the excerpt lacks them; a figure's words that
    the excerpt lacks become the figure as its sentence writes it, or the excerpt's first word."""
    for table, prefix in (("events", "date"), ("statements", "date"), ("statistics", "period")):
        for r in t[table]:
            if r[f"{prefix}_basis"] == "stated" and r[f"{prefix}_text"] and r[f"{prefix}_text"] not in r["evidence"]:
                r[f"{prefix}_text"] = ""
    for r in t["statistics"]:
        if r["value_text"] and r["value_text"] not in r["evidence"]:
            shown = re.search(r"[0-9][0-9,]*[0-9]|[0-9]", r["evidence"])
            r["value_text"] = shown.group(0) if shown else r["evidence"].split()[0]


@st.composite
def packages(draw: Any) -> PackageSpec:
    """Hypothesis strategy: a whole valid package (see :func:`package_spec`)."""
    return package_spec(DrawChooser(draw))


def random_package(seed: int) -> PackageSpec:
    """The same generator on ``random.Random(seed)`` (deterministic across hypothesis versions)."""
    return package_spec(RandomChooser(random.Random(seed)))


# --------------------------------------------------------------------------- writing


def schema_fields(table: str) -> list[str]:
    d = json.loads((ROOT / "schemas" / f"{table}.schema.json").read_text(encoding="utf-8"))
    return [f["name"] for f in d["fields"]]


def primary_key(table: str) -> list[str]:
    d = json.loads((ROOT / "schemas" / f"{table}.schema.json").read_text(encoding="utf-8"))
    pk = d.get("primaryKey", [])
    return [pk] if isinstance(pk, str) else list(pk)


def csv_text(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def restamp(root: Path, skip: Sequence[str] = ()) -> None:
    """Set every resource's ``bytes`` and ``hash`` in ``datapackage.json`` to its file's."""
    path = root / "datapackage.json"
    d = json.loads(path.read_text(encoding="utf-8"))
    for r in d["resources"]:
        if r["path"] in skip:
            continue
        data = (root / r["path"]).read_bytes()
        r["bytes"], r["hash"] = len(data), "sha256:" + hashlib.sha256(data).hexdigest()
    path.write_text(json.dumps(d, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_package(spec: PackageSpec, root: Path, archive: Path) -> None:
    """Write ``spec`` as a package folder at ``root`` and its archived texts at ``archive``."""
    root.mkdir(parents=True, exist_ok=True)
    archive.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "schemas", root / "schemas", dirs_exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    (root / "metadata").mkdir(exist_ok=True)
    for s in spec.sources:
        (archive / s.name).write_bytes(s.data)
    for table in TABLES:
        header = schema_fields(table)
        pk = primary_key(table)
        rows = sorted(spec.tables.get(table, []), key=lambda r: [r[k] for k in pk])
        (root / "data" / f"{table}.csv").write_text(
            csv_text(header, [[r[h] for h in header] for r in rows]), encoding="utf-8", newline=""
        )
    bodies = {s.name: s.markers for s in spec.sources}
    (root / "metadata" / "article_bodies.json").write_text(
        json.dumps(bodies, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    d = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    d["sources"] = [
        {
            "title": f"{r['title'] or 'Untitled report'} ({r['outlet'] or 'outlet not stated in the text'}), archived as {r['source_file']}",
            "sha256": r["sha256"],
        }
        for r in sorted(spec.tables["sources"], key=lambda r: r["source_file"])
    ]
    (root / "datapackage.json").write_text(json.dumps(d, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    restamp(root)
