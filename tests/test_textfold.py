"""Repair of the damaged profile, canonical folding and the FoldedText offset map."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from cartel_directive.textfold import (
    _FOLD,
    LATIN10_PROFILE,
    MOJIBAKE,
    FoldedText,
    fold,
    matches,
    repair,
    repair_pieces,
    repair_runs,
)
from strategies import ACCENTED, WORDS, damage

#: Text the damaged file could have held: letters, digits, lowercase accents, curly quotes, whitespace.
CLEAN = st.text(
    alphabet=st.sampled_from(list("abcdefXYZ019 .,;:()\n\t") + list("áéíóúñü") + ["“", "”", "’", "'", '"']),
    max_size=80,
)
ANY = st.text(max_size=80)
WORDY = st.lists(st.sampled_from(WORDS + ACCENTED + ["“", "”", "’s", "—", "–", "…"]), min_size=1, max_size=25).map(
    " ".join
)


@given(CLEAN)
def test_repair_undoes_the_damage_up_to_folding(text: str) -> None:
    damaged = damage(text)
    repaired = repair(damaged, LATIN10_PROFILE)
    assert fold(repaired) == fold(text)
    assert not MOJIBAKE.search(repaired)


@given(ANY, st.sampled_from([None, LATIN10_PROFILE]))
def test_repair_and_fold_are_deterministic_and_idempotent(text: str, profile: str | None) -> None:
    once = fold(repair(text, profile))
    assert once == fold(repair(text, profile))
    assert fold(once) == once
    assert fold(repair(once, None)) == once
    assert repair(text, None) == text


@given(st.one_of(CLEAN.map(damage), ANY))
def test_repair_runs_is_repair_pieces_of_the_whole(text: str) -> None:
    """The whole-file repair (parts found in the bytes, each distinct run repaired once) is the
    piece-by-piece definition, and its part offsets map each ASCII stretch and run onto its repair."""
    data, raw_at, fixed_at = repair_runs(text.encode("utf-8"), LATIN10_PROFILE)
    fixed = data.decode("utf-8")
    assert fixed == "".join(p for p, _, _ in repair_pieces(text, LATIN10_PROFILE))
    assert raw_at[0] == fixed_at[0] == 0 and raw_at[-1] == len(text) and fixed_at[-1] == len(fixed)
    assert len(raw_at) == len(fixed_at) and len(raw_at) % 2 == 0
    for k in range(len(raw_at) - 1):
        part = text[raw_at[k] : raw_at[k + 1]]
        assert part.isascii() if k % 2 == 0 else part and not any(c.isascii() for c in part)
        assert fixed[fixed_at[k] : fixed_at[k + 1]] == "".join(p for p, _, _ in repair_pieces(part, LATIN10_PROFILE))


@given(CLEAN)
def test_repair_is_idempotent_on_clean_text(text: str) -> None:
    """Repairing text that has no damage leaves it as it is (after folding)."""
    repaired = repair(damage(text), LATIN10_PROFILE)
    assert fold(repair(repaired, LATIN10_PROFILE)) == fold(repaired)


@given(CLEAN, st.data())
def test_offsets_round_trip_through_the_damaged_text(text: str, data) -> None:
    """An excerpt of the clean text found in the damaged file maps back to raw offsets that match it."""
    raw = damage(text)
    ft = FoldedText.build(raw, LATIN10_PROFILE)
    assert len(ft.text) == len(ft.starts) == len(ft.ends)
    assert list(ft.starts) == sorted(ft.starts) and all(s < e for s, e in zip(ft.starts, ft.ends, strict=True))
    if not fold(text):
        return
    i = data.draw(st.integers(0, len(text) - 1))
    j = data.draw(st.integers(i + 1, len(text)))
    excerpt = text[i:j]
    if not fold(excerpt):
        return
    hits = ft.find_all(excerpt)
    assert hits, (raw, excerpt)
    for a, b in hits:
        assert matches(raw, a, b, excerpt, LATIN10_PROFILE)
        assert fold(repair(raw[a:b], LATIN10_PROFILE)) == fold(excerpt)


@given(WORDY, st.data())
def test_offsets_round_trip_in_clean_text(text: str, data) -> None:
    ft = FoldedText.build(text)
    i = data.draw(st.integers(0, len(text) - 1))
    j = data.draw(st.integers(i + 1, len(text)))
    excerpt = text[i:j].replace("’", "'").replace("—", "-")
    for a, b in ft.find_all(excerpt):
        assert matches(text, a, b, excerpt, None)
        assert text[a:b].strip() == text[a:b]


def test_documented_examples() -> None:
    assert repair("ĂĄ Ă© âItâs", LATIN10_PROFILE) == "á é ’It’s"
    assert fold("“It’s”  —\n fine…") == "'It's' - fine..."
    assert fold(repair("FarfĂĄn-MĂ©ndez", LATIN10_PROFILE)) == "Farfán-Méndez"


def test_unknown_profile_is_an_error() -> None:
    import pytest

    from cartel_directive.textfold import UnknownDamageProfile

    with pytest.raises(UnknownDamageProfile):
        repair("x", "latin1-twice")


def test_whitespace_is_pythons() -> None:
    import sys

    from cartel_directive.textfold import _WHITESPACE

    assert "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()) == _WHITESPACE


SPACY = st.text(
    alphabet=st.sampled_from(["a", "é", "’", "\x00", "\x01", *"\t\n\x0b\x1c \x85\xa0\u2003\u3000"]), max_size=30
)


@given(st.lists(st.one_of(ANY, SPACY), max_size=6))
def test_fold_many_is_fold_of_each(texts: list[str]) -> None:
    from cartel_directive.textfold import fold_many

    assert fold_many(texts) == [fold(t) for t in texts]
    assert fold_many(texts) == [" ".join(unicodedata.normalize("NFC", t).translate(_FOLD).split()) for t in texts]


#: Text the folding has to map: decomposed and precomposed accents, marks after a space, curly quotes,
#: dashes, the ellipsis, runs of every kind of whitespace, a letter NFC makes two (U+0958), a sign NFC
#: makes a letter (U+212B), Hangul jamo NFC joins, and the mojibake of the damaged profile.
FOLDABLE = st.lists(
    st.sampled_from(
        [*"aeEnoA'\"`-.,", "\u0301", "\u0303", "\u0308", "\u0323", "é", "ñ", "“", "”", "’", "‘", "—", "–", "…"]
    )
    | st.sampled_from([" ", "  ", "\n", "\t", "\xa0", "\u2000", "\u3000", "\x1c"])
    | st.sampled_from(["\u0958", "\u212b", "\u1100", "\u1161", "\u11a8", "â", "Ă", "Ă©", "Ä", "Ă\x81", "Ă\u02dd"]),
    max_size=40,
).map("".join)
RAW = st.one_of(
    st.tuples(FOLDABLE, st.sampled_from([None, LATIN10_PROFILE])),
    st.tuples(FOLDABLE.map(damage), st.just(LATIN10_PROFILE)),
    st.tuples(CLEAN.map(damage), st.just(LATIN10_PROFILE)),
    st.tuples(ANY, st.sampled_from([None, LATIN10_PROFILE])),
)


@given(RAW)
def test_folded_text_is_the_folding_with_a_map(case: tuple[str, str | None]) -> None:
    raw, profile = case
    ft = FoldedText.build(raw, profile)
    assert ft.text == fold(repair(raw, profile))
    assert len(ft.text) == len(ft.starts) == len(ft.ends)
    assert all(0 <= s < e <= len(raw) for s, e in zip(ft.starts.tolist(), ft.ends.tolist(), strict=True))
    assert list(ft.starts) == sorted(ft.starts) and list(ft.ends) == sorted(ft.ends)


@given(RAW, st.data())
def test_every_whole_span_folds_to_its_text_and_is_found(case: tuple[str, str | None], data) -> None:
    """Any stretch of the folded text that starts and ends on whole units (not on a space) is what its
    raw span folds to, and find_all gives that span (but for one edge of the damaged profile's repair)."""
    raw, profile = case
    ft = FoldedText.build(raw, profile)
    n = len(ft.text)
    firsts = [i for i in range(n) if ft.text[i] != " " and (i == 0 or ft.starts[i] != ft.starts[i - 1])]
    lasts = [j for j in range(1, n + 1) if ft.text[j - 1] != " " and (j == n or ft.ends[j] != ft.ends[j - 1])]
    if not firsts:
        return
    i = data.draw(st.sampled_from(firsts))
    later = [j for j in lasts if j > i]
    j = data.draw(st.sampled_from(later))
    a, b = int(ft.starts[i]), int(ft.ends[j - 1])
    if fold(repair(raw[a:b], profile)) == ft.text[i:j]:
        assert (a, b) in ft.find_all(ft.text[i:j])
    else:  # only a lone "â" that the damaged character after it kept from being read as a quote
        assert profile and raw[b - 1] == "â" and repair(raw[b - 1 : b + 1], profile) == raw[b - 1 : b + 1]
        assert (a, b) not in ft.find_all(ft.text[i:j])


@given(RAW, st.data())
def test_find_all_gives_only_spans_that_match(case: tuple[str, str | None], data) -> None:
    raw, profile = case
    ft = FoldedText.build(raw, profile)
    i = data.draw(st.integers(0, len(raw)))
    j = data.draw(st.integers(i, len(raw)))
    excerpt = data.draw(st.sampled_from([raw[i:j], repair(raw[i:j], profile), fold(repair(raw, profile))[i:j]]))
    lo = data.draw(st.integers(0, len(raw)))
    for a, b in ft.find_all(excerpt, lo):
        assert a >= lo and matches(raw, a, b, excerpt, profile), (raw, excerpt, a, b)


def test_a_decomposed_accent_in_the_archive_is_found() -> None:
    """The review's case: the archive writes an accent as a letter and a combining mark (NFC joins
    them); the excerpt, either way, is found, at the raw span that matches it."""
    raw = "El fiscal Farfa\u0301n-Me\u0301ndez dijo: \u201cno\u201d.\n"
    ft = FoldedText.build(raw)
    assert ft.text == fold(raw) == "El fiscal Farfán-Méndez dijo: 'no'."
    for excerpt in ("Farfán-Méndez", "Farfa\u0301n-Me\u0301ndez", "Méndez dijo: “no”"):
        [(a, b)] = ft.find_all(excerpt)
        assert matches(raw, a, b, excerpt, None)
    assert ft.find_all("Méndez") == [(raw.index("Me\u0301ndez"), raw.index("Me\u0301ndez") + 7)]
    assert ft.find_all("Farfa") == []  # the archive reads "Farfá": an excerpt may not cut a letter from its accent


def test_an_excerpt_may_not_cut_what_folds_as_one() -> None:
    raw = "wait… then"
    ft = FoldedText.build(raw)
    assert ft.find_all("wait...") == [(0, 5)] and ft.find_all("wait..") == [] and ft.find_all("then") == [(6, 10)]


def test_attached_covers_every_character_canonical_composition_joins_backwards() -> None:
    """What :func:`_units` relies on, over all of Unicode: a character not :func:`_attached` starts with
    a starter that composes with nothing before it; whitespace is never attached, composes with nothing
    after it, and NFC keeps whitespace whitespace and the rest not."""
    import sys

    from cartel_directive.textfold import _WHITESPACE, _attached

    seconds = {chr(c) for c in [*range(0x1161, 0x1176), *range(0x11A8, 0x11C3)]}  # Hangul V and T jamo
    firsts = {chr(c) for c in range(0x1100, 0x1113)} | {chr(c) for c in range(0xAC00, 0xD7A4)}  # L, LV
    for code in range(sys.maxunicode + 1):
        d = unicodedata.decomposition(chr(code))
        if d and not d.startswith("<") and len(d.split()) == 2:
            a, b = (chr(int(x, 16)) for x in d.split())
            if unicodedata.normalize("NFC", a + b) == chr(code):
                firsts.add(a)
                seconds.add(b)
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        first = unicodedata.normalize("NFD", ch)[0]
        if unicodedata.combining(first) or first in seconds:
            assert _attached(ch), hex(code)
    for ch in _WHITESPACE:
        assert not _attached(ch) and ch not in firsts
        assert all(c.isspace() for c in unicodedata.normalize("NFC", ch))
    for code in range(0x80, sys.maxunicode + 1):
        if unicodedata.decomposition(chr(code)) and not chr(code).isspace():
            assert not any(c.isspace() for c in unicodedata.normalize("NFC", chr(code))), hex(code)
