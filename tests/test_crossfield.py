"""Cross-field rules against their plain definitions: quote-not-in-evidence, source-words-not-in-evidence,
related-id-unknown."""

from __future__ import annotations

import sys
import unicodedata
from itertools import pairwise

import pandas as pd
import pyarrow as pa
from hypothesis import example, given
from hypothesis import strategies as st

from cartel_directive.checks.crossfield import (
    PLAIN,
    SOURCE_WORDS,
    check_quotes,
    check_related,
    check_source_words,
    contains,
    plain,
)
from cartel_directive.textfold import fold

#: Letters, whitespace (U+2001 is a singleton whose NFC is U+2003), quote marks and dashes that
#: folding equates, characters whose NFC differs (a combining mark after ``e``, Hangul jamo, the
#: Ohm and Angstrom signs, an excluded composite), and the edges of :data:`PLAIN`.
ALPHABET = [
    *"abe .",
    "\t",
    "\n",
    "\u00a0",
    "\u2000",
    "\u2001",
    "\u2003",
    "é",
    "\u0301",
    "\u0316",
    "\u02ff",
    "\u0300",
    "\u2002",
    "\u206f",
    "\u2070",
    "\u1100",
    "\u1161",
    "\uac00",
    "\u2126",
    "Ω",
    "\u212b",
    "Å",
    "\u0958",
    "\U0001d15e",
    "😀",
    "’",
    "'",
    "“",
    "—",
    "-",
    "…",
]
TEXT = st.text(alphabet=st.sampled_from(ALPHABET), max_size=12)


def _chunked(values: list[str | None], cuts: list[int]) -> pd.Series:
    """An Arrow-backed string column cut into chunks at ``cuts`` (as the reader's blocks are)."""
    arr = pa.array(values, pa.large_string())
    bounds = [0, *sorted({c % (len(values) + 1) for c in cuts}), len(values)]
    chunks = [arr.slice(a, b - a) for a, b in pairwise(bounds) if b > a] or [arr]
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks), dtype=pd.StringDtype("pyarrow")))


@st.composite
def rows(draw: st.DrawFn) -> tuple[str | None, str | None]:
    """A (quote, evidence) row: the quote is often a stretch of the evidence, refolded or retouched."""
    evidence = draw(st.none() | TEXT)
    quote = draw(st.none() | TEXT)
    if evidence is not None and draw(st.booleans()):
        i = draw(st.integers(0, len(evidence)))
        j = draw(st.integers(i, len(evidence)))
        quote = draw(st.sampled_from([str.strip, str.upper, lambda t: t, lambda t: t + "a"]))(evidence[i:j])
        form = draw(st.sampled_from(["NFC", "NFD", "NFKC", None]))
        quote = unicodedata.normalize(form, quote) if form else quote
        if draw(st.booleans()):
            evidence = unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), evidence)
    return quote, evidence


@given(
    st.lists(rows(), max_size=30), st.lists(st.integers(0, 40), max_size=3), st.lists(st.integers(0, 40), max_size=3)
)
@example(
    [("e", "e\u0301"), ("e\u0301", "é"), ("é", "e\u0301 "), ("a\u2001b", "a\u2003b"), ("\uac00", "\u1100\u1161")],
    [1],
    [3],
)
@example([], [], [])
@example(
    [("Ω", "\u2126"), ("\u2126", "\u2126"), ("a - b", "a — b"), (" b ", "a \t b\n"), ("b", None), (None, "b")], [], [2]
)
def test_quotes_fail_exactly_where_the_folded_quote_is_not_in_the_folded_evidence(
    pairs: list[tuple[str | None, str | None]], quote_cuts: list[int], evidence_cuts: list[int]
) -> None:
    quotes, excerpts = [q for q, _ in pairs], [e for _, e in pairs]
    want = {i + 12 for i, (q, e) in enumerate(pairs) if q is not None and e is not None and fold(q) not in fold(e)}
    index = pd.RangeIndex(10, 10 + len(pairs))  # a row's number comes from the frame's index
    arrow = pd.DataFrame({"quote": _chunked(quotes, quote_cuts), "evidence": _chunked(excerpts, evidence_cuts)})
    objects = pd.DataFrame({"quote": pd.Series(quotes, dtype=object), "evidence": pd.Series(excerpts, dtype=object)})
    for frame in (arrow.set_axis(index), objects.set_axis(index)):
        found = [(p.row, p.column, p.code) for p in check_quotes("data/statements.csv", frame)]
        assert found == [(row, "quote", "quote-not-in-evidence") for row in sorted(want)], pairs


@given(st.lists(TEXT, min_size=1, max_size=20), st.integers(0, 5))
@example([*ALPHABET, "a\u0300", "ab", "b", "bab"], 1)
def test_plain_and_contains_read_the_utf8_bytes_of_any_slice(texts: list[str], skip: int) -> None:
    """Texts as an Arrow slice (its offsets and bytes start inside the buffers), against str."""
    skip = min(skip, len(texts) - 1)
    parts = [t[len(t) // 3 :] for t in reversed(texts)]
    whole, inner = pa.array(texts, pa.large_string()), pa.array(parts, pa.string())
    assert plain(whole.slice(skip)).tolist() == [
        all(any(a <= ord(c) <= b for a, b in PLAIN) for c in t) for t in texts[skip:]
    ]
    assert contains(whole.slice(skip), inner.slice(skip)).tolist() == [
        p in t for t, p in zip(texts[skip:], parts[skip:], strict=True)
    ]


def test_plain_characters_keep_any_text_in_nfc() -> None:
    """Each plain character is a starter that NFC keeps and that never ends a composition, so a
    text of them passes NFC's quick check (UAX #15): it is in NFC. Checked against this
    Python's Unicode database, every code point."""
    seconds = {0x1161 + k for k in range(21)} | {0x11A8 + k for k in range(27)}  # Hangul vowels and trailing jamo
    for cp in range(sys.maxunicode + 1):
        parts = unicodedata.decomposition(chr(cp)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(int(parts[1], 16))
    for a, b in PLAIN:
        for cp in range(a, b + 1):
            c = chr(cp)
            assert unicodedata.combining(c) == 0 and unicodedata.is_normalized("NFC", c), hex(cp)
            assert cp not in seconds, hex(cp)
    assert not unicodedata.is_normalized("NFC", "\u2001") and 0x0301 in seconds and 0x1161 in seconds


ID = st.sampled_from(["ev-1", "ev-2", "stm-1", "stm-2", "src-1", "pair-1", "", " ev-1", "ev-1 ", "é"])


@given(
    st.dictionaries(
        st.sampled_from(["sources", "events", "statements", "pairs"]), st.lists(st.none() | ID, max_size=6), min_size=1
    ),
    st.lists(st.none() | st.lists(ID, max_size=4).map(";".join), max_size=8),
    st.booleans(),
)
@example({"events": ["ev-1", None], "sources": ["src-1"]}, ["ev-1;src-1", None, "", ";;ev-2", "ev-1"], True)
def test_related_ids_are_unknown_exactly_where_no_single_key_of_another_table_has_them(
    keys: dict[str, list[str | None]], related: list[str | None], arrow_backed: bool
) -> None:
    """Sources' keys and composite keys name nothing; empty pieces of a list are no ids."""
    dtype = "string[pyarrow]" if arrow_backed else object
    pks = {"sources": ["id"], "events": ["id"], "statements": ["id"], "pairs": ["id", "other"]}
    frames = {n: pd.DataFrame({"id": pd.Series(v, dtype=dtype), "other": "x"}) for n, v in keys.items()}
    frame = pd.DataFrame({"related_ids": pd.Series(related, dtype=dtype)}).set_axis(pd.RangeIndex(5, 5 + len(related)))
    frames["discrepancies"] = frame
    known = {k for n, v in keys.items() if n in ("events", "statements") for k in v if k is not None}
    want = [
        (i + 7, f"{rid!r} is not an id of any table")
        for i, cell in enumerate(related)
        for rid in (cell or "").split(";")
        if rid and rid not in known
    ]
    found = [(p.row, p.message) for p in check_related("data/discrepancies.csv", frame, frames, pks)]
    assert found == want


@given(st.lists(st.tuples(rows(), st.sampled_from(["stated", "inferred", None])), max_size=30), st.integers(0, 40))
@example([(("on Friday", "She said on Friday."), "stated"), (("on Friday", "She said."), "inferred")], 1)
@example([(("on Friday", "She said."), "stated"), (("in June", None), "stated"), ((None, "x"), "stated")], 0)
def test_source_words_fail_exactly_where_stated_words_are_not_in_the_folded_evidence(
    drawn: list[tuple[tuple[str | None, str | None], str | None]], cut: int
) -> None:
    """date_text is checked only where date_basis is stated; value_text always (the same folding as quotes)."""
    words, excerpts, basis = [w for (w, _), _ in drawn], [e for (_, e), _ in drawn], [b for _, b in drawn]
    outside = [w is not None and e is not None and fold(w) not in fold(e) for w, e in zip(words, excerpts, strict=True)]
    frame = pd.DataFrame(
        {
            "date_text": _chunked(words, [cut]),
            "value_text": _chunked(words, []),
            "evidence": _chunked(excerpts, [cut + 1]),
            "date_basis": pd.Series(basis, dtype="string"),
        }
    )
    found = [(p.row, p.column, p.code) for p in check_source_words("data/x.csv", frame, SOURCE_WORDS["statistics"])]
    assert {c for _, c, _ in found} <= {"value_text"}  # statistics name period_text, absent here: skipped
    assert found == [(i + 2, "value_text", "source-words-not-in-evidence") for i, o in enumerate(outside) if o]
    found = [(p.row, p.column, p.code) for p in check_source_words("data/x.csv", frame, SOURCE_WORDS["events"])]
    want = [i + 2 for i, (o, b) in enumerate(zip(outside, basis, strict=True)) if o and b == "stated"]
    assert found == [(row, "date_text", "source-words-not-in-evidence") for row in want]
