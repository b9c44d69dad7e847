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
