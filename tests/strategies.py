"""The one generator of whole, valid cartel-directive packages: for hypothesis, the tests,
the reliability report and the benchmark (``scripts/bench/synthetic.py`` wraps it).

A generated package is built from generated *source texts*, so every evidence excerpt
is a real excerpt of an archived file, found there by construction (not by the code
under test). About one source in ten (at least one in every package) carries the damage
profile of the damaged archived file: its clean text is encoded as UTF-8 and decoded as
ISO-8859-16 with the C1 control characters dropped, so curly quotes become a bare ``â``
and ``é`` becomes ``Ă©``; its excerpts hold the clean (repaired) reading, as the curation
rules say.

The generator is written once against a tiny :class:`Chooser` interface and runs on
two backends: :class:`DrawChooser` (a hypothesis ``draw``, so hypothesis can shrink
failures) and :class:`RandomChooser` (``random.Random(seed)``, so the reliability report
and the benchmark are deterministic whatever the hypothesis version). Hypothesis is
imported by the hypothesis backend only: the benchmark's environment must not have it.

Sizes: :func:`package_spec` without ``n`` draws a small package (2-3 sources, a few rows
per table, every edge case); with ``n`` statement rows, the other tables follow
:func:`sizes`. Ids are ``stm-0001`` ...; past ``stm-9999`` they grow a fifth digit, and
:func:`write_package` widens the copied schemas' id patterns from ``[0-9]{4}`` to
``[0-9]{4,}`` (saying so in ``datapackage.json``), since the project's schemas allow
exactly four digits. Derived statistics refer to four-digit stat ids only (the
derivation grammar reads exactly ``stat-NNNN``).

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

ROOT = Path(__file__).resolve().parent.parent
PROFILE = "utf8-as-latin10-c1-lost"
TABLES = ("sources", "actors", "events", "event_actors", "statements", "statistics", "discrepancies", "changes")
#: Fields whose ``[0-9]{4}`` pattern is widened when a package has more than 9 999 rows in a table.
ID_FIELDS = (
    "statement_id",
    "utterance_id",
    "event_id",
    "occurrence_id",
    "stat_id",
    "baseline_stat_id",
    "discrepancy_id",
    "change_id",
)

T = TypeVar("T")


# --------------------------------------------------------------------------- choosers


class Chooser(Protocol):
    def integer(self, lo: int, hi: int) -> int: ...
    def choice(self, options: Sequence[T]) -> T: ...
    def boolean(self) -> bool: ...


class RandomChooser:
    """Choices from a seeded ``random.Random``: same seed, same package.

    ``random()`` scaled rather than ``randint``: a million rows make millions of choices,
    and ``randint`` costs several times more per call (the bias, below 2**-40, is moot here).
    """

    def __init__(self, rng: random.Random) -> None:
        self.random = rng.random

    def integer(self, lo: int, hi: int) -> int:
        return lo + int(self.random() * (hi - lo + 1))

    def choice(self, options: Sequence[T]) -> T:
        return options[int(self.random() * len(options))]

    def boolean(self) -> bool:
        return self.random() < 0.5


class DrawChooser:
    """Choices drawn by hypothesis, so failing packages shrink."""

    def __init__(self, draw: Any) -> None:
        from hypothesis import strategies as st  # only this backend needs hypothesis

        self.draw = draw
        self.st = st

    def integer(self, lo: int, hi: int) -> int:
        return self.draw(self.st.integers(lo, hi))

    def choice(self, options: Sequence[T]) -> T:
        return options[self.draw(self.st.integers(0, len(options) - 1))]

    def boolean(self) -> bool:
        return self.draw(self.st.booleans())


# --------------------------------------------------------------------------- damage

_C1 = dict.fromkeys(range(0x80, 0xA0))


def damage(text: str) -> str:
    """The damaged reading of ``text``: its UTF-8 bytes read as ISO-8859-16, C1 controls lost.

    ISO-8859-16 decodes every byte to one character, so this equals the character-by-character
    damage: offsets map piece by piece."""
    return text.encode("utf-8").decode("iso8859_16").translate(_C1)


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


@dataclass(slots=True)
class Sentence:
    clean: str  # the sentence as it should read (the repaired reading)
    quote: str | None = None  # the speaker's words, for statement sentences
    number: int | None = None  # the figure, for statistic sentences
    unit: str | None = None
    start: int = 0  # raw character offsets in the archived file
    end: int = 0
    gap: str | None = None  # the clean text up to the next sentence; None when non-article text lies between


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
    unused: dict[str | None, list[int]] = field(default_factory=dict)  # sentences not cited yet, by kind
    #: 1 in ``retouch`` excerpts of a clean source differs from its text as folding allows (quote
    #: marks, one space for a line break): often in small packages, to exercise folding; in a
    #: package of a given size about as rarely as in the real package (1 excerpt of 257)
    retouch: int = 4

    @property
    def data(self) -> bytes:
        return self.raw.encode("utf-8")


@dataclass
class PackageSpec:
    sources: list[SourceText]
    tables: dict[str, list[dict[str, str]]] = field(default_factory=dict)


def sizes(n: int) -> dict[str, int]:
    """Rows per table for ``n`` statement rows (sources: at most 1000, the file-name pattern has three digits)."""
    return {
        "sources": min(1000, max(4, n // 1000)),
        "actors": max(5, n // 50),
        "events": max(4, n // 4),
        "event_actors": 2 * max(4, n // 4),
        "statements": n,
        "statistics": max(10, n // 20),
        "discrepancies": max(2, n // 100),
        "changes": max(2, n // 100),
    }


def _id(prefix: str, k: int) -> str:
    return f"{prefix}-{k:04d}"


def _words(c: Chooser, lo: int, hi: int) -> list[str]:
    return [c.choice(ACCENTED) if c.integer(0, 5) == 0 else c.choice(WORDS) for _ in range(c.integer(lo, hi))]


#: Sentence kinds (0 quote, 1 figure, else prose) drawn from: a small package's mix, and a
#: large one's, where nearly every statement row wants a quote sentence of its own.
SMALL_KINDS = (0, 1, 2, 3)
LARGE_KINDS = (0, 0, 0, 0, 0, 0, 0, 1, 2, 3)


def _sentence(c: Chooser, n: int, damaged: bool, kinds: Sequence[int] = SMALL_KINDS) -> Sentence:
    """One sentence, unique thanks to its number ``n``."""
    kind = c.choice(kinds)
    open_q, close_q, apos = "“", "”", "’"
    if kind == 0:  # a statement with a direct quote
        who = c.integer(0, len(PEOPLE) - 1)
        words = _words(c, 3, 8)
        words[0] = words[0].capitalize()
        quote = " ".join(words) + f" in case {n}"
        text = f"{open_q}{quote},{close_q} {PEOPLE[who][0]} {c.choice(VERBS)} {c.choice(PLACES)}."
        return Sentence(text, quote=quote)
    if kind == 1:  # a figure
        unit, word = c.choice(UNITS)
        number = c.integer(2, 9000) * 10 + n % 10 + 1
        shown = f"{number:,}"
        text = f"Officials counted {shown} {word} in report {n}, according to the agency{apos}s data."
        return Sentence(text, number=number, unit=unit)
    who = c.integer(0, len(PEOPLE) - 1)
    words = _words(c, 4, 10)
    dash = " " if damaged else c.choice([" ", " — ", " – "])
    text = f"{PEOPLE[who][0]}{apos}s office{dash}{' '.join(words)} in item {n}."
    return Sentence(text)


def source_text(c: Chooser, index: int, damaged: bool, first_number: int, paragraphs: int | None = None) -> SourceText:
    """A generated archived article: header, body paragraphs (with a teaser when clean), footer.

    ``paragraphs`` (of 2-4 sentences each) is drawn (2-4) unless given; a large package gives it."""
    hexpart = "".join(c.choice("0123456789abcdef") for _ in range(16))
    name = f"{index:03d}_{hexpart}.txt"
    raw_pieces: list[str] = []
    raw_pos = 0

    def put(text: str) -> tuple[int, int]:
        """Append clean ``text`` (damaged, for a damaged source); return its raw offsets."""
        nonlocal raw_pos
        raw = damage(text) if damaged else text
        raw_pieces.append(raw)
        raw_pos += len(raw)
        return raw_pos - len(raw), raw_pos

    header = f"Categories: North America {index}"
    put(header + "\n\n")
    sentences: list[Sentence] = []
    non_article: list[tuple[int, int]] = []
    teasers: list[str] = []
    n = first_number
    kinds = SMALL_KINDS if paragraphs is None else LARGE_KINDS
    if paragraphs is None:
        paragraphs = c.integer(2, 4)
    teaser_at = None if damaged else c.integer(1, paragraphs - 1)
    for p in range(paragraphs):
        if p and teaser_at == p:
            teasers.append(f"ALSO READ: Another story number {index}{p}")
            non_article.append(put(teasers[-1]))
            put("\n\n")
            sentences[-1].gap = None
        for k in range(c.integer(2, 4)):
            if k:
                gap = c.choice([" ", "  ", "\n"])
                put(gap)
                sentences[-1].gap = gap
            s = _sentence(c, n, damaged, kinds)
            n += 1
            s.start, s.end = put(s.clean)
            sentences.append(s)
        if p < paragraphs - 1:
            put("\n\n")
            sentences[-1].gap = "\n\n"
    sentences[-1].gap = None
    footer = f"Comments are closed for story {index}."
    put("\n\n")
    put(footer)
    put("\n")
    markers = {
        "body_starts_with": sentences[0].clean,
        "body_ends_with": sentences[-1].clean,
        "non_article": teasers,
        "note": "generated",
    }
    return SourceText(
        name=name,
        raw="".join(raw_pieces),
        profile=PROFILE if damaged else None,
        sentences=sentences,
        content_start=sentences[0].start,
        content_end=sentences[-1].end,
        non_article=non_article,
        markers=markers,
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


def _cite(c: Chooser, src: SourceText, want: str | None) -> int:
    """The index of a sentence of ``src`` (with a ``want`` attribute, when it has such sentences)
    not cited yet; once all are, they are cited again. Drawn without replacement, as an annotator
    cites different passages, so excerpts are mostly distinct at every size."""
    pool = src.unused.get(want)
    if not pool:
        pool = [i for i, s in enumerate(src.sentences) if want is None or getattr(s, want) is not None]
        if not pool:
            return _cite(c, src, None)
        src.unused[want] = pool
    j = c.integer(0, len(pool) - 1)
    i = pool[j]
    pool[j] = pool[-1]
    pool.pop()
    return i


def _evidence(c: Chooser, src: SourceText, want: str | None = None) -> tuple[Sentence, dict[str, str]]:
    """An evidence block from ``src``: one sentence, or two adjacent ones of the body (across a
    paragraph break too, never across non-article text), as the archive writes the gap between
    them (a line break may make a multi-line CSV cell) or with one space (folding equates them)."""
    i = _cite(c, src, want)
    s = last = src.sentences[i]
    text = s.clean
    if s.gap is not None and c.integer(0, 3) == 0:
        last = src.sentences[i + 1]
        text = f"{s.clean}{s.gap if src.retouch > 4 or c.boolean() else ' '}{last.clean}"
    if src.profile is None and c.integer(0, src.retouch - 1) == 0:
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


def _other(c: Chooser, hi: int, not_k: int) -> int:
    """A number in 1..hi other than ``not_k`` (hi >= 2)."""
    k = c.integer(1, hi - 1)
    return k + 1 if k >= not_k else k


def package_spec(c: Chooser, n: int | None = None) -> PackageSpec:
    """A whole valid package: small (2-3 sources, one damaged, a few rows in every table), or,
    given ``n``, ``n`` statement rows and the other tables as :func:`sizes` says."""
    size = sizes(n) if n is not None else None

    def count(table: str, lo: int, hi: int) -> int:
        return size[table] if size else c.integer(lo, hi)

    n_sources = count("sources", 2, 3)
    damaged_at = c.integer(0, min(n_sources, 10) - 1)  # every tenth source from there on is damaged
    paragraphs = None
    if size:
        excerpts = sum(size[t] for t in ("actors", "events", "statements", "statistics")) + 2 * size["discrepancies"]
        paragraphs = max(2, round(1.25 * excerpts / n_sources / 3))  # 3 sentences a paragraph on average
    sources = []
    number = 1
    for i in range(n_sources):
        s = source_text(c, i, i % 10 == damaged_at, number, paragraphs)
        if size:
            s.retouch = 100
        number += len(s.sentences)
        sources.append(s)
    spec = PackageSpec(sources)
    t = spec.tables

    t["sources"] = []
    for i, s in enumerate(sources):
        outlet = c.choice(["", "The Example Sun", "Reuters"])
        data = s.data
        t["sources"].append(
            {
                "source_file": s.name,
                "sha256": hashlib.sha256(data).hexdigest(),
                "bytes": str(len(data)),
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

    if size:  # every person of the vocabulary, then numbered actors
        actors = PEOPLE[: size["actors"]]
        for k in range(len(actors), size["actors"]):
            actors.append((f"Actor {k}", f"actor-{k:06d}", c.choice(["", "MX", "US"])))
    else:
        actors = [PEOPLE[p] for p in sorted({c.integer(0, len(PEOPLE) - 1) for _ in range(c.integer(2, 5))})]
    actor_ids = []
    t["actors"] = []
    for name, slug, country in actors:
        _, ev = _evidence(c, c.choice(sources))
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
    n_events = count("events", 1, 4)
    occurrences = max(3, n_events // 2)  # so that some events share an occurrence
    used_occ: set[tuple[int, str]] = set()
    for k in range(n_events):
        src = c.choice(sources)
        _, ev = _evidence(c, src)
        occ = c.integer(1, occurrences)
        if (occ, src.name) in used_occ:  # one source reports an occurrence once
            occ = occurrences + 1 + k
        used_occ.add((occ, src.name))
        t["events"].append(
            {
                "event_id": _id("ev", k + 1),
                "occurrence_id": _id("oc", occ),
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
    for _ in range(count("event_actors", 1, 4)):
        pairs.add((_id("ev", c.integer(1, n_events)), c.choice(actor_ids), c.choice(["agent", "target", "subject"])))
    t["event_actors"] = [{"event_id": e, "actor_id": a, "role": r} for e, a, r in sorted(pairs)]

    t["statements"] = []
    n_statements = count("statements", 1, 3)
    utterances = max(3, n_statements // 2)
    for k in range(n_statements):
        src = c.choice(sources)
        s, ev = _evidence(c, src, want="quote")
        if s.quote is None:  # no quote sentence in this source: paraphrase a word run of it
            quote, kind = s.clean.split(" ")[0].strip("“’'\",."), "paraphrase"
        else:
            quote, kind = s.quote, c.choice(["direct", "partial"])
        t["statements"].append(
            {
                "statement_id": _id("stm", k + 1),
                "utterance_id": _id("utt", c.integer(1, utterances)),
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

    # plain figures, then vague quantities (no value), then derived figures
    n_stats = count("statistics", 4, 5)
    n_derived = max(1, n_stats // 20)
    n_vague = max(1, n_stats // 50)
    n_base = n_stats - n_derived - n_vague
    t["statistics"] = []
    values: dict[str, float] = {}
    for k in range(1, n_base + 1):
        src = c.choice(sources)
        s, ev = _evidence(c, src, want="number")
        sid = _id("stat", k)
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
                **_dates(c, "period", required=k == 1),
                "geography": c.choice(["", "Mexico"]),
                **dict(
                    zip(
                        ("attributed_to", "attribution_basis"),
                        c.choice([("", ""), *((a, "stated") for a in actor_ids[:8])]),
                        strict=True,
                    )
                ),
                "attribution_basis_note": "",
                "data_origin": c.choice(["", "official records"]),
                "baseline_stat_id": _id("stat", k - 1) if k > 1 and c.boolean() else "",
                "is_derived": "false",
                "derivation": "",
                **ev,
            }
        )
    for k in range(n_base + 1, n_base + n_vague + 1):
        _, ev = _evidence(c, c.choice(sources))
        t["statistics"].append(
            {
                "stat_id": _id("stat", k),
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
    four_digit = min(n_base, 9999)
    for k in range(n_base + n_vague + 1, n_stats + 1):
        ia = c.integer(1, four_digit)
        a, b = _id("stat", ia), _id("stat", _other(c, four_digit, ia))
        op = c.integer(0, 2)
        if op == 0:
            formula, result = f"({b} - {a}) / {a} * 100", (values[b] - values[a]) / values[a] * 100
        elif op == 1:
            formula, result = f"{a} + {b}", values[a] + values[b]
        else:
            formula, result = f"{b} / {a}", values[b] / values[a]
        _, ev = _evidence(c, c.choice(sources))
        t["statistics"].append(
            {
                "stat_id": _id("stat", k),
                "indicator": "generated derived change",
                "value": _fmt(result, c.integer(0, 3)),
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
    for k in range(count("discrepancies", 1, 3)):
        _, ev = _evidence(c, c.choice(sources))
        related = c.choice(["", "ev", "ev;stat"])
        if related:
            related = _id("ev", c.integer(1, n_events))
            if c.boolean():
                related += ";" + _id("stat", c.integer(1, n_stats))
        row = {
            "discrepancy_id": _id("disc", k + 1),
            "kind": c.choice(["source_error", "conflicting_accounts", "date_variant"]),
            "summary": "Two generated reports disagree.",
            "related_ids": related,
            **ev,
        }
        if k == 0 or c.boolean():
            _, oev = _evidence(c, c.choice(sources))
            row.update({f"other_{key}": v for key, v in oev.items()})
        else:
            row.update(
                {"other_source_file": "", "other_evidence": "", "other_evidence_start": "", "other_evidence_end": ""}
            )
        t["discrepancies"].append(row)
    t["changes"] = [
        {
            "change_id": _id("chg", k),
            "version": "0.2.0",
            "table_name": "statements",
            "row_id": _id("stm", c.integer(1, n_statements)),
            "change_kind": c.choice(["changed", "added"]),
            "field_name": "summary",
            "old_value": "",
            "new_value": "A generated statement was made.",
            "reason": "Generated.",
            "reported_by": c.choice(["audit", "curators"]),
        }
        for k in range(1, count("changes", 0, 2) + 1)
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


def packages() -> Any:
    """Hypothesis strategy: a whole valid small package (see :func:`package_spec`)."""
    from hypothesis import strategies as st

    return st.composite(lambda draw: package_spec(DrawChooser(draw)))()


def random_package(seed: int, n: int | None = None) -> PackageSpec:
    """The same generator on ``random.Random(seed)`` (deterministic across hypothesis versions)."""
    return package_spec(RandomChooser(random.Random(seed)), n)


# --------------------------------------------------------------------------- writing


def _schema(table: str) -> dict[str, Any]:
    return json.loads((ROOT / "schemas" / f"{table}.schema.json").read_text(encoding="utf-8"))


def schema_fields(table: str) -> list[str]:
    return [f["name"] for f in _schema(table)["fields"]]


def primary_key(table: str) -> list[str]:
    pk = _schema(table).get("primaryKey", [])
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


_LONG_ID = re.compile(r"-[0-9]{5,}$")


def _needs_wide_ids(spec: PackageSpec) -> bool:
    return any(
        _LONG_ID.search(r[f]) for rows in spec.tables.values() if rows for f in ID_FIELDS if f in rows[-1] for r in rows
    )


def write_package(spec: PackageSpec, root: Path, archive: Path) -> None:
    """Write ``spec`` as a package folder at ``root`` and its archived texts at ``archive``."""
    root.mkdir(parents=True, exist_ok=True)
    archive.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "schemas", root / "schemas", dirs_exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    (root / "metadata").mkdir(exist_ok=True)
    for s in spec.sources:
        (archive / s.name).write_bytes(s.data)
    d = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    if _needs_wide_ids(spec):  # the project's ids have exactly four digits
        for table in TABLES:
            schema = _schema(table)
            for f in schema["fields"]:
                pattern = f.get("constraints", {}).get("pattern")
                if f["name"] in ID_FIELDS and pattern:
                    f["constraints"]["pattern"] = pattern.replace("{4}", "{4,}")
            (root / "schemas" / f"{table}.schema.json").write_text(
                json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
        d["description"] = "Generated (not data): id patterns widened from [0-9]{4} to [0-9]{4,} for over 9 999 rows."
    for table in TABLES:
        header = schema_fields(table)
        pk = primary_key(table)
        rows = sorted(spec.tables.get(table, []), key=lambda r: [r[k] for k in pk])
        with (root / "data" / f"{table}.csv").open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")  # csv_text's dialect, row by row: no second copy of a big table
            w.writerow(header)
            w.writerows([r[h] for h in header] for r in rows)
    bodies = {s.name: s.markers for s in spec.sources}
    (root / "metadata" / "article_bodies.json").write_text(
        json.dumps(bodies, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    d["sources"] = [
        {
            "title": f"{r['title'] or 'Untitled report'} ({r['outlet'] or 'outlet not stated in the text'}), archived as {r['source_file']}",
            "sha256": r["sha256"],
        }
        for r in sorted(spec.tables["sources"], key=lambda r: r["source_file"])
    ]
    (root / "datapackage.json").write_text(json.dumps(d, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    restamp(root)
